"""Literal credentials in the `environment` of Compose services.

A variable is a credential when its name contains a password, secret, token
or key word (`DB_PASSWORD`, `JWT_SECRET`, `API_KEY`) and does not name
something that is not itself secret (`*_FILE`, `*_KEY_ID`, `PUBLIC_KEY`).
Values that are absolute paths name a file that contains the secret.
A value without `=` in the list form, or a null value, is passed through
from the host's environment and is not a literal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import re2

from apiguard.models.routes.common import Credential, items, mapping, pointer, text

_SECRET_NAME = re2.compile(
    r"(?i)(?:passw(?:or)?d|passwd|pwd|secret|token|credential|apikey|api_key"
    r"|access_key|private_key|(?:^|_)key$)"
)
_NOT_SECRET_NAME = re2.compile(
    r"(?i)(?:_file|_path|_dir|_url|_uri|_host|_port|_user|_username|_name|_id"
    r"|_length|_ttl|_expiry|_expires|_enabled|_type|_header|public)$|public_key"
)
_FLAG_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})
MIN_LENGTH = 4


def compose_entries(data: dict[str, Any]) -> Iterator[Credential]:
    for service, settings in mapping(data.get("services")).items():
        environment = mapping(settings).get("environment")
        for key, value, source in _variables(str(service), environment):
            if _is_credential(key, value):
                yield Credential(
                    format="compose",
                    name=key,
                    source=source,
                    secret=value,
                    owner=str(service),
                )


def _variables(service: str, environment: Any) -> Iterator[tuple[str, str, str]]:
    """Yield (name, value, JSON Pointer) for each variable with a literal value."""
    if isinstance(environment, dict):
        for key, value in environment.items():
            if value is not None:
                source = pointer("services", service, "environment", key)
                yield str(key), text(value), source
        return
    for index, entry in enumerate(items(environment)):
        key, equals, value = text(entry).partition("=")
        if equals:
            yield key, value, pointer("services", service, "environment", index)


def _is_credential(name: str, value: str) -> bool:
    if not _SECRET_NAME.search(name) or _NOT_SECRET_NAME.search(name):
        return False
    # An absolute path names a file that contains the secret, such as
    # /run/secrets/db-password.
    if value.startswith("/"):
        return False
    return len(value) >= MIN_LENGTH and value.lower() not in _FLAG_VALUES
