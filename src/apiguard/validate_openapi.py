"""Check an OpenAPI document against its specification's schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apiguard.load import Pointer

# Errors reported per document; a broken spec can have thousands.
MAX_ERRORS = 5


@dataclass(frozen=True)
class SpecError:
    message: str
    pointer: Pointer


def validate_openapi(data: Any) -> list[SpecError]:
    """Return up to MAX_ERRORS problems that openapi-spec-validator finds."""
    from jsonschema.exceptions import ValidationError
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    external = _first_external_ref(data)
    if external is not None:
        # The validator would follow this $ref itself, over the network for a
        # URL; apiguard never lets it.
        return [
            SpecError(
                f"not validated: $ref {external!r} points outside the document", ()
            )
        ]

    try:
        validator = get_validator_cls(data)(data)
    except (OpenAPIValidationError, ValueError, KeyError) as setup_error:
        return [SpecError(f"cannot validate: {setup_error}", ())]

    errors: list[SpecError] = []
    try:
        for error in validator.iter_errors():
            pointer = tuple(getattr(error, "absolute_path", ()))
            errors.append(SpecError(_first_line(error.message), pointer))
            if len(errors) >= MAX_ERRORS:
                break
    except (ValidationError, ValueError, KeyError, TypeError, RecursionError) as stop:
        # The validator follows $refs itself and can fail on a broken one.
        errors.append(SpecError(f"validation stopped: {_first_line(str(stop))}", ()))
    return errors


def _first_external_ref(data: Any) -> str | None:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return ref
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "invalid"
    return line if len(line) <= 300 else line[:297] + "..."
