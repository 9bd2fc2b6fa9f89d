"""The route model: where a deployment config exposes an API, and how.

Kubernetes manifests, Kong decK files, CloudFormation and SAM templates,
Terraform, Serverless Framework services, nginx, Envoy and Traefik
configurations and Compose files are all normalized into the same lists:
`routes`, `stages`, `methodSettings`, `tlsSettings`, `authPolicies` and
`credentials`. One rule then serves every format where the concern is the
same. docs/models.md describes the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apiguard.models.routes.cloudformation import cloudformation_entries
from apiguard.models.routes.common import Entry, build, empty_model
from apiguard.models.routes.compose import compose_entries
from apiguard.models.routes.envoy import envoy_entries
from apiguard.models.routes.kong import kong_entries
from apiguard.models.routes.kubernetes import kubernetes_entries
from apiguard.models.routes.nginx import nginx_entries
from apiguard.models.routes.sam import sam_entries
from apiguard.models.routes.serverless import serverless_entries
from apiguard.models.routes.terraform import terraform_entries
from apiguard.models.routes.traefik import traefik_entries

EntryBuilder = Callable[[Any, list[Any]], Iterable[Entry]]


def _template_entries(data: Any, siblings: list[Any]) -> Iterable[Entry]:
    yield from cloudformation_entries(data)
    yield from sam_entries(data)


_BUILDERS: dict[str, EntryBuilder] = {
    "kubernetes": kubernetes_entries,
    "kong": kong_entries,
    "cloudformation": _template_entries,
    "terraform": lambda data, siblings: terraform_entries(data),
    "serverless": lambda data, siblings: serverless_entries(data),
    "nginx": lambda data, siblings: nginx_entries(data),
    "compose": lambda data, siblings: compose_entries(data),
    "envoy": lambda data, siblings: envoy_entries(data),
    "traefik": lambda data, siblings: traefik_entries(data),
}

ROUTE_KINDS = frozenset(_BUILDERS)


def build_route_model(kind: str, data: Any, siblings: list[Any]) -> dict[str, Any]:
    """Return the route model of one document of `kind`.

    `siblings` are the data of every document of the same kind in the file,
    and the shared parts of other files' documents that apply to it. The
    Kubernetes builder searches them for KongPlugins, the ingress-nginx
    ConfigMap, HTTPRoutes and AuthorizationPolicies, and the Kong builder
    for global plugins.
    """
    builder = _BUILDERS.get(kind)
    if builder is None:
        return empty_model()
    if kind != "nginx" and not isinstance(data, dict):
        return empty_model()
    return build(builder(data, siblings))
