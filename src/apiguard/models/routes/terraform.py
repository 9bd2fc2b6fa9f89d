"""API Gateway resources of a Terraform file (AWS provider).

Values are python-hcl2 text: a string that starts with `${` is an expression
(`${var.authorization}`), which this model reads as UNKNOWN unless it names
another resource of the same file. A `dynamic` block may produce the block it
names or not, so a setting that only a dynamic block gives is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import re2

from apiguard.models.routes.cloudformation import WEAK_SECURITY_POLICIES
from apiguard.models.routes.common import (
    UNKNOWN,
    Entry,
    MethodSetting,
    Route,
    Stage,
    TlsSetting,
    Tristate,
    global_setting,
    items,
    mapping,
    pointer,
    text,
)

_THROTTLING_KEYS = ("throttling_rate_limit", "throttling_burst_limit")
# `${type.name.attribute}`, also with an index: `${type.name[0].attribute}`.
_REFERENCE = re2.compile(
    r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.([a-z_]+)\}$"
)
_STAGE_THROTTLING_ELSEWHERE = global_setting(
    rateLimit="an aws_api_gateway_method_settings resource in another file "
    "sets throttling for this stage"
)

Resources = dict[tuple[str, str], tuple[str, dict[str, Any]]]
"""(type, name) to (JSON Pointer, body) for every resource of the file."""


def terraform_entries(data: dict[str, Any]) -> Iterator[Entry]:
    table = _resources(data)
    for (kind, name), (base, body) in table.items():
        handler = _HANDLERS.get(kind)
        if handler is not None:
            yield from handler(name, base, body, table)


def _resources(data: dict[str, Any]) -> Resources:
    table: Resources = {}
    for index, group in enumerate(items(data.get("resource"))):
        for kind, named in mapping(group).items():
            for name, body in mapping(named).items():
                source = pointer("resource", index, kind, name)
                table[(str(kind), str(name))] = (source, mapping(body))
    return table


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def _referenced(value: Any, table: Resources) -> tuple[str, dict[str, Any]]:
    """Return the type and body of the resource that `${type.name.attr}` names."""
    match = _REFERENCE.match(text(value))
    if match is None:
        return "", {}
    kind, name = match.group(1), match.group(2)
    return kind, table.get((kind, name), ("", {}))[1]


def _auth(kind: Any, api_key: Any) -> tuple[str, ...] | str:
    if _is_expression(kind):
        return UNKNOWN
    found = [] if text(kind).upper() in ("NONE", "") else [text(kind)]
    if api_key is True:
        found.append("api-key")
    return tuple(found)


def _has_block(body: dict[str, Any], name: str) -> Tristate:
    if items(body.get(name)):
        return True
    dynamic = items(body.get("dynamic"))
    if any(name in mapping(block) for block in dynamic):
        return UNKNOWN
    return False


def _method(
    name: str, base: str, body: dict[str, Any], table: Resources
) -> Iterator[Entry]:
    http_method = text(body.get("http_method")).upper()
    if http_method == "OPTIONS":
        return
    source = base + ("/authorization" if "authorization" in body else "")
    yield Route(
        format="terraform",
        name=f"aws_api_gateway_method.{name}",
        source=source,
        path=_resource_path(body.get("resource_id"), table),
        method=http_method,
        tls=True,
        https_redirect=True,
        auth=_auth(body.get("authorization", "NONE"), body.get("api_key_required")),
    )


def _resource_path(value: Any, table: Resources, depth: int = 0) -> str:
    """Return the path of an aws_api_gateway_resource, "" when not in the file."""
    if text(value).endswith(".root_resource_id}"):
        return "/"
    kind, body = _referenced(value, table)
    if kind != "aws_api_gateway_resource" or not body or depth > 50:
        return ""
    parent = _resource_path(body.get("parent_id"), table, depth + 1)
    if not parent:
        return ""
    return parent.rstrip("/") + "/" + text(body.get("path_part"))


def _route_v2(
    name: str, base: str, body: dict[str, Any], table: Resources
) -> Iterator[Entry]:
    key = text(body.get("route_key"))
    _, api = _referenced(body.get("api_id"), table)
    method, _, path = key.partition(" ")
    websocket = text(api.get("protocol_type")).upper() == "WEBSOCKET" or (
        not path and key != "$default" and not _is_expression(key)
    )
    # A WebSocket API authorizes on $connect only.
    if (websocket and key != "$connect") or method.upper() == "OPTIONS":
        return
    source = base + ("/authorization_type" if "authorization_type" in body else "")
    yield Route(
        format="terraform",
        name=f"aws_apigatewayv2_route.{name}",
        source=source,
        path=path or key,
        method=method.upper() if path else "",
        tls=True,
        https_redirect=True,
        auth=_auth(
            body.get("authorization_type", "NONE"), body.get("api_key_required")
        ),
    )


def _stage(
    name: str, base: str, body: dict[str, Any], table: Resources
) -> Iterator[Entry]:
    throttling = _stage_throttling(name, body, table)
    yield Stage(
        format="terraform",
        name=f"aws_api_gateway_stage.{name}",
        source=base,
        access_log=_has_block(body, "access_log_settings"),
        throttling=throttling,
        global_setting=_STAGE_THROTTLING_ELSEWHERE
        if throttling is False
        else global_setting(),
    )


def _stage_throttling(
    name: str, body: dict[str, Any], table: Resources
) -> dict[str, Any] | Tristate:
    """Return the throttling that method settings of the file set for a stage."""
    stage_name = text(body.get("stage_name"))
    limits: dict[str, Any] = {}
    for (kind, _), (_, settings) in table.items():
        if kind != "aws_api_gateway_method_settings":
            continue
        if not _names_stage(text(settings.get("stage_name")), name, stage_name):
            continue
        found = _throttling(items(settings.get("settings")))
        if found is UNKNOWN:
            return UNKNOWN
        if isinstance(found, dict):
            limits.update(found)
    return limits or False


def _names_stage(value: str, name: str, stage_name: str) -> bool:
    """Return whether a `stage_name` value refers to the stage resource `name`."""
    if value == stage_name and not _is_expression(value):
        return True
    match = _REFERENCE.match(value)
    return match is not None and match.group(1, 2) == ("aws_api_gateway_stage", name)


def _throttling(blocks: list[Any]) -> dict[str, Any] | Tristate:
    limits: dict[str, Any] = {}
    for block in blocks:
        for key in _THROTTLING_KEYS:
            value = mapping(block).get(key)
            if value is None:
                continue
            if _is_expression(value):
                return UNKNOWN
            limits[key] = value
    return limits or False


def _method_settings(
    name: str, base: str, body: dict[str, Any], table: Resources
) -> Iterator[Entry]:
    blocks = items(body.get("settings"))
    settings = mapping(blocks[0]) if blocks else {}
    source = base + ("/settings/0/logging_level" if "logging_level" in settings else "")
    yield MethodSetting(
        format="terraform",
        name=f"aws_api_gateway_method_settings.{name}",
        source=source,
        scope=text(body.get("method_path")),
        throttling=_throttling(blocks),
        logging_level=text(settings.get("logging_level")).upper(),
    )


def _stage_v2(
    name: str, base: str, body: dict[str, Any], table: Resources
) -> Iterator[Entry]:
    _, api = _referenced(body.get("api_id"), table)
    websocket = text(api.get("protocol_type")).upper() == "WEBSOCKET"
    default = items(body.get("default_route_settings"))
    routes = items(body.get("route_settings"))
    throttling = _throttling([*default, *routes])
    if throttling is False and UNKNOWN in (
        _has_block(body, "default_route_settings"),
        _has_block(body, "route_settings"),
    ):
        throttling = UNKNOWN
    yield Stage(
        format="terraform",
        name=f"aws_apigatewayv2_stage.{name}",
        source=base,
        api_type="websocket" if websocket else "http",
        access_log=_has_block(body, "access_log_settings"),
        throttling=throttling,
    )
    settings = mapping(default[0]) if default else {}
    if "logging_level" in settings:
        yield MethodSetting(
            format="terraform",
            name=f"aws_apigatewayv2_stage.{name}",
            source=base + "/default_route_settings/0/logging_level",
            scope="default_route_settings",
            throttling=_throttling(default),
            logging_level=text(settings.get("logging_level")).upper(),
        )


def _domain(
    name: str, base: str, body: dict[str, Any], table: Resources
) -> Iterator[Entry]:
    if "security_policy" in body:
        yield _policy(
            f"aws_api_gateway_domain_name.{name}", base + "/security_policy", body
        )


def _domain_v2(
    name: str, base: str, body: dict[str, Any], table: Resources
) -> Iterator[Entry]:
    for index, block in enumerate(items(body.get("domain_name_configuration"))):
        if "security_policy" in mapping(block):
            source = f"{base}/domain_name_configuration/{index}/security_policy"
            yield _policy(
                f"aws_apigatewayv2_domain_name.{name}", source, mapping(block)
            )


def _policy(name: str, source: str, body: dict[str, Any]) -> TlsSetting:
    value = body.get("security_policy")
    setting = UNKNOWN if _is_expression(value) else text(value)
    return TlsSetting(
        format="terraform",
        name=name,
        source=source,
        setting=f"security_policy = {setting}",
        weak=setting.upper() in WEAK_SECURITY_POLICIES,
    )


_HANDLERS = {
    "aws_api_gateway_method": _method,
    "aws_api_gateway_stage": _stage,
    "aws_api_gateway_method_settings": _method_settings,
    "aws_api_gateway_domain_name": _domain,
    "aws_apigatewayv2_route": _route_v2,
    "aws_apigatewayv2_stage": _stage_v2,
    "aws_apigatewayv2_domain_name": _domain_v2,
}
