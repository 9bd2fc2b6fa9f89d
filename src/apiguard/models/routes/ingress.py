"""Routes of a Kubernetes Ingress, with ingress-nginx and Kong annotations.

ingress-nginx reads its settings from `nginx.ingress.kubernetes.io/`
annotations. For an Ingress of another controller (`ingressClassName` or the
`kubernetes.io/ingress.class` annotation names it), only `spec.tls` is read,
and authentication, rate limits and access logs are UNKNOWN, except that
Kong's `konghq.com/plugins` is resolved against KongPlugin resources in the
same file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from apiguard.models.routes.common import (
    UNKNOWN,
    Route,
    Tristate,
    global_setting,
    items,
    mapping,
    pointer,
    text,
)
from apiguard.models.routes.kong import (
    AUTH_PLUGINS,
    LOG_PLUGINS,
    RATE_LIMIT_PLUGINS,
)
from apiguard.models.routes.shared import is_ingress_nginx_configmap

NGINX = "nginx.ingress.kubernetes.io/"
KONG_PLUGINS = "konghq.com/plugins"

# Controllers that read the nginx.ingress.kubernetes.io annotations.
_NGINX_CLASSES = frozenset({"", "nginx", "ingress-nginx", "nginx-internal"})

_NGINX_GLOBALS = global_setting(
    tls="the ingress-nginx ConfigMap (in this folder or a folder above) sets "
    'force-ssl-redirect: "true"',
    auth="the ingress-nginx ConfigMap (in this folder or a folder above) sets "
    "global-auth-url",
)

_KONG_GLOBAL = (
    'a KongClusterPlugin labelled global: "true" in this folder or a folder '
    "above applies"
)
_KONG_GLOBALS = global_setting(
    auth=_KONG_GLOBAL, rateLimit=_KONG_GLOBAL, accessLog=_KONG_GLOBAL
)

_RATE_ANNOTATIONS = (
    "limit-rps",
    "limit-rpm",
    "limit-connections",
    "global-rate-limit",
)


@dataclass(frozen=True)
class _Settings:
    """Settings of all routes of an Ingress, from its controller and annotations."""

    name: str
    annotations: Mapping[str, str]
    auth: tuple[str, ...] | str = UNKNOWN
    rate_limit: Mapping[str, Any] | Tristate = UNKNOWN
    access_log: Tristate = UNKNOWN
    globals: Mapping[str, str] = field(default_factory=global_setting)
    nginx: bool = False
    """The controller reads the nginx.ingress.kubernetes.io annotations."""


def ingress_routes(data: dict[str, Any], siblings: list[Any]) -> Iterator[Route]:
    """Yield one route per host and path of an Ingress, or one for a default backend."""
    metadata = mapping(data.get("metadata"))
    annotations = {
        str(key): text(value)
        for key, value in mapping(metadata.get("annotations")).items()
    }
    spec = mapping(data.get("spec"))
    name = text(metadata.get("name"))
    settings = _settings(name, _controller(spec, annotations), annotations, siblings)
    tls_hosts = _tls_hosts(spec)

    rules = items(spec.get("rules"))
    for index, rule in enumerate(rules):
        rule = mapping(rule)
        host = text(rule.get("host"))
        tls = _covered(host, tls_hosts)
        paths = items(mapping(rule.get("http")).get("paths"))
        for path_index, entry in enumerate(paths):
            source = pointer("spec", "rules", index, "http", "paths", path_index)
            path = text(mapping(entry).get("path")) or "/"
            yield _route(settings, source, host + path, tls)
        if not paths:
            yield _route(settings, pointer("spec", "rules", index), host + "/", tls)
    if not rules and "defaultBackend" in spec:
        source = pointer("spec", "defaultBackend")
        yield _route(settings, source, "/", bool(tls_hosts))


def _controller(spec: dict[str, Any], annotations: dict[str, str]) -> str:
    name = text(spec.get("ingressClassName"))
    return name or annotations.get("kubernetes.io/ingress.class", "")


def _settings(
    name: str, controller: str, annotations: dict[str, str], siblings: list[Any]
) -> _Settings:
    if controller in _NGINX_CLASSES or controller.endswith("nginx"):
        defaults = _nginx_configmap(siblings)
        return _Settings(
            name,
            # The ConfigMap's keys are defaults that annotations override.
            {**{NGINX + key: value for key, value in defaults.items()}, **annotations},
            auth=_nginx_auth(annotations, defaults),
            rate_limit=_nginx_rate_limit(annotations),
            access_log=annotations.get(NGINX + "enable-access-log") != "false",
            globals=_nginx_globals(annotations),
            nginx=True,
        )
    if KONG_PLUGINS in annotations:
        return _kong_settings(name, annotations, siblings)
    return _Settings(name, annotations)


def _nginx_globals(annotations: dict[str, str]) -> Mapping[str, str]:
    """Return the ConfigMap settings that could change this Ingress's findings.

    An Ingress that turns global auth or the forced redirect off itself
    cannot be changed by the ConfigMap, so its message names no setting.
    """
    phrases = dict(_NGINX_GLOBALS)
    if annotations.get(NGINX + "enable-global-auth") == "false":
        phrases["auth"] = ""
    if annotations.get(NGINX + "force-ssl-redirect") == "false":
        phrases["tls"] = ""
    return phrases


def _nginx_configmap(siblings: list[Any]) -> dict[str, str]:
    """Return the data of the ingress-nginx ConfigMaps among `siblings`."""
    found: dict[str, str] = {}
    for data in siblings:
        data = mapping(data)
        if data.get("kind") == "ConfigMap" and is_ingress_nginx_configmap(data):
            found.update(
                (str(key), text(value))
                for key, value in mapping(data.get("data")).items()
            )
    return found


def _nginx_auth(
    annotations: dict[str, str], defaults: dict[str, str]
) -> tuple[str, ...]:
    found: list[str] = []
    if annotations.get(NGINX + "auth-url"):
        found.append("external (auth-url)")
    elif (
        defaults.get("global-auth-url")
        and annotations.get(NGINX + "enable-global-auth") != "false"
    ):
        found.append("external (the ConfigMap's global-auth-url)")
    auth_type = annotations.get(NGINX + "auth-type", "")
    if auth_type in ("basic", "digest"):
        found.append(auth_type)
    verify = annotations.get(NGINX + "auth-tls-verify-client", "on")
    if annotations.get(NGINX + "auth-tls-secret") and verify != "off":
        found.append("client certificate (auth-tls)")
    return tuple(found)


def _nginx_rate_limit(annotations: dict[str, str]) -> dict[str, str] | bool:
    limits = {
        name: annotations[NGINX + name]
        for name in _RATE_ANNOTATIONS
        if annotations.get(NGINX + name)
    }
    return limits or False


def _kong_settings(
    name: str, annotations: dict[str, str], siblings: list[Any]
) -> _Settings:
    """Resolve `konghq.com/plugins` to plugin types through KongPlugin resources."""
    names = annotations[KONG_PLUGINS].split(",")
    listed = [plugin.strip() for plugin in names if plugin.strip()]
    types, global_types = _kong_plugin_types(siblings)
    known = {types[plugin] for plugin in listed if plugin in types} | global_types
    complete = all(plugin in types for plugin in listed)
    auth = tuple(sorted(known & AUTH_PLUGINS))
    rate = sorted(known & RATE_LIMIT_PLUGINS)
    rate_limit: dict[str, Any] | Tristate = UNKNOWN
    if rate:
        rate_limit = {"plugins": rate}
    elif complete:
        rate_limit = False
    return _Settings(
        name,
        annotations,
        auth=auth if auth or complete else UNKNOWN,
        rate_limit=rate_limit,
        access_log=True if known & LOG_PLUGINS else UNKNOWN,
        globals=_KONG_GLOBALS,
    )


def _kong_plugin_types(siblings: list[Any]) -> tuple[dict[str, str], set[str]]:
    """Return plugin types by KongPlugin name, and the types of global plugins.

    Kong's controller applies a KongClusterPlugin labelled `global: "true"`
    to every route.
    """
    types: dict[str, str] = {}
    global_types: set[str] = set()
    for data in siblings:
        data = mapping(data)
        if data.get("kind") not in ("KongPlugin", "KongClusterPlugin"):
            continue
        if data.get("disabled") is True:
            continue
        metadata = mapping(data.get("metadata"))
        types[text(metadata.get("name"))] = text(data.get("plugin"))
        if text(mapping(metadata.get("labels")).get("global")) == "true":
            global_types.add(text(data.get("plugin")))
    return types, global_types


def _tls_hosts(spec: dict[str, Any]) -> list[str]:
    """Return the hosts that `spec.tls` covers; "*" for an entry without hosts."""
    hosts: list[str] = []
    for entry in items(spec.get("tls")):
        listed = [text(host) for host in items(mapping(entry).get("hosts"))]
        hosts.extend(listed or ["*"])
    return hosts


def _covered(host: str, tls_hosts: list[str]) -> bool:
    for pattern in tls_hosts:
        if pattern in ("*", host):
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def _route(settings: _Settings, source: str, address: str, tls: bool) -> Route:
    """Return the route to `address`, a host (possibly empty) and a path."""
    host, slash, path = address.partition("/")
    return Route(
        format="ingress",
        name=settings.name,
        source=source,
        host=host,
        path=slash + path,
        tls=tls,
        https_redirect=_redirect(tls, settings),
        auth=settings.auth,
        rate_limit=settings.rate_limit,
        access_log=settings.access_log,
        global_setting=settings.globals,
    )


def _redirect(tls: bool, settings: _Settings) -> Tristate:
    """Return whether ingress-nginx responds to plain HTTP with a redirect.

    ingress-nginx redirects to HTTPS by default when the host has TLS
    (`ssl-redirect`), and always with `force-ssl-redirect: "true"`.
    """
    if not settings.nginx:
        return UNKNOWN
    if settings.annotations.get(NGINX + "force-ssl-redirect") == "true":
        return True
    return tls and settings.annotations.get(NGINX + "ssl-redirect") != "false"
