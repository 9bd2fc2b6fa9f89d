"""Settings that one file of a tree sets for the routes of other files.

Kong's decK can read every file of a folder as one configuration. So the
plugins of a file that defines no services or routes (a file of shared
plugins) apply to the routes of the others. Global ones apply to every
route, and scoped ones to the service or route they name. In Kubernetes, a
KongClusterPlugin labelled `global: "true"` applies to every route that
Kong's controller serves, a KongPlugin can be named by an Ingress in
another file, and the ingress-nginx ConfigMap sets defaults for every
Ingress.

A setting found in a folder applies to the files in that folder and below
it, never to a sibling folder. A repository often contains the
configurations of several unrelated gateways or clusters, and a global
setting of one must not hide the findings of another.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any

from apiguard.models.routes.common import items, mapping, text

SharedDocument = tuple[str, str, str, Any]
"""A document that other files read: the folder of its file (relative to
the root, "" for the root), the file's relative path, the document's kind
(`kong` or `kubernetes`), and its data reduced to the fields that other
files read."""

# Words without which a file contains no shared document.
_MARKERS = (b"_format_version", b"KongPlugin", b"KongClusterPlugin", b"ConfigMap")


def may_share(content: bytes) -> bool:
    """Return whether a file's bytes can hold a shared document."""
    return any(marker in content for marker in _MARKERS)


def shared_part(kind: str, data: Any) -> Any | None:
    """Return the part of a document that other files read, or None."""
    data = mapping(data)
    if kind == "kong":
        # A file with services or routes of its own is a whole configuration
        # (one per environment, say), not a part of one.
        if items(data.get("services")) or items(data.get("routes")):
            return None
        plugins = [p for p in items(data.get("plugins")) if _applies(p)]
        return {"plugins": plugins} if plugins else None
    if kind != "kubernetes":
        return None
    document_kind = text(data.get("kind"))
    if document_kind in ("KongPlugin", "KongClusterPlugin"):
        return {
            "kind": document_kind,
            "metadata": mapping(data.get("metadata")),
            "plugin": data.get("plugin"),
            "disabled": data.get("disabled"),
        }
    if document_kind == "ConfigMap" and is_ingress_nginx_configmap(data):
        return {
            "kind": "ConfigMap",
            "metadata": mapping(data.get("metadata")),
            "data": mapping(data.get("data")),
        }
    return None


def is_ingress_nginx_configmap(data: Any) -> bool:
    """Return whether a ConfigMap configures ingress-nginx, judged by its name.

    The chart names it `ingress-nginx-controller`; older manifests use
    `nginx-configuration` or `nginx-ingress-controller`.
    """
    name = text(mapping(mapping(data).get("metadata")).get("name"))
    return "nginx" in name.lower()


def _applies(plugin: Any) -> bool:
    """Return whether a plugin is enabled and applies to routes: global, or
    scoped to a service or route (which another file may define)."""
    if not isinstance(plugin, dict) or plugin.get("enabled", True) is False:
        return False
    return not (plugin.get("consumer") or plugin.get("consumer_group"))


def shared_for(
    relpath: str, kind: str, documents: Iterable[SharedDocument]
) -> list[Any]:
    """Return the shared documents of other files that apply to `relpath`."""
    folder = posixpath.dirname(relpath)
    found = []
    for source_folder, source, source_kind, data in documents:
        if source == relpath or source_kind != kind:
            continue
        if source_folder and not (folder + "/").startswith(source_folder + "/"):
            continue
        found.append(data)
    return found
