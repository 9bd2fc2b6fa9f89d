"""Routers and entry points of Traefik: static and dynamic files, and CRDs.

A router of the file provider (`http.routers`) or an IngressRoute route is
one route. It serves TLS with a `tls` section, or when its entry points set
`http.tls`, and it redirects to HTTPS when one of its middlewares is a
`redirectScheme` to `https`.
Middlewares are looked up in the same file, so a middleware of another
provider (`auth@kubernetescrd`) or file leaves `auth` and `rateLimit`
UNKNOWN. Entry points of the static configuration can redirect every
request or add default middlewares, and the model names those as the global
settings that would change a finding.

Each entry point of a static configuration is a route too. It serves TLS
with `http.tls` (else its routers decide), redirects with
`http.redirections.entryPoint` to the `https` scheme, and logs requests when
the top-level `accessLog` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import re2

from apiguard.models.routes.common import (
    UNKNOWN,
    Entry,
    Route,
    TlsSetting,
    Tristate,
    global_setting,
    is_loopback,
    items,
    mapping,
    pointer,
    text,
)

AUTH_MIDDLEWARES = frozenset({"basicAuth", "digestAuth", "forwardAuth"})
RATE_LIMIT_MIDDLEWARES = frozenset({"rateLimit", "inFlightReq"})
_WEAK_VERSIONS = frozenset({"VersionTLS10", "VersionTLS11"})
_PLAIN_ENTRY_POINTS = frozenset({"web", "http"})
_HOST = re2.compile(r"Host(?:SNI)?\(\s*`([^`]*)`")
_PATH = re2.compile(r"Path(?:Prefix)?\(\s*`([^`]*)`")
_GLOBALS = global_setting(
    tls="the static configuration redirects the entry point to HTTPS "
    "(entryPoints.<name>.http.redirections)",
    auth="the entry point has a default authentication middleware "
    "(entryPoints.<name>.http.middlewares)",
    rateLimit="the entry point has a default rateLimit middleware "
    "(entryPoints.<name>.http.middlewares)",
)


def traefik_entries(data: dict[str, Any]) -> Iterator[Entry]:
    http = mapping(data.get("http"))
    middlewares = {
        str(name): _middleware_type(settings)
        for name, settings in mapping(http.get("middlewares")).items()
    }
    for name, router in mapping(http.get("routers")).items():
        source = pointer("http", "routers", name)
        yield _router(str(name), mapping(router), source, middlewares)
    for name, entry_point in mapping(data.get("entryPoints")).items():
        source = pointer("entryPoints", name)
        yield _entry_point(str(name), mapping(entry_point), source, data)
    for name, options in mapping(mapping(data.get("tls")).get("options")).items():
        source = pointer("tls", "options", name)
        yield from _tls_options(str(name), mapping(options), source)


def ingress_route_entries(data: dict[str, Any], siblings: list[Any]) -> Iterator[Route]:
    """Yield one route per route of a Traefik IngressRoute."""
    spec = mapping(data.get("spec"))
    middlewares = _crd_middlewares(siblings)
    name = text(mapping(data.get("metadata")).get("name"))
    for index, route in enumerate(items(spec.get("routes"))):
        route = mapping(route)
        settings = {
            "rule": route.get("match"),
            "middlewares": [
                text(mapping(ref).get("name"))
                for ref in items(route.get("middlewares"))
            ],
            "entryPoints": spec.get("entryPoints"),
            "tls": spec.get("tls"),
        }
        source = pointer("spec", "routes", index)
        yield _router(name, settings, source, middlewares)


def _crd_middlewares(siblings: list[Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for data in siblings:
        data = mapping(data)
        if data.get("kind") == "Middleware":
            name = text(mapping(data.get("metadata")).get("name"))
            found[name] = _middleware_type(data.get("spec"))
    return found


def _middleware_type(settings: Any) -> str:
    """Return a middleware's type, or `redirectHttps` for a redirect to https."""
    settings = mapping(settings)
    redirect = mapping(settings.get("redirectScheme"))
    if text(redirect.get("scheme")) == "https":
        return "redirectHttps"
    return next(iter(settings), "")


def _router(
    name: str, router: dict[str, Any], source: str, middlewares: dict[str, str]
) -> Route:
    rule = text(router.get("rule"))
    used = [text(entry) for entry in items(router.get("middlewares"))]
    types = {middlewares[entry] for entry in used if entry in middlewares}
    complete = all(entry in middlewares for entry in used)
    auth = tuple(sorted(types & AUTH_MIDDLEWARES))
    rate = sorted(types & RATE_LIMIT_MIDDLEWARES)
    rate_limit: dict[str, Any] | Tristate = UNKNOWN
    if rate:
        rate_limit = {"middlewares": rate}
    elif complete:
        rate_limit = False
    return Route(
        format="traefik",
        name=name,
        source=source,
        host=_first(_HOST, rule),
        path=_first(_PATH, rule),
        tls=_router_tls(router),
        https_redirect="redirectHttps" in types,
        auth=auth if auth or complete else UNKNOWN,
        rate_limit=rate_limit,
        global_setting=_GLOBALS,
    )


def _router_tls(router: dict[str, Any]) -> Tristate:
    """Return whether a router serves TLS.

    A router without `tls` serves plain HTTP, unless its entry points set
    `http.tls` in the static configuration. Entry points named `web` or
    `http`, by convention the port-80 ones, do not.
    """
    if router.get("tls") is not None and "tls" in router:
        return True
    entry_points = [text(name) for name in items(router.get("entryPoints"))]
    if all(name in _PLAIN_ENTRY_POINTS for name in entry_points):
        return False
    return UNKNOWN


def _first(pattern: Any, rule: str) -> str:
    match = pattern.search(rule)
    return str(match.group(1)) if match else ""


def _entry_point(
    name: str, entry_point: dict[str, Any], source: str, data: dict[str, Any]
) -> Route:
    """Return an entry point, which serves TLS for all its routers with `http.tls`."""
    http = mapping(entry_point.get("http"))
    redirect = mapping(mapping(http.get("redirections")).get("entryPoint"))
    address = text(entry_point.get("address"))
    return Route(
        format="traefik",
        name=f"entry point {name} ({address})",
        source=source,
        tls=True if "tls" in http else UNKNOWN,
        https_redirect=bool(redirect) and text(redirect.get("scheme")) in ("", "https"),
        access_log="accessLog" in data,
        loopback=is_loopback(address.rsplit(":", 1)[0]),
    )


def _tls_options(
    name: str, options: dict[str, Any], source: str
) -> Iterator[TlsSetting]:
    version = text(options.get("minVersion"))
    if version:
        yield TlsSetting(
            format="traefik",
            name=f"TLS options {name}",
            source=source + "/minVersion",
            setting=f"minVersion: {version}",
            weak=version in _WEAK_VERSIONS,
        )
