"""Servers of an nginx configuration, one route each.

A server's settings are its own directives, with `limit_req`, `access_log`
and `ssl_protocols` inherited from the `http` block. A file without an
`http` block is a snippet (`conf.d/*.conf`) whose `http` block is in the
main configuration, so settings that block could give are UNKNOWN or named
as the global setting. Servers in `stream` and `mail` blocks are not HTTP
servers and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from apiguard.models.routes.common import (
    UNKNOWN,
    Entry,
    Route,
    TlsSetting,
    Tristate,
    global_setting,
    is_loopback,
    mapping,
    pointer,
)

WEAK_PROTOCOLS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"})
_PASS_DIRECTIVES = frozenset(
    {"proxy_pass", "fastcgi_pass", "grpc_pass", "uwsgi_pass", "scgi_pass"}
)
_REDIRECT_CODES = frozenset({"301", "302", "303", "307", "308"})
_SNIPPET_GLOBALS = global_setting(
    rateLimit="the http block of the main nginx configuration sets limit_req"
)


@dataclass(frozen=True)
class _Context:
    """The settings an http block passes down, and whether the file has one."""

    has_http: bool
    directives: tuple[dict[str, Any], ...]
    source: str


def nginx_entries(data: list[Any]) -> Iterator[Entry]:
    snippet = _Context(False, (), "")
    for index, directive in enumerate(_directives(data)):
        name = directive["directive"]
        if name == "http":
            block = _directives(directive.get("block"))
            context = _Context(True, tuple(block), pointer(index, "block"))
            yield from _http_block(context)
        elif name == "server":
            yield from _server(directive, pointer(index), snippet)
        elif name == "ssl_protocols":
            yield _protocols(directive, pointer(index), "main")


def _directives(value: Any) -> list[dict[str, Any]]:
    return [mapping(item) for item in value] if isinstance(value, list) else []


def _http_block(context: _Context) -> Iterator[Entry]:
    for index, directive in enumerate(context.directives):
        source = f"{context.source}/{index}"
        if directive["directive"] == "server":
            yield from _server(directive, source, context)
        elif directive["directive"] == "ssl_protocols":
            yield _protocols(directive, source, "http")


def _server(
    directive: dict[str, Any], source: str, context: _Context
) -> Iterator[Entry]:
    block = _directives(directive.get("block"))
    names = [arg for d in _named(block, "server_name") for arg in d["args"]]
    label = " ".join(names) or "(default)"
    for index, entry in enumerate(block):
        if entry["directive"] == "ssl_protocols":
            yield _protocols(entry, f"{source}/block/{index}", label)
    if not _rejects_all(block):
        yield _route(block, source, names, context)


def _route(
    block: list[dict[str, Any]], source: str, names: list[str], context: _Context
) -> Route:
    listens = [d["args"] for d in _named(block, "listen")] or [["80"]]
    ssl_on = any(d["args"][:1] == ["on"] for d in _named(block, "ssl"))
    plain = [args for args in listens if "ssl" not in args and not ssl_on]
    return Route(
        format="nginx",
        name=" ".join(names) or "(default)",
        source=source,
        host=" ".join(names),
        tls=not plain,
        https_redirect=_redirects(block),
        auth=_auth(block),
        rate_limit=_rate_limit(block, context),
        access_log=_access_log(block, context),
        loopback=_is_local(listens, names),
        upstream=_upstream(block),
        global_setting=global_setting() if context.has_http else _SNIPPET_GLOBALS,
    )


def _rejects_all(block: list[dict[str, Any]]) -> bool:
    """Return whether a server-level `return` rejects every request with an error.

    Such a server (`return 444;` for unknown hosts) serves no content, so it
    is no route, but its `ssl_protocols` still apply to the TLS handshake.
    """
    for directive in _named(block, "return"):
        code = directive["args"][0] if directive["args"] else ""
        if code.isdigit() and int(code) >= 400:
            return True
    return False


def _named(block: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [directive for directive in block if directive["directive"] == name]


def _walk(block: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for directive in block:
        yield directive
        yield from _walk(_directives(directive.get("block")))


def _redirects(block: list[dict[str, Any]]) -> bool:
    """Return whether the server sends every plain request to https://.

    Redirects at server level, in an `if` block at server level and in
    `location /` count. A redirect in another location covers only its paths.
    """
    scope = list(block)
    for directive in block:
        name, args = directive["directive"], directive["args"]
        if name == "if" or (name == "location" and args in (["/"], ["=", "/"])):
            scope.extend(_directives(directive.get("block")))
    return any(_is_https_redirect(directive) for directive in scope)


def _is_https_redirect(directive: dict[str, Any]) -> bool:
    args = directive["args"]
    if directive["directive"] == "return" and len(args) >= 2:
        return args[0] in _REDIRECT_CODES and str(args[1]).startswith("https://")
    if directive["directive"] == "rewrite" and len(args) >= 2:
        return str(args[1]).startswith("https://")
    return False


def _auth(block: list[dict[str, Any]]) -> tuple[str, ...]:
    found: set[str] = set()
    for directive in _walk(block):
        name, args = directive["directive"], directive["args"]
        if name == "auth_basic" and args[:1] != ["off"]:
            found.add("basic")
        elif name in ("auth_request", "auth_jwt") and args[:1] != ["off"]:
            found.add(name)
        elif name == "ssl_verify_client" and args[:1] in (["on"], ["optional"]):
            found.add("client certificate")
    return tuple(sorted(found))


def _rate_limit(
    block: list[dict[str, Any]], context: _Context
) -> dict[str, Any] | Tristate:
    zones = [
        d["args"][0]
        for d in _walk(block)
        if d["directive"] == "limit_req" and d["args"]
    ]
    zones += [
        d["args"][0]
        for d in context.directives
        if d["directive"] == "limit_req" and d["args"]
    ]
    if zones:
        return {"limit_req": sorted(set(zones))}
    if not any(d["directive"] in _PASS_DIRECTIVES for d in _walk(block)):
        return UNKNOWN
    return False


def _access_log(block: list[dict[str, Any]], context: _Context) -> Tristate:
    """Return the server's own access log setting, else the http block's."""
    for scope in (block, list(context.directives)):
        logs = _named(scope, "access_log")
        if logs:
            return bool(logs[-1]["args"][:1] != ["off"])
    return True if context.has_http else UNKNOWN


def _is_local(listens: list[list[str]], names: list[str]) -> bool:
    """Return whether only this machine can reach the server.

    That is so when every `listen` is on a loopback address or a UNIX socket,
    or when every `server_name` is `localhost` or ends in `.localhost`.
    """
    if names and all(is_loopback(name) for name in names):
        return True
    return all(_listens_locally(args) for args in listens)


def _listens_locally(args: list[str]) -> bool:
    address = args[0] if args else ""
    if address.startswith("unix:"):
        return True
    host = (
        address.rsplit(":", 1)[0] if address.count(":") == 1 or "]" in address else ""
    )
    return bool(host) and is_loopback(host.strip("[]"))


def _upstream(block: list[dict[str, Any]]) -> str:
    for directive in _walk(block):
        if directive["directive"] in _PASS_DIRECTIVES and directive["args"]:
            return str(directive["args"][0])
    return ""


def _protocols(directive: dict[str, Any], source: str, name: str) -> TlsSetting:
    protocols = directive["args"]
    return TlsSetting(
        format="nginx",
        name=name,
        source=source,
        setting="ssl_protocols " + " ".join(protocols),
        weak=bool(WEAK_PROTOCOLS.intersection(protocols)),
    )
