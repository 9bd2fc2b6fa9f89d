"""Listeners of Gateway API and Istio Gateways, and Istio request authentication.

A listener that serves plain HTTP may be redirected to HTTPS by an HTTPRoute
(Gateway API) or by `tls.httpsRedirect` (Istio). HTTPRoutes are looked up in
the same file only, so the model names that as the global setting that would
change the listener's `httpsRedirect`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiguard.models.routes.common import (
    UNKNOWN,
    AuthPolicy,
    Entry,
    Route,
    TlsSetting,
    Tristate,
    global_setting,
    items,
    mapping,
    pointer,
    text,
)

_GATEWAY_TLS_PROTOCOLS = frozenset({"HTTPS", "TLS"})
_GATEWAY_PLAIN_PROTOCOLS = frozenset({"HTTP"})
_ISTIO_PLAIN_PROTOCOLS = frozenset({"HTTP", "HTTP2", "GRPC"})
_ISTIO_WEAK_VERSIONS = frozenset({"TLSV1_0", "TLSV1_1"})
# An AuthorizationPolicy in this namespace applies to the whole mesh.
ISTIO_ROOT_NAMESPACE = "istio-system"

_REDIRECT_ELSEWHERE = global_setting(
    tls="an HTTPRoute in another file redirects this listener to HTTPS"
)
_POLICY_ELSEWHERE = global_setting(
    auth="an AuthorizationPolicy in another file requires a request principal "
    "for these workloads"
)


def gateway_api_routes(data: dict[str, Any], siblings: list[Any]) -> Iterator[Route]:
    """Yield one route per HTTP or HTTPS listener of a Gateway API Gateway."""
    name = text(mapping(data.get("metadata")).get("name"))
    spec = mapping(data.get("spec"))
    listeners = [mapping(item) for item in items(spec.get("listeners"))]
    has_tls = any(text(item.get("protocol")) == "HTTPS" for item in listeners)
    for index, listener in enumerate(listeners):
        protocol = text(listener.get("protocol"))
        if protocol not in _GATEWAY_TLS_PROTOCOLS | _GATEWAY_PLAIN_PROTOCOLS:
            continue
        plain = protocol in _GATEWAY_PLAIN_PROTOCOLS
        redirect: Tristate = True
        if plain:
            redirect = _redirected(name, listener, siblings) or (
                UNKNOWN if has_tls else False
            )
        yield Route(
            format="gateway-api",
            name=f"{name}/{text(listener.get('name'))}",
            source=pointer("spec", "listeners", index),
            host=text(listener.get("hostname")),
            tls=not plain,
            https_redirect=redirect,
            global_setting=_REDIRECT_ELSEWHERE if plain else global_setting(),
        )


def _redirected(gateway: str, listener: dict[str, Any], siblings: list[Any]) -> bool:
    """Return whether an HTTPRoute in the file redirects the listener to HTTPS."""
    for data in siblings:
        data = mapping(data)
        if data.get("kind") != "HTTPRoute":
            continue
        spec = mapping(data.get("spec"))
        attached = any(
            _attaches(mapping(ref), gateway, listener)
            for ref in items(spec.get("parentRefs"))
        )
        if attached and _has_https_redirect(spec):
            return True
    return False


def _attaches(ref: dict[str, Any], gateway: str, listener: dict[str, Any]) -> bool:
    if text(ref.get("name")) != gateway:
        return False
    section = text(ref.get("sectionName"))
    port = ref.get("port")
    if section and section != text(listener.get("name")):
        return False
    return port is None or port == listener.get("port")


def _has_https_redirect(spec: dict[str, Any]) -> bool:
    for rule in items(spec.get("rules")):
        for entry in items(mapping(rule).get("filters")):
            redirect = mapping(mapping(entry).get("requestRedirect"))
            if text(redirect.get("scheme")) == "https":
                return True
    return False


def istio_gateway_entries(data: dict[str, Any]) -> Iterator[Entry]:
    """Yield one route per HTTP or HTTPS server of an Istio Gateway."""
    name = text(mapping(data.get("metadata")).get("name"))
    for index, server in enumerate(items(mapping(data.get("spec")).get("servers"))):
        server = mapping(server)
        protocol = text(mapping(server.get("port")).get("protocol")).upper()
        tls = mapping(server.get("tls"))
        source = pointer("spec", "servers", index)
        if protocol in _ISTIO_PLAIN_PROTOCOLS:
            yield Route(
                format="istio",
                name=f"{name}/{text(mapping(server.get('port')).get('name'))}",
                source=source,
                host=", ".join(text(host) for host in items(server.get("hosts"))),
                tls=False,
                https_redirect=tls.get("httpsRedirect") is True,
            )
        version = text(tls.get("minProtocolVersion"))
        if version:
            yield TlsSetting(
                format="istio",
                name=name,
                source=source + "/tls/minProtocolVersion",
                setting=f"minProtocolVersion: {version}",
                weak=version.upper() in _ISTIO_WEAK_VERSIONS,
            )


def request_authentication(data: dict[str, Any], siblings: list[Any]) -> AuthPolicy:
    """Return a RequestAuthentication and whether a policy in the file enforces it.

    A RequestAuthentication only rejects invalid tokens: a request without a
    token passes unless an AuthorizationPolicy requires a request principal.
    """
    metadata = mapping(data.get("metadata"))
    namespace = text(metadata.get("namespace"))
    labels = _labels(mapping(data.get("spec")))
    enforced = any(_enforces(mapping(other), namespace, labels) for other in siblings)
    return AuthPolicy(
        format="istio",
        name=text(metadata.get("name")),
        source=pointer("kind"),
        namespace=namespace,
        enforced=enforced,
        global_setting=global_setting() if enforced else _POLICY_ELSEWHERE,
    )


def _labels(spec: dict[str, Any]) -> set[tuple[str, str]]:
    selector = mapping(mapping(spec.get("selector")).get("matchLabels"))
    return {(str(key), text(value)) for key, value in selector.items()}


def _enforces(
    policy: dict[str, Any], namespace: str, labels: set[tuple[str, str]]
) -> bool:
    if policy.get("kind") != "AuthorizationPolicy":
        return False
    policy_namespace = text(mapping(policy.get("metadata")).get("namespace"))
    spec = mapping(policy.get("spec"))
    if policy_namespace not in (namespace, ISTIO_ROOT_NAMESPACE):
        return False
    if not _labels(spec) <= labels:
        return False
    return _requires_principal(spec.get("rules"))


def _requires_principal(node: Any) -> bool:
    """Return whether policy rules test the request principal or its claims."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("requestPrincipals", "notRequestPrincipals"):
                return True
            if key == "key" and text(value).startswith("request.auth."):
                return True
            if _requires_principal(value):
                return True
    if isinstance(node, list):
        return any(_requires_principal(item) for item in node)
    return False
