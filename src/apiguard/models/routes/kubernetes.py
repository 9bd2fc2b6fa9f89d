"""Route model entries of Kubernetes manifests, chosen by apiVersion and kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiguard.models.routes.common import Entry, text
from apiguard.models.routes.gateway import (
    gateway_api_routes,
    istio_gateway_entries,
    request_authentication,
)
from apiguard.models.routes.ingress import ingress_routes
from apiguard.models.routes.traefik import ingress_route_entries

_INGRESS_GROUPS = ("networking.k8s.io/", "extensions/")
_GATEWAY_API_GROUP = "gateway.networking.k8s.io/"
_ISTIO_NETWORKING_GROUP = "networking.istio.io/"
_ISTIO_SECURITY_GROUP = "security.istio.io/"
_TRAEFIK_GROUPS = ("traefik.io/", "traefik.containo.us/")


def kubernetes_entries(data: dict[str, Any], siblings: list[Any]) -> Iterator[Entry]:
    """Yield the entries of one manifest; `siblings` are the file's manifests."""
    api_version = text(data.get("apiVersion"))
    kind = text(data.get("kind"))
    if kind == "Ingress" and api_version.startswith(_INGRESS_GROUPS):
        yield from ingress_routes(data, siblings)
    elif kind == "Gateway" and api_version.startswith(_GATEWAY_API_GROUP):
        yield from gateway_api_routes(data, siblings)
    elif kind == "Gateway" and api_version.startswith(_ISTIO_NETWORKING_GROUP):
        yield from istio_gateway_entries(data)
    elif kind == "RequestAuthentication" and api_version.startswith(
        _ISTIO_SECURITY_GROUP
    ):
        yield request_authentication(data, siblings)
    elif kind == "IngressRoute" and api_version.startswith(_TRAEFIK_GROUPS):
        yield from ingress_route_entries(data, siblings)
