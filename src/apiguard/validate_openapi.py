"""Check an OpenAPI document against its specification's schema."""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass
from typing import Any

from apiguard.load import Pointer
from apiguard.secrets import redact

log = logging.getLogger(__name__)

# Errors reported per document; a broken spec can have thousands.
MAX_ERRORS = 5
# Characters of a message kept in a report.
MAX_MESSAGE = 300
# Characters of a message searched for quoted values. A message can hold the
# repr of a whole document; only its start can reach the report.
_SEARCHED_MESSAGE = 4 * MAX_MESSAGE
# JSON Schema type names: messages quote them, and they are no credentials.
_TYPE_NAMES = frozenset(
    {"array", "boolean", "integer", "null", "number", "object", "string"}
)

# A Python string literal as repr() writes it.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class SpecError:
    message: str
    pointer: Pointer


def validate_openapi(data: Any) -> list[SpecError]:
    """Return up to MAX_ERRORS problems that openapi-spec-validator finds.

    A message shows the string values of the invalid node only redacted:
    jsonschema writes the node's repr into its messages, and a value can be a
    credential. Names (keys, operation ids, paths) are shown.
    """
    from openapi_spec_validator.exceptions import OpenAPIError
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable

    external = _first_external_ref(data)
    if external is not None:
        # The validator would follow this $ref itself, over the network for a
        # URL; apiguard never lets it.
        return [
            SpecError(
                f"not validated: $ref {external!r} points outside the document", ()
            )
        ]
    version_problem = _version_problem(data)
    if version_problem is not None:
        return [version_problem]

    try:
        validator = get_validator_cls(data)(data)
    except OpenAPIError:
        return [
            SpecError(
                "not validated: openapi-spec-validator has no schema for the "
                "stated version; state a released one, such as openapi: 3.1.0",
                _version_pointer(data),
            )
        ]
    except (OpenAPIValidationError, ValueError, KeyError, TypeError) as setup_error:
        log.debug("validator set-up failed: %s", type(setup_error).__name__)
        return [SpecError("not validated: the validator could not start", ())]

    errors: list[SpecError] = []
    document_values: set[str] | None = None
    try:
        for error in validator.iter_errors():
            if _has_node(error.instance):
                values = _quoted_values(error.instance)
            else:
                # openapi-spec-validator's own errors name no node, so every
                # value of the document may be in the message.
                if document_values is None:
                    document_values = _quoted_values(data)
                values = document_values
            pointer = tuple(getattr(error, "absolute_path", ()))
            errors.append(SpecError(_describe(error.message, values), pointer))
            if len(errors) >= MAX_ERRORS:
                break
    except Unresolvable as stop:
        errors.append(
            SpecError(
                f"validation stopped: $ref to {str(stop.ref)!r} does not resolve; "
                "fix the JSON Pointer after '#'",
                (),
            )
        )
    except Exception as stop:
        # The validator is third-party code that reads untrusted documents and
        # follows their $refs itself: any failure ends the validation, never
        # the scan. Its message can quote the document, so it is not shown.
        log.debug("validation stopped by %s", type(stop).__name__)
        errors.append(
            SpecError(
                f"validation stopped: openapi-spec-validator failed "
                f"({type(stop).__name__}) on a part that is not valid",
                (),
            )
        )
    return errors


def _version_pointer(data: Any) -> Pointer:
    return ("swagger",) if "swagger" in data else ("openapi",)


def _version_problem(data: Any) -> SpecError | None:
    """Return why the version field cannot choose a schema, or None."""
    if not isinstance(data, dict):
        return SpecError("not validated: the document is not a mapping", ())
    (field,) = _version_pointer(data)
    if isinstance(data.get(field), str):
        return None
    example = '"2.0"' if field == "swagger" else '"3.1.0"'
    return SpecError(
        f"not validated: field {field!r} is not a string; quote the version, "
        f"as in {field}: {example}",
        (field,),
    )


def _has_node(instance: Any) -> bool:
    """Return whether `instance` is a document node, not jsonschema's unset marker."""
    return instance is None or isinstance(instance, dict | list | str | int | float)


def _quoted_values(node: Any) -> set[str]:
    """Return the repr() of every string value below `node`.

    Keys are names and stay readable, as in "('x-foo' was unexpected)", and so
    do JSON Schema type names.
    """
    found: set[str] = set()
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if item not in _TYPE_NAMES:
                found.add(repr(item))
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def _describe(message: str, values: set[str]) -> str:
    """Return the message's first line with each quoted value in `values` redacted."""
    text = message[:_SEARCHED_MESSAGE]
    if values:

        def hide(match: re.Match[str]) -> str:
            literal = match.group(0)
            if literal not in values:
                return literal
            return repr(redact(_unquote(literal)))

        text = _QUOTED.sub(hide, text)
        if len(message) > _SEARCHED_MESSAGE:
            # A literal that the cut opened and did not close may be part of
            # a value, so the text stops before it.
            text = _cut_open_literal(text)
    return _first_line(text)


def _unquote(literal: str) -> str:
    value = ast.literal_eval(literal)
    return value if isinstance(value, str) else literal


def _cut_open_literal(text: str) -> str:
    end = 0
    for match in _QUOTED.finditer(text):
        end = match.end()
    rest = text[end:]
    quotes = [index for index in (rest.find("'"), rest.find('"')) if index >= 0]
    return text if not quotes else text[: end + min(quotes)] + "..."


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
    if len(line) <= MAX_MESSAGE:
        return line
    return line[: MAX_MESSAGE - 3] + "..."
