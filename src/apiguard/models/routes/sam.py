"""APIs and API events of an AWS SAM template (AWS::Serverless-2016-10-31).

An event of type `Api` or `HttpApi` is a route. Without its own
`Auth.Authorizer` it takes the API's `Auth.DefaultAuthorizer`. An event
without `RestApiId` or `ApiId` belongs to the implicit API that SAM creates,
and that API's settings come from `Globals`. An API with an OpenAPI definition
(`DefinitionBody`, `DefinitionUri`) and no `Auth` may declare security in that
definition, so its events' authentication is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from apiguard.models.routes.cloudformation import (
    is_intrinsic,
    method_settings,
    properties,
    reference,
    resources,
    route_setting_entries,
    security_policy,
    setting_entries,
    stage_label,
    throttling,
)
from apiguard.models.routes.common import (
    UNKNOWN,
    Entry,
    Route,
    Stage,
    Tristate,
    mapping,
    pointer,
    text,
)

_API_TYPES = {"AWS::Serverless::Api": "Api", "AWS::Serverless::HttpApi": "HttpApi"}
_EVENT_OWNERS = frozenset(
    {"AWS::Serverless::Function", "AWS::Serverless::StateMachine"}
)
_ACCESS_LOG_KEYS = {"Api": "AccessLogSetting", "HttpApi": "AccessLogSettings"}
_IMPLICIT_NAMES = {"Api": "ServerlessRestApi", "HttpApi": "ServerlessHttpApi"}


@dataclass(frozen=True)
class _Api:
    """An explicit or implicit SAM API with its Globals merged in."""

    event_type: str
    props: dict[str, Any]

    @property
    def auth(self) -> dict[str, Any]:
        return mapping(self.props.get("Auth"))

    @property
    def has_definition(self) -> bool:
        return "DefinitionBody" in self.props or "DefinitionUri" in self.props

    @property
    def api_type(self) -> str:
        return "rest" if self.event_type == "Api" else "http"

    @property
    def access_log(self) -> bool:
        return _ACCESS_LOG_KEYS[self.event_type] in self.props

    @property
    def throttling(self) -> dict[str, Any] | Tristate:
        """Return the limits of `MethodSettings` (Api) or route settings (HttpApi)."""
        if self.event_type == "Api":
            return throttling(setting_entries(self.props.get("MethodSettings")))
        default = self.props.get("DefaultRouteSettings")
        routes = self.props.get("RouteSettings")
        return throttling(route_setting_entries(default, routes))


def sam_entries(data: dict[str, Any]) -> Iterator[Entry]:
    table = resources(data)
    globals_ = mapping(data.get("Globals"))
    apis: dict[str, _Api] = {}
    for name, resource in table.items():
        event_type = _API_TYPES.get(text(resource.get("Type")))
        if event_type is None:
            continue
        merged = {**mapping(globals_.get(event_type)), **properties(resource)}
        apis[name] = _Api(event_type, merged)
        yield from _api_entries(name, pointer("Resources", name), apis[name])
    yield from _events(table, globals_, apis)


def _api_entries(name: str, base: str, api: _Api) -> Iterator[Entry]:
    props = api.props
    yield Stage(
        format="sam",
        name=stage_label(name, props.get("StageName")),
        source=base + "/Properties",
        api_type=api.api_type,
        access_log=api.access_log,
        throttling=api.throttling,
    )
    settings = props.get("MethodSettings")
    if api.event_type == "Api" and isinstance(settings, list):
        yield from method_settings(
            "sam", name, base + "/Properties/MethodSettings", settings
        )
    domain = mapping(props.get("Domain"))
    if "SecurityPolicy" in domain:
        source = base + "/Properties/Domain/SecurityPolicy"
        yield security_policy(name, source, domain["SecurityPolicy"], "sam")


def _events(
    table: dict[str, dict[str, Any]], globals_: dict[str, Any], apis: dict[str, _Api]
) -> Iterator[Entry]:
    implicit_seen: set[str] = set()
    for name, resource in table.items():
        if text(resource.get("Type")) not in _EVENT_OWNERS:
            continue
        events = mapping(properties(resource).get("Events"))
        for event_name, event in events.items():
            event = mapping(event)
            event_type = text(event.get("Type"))
            if event_type not in _ACCESS_LOG_KEYS:
                continue
            source = pointer("Resources", name, "Properties", "Events", event_name)
            api, implicit = _event_api(event, event_type, globals_, apis)
            if implicit and event_type not in implicit_seen:
                implicit_seen.add(event_type)
                yield _implicit_stage(event_type, globals_, source, api)
            yield from _event_route(f"{name}.{event_name}", source, event, api)


def _event_api(
    event: dict[str, Any],
    event_type: str,
    globals_: dict[str, Any],
    apis: dict[str, _Api],
) -> tuple[_Api | None, bool]:
    """Return the API an event belongs to, and whether it is the implicit one."""
    props = mapping(event.get("Properties"))
    key = "RestApiId" if event_type == "Api" else "ApiId"
    if key not in props:
        return _Api(event_type, mapping(globals_.get(event_type))), True
    return apis.get(reference(props[key])), False


def _implicit_stage(
    event_type: str, globals_: dict[str, Any], event_source: str, api: _Api | None
) -> Stage:
    api = api or _Api(event_type, {})
    source = pointer("Globals", event_type) if event_type in globals_ else event_source
    return Stage(
        format="sam",
        name=_IMPLICIT_NAMES[event_type],
        source=source,
        api_type=api.api_type,
        access_log=api.access_log,
        throttling=api.throttling,
    )


def _event_route(
    name: str, source: str, event: dict[str, Any], api: _Api | None
) -> Iterator[Route]:
    props = mapping(event.get("Properties"))
    method = text(props.get("Method")).upper()
    if method == "OPTIONS":
        return
    auth = mapping(props.get("Auth"))
    if "Authorizer" in auth:
        source += "/Properties/Auth/Authorizer"
    yield Route(
        format="sam",
        name=name,
        source=source,
        path=text(props.get("Path")) or ("$default" if not method else ""),
        method="ANY" if method == "ANY" else method,
        tls=True,
        https_redirect=True,
        auth=_event_auth(auth, api),
    )


def _event_auth(auth: dict[str, Any], api: _Api | None) -> tuple[str, ...] | str:
    authorizer = auth.get("Authorizer")
    api_auth = api.auth if api else {}
    if authorizer is None:
        authorizer = api_auth.get("DefaultAuthorizer")
        if authorizer is None and (api is None or api.has_definition):
            return UNKNOWN
    if is_intrinsic(authorizer):
        return UNKNOWN
    found = []
    if authorizer is not None and text(authorizer).upper() != "NONE":
        found.append(text(authorizer))
    api_key = auth.get("ApiKeyRequired", api_auth.get("ApiKeyRequired"))
    if api_key is True:
        found.append("api-key")
    return tuple(found)
