"""Give each parsed document a kind from its content.

KINDS lists the kinds in the order they are tried; the first test that
accepts a document names its kind. A document that no test accepts is of
kind `yaml` or `json`, after its syntax. Terraform and nginx files are of
kind `terraform` and `nginx`. Every file is also of kind `text`.
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


def is_kong(data: Any) -> bool:
    """Accept a Kong declarative config (decK), which states `_format_version`."""
    return isinstance(data, dict) and "_format_version" in data


def is_cloudformation(data: Any) -> bool:
    """Accept a CloudFormation or SAM template.

    A template states `AWSTemplateFormatVersion`, or has `Resources` with at
    least one `AWS::` type. SAM templates add
    `Transform: AWS::Serverless-2016-10-31` and are of this kind too.
    """
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return False
    return any(
        isinstance(resource, dict) and str(resource.get("Type", "")).startswith("AWS::")
        for resource in resources.values()
    )


def is_serverless(data: Any) -> bool:
    """Accept a Serverless Framework service for AWS: `provider.name: aws`."""
    if not isinstance(data, dict) or "service" not in data:
        return False
    provider = data.get("provider")
    if isinstance(provider, dict):
        return provider.get("name") == "aws"
    return provider == "aws"


def is_compose(data: Any) -> bool:
    """Accept a Compose file: `services` with at least one `image` or `build`."""
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return False
    return any(
        isinstance(service, dict) and ("image" in service or "build" in service)
        for service in data["services"].values()
    )


def is_envoy(data: Any) -> bool:
    """Accept an Envoy bootstrap configuration with static listeners."""
    if not isinstance(data, dict):
        return False
    resources = data.get("static_resources")
    return isinstance(resources, dict) and "listeners" in resources


def is_traefik(data: Any) -> bool:
    """Accept a Traefik static or dynamic (file provider) configuration.

    A dynamic one has `http.routers`; a static one has `entryPoints` and one
    of `providers`, `api`, `accessLog` or `certificatesResolvers`.
    """
    if not isinstance(data, dict):
        return False
    http = data.get("http")
    if isinstance(http, dict) and isinstance(http.get("routers"), dict):
        return True
    static_keys = ("providers", "api", "accessLog", "certificatesResolvers")
    entry_points = data.get("entryPoints")
    return isinstance(entry_points, dict) and any(key in data for key in static_keys)


# The specific kinds come before `kubernetes`, which accepts any document with
# `apiVersion` and `kind`.
KINDS: dict[str, Callable[[Any], bool]] = {
    "openapi": is_openapi,
    "kong": is_kong,
    "cloudformation": is_cloudformation,
    "serverless": is_serverless,
    "compose": is_compose,
    "envoy": is_envoy,
    "traefik": is_traefik,
    "kubernetes": is_kubernetes,
}


def classify(data: Any, syntax: str) -> str:
    """Return the kind of a document parsed from `syntax`.

    A document parsed from YAML or JSON gets the first kind in KINDS whose
    test accepts it. Any other syntax (`terraform`, `nginx`) is the kind of
    its documents.
    """
    if syntax not in ("yaml", "json"):
        return syntax
    for kind, accepts in KINDS.items():
        if accepts(data):
            return kind
    return syntax
