"""HTTP events and API stages of a Serverless Framework service for AWS.

An `http` event is a route of the REST API, an `httpApi` event one of the
HTTP API. A route's authentication is its `authorizer`, and `private: true`
(an API key) for `http`. Access logs come from `provider.logs.restApi` and
`provider.logs.httpApi`, and REST API throttling from
`provider.apiGateway.usagePlan`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiguard.models.routes.common import (
    UNKNOWN,
    Entry,
    Route,
    Stage,
    Tristate,
    items,
    mapping,
    pointer,
    text,
)

_EVENT_TYPES = {"http": "rest", "httpApi": "http"}
_LOG_KEYS = {"rest": "restApi", "http": "httpApi"}


def serverless_entries(data: dict[str, Any]) -> Iterator[Entry]:
    used: set[str] = set()
    for name, function in mapping(data.get("functions")).items():
        for index, event in enumerate(items(mapping(function).get("events"))):
            for event_type, api_type in _EVENT_TYPES.items():
                if event_type not in mapping(event):
                    continue
                used.add(api_type)
                source = pointer("functions", name, "events", index, event_type)
                route = _route(f"{name}.{event_type}", source, event[event_type])
                if route is not None:
                    yield route
    for api_type in sorted(used, reverse=True):
        yield _stage(data, api_type)


def _route(name: str, source: str, event: Any) -> Route | None:
    method, path = _method_and_path(event)
    if method == "OPTIONS":
        return None
    settings = mapping(event)
    if "authorizer" in settings:
        source += "/authorizer"
    return Route(
        format="serverless",
        name=name,
        source=source,
        path=path,
        method=method,
        tls=True,
        https_redirect=True,
        auth=_auth(settings),
    )


def _method_and_path(event: Any) -> tuple[str, str]:
    if isinstance(event, str):
        if event.strip() == "*":
            return "ANY", "*"
        method, _, path = event.strip().partition(" ")
        return method.upper(), path.strip()
    settings = mapping(event)
    return text(settings.get("method")).upper(), text(settings.get("path"))


def _auth(settings: dict[str, Any]) -> tuple[str, ...] | str:
    found: list[str] = []
    authorizer = settings.get("authorizer")
    if isinstance(authorizer, dict):
        label = (
            text(authorizer.get("name"))
            or text(authorizer.get("type"))
            or text(authorizer.get("arn"))
        )
        found.append(label or UNKNOWN)
    elif authorizer is not None:
        found.append(text(authorizer))
    if settings.get("private") is True:
        found.append("api-key")
    if "${" in "".join(found):
        return UNKNOWN
    return tuple(found)


def _stage(data: dict[str, Any], api_type: str) -> Stage:
    provider = mapping(data.get("provider"))
    logs = mapping(provider.get("logs"))
    key = _LOG_KEYS[api_type]
    source = pointer("provider")
    if key in logs:
        source = pointer("provider", "logs", key)
    elif "logs" in provider:
        source = pointer("provider", "logs")
    label = "REST API" if api_type == "rest" else "HTTP API"
    return Stage(
        format="serverless",
        name=f"{_service_name(data)} {label}",
        source=source,
        api_type=api_type,
        access_log=_access_log(logs.get(key)),
        throttling=_usage_plan_throttling(provider) if api_type == "rest" else UNKNOWN,
    )


def _service_name(data: dict[str, Any]) -> str:
    service = data.get("service")
    if isinstance(service, dict):
        return text(service.get("name"))
    return text(service)


def _access_log(setting: Any) -> Tristate:
    if setting is None or setting is False:
        return False
    if isinstance(setting, dict):
        return setting.get("accessLogging", True) is not False
    if isinstance(setting, str) and "${" in setting:
        return UNKNOWN
    return bool(setting)


def _usage_plan_throttling(provider: dict[str, Any]) -> dict[str, Any] | Tristate:
    plan = mapping(provider.get("apiGateway")).get("usagePlan")
    plans = [mapping(plan)] if isinstance(plan, dict) else []
    for entry in items(plan):
        # A list of usage plans maps each name to its settings.
        plans.extend(mapping(value) for value in mapping(entry).values())
    for settings in plans:
        throttle = mapping(settings.get("throttle"))
        if throttle:
            return dict(throttle)
    return False
