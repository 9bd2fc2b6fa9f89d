"""Give each parsed document a kind from its content.

KINDS lists the kinds in the order they are tried; the first test that
accepts a document names its kind. A document that no test accepts is of
kind `yaml` or `json`, after its syntax. Every file is also of kind `text`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TEXT_KIND = "text"


def is_openapi(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if str(data.get("swagger", "")) == "2.0":
        return True
    version = data.get("openapi")
    return isinstance(version, str) and version.startswith("3.")


def is_kubernetes(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
    )


KINDS: dict[str, Callable[[Any], bool]] = {
    "openapi": is_openapi,
    "kubernetes": is_kubernetes,
}


def classify(data: Any, syntax: str) -> str:
    """Return the kind of a document parsed from `syntax` (yaml or json)."""
    for kind, accepts in KINDS.items():
        if accepts(data):
            return kind
    return syntax
