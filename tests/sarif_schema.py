"""Validate SARIF text against the OASIS SARIF 2.1.0 JSON schema in tests/data."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@cache
def _validator() -> jsonschema.Draft4Validator:
    # The OASIS schema declares draft-04. Formats such as "uri" are not
    # checked, because jsonschema checks them only with optional packages.
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=None)


def validate_sarif(text: str) -> dict[str, Any]:
    """Parse `text` as JSON, assert that it is a valid SARIF 2.1.0 log, return it."""
    log = json.loads(text)
    errors = sorted(_validator().iter_errors(log), key=lambda error: error.json_path)
    messages = [f"{error.json_path}: {error.message}" for error in errors]
    assert not messages, "invalid SARIF:\n" + "\n".join(messages)
    assert isinstance(log, dict)
    return log
