"""API Gateway resources of a CloudFormation template.

API Gateway serves HTTPS only, so every route has `tls: true`. Values given by
an intrinsic function (`Ref`, `Fn::If`, ...) are UNKNOWN, except that a `Ref`
to another resource of the template is followed where a path or an API type
depends on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiguard.models.routes.common import (
    UNKNOWN,
    Entry,
    MethodSetting,
    Route,
    Stage,
    TlsSetting,
    Tristate,
    items,
    mapping,
    pointer,
    text,
)

# The security policy that allows TLS 1.0. TLS_1_2 and the enhanced
# `SecurityPolicy_TLS13_*` and `SecurityPolicy_TLS12_*` policies do not.
WEAK_SECURITY_POLICIES = frozenset({"TLS_1_0"})
_THROTTLING_KEYS = ("ThrottlingRateLimit", "ThrottlingBurstLimit")


def resources(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        str(name): resource
        for name, resource in mapping(data.get("Resources")).items()
        if isinstance(resource, dict)
    }


def properties(resource: dict[str, Any]) -> dict[str, Any]:
    return mapping(resource.get("Properties"))


def reference(value: Any) -> str:
    """Return the logical id that `{"Ref": id}` or `Fn::GetAtt` names, else ""."""
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            return str(value["Ref"])
        target = value.get("Fn::GetAtt")
        if isinstance(target, list) and target:
            return text(target[0])
        if isinstance(target, str):
            return target.split(".", 1)[0]
    return ""


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and any(
        str(key) == "Ref" or str(key).startswith("Fn::") for key in value
    )


def stage_label(logical_id: str, stage_name: Any) -> str:
    """Return `MyApi (prod)`, or the logical id when the stage name is not text."""
    stage = text(stage_name)
    return f"{logical_id} ({stage})" if stage else logical_id


def security_policy(name: str, source: str, value: Any, fmt: str) -> TlsSetting:
    setting = text(value) if not is_intrinsic(value) else UNKNOWN
    return TlsSetting(
        format=fmt,
        name=name,
        source=source,
        setting=f"SecurityPolicy: {setting}",
        weak=setting.upper() in WEAK_SECURITY_POLICIES,
    )


def setting_entries(value: Any) -> list[Any]:
    """Return method or route settings as a list; an intrinsic stays one entry."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def route_setting_entries(default: Any, routes: Any) -> list[Any]:
    """Return an HTTP API's `DefaultRouteSettings` and each `RouteSettings` entry."""
    settings = setting_entries(default)
    if isinstance(routes, dict) and not is_intrinsic(routes):
        settings += list(routes.values())
    elif routes is not None:
        settings.append(routes)
    return settings


def throttling(settings: list[Any]) -> dict[str, Any] | Tristate:
    """Return the throttling limits set by method or route settings, or False."""
    limits: dict[str, Any] = {}
    for entry in settings:
        if is_intrinsic(entry):
            return UNKNOWN
        for key in _THROTTLING_KEYS:
            if key in mapping(entry):
                limits[key] = mapping(entry)[key]
    return limits or False


def method_settings(
    fmt: str, name: str, source: str, settings: list[Any]
) -> Iterator[MethodSetting]:
    for index, entry in enumerate(settings):
        entry = mapping(entry)
        method = text(entry.get("HttpMethod")) or "*"
        path = text(entry.get("ResourcePath")) or "/*"
        yield MethodSetting(
            format=fmt,
            name=name,
            source=_setting_source(source, index, entry),
            scope=f"{method} {path}",
            throttling=throttling([entry]),
            logging_level=text(entry.get("LoggingLevel")).upper(),
        )


def _setting_source(source: str, index: int, entry: dict[str, Any]) -> str:
    if "LoggingLevel" in entry:
        return f"{source}/{index}/LoggingLevel"
    return f"{source}/{index}"


def cloudformation_entries(data: dict[str, Any]) -> Iterator[Entry]:
    table = resources(data)
    for name, resource in table.items():
        kind = text(resource.get("Type"))
        base = pointer("Resources", name)
        handler = _HANDLERS.get(kind)
        if handler is not None:
            yield from handler(name, base, resource, table)


def _method(
    name: str, base: str, resource: dict[str, Any], table: dict[str, dict[str, Any]]
) -> Iterator[Entry]:
    props = properties(resource)
    http_method = text(props.get("HttpMethod")).upper()
    if http_method == "OPTIONS":
        return
    source = base + "/Properties"
    if "AuthorizationType" in props:
        source += "/AuthorizationType"
    yield Route(
        format="cloudformation",
        name=name,
        source=source,
        path=_resource_path(props.get("ResourceId"), table),
        method=http_method,
        tls=True,
        https_redirect=True,
        auth=_auth(props.get("AuthorizationType", "NONE"), props.get("ApiKeyRequired")),
    )


def _auth(kind: Any, api_key: Any) -> tuple[str, ...] | str:
    if is_intrinsic(kind):
        return UNKNOWN
    found = [] if text(kind).upper() == "NONE" else [text(kind)]
    if api_key is True or text(api_key) == "true":
        found.append("api-key")
    return tuple(found)


def _resource_path(value: Any, table: dict[str, dict[str, Any]], depth: int = 0) -> str:
    """Return the path of an AWS::ApiGateway::Resource, "" when not in the template."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "/"
    target = table.get(reference(value))
    if target is None or depth > 50:
        return ""
    props = properties(target)
    parent = _resource_path(props.get("ParentId"), table, depth + 1)
    part = text(props.get("PathPart"))
    if not parent:
        return ""
    return parent.rstrip("/") + "/" + part


def _route_v2(
    name: str, base: str, resource: dict[str, Any], table: dict[str, dict[str, Any]]
) -> Iterator[Entry]:
    props = properties(resource)
    key = text(props.get("RouteKey"))
    api = properties(table.get(reference(props.get("ApiId")), {}))
    protocol = text(api.get("ProtocolType")).upper()
    method, _, path = key.partition(" ")
    websocket = protocol == "WEBSOCKET" or (not path and key != "$default")
    # A WebSocket API authorizes on $connect only.
    if (websocket and key != "$connect") or method.upper() == "OPTIONS":
        return
    source = base + "/Properties"
    if "AuthorizationType" in props:
        source += "/AuthorizationType"
    yield Route(
        format="cloudformation",
        name=name,
        source=source,
        path=path or key,
        method=method.upper() if path else "",
        tls=True,
        https_redirect=True,
        auth=_auth(props.get("AuthorizationType", "NONE"), props.get("ApiKeyRequired")),
    )


def _stage(
    name: str, base: str, resource: dict[str, Any], table: dict[str, dict[str, Any]]
) -> Iterator[Entry]:
    props = properties(resource)
    settings = setting_entries(props.get("MethodSettings"))
    yield Stage(
        format="cloudformation",
        name=stage_label(name, props.get("StageName")),
        source=base + "/Properties",
        access_log="AccessLogSetting" in props,
        throttling=throttling(settings),
    )
    yield from method_settings(
        "cloudformation", name, base + "/Properties/MethodSettings", settings
    )


def _deployment(
    name: str, base: str, resource: dict[str, Any], table: dict[str, dict[str, Any]]
) -> Iterator[Entry]:
    """Yield the stage that a Deployment with `StageName` creates."""
    props = properties(resource)
    if "StageName" not in props:
        return
    description = mapping(props.get("StageDescription"))
    settings = [description, *items(description.get("MethodSettings"))]
    source = base + "/Properties"
    yield Stage(
        format="cloudformation",
        name=stage_label(name, props.get("StageName")),
        source=source + ("/StageDescription" if description else ""),
        access_log="AccessLogSetting" in description,
        throttling=throttling(settings),
    )
    yield from method_settings(
        "cloudformation",
        name,
        source + "/StageDescription/MethodSettings",
        items(description.get("MethodSettings")),
    )


def _stage_v2(
    name: str, base: str, resource: dict[str, Any], table: dict[str, dict[str, Any]]
) -> Iterator[Entry]:
    props = properties(resource)
    api = properties(table.get(reference(props.get("ApiId")), {}))
    api_type = "websocket" if text(api.get("ProtocolType")) == "WEBSOCKET" else "http"
    default = props.get("DefaultRouteSettings")
    settings = route_setting_entries(default, props.get("RouteSettings"))
    yield Stage(
        format="cloudformation",
        name=stage_label(name, props.get("StageName")),
        source=base + "/Properties",
        api_type=api_type,
        access_log="AccessLogSettings" in props,
        throttling=throttling(settings),
    )
    if isinstance(default, dict) and "LoggingLevel" in default:
        yield MethodSetting(
            format="cloudformation",
            name=name,
            source=base + "/Properties/DefaultRouteSettings/LoggingLevel",
            scope="$default route settings",
            throttling=throttling([default]),
            logging_level=text(default.get("LoggingLevel")).upper(),
        )


def _domain(
    name: str, base: str, resource: dict[str, Any], table: dict[str, dict[str, Any]]
) -> Iterator[Entry]:
    props = properties(resource)
    if "SecurityPolicy" in props:
        source = base + "/Properties/SecurityPolicy"
        yield security_policy(name, source, props["SecurityPolicy"], "cloudformation")


def _domain_v2(
    name: str, base: str, resource: dict[str, Any], table: dict[str, dict[str, Any]]
) -> Iterator[Entry]:
    configurations = items(properties(resource).get("DomainNameConfigurations"))
    for index, configuration in enumerate(configurations):
        if "SecurityPolicy" in mapping(configuration):
            source = (
                f"{base}/Properties/DomainNameConfigurations/{index}/SecurityPolicy"
            )
            value = mapping(configuration)["SecurityPolicy"]
            yield security_policy(name, source, value, "cloudformation")


_HANDLERS = {
    "AWS::ApiGateway::Method": _method,
    "AWS::ApiGateway::Stage": _stage,
    "AWS::ApiGateway::Deployment": _deployment,
    "AWS::ApiGateway::DomainName": _domain,
    "AWS::ApiGatewayV2::Route": _route_v2,
    "AWS::ApiGatewayV2::Stage": _stage_v2,
    "AWS::ApiGatewayV2::DomainName": _domain_v2,
}
