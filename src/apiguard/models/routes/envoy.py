"""Listeners of an Envoy bootstrap configuration (`static_resources`).

Each filter chain with an HTTP connection manager is one route, located at
the filter chain. Envoy writes
no access log unless `access_log` is set on the connection manager or the
listener, and it serves plain HTTP unless the chain has a TLS transport
socket. A route configuration fetched over RDS (`rds`) is not in the file, so
the redirect to HTTPS is UNKNOWN for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiguard.models.routes.common import (
    UNKNOWN,
    Entry,
    Route,
    TlsSetting,
    Tristate,
    is_loopback,
    items,
    mapping,
    pointer,
    text,
)

_HCM = "http_connection_manager"
# Envoy HTTP filters by the extension name that both `name` and `@type` contain.
AUTH_FILTERS = ("ext_authz", "jwt_authn", "oauth2", "basic_auth", "api_key_auth")
RATE_LIMIT_FILTERS = ("local_ratelimit", "ratelimit")
_WEAK_VERSIONS = frozenset({"TLSv1_0", "TLSv1_1"})
_REQUIRE_TLS = frozenset({"ALL", "EXTERNAL_ONLY"})


def envoy_entries(data: dict[str, Any]) -> Iterator[Entry]:
    listeners = items(mapping(data.get("static_resources")).get("listeners"))
    for index, listener in enumerate(listeners):
        listener = mapping(listener)
        for chain_index, chain in enumerate(items(listener.get("filter_chains"))):
            source = pointer(
                "static_resources", "listeners", index, "filter_chains", chain_index
            )
            yield from _chain(listener, mapping(chain), source)


def _chain(
    listener: dict[str, Any], chain: dict[str, Any], source: str
) -> Iterator[Entry]:
    tls_context = _downstream_tls(chain)
    if tls_context is not None:
        yield from _tls_version(listener, tls_context, source)
    for network_filter in items(chain.get("filters")):
        network_filter = mapping(network_filter)
        if _HCM in _extension(network_filter):
            manager = mapping(network_filter.get("typed_config"))
            yield _route(listener, chain, manager, source)


def _extension(node: dict[str, Any]) -> str:
    """Return a filter's `name` and `typed_config` type, for substring tests."""
    kind = text(mapping(node.get("typed_config")).get("@type"))
    return f"{text(node.get('name'))} {kind}".lower()


def _downstream_tls(chain: dict[str, Any]) -> dict[str, Any] | None:
    socket = mapping(chain.get("transport_socket"))
    if "tls" not in _extension(socket):
        return None
    return mapping(socket.get("typed_config"))


def _route(
    listener: dict[str, Any],
    chain: dict[str, Any],
    manager: dict[str, Any],
    source: str,
) -> Route:
    address = _address(listener)
    tls_context = _downstream_tls(chain)
    http_filters = [mapping(entry) for entry in items(manager.get("http_filters"))]
    names = mapping(chain.get("filter_chain_match")).get("server_names")
    return Route(
        format="envoy",
        name=text(listener.get("name")) or address,
        source=source,
        host=", ".join(text(name) for name in items(names)),
        tls=tls_context is not None,
        https_redirect=_redirects(manager),
        auth=_auth(http_filters, tls_context),
        rate_limit=_rate_limit(http_filters, chain),
        access_log=bool(manager.get("access_log") or listener.get("access_log")),
        loopback=_local(listener),
    )


def _address(listener: dict[str, Any]) -> str:
    socket = mapping(mapping(listener.get("address")).get("socket_address"))
    return f"{text(socket.get('address'))}:{text(socket.get('port_value'))}"


def _local(listener: dict[str, Any]) -> bool:
    address = mapping(listener.get("address"))
    if "pipe" in address:
        return True
    host = text(mapping(address.get("socket_address")).get("address"))
    return is_loopback(host)


def _redirects(manager: dict[str, Any]) -> Tristate:
    """Return whether every virtual host requires TLS or redirects to HTTPS."""
    if "rds" in manager:
        return UNKNOWN
    hosts = items(mapping(manager.get("route_config")).get("virtual_hosts"))
    if not hosts:
        return False
    return all(_host_redirects(mapping(host)) for host in hosts)


def _host_redirects(host: dict[str, Any]) -> bool:
    if text(host.get("require_tls")) in _REQUIRE_TLS:
        return True
    routes = [mapping(route) for route in items(host.get("routes"))]
    return bool(routes) and all(_route_redirects(route) for route in routes)


def _route_redirects(route: dict[str, Any]) -> bool:
    redirect = mapping(route.get("redirect"))
    return redirect.get("https_redirect") is True or (
        text(redirect.get("scheme_redirect")) == "https"
    )


def _auth(
    http_filters: list[dict[str, Any]], tls_context: dict[str, Any] | None
) -> tuple[str, ...]:
    found = [
        name
        for name in AUTH_FILTERS
        if any(name in _extension(entry) for entry in http_filters)
    ]
    if tls_context is not None and tls_context.get("require_client_certificate"):
        found.append("client certificate")
    return tuple(found)


def _rate_limit(
    http_filters: list[dict[str, Any]], chain: dict[str, Any]
) -> dict[str, Any] | bool:
    filters = [*http_filters, *(mapping(f) for f in items(chain.get("filters")))]
    found = sorted(
        {
            name
            for entry in filters
            for name in RATE_LIMIT_FILTERS
            if f".{name}" in _extension(entry)
        }
    )
    return {"filters": found} if found else False


def _tls_version(
    listener: dict[str, Any], tls_context: dict[str, Any], source: str
) -> Iterator[TlsSetting]:
    common = mapping(tls_context.get("common_tls_context"))
    version = text(
        mapping(common.get("tls_params")).get("tls_minimum_protocol_version")
    )
    if version:
        yield TlsSetting(
            format="envoy",
            name=text(listener.get("name")) or _address(listener),
            source=source
            + "/transport_socket/typed_config/common_tls_context/tls_params"
            + "/tls_minimum_protocol_version",
            setting=f"tls_minimum_protocol_version: {version}",
            weak=version in _WEAK_VERSIONS,
        )
