"""Routes and consumer credentials of a Kong declarative config (decK).

A route's plugins are its own, its service's, and the global ones: top-level
plugins that name no service, route or consumer. Plugins with
`enabled: false` and plugins scoped to a consumer do not count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from apiguard.models.routes.common import (
    Credential,
    Entry,
    Route,
    global_setting,
    items,
    mapping,
    pointer,
    text,
)

AUTH_PLUGINS = frozenset(
    {
        "basic-auth",
        "hmac-auth",
        "jwt",
        "jwt-signer",
        "key-auth",
        "key-auth-enc",
        "ldap-auth",
        "ldap-auth-advanced",
        "mtls-auth",
        "oauth2",
        "oauth2-introspection",
        "openid-connect",
        "vault-auth",
    }
)
RATE_LIMIT_PLUGINS = frozenset(
    {
        "rate-limiting",
        "rate-limiting-advanced",
        "response-ratelimiting",
        "ai-rate-limiting-advanced",
        "graphql-rate-limiting-advanced",
        "service-protection",
    }
)
LOG_PLUGINS = frozenset(
    {
        "datadog",
        "file-log",
        "http-log",
        "kafka-log",
        "loggly",
        "statsd",
        "statsd-advanced",
        "syslog",
        "tcp-log",
        "udp-log",
    }
)
# Consumer credential lists and the field of each that contains the secret.
CREDENTIAL_FIELDS = {
    "keyauth_credentials": "key",
    "basicauth_credentials": "password",
    "hmacauth_credentials": "secret",
    "jwt_secrets": "secret",
    "oauth2_credentials": "client_secret",
}
_HTTP_PROTOCOLS = frozenset({"http", "https", "grpc", "grpcs", "ws", "wss"})
_PLAIN_PROTOCOLS = frozenset({"http", "grpc", "ws"})
_DEFAULT_PROTOCOLS = ("http", "https")

_GLOBALS = global_setting(
    auth="a decK file in this folder or a folder above defines a global "
    "authentication plugin",
    rateLimit="a decK file in this folder or a folder above defines a global "
    "rate-limiting plugin",
    accessLog="a decK file in this folder or a folder above defines a global "
    "logging plugin",
)


@dataclass(frozen=True)
class _Plugins:
    """Plugin names by the scope they apply to."""

    global_names: frozenset[str]
    by_service: dict[str, frozenset[str]]
    by_route: dict[str, frozenset[str]]


def kong_entries(data: dict[str, Any], siblings: Sequence[Any] = ()) -> Iterator[Entry]:
    """Yield the routes and credentials of one decK document.

    The plugins of `siblings`, the other decK documents that decK reads
    with this one, apply to its routes too: global ones to every route,
    scoped ones to the service or route they name.
    """
    plugins = _collect_plugins(data)
    for other in siblings:
        # The siblings of a document include the document itself.
        if other is not data:
            plugins = _merged(plugins, _collect_plugins(mapping(other)))
    for index, service in enumerate(items(data.get("services"))):
        service = mapping(service)
        for route_index, route in enumerate(items(service.get("routes"))):
            source = pointer("services", index, "routes", route_index)
            yield from _route(mapping(route), source, service, plugins)
    for index, route in enumerate(items(data.get("routes"))):
        route = mapping(route)
        service = _find_service(data, route.get("service"))
        yield from _route(route, pointer("routes", index), service, plugins)
    yield from _credentials(data)


def _names(node: dict[str, Any]) -> frozenset[str]:
    return frozenset(text(node.get(key)) for key in ("name", "id") if node.get(key))


def _reference(value: Any) -> str:
    """Return the name or id in a reference: a string, or `{name: ...}`."""
    if isinstance(value, dict):
        return text(value.get("name")) or text(value.get("id"))
    return text(value)


def _enabled(plugins: Any) -> frozenset[str]:
    return frozenset(
        text(plugin.get("name"))
        for plugin in items(plugins)
        if isinstance(plugin, dict)
        and plugin.get("enabled", True) is not False
        and not plugin.get("consumer")
    )


def _collect_plugins(data: dict[str, Any]) -> _Plugins:
    global_names: set[str] = set()
    by_service: dict[str, set[str]] = {}
    by_route: dict[str, set[str]] = {}
    for plugin in items(data.get("plugins")):
        if not isinstance(plugin, dict) or plugin.get("enabled", True) is False:
            continue
        if plugin.get("consumer") or plugin.get("consumer_group"):
            continue
        name = text(plugin.get("name"))
        service = _reference(plugin.get("service"))
        route = _reference(plugin.get("route"))
        if route:
            by_route.setdefault(route, set()).add(name)
        elif service:
            by_service.setdefault(service, set()).add(name)
        else:
            global_names.add(name)
    return _Plugins(
        frozenset(global_names),
        {key: frozenset(value) for key, value in by_service.items()},
        {key: frozenset(value) for key, value in by_route.items()},
    )


def _merged(first: _Plugins, second: _Plugins) -> _Plugins:
    def union(
        a: dict[str, frozenset[str]], b: dict[str, frozenset[str]]
    ) -> dict[str, frozenset[str]]:
        return {key: a.get(key, frozenset()) | b.get(key, frozenset()) for key in a | b}

    return _Plugins(
        first.global_names | second.global_names,
        union(first.by_service, second.by_service),
        union(first.by_route, second.by_route),
    )


def _find_service(data: dict[str, Any], reference: Any) -> dict[str, Any]:
    name = _reference(reference)
    for service in items(data.get("services")):
        if isinstance(service, dict) and name and name in _names(service):
            return service
    return {}


def _route_plugins(
    route: dict[str, Any], service: dict[str, Any], plugins: _Plugins
) -> frozenset[str]:
    """Return the names of the plugins that apply to a route."""
    names = set(_enabled(route.get("plugins"))) | set(plugins.global_names)
    names |= _enabled(service.get("plugins"))
    for key in _names(route):
        names |= plugins.by_route.get(key, frozenset())
    for key in _names(service):
        names |= plugins.by_service.get(key, frozenset())
    return frozenset(names)


def _route(
    route: dict[str, Any], source: str, service: dict[str, Any], plugins: _Plugins
) -> Iterator[Route]:
    protocols = [text(p) for p in items(route.get("protocols"))] or list(
        _DEFAULT_PROTOCOLS
    )
    if not _HTTP_PROTOCOLS.intersection(protocols):
        return
    names = _route_plugins(route, service, plugins)
    plain = bool(_PLAIN_PROTOCOLS.intersection(protocols))
    rate = sorted(names & RATE_LIMIT_PLUGINS)
    yield Route(
        format="kong",
        name=text(route.get("name")) or text(route.get("id")),
        source=source,
        host=", ".join(text(host) for host in items(route.get("hosts"))),
        path=", ".join(text(path) for path in items(route.get("paths"))),
        method=", ".join(text(m).upper() for m in items(route.get("methods"))),
        tls=not plain,
        https_redirect=not plain,
        auth=tuple(sorted(names & AUTH_PLUGINS)),
        rate_limit={"plugins": rate} if rate else False,
        access_log=bool(names & LOG_PLUGINS),
        upstream=_upstream(service),
        global_setting=_GLOBALS,
    )


def _upstream(service: dict[str, Any]) -> str:
    if service.get("url"):
        return text(service.get("url"))
    host = text(service.get("host"))
    if not host:
        return ""
    protocol = text(service.get("protocol")) or "http"
    return f"{protocol}://{host}"


def _credentials(data: dict[str, Any]) -> Iterator[Credential]:
    for index, consumer in enumerate(items(data.get("consumers"))):
        consumer = mapping(consumer)
        owner = text(consumer.get("username")) or text(consumer.get("custom_id"))
        for list_name, field_name in CREDENTIAL_FIELDS.items():
            for entry_index, entry in enumerate(items(consumer.get(list_name))):
                value = mapping(entry).get(field_name)
                if not isinstance(value, str) or not value:
                    continue
                yield Credential(
                    format="kong",
                    name=f"{list_name}.{field_name}",
                    source=pointer(
                        "consumers", index, list_name, entry_index, field_name
                    ),
                    secret=value,
                    owner=owner,
                )
