"""Build the normalized OpenAPI model that `on: model` rules query.

The model gives Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1 documents one shape,
described for rule authors in docs/models.md. It is plain JSON-like data, and
every model object names the node it came from in `$source`, a JSON Pointer
(RFC 6901) into the scanned document.

`$ref`s are resolved only where the model reads through them (path items,
parameters, responses and security schemes), one hop at a time, so a document
whose references expand exponentially costs no more than its reference count.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from apiguard.load import Pointer
from apiguard.secrets import is_placeholder, shannon_entropy

Level = Literal["error", "warning", "note"]
FileLoader = Callable[[Path], Any]
FileWatcher = Callable[[Path], None]

# Reference hops followed per document; each costs one dict lookup per pointer
# segment. NOTE: a description with thousands of operations that each
# reference many parameters and responses can pass this, and the model then
# lacks what the later references point to, with a warning.
MAX_REFERENCES = 10_000
# Entries (servers, operations, responses, header names, parameters, security
# requirements and scopes) in one model. A response with many headers that
# thousands of operations reference would otherwise multiply into the model.
MAX_MODEL_ITEMS = 1_000_000
# Raw nodes the search for credential values visits.
MAX_CREDENTIAL_NODES = 1_000_000

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
OAUTH_FLOWS = ("implicit", "password", "clientCredentials", "authorizationCode")
# Swagger 2.0 `flow` values and their OpenAPI 3 names.
SWAGGER_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}
FLOW_URL_KINDS = ("authorizationUrl", "tokenUrl", "refreshUrl")

# Response header names that describe a rate limit: the IETF RateLimit
# fields, the common X-RateLimit-* and X-Rate-Limit-* forms, and Retry-After.
RATE_LIMIT_HEADERS = frozenset(
    {
        "ratelimit",
        "ratelimit-policy",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
    }
)
RATE_LIMIT_PREFIXES = ("x-ratelimit-", "x-rate-limit-")

# Names of properties, parameters, headers and extensions that hold a
# credential, matched anywhere in the name and in any case.
CREDENTIAL_NAME = re.compile(
    r"password|passwd|pwd|secret|token|api[-_]?key|apikey|access[-_]?key"
    r"|credential|private[-_]?key|client[-_]?secret|session",
    re.IGNORECASE,
)
# `auth` and `authorization` count only as a whole word of the name (`auth`,
# `basicAuth`, `X-Auth-Token`, `Authorization`), so that `author`, `authtype`
# and `authenticationMethodId` do not. A word ends at a non-letter or at an
# upper-case letter, which is why this pattern is case-sensitive.
AUTH_WORD = re.compile(
    r"(?:(?<![A-Za-z])|(?<=[a-z])(?=A))"
    r"(?:auth|Auth|AUTH)(?:orization|ORIZATION)?(?![a-z])"
)
# Top-level keys under which credential values are searched.
CREDENTIAL_ROOTS = (
    "paths",
    "components",
    "definitions",
    "parameters",
    "responses",
    "securityDefinitions",
)
# Keys whose value maps user-chosen names to objects, so the names are never
# read as keywords: a property called `example` is not an example.
NAME_MAP_KEYS = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "dependentSchemas",
        "schemas",
        "headers",
        "parameters",
        "responses",
        "requestBodies",
        "securitySchemes",
        "securityDefinitions",
        "links",
        "callbacks",
        "pathItems",
        "paths",
        "webhooks",
        "content",
        "encoding",
        "variables",
        "scopes",
        "mapping",
    }
)
# Name maps whose names are the owning name of what lies below them.
OWNER_MAP_KEYS = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "dependentSchemas",
        "schemas",
        "headers",
        "securitySchemes",
        "securityDefinitions",
    }
)
# Keys whose container value is example data, where every key is a name.
EXAMPLE_DATA_KEYS = frozenset({"example", "default", "x-example", "x-examples"})

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SERVER_VARIABLE = re.compile(r"\{([^{}]*)\}")
_VERSION = re.compile(r"\s*(\d+)\.(\d+)")


@dataclass(frozen=True)
class ModelProblem:
    """A reference or value that the model could not follow or include."""

    message: str
    pointer: Pointer
    """The problem's location in the scanned document."""
    level: Level


class _ModelStopped(Exception):
    """Raised when the model outgrows MAX_MODEL_ITEMS."""


def _pointer_text(pointer: Pointer) -> str:
    """Return `pointer` as an RFC 6901 JSON Pointer string."""
    return "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in pointer
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _items(mapping: dict[Any, Any]) -> Iterator[tuple[str, Any]]:
    """Yield a mapping's items with text keys.

    Parsed documents have text keys, but `yaml.safe_load` turns `200:` into
    an int.
    """
    for key, value in mapping.items():
        yield str(key), value


@dataclass
class _Problems:
    """Problems in the order found, each reported once."""

    items: list[ModelProblem] = field(default_factory=list)
    seen: set[ModelProblem] = field(default_factory=set)

    def add(self, level: Level, message: str, pointer: Pointer) -> None:
        problem = ModelProblem(message, pointer, level)
        if problem not in self.seen:
            self.seen.add(problem)
            self.items.append(problem)


@dataclass(frozen=True)
class _Place:
    """A node's file and pointer, and the scanned document's pointer for it.

    `file` is None for the scanned document. For a node in another file,
    `anchor` is the node in the scanned document whose `$ref` led there.
    """

    file: Path | None
    pointer: Pointer
    anchor: Pointer = ()

    @property
    def source(self) -> Pointer:
        return self.pointer if self.file is None else self.anchor

    @property
    def source_text(self) -> str:
        return _pointer_text(self.source)

    def child(self, key: str | int) -> _Place:
        return _Place(self.file, (*self.pointer, key), self.anchor)


def _parse_fragment(fragment: str) -> list[str] | None:
    """Return the segments of a JSON Pointer fragment, or None for another fragment."""
    pointer = unquote(fragment)
    if not pointer:
        return []
    if not pointer.startswith("/"):
        return None
    return [
        part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")
    ]


def _walk(document: Any, segments: list[str]) -> tuple[Any, Pointer] | None:
    """Return the node at `segments` and its pointer, or None if it is missing.

    List indexes in the returned pointer are ints, as in `Document.spans`.
    """
    node = document
    pointer: list[str | int] = []
    for segment in segments:
        if isinstance(node, dict) and segment in node:
            node = node[segment]
            pointer.append(segment)
        elif isinstance(node, list) and _ARRAY_INDEX.fullmatch(segment):
            index = int(segment)
            if index >= len(node):
                return None
            node = node[index]
            pointer.append(index)
        else:
            return None
    return node, tuple(pointer)


def _is_remote(ref: str) -> bool:
    return ref.startswith("//") or _URI_SCHEME.match(ref) is not None


class _Resolver:
    """Follow `$ref`s within the document and into files under the scan root."""

    def __init__(
        self,
        data: Any,
        path: Path | None,
        root: Path | None,
        load_file: FileLoader | None,
        problems: _Problems,
        watch_file: FileWatcher | None = None,
    ) -> None:
        self.data = data
        self.watch_file = watch_file
        self.path = _resolve_path(path) if path is not None else None
        # Without a scan root, file references stay in the document's folder.
        if root is not None:
            self.root = _resolve_path(root)
        else:
            self.root = self.path.parent if self.path is not None else None
        self.load_file = load_file
        self.problems = problems
        self.hops = 0
        self.files: dict[Path, Any] = {}
        self.failed_files: set[Path] = set()
        self.cycles: set[frozenset[tuple[Path | None, Pointer]]] = set()

    def resolve(self, node: Any, place: _Place) -> tuple[Any, _Place] | None:
        """Follow the `$ref` chain that starts at `node` to its target.

        Return None, after adding a problem, when a reference is remote,
        missing, outside the scan root, or part of a cycle.
        """
        # The nodes passed so far, in order; a dict keeps lookups constant-time.
        chain: dict[tuple[Path | None, Pointer], None] = {
            (place.file, place.pointer): None
        }
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            step = self._follow(ref, place)
            if step is None:
                return None
            node, target = step
            key = (target.file, target.pointer)
            if key in chain:
                passed = list(chain)
                self._report_cycle(ref, place, passed[passed.index(key) :])
                return None
            chain[key] = None
            place = target
        return node, place

    def _follow(self, ref: str, place: _Place) -> tuple[Any, _Place] | None:
        if not self._count_hop(place):
            return None
        if _is_remote(ref):
            self._report_remote(ref, place)
            return None
        file_part, _, fragment = ref.partition("#")
        if file_part:
            loaded = self._load_referenced(unquote(file_part), ref, place)
        else:
            loaded = (place.file, self._content(place.file))
        if loaded is None:
            return None

        file, document = loaded
        segments = _parse_fragment(fragment)
        found = _walk(document, segments) if segments is not None else None
        if found is None:
            self._report_missing(ref, place)
            return None
        node, pointer = found
        anchor = place.source if file is not None else ()
        return node, _Place(file, pointer, anchor)

    def _content(self, file: Path | None) -> Any:
        return self.data if file is None else self.files[file]

    def _count_hop(self, place: _Place) -> bool:
        self.hops += 1
        if self.hops == MAX_REFERENCES + 1:
            self.problems.add(
                "warning",
                f"stopped resolving $ref after {MAX_REFERENCES} references, so the "
                "model misses what later references point to; split the document",
                place.source,
            )
        return self.hops <= MAX_REFERENCES

    def _load_referenced(
        self, relative: str, ref: str, place: _Place
    ) -> tuple[Path | None, Any] | None:
        """Return the file that `relative` names and its data, if it may be read.

        A reference back to the scanned document returns None as the file, so
        its nodes keep their own pointers.
        """
        if self.path is None or self.root is None:
            self.problems.add(
                "note",
                f"$ref {ref!r} names a file, but the document's own path is "
                "unknown, so it was not followed",
                place.source,
            )
            return None
        base = self.path.parent if place.file is None else place.file.parent
        if self.watch_file is not None:
            self.watch_file(base / relative)
        target = _resolve_path(base / relative)
        if target == self.path:
            return None, self.data
        if target is None:
            # A NUL character or a symbolic link loop in the path.
            self.problems.add(
                "warning",
                f"$ref {ref!r} names no valid file path, not followed; fix the "
                "file name",
                place.source,
            )
            return None
        if not target.is_relative_to(self.root):
            self.problems.add(
                "warning",
                f"$ref {ref!r} leaves the scan root, not followed; move the "
                "referenced file under the scan root",
                place.source,
            )
            return None
        if target in self.files:
            return target, self.files[target]
        if self._read(target, ref, place):
            return target, self.files[target]
        return None

    def _read(self, target: Path, ref: str, place: _Place) -> bool:
        if self.load_file is None:
            self.problems.add(
                "note",
                f"$ref {ref!r} names a file, but no file loader was given, "
                "so it was not followed",
                place.source,
            )
            return False
        if target in self.failed_files:
            reason = "it could not be read"
        elif target.exists() and not target.is_file():
            # Reading a FIFO would block the scan; a folder has no content.
            self.failed_files.add(target)
            reason = "it is not a regular file"
        else:
            try:
                self.files[target] = self.load_file(target)
                return True
            except (OSError, ValueError) as error:
                self.failed_files.add(target)
                reason = str(error) or type(error).__name__
        self.problems.add(
            "warning",
            f"$ref {ref!r} points to a file that could not be loaded "
            f"({reason}); fix the file or the reference",
            place.source,
        )
        return False

    def _report_remote(self, ref: str, place: _Place) -> None:
        self.problems.add(
            "note",
            f"remote $ref {ref!r} was not fetched, so the model leaves out "
            "what it points to; copy the definition into the repository to "
            "have it checked",
            place.source,
        )

    def _report_missing(self, ref: str, place: _Place) -> None:
        self.problems.add(
            "warning",
            f"$ref {ref!r} does not resolve to a node; fix the JSON Pointer "
            "after '#' or the file name",
            place.source,
        )

    def _report_cycle(
        self, ref: str, place: _Place, cycle: list[tuple[Path | None, Pointer]]
    ) -> None:
        members = frozenset(cycle)
        if members in self.cycles:
            return
        self.cycles.add(members)
        self.problems.add(
            "warning",
            f"$ref {ref!r} closes a cycle of {len(cycle)} references that never "
            "reaches a definition; point one of them at the definition itself",
            place.source,
        )


def _resolve_path(path: Path) -> Path | None:
    """Return the absolute path with symbolic links followed, or None."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        # RuntimeError is a symbolic link loop before Python 3.13, and
        # ValueError a path with a NUL character.
        return None


def _is_loopback(host: str) -> bool:
    name = host.lower().rstrip(".").strip("[]")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or name == "0.0.0.0"


def _url_fields(url: str) -> dict[str, Any]:
    """Return the lowercase scheme and host of `url`, and whether it is loopback."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return {"scheme": "", "host": "", "loopback": False}
    return {
        "scheme": parts.scheme.lower(),
        "host": host,
        "loopback": _is_loopback(host),
    }


def _substitute_variables(url: str, variables: Any) -> str:
    """Replace each `{name}` that has a default in `variables` by the default."""
    if not isinstance(variables, dict):
        return url

    def replace(match: re.Match[str]) -> str:
        variable = variables.get(match.group(1))
        if not isinstance(variable, dict):
            return match.group(0)
        default = variable.get("default")
        if isinstance(default, bool) or not isinstance(default, str | int | float):
            return match.group(0)
        return str(default)

    return _SERVER_VARIABLE.sub(replace, url)


def _server_entry(url: str, resolved: str, level: str, place: _Place) -> dict[str, Any]:
    return {
        "url": url,
        "resolvedUrl": resolved,
        **_url_fields(resolved),
        "level": level,
        "$source": place.source_text,
    }


def _flow_entry(flow_name: str, flow: dict[str, Any], place: _Place) -> dict[str, Any]:
    return {
        "flow": flow_name,
        "authorizationUrl": _text(flow.get("authorizationUrl")),
        "tokenUrl": _text(flow.get("tokenUrl")),
        "refreshUrl": _text(flow.get("refreshUrl")),
        "$source": place.source_text,
    }


def _auth_state(requirements: list[dict[str, list[str]]], origin: str) -> str:
    if origin == "none":
        return "none"
    if not requirements:
        return "public"
    if any(not requirement for requirement in requirements):
        return "optional"
    return "required"


def _requirements_size(requirements: list[dict[str, list[str]]]) -> int:
    """Return the number of scheme names and scopes in `requirements`."""
    return sum(
        len(requirement) + sum(len(scopes) for scopes in requirement.values())
        for requirement in requirements
    )


def _is_rate_limit_header(name: str) -> bool:
    return name in RATE_LIMIT_HEADERS or name.startswith(RATE_LIMIT_PREFIXES)


def _rate_limit_fields(responses: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the 429 and rate-limit fields of an operation's model.

    The response for status 429 is the `429` one, else the `4XX` range.
    """
    by_code = {response["code"].upper(): response for response in responses}
    limiting = by_code.get("429") or by_code.get("4XX")
    names: dict[str, None] = {}
    for response in responses:
        for header in response["headers"]:
            if _is_rate_limit_header(header):
                names[header] = None
    return {
        "has429": limiting is not None,
        "rateLimitHeaders": list(names),
        "retryAfterOn429": limiting is not None
        and "retry-after" in limiting["headers"],
    }


class _Builder:
    """Fill a model from the document, resolving references on the way."""

    def __init__(
        self,
        data: dict[str, Any],
        version: str,
        model: dict[str, Any],
        resolver: _Resolver,
    ) -> None:
        self.data = data
        self.version = version
        self.model = model
        self.resolver = resolver
        self.items = 0
        self.scheme_names: set[str] = set()
        self.root_security: list[dict[str, list[str]]] = []

    def build(self) -> None:
        self._add_root_servers()
        self._add_security_schemes()
        root_security = self.data.get("security")
        if isinstance(root_security, list):
            self.root_security = self._requirements(
                root_security, _Place(None, ("security",))
            )
        self._add_operations()

    def _count(self, amount: int = 1) -> None:
        self.items += amount
        if self.items > MAX_MODEL_ITEMS:
            raise _ModelStopped

    def _append(self, key: str, entry: dict[str, Any]) -> None:
        self._count()
        self.model[key].append(entry)

    def _resolve_object(
        self, node: Any, place: _Place
    ) -> tuple[dict[str, Any], _Place] | None:
        resolved = self.resolver.resolve(node, place)
        if resolved is None or not isinstance(resolved[0], dict):
            return None
        return resolved

    # Servers

    def _add_root_servers(self) -> None:
        if self.version == "2.0":
            self._add_swagger_servers(self.data, _Place(None, ()), "root")
        else:
            self._add_servers(self.data, _Place(None, ()), "root")

    def _add_servers(self, holder: dict[str, Any], place: _Place, level: str) -> None:
        """Add the `servers` of an OpenAPI 3 root, path item or operation."""
        servers = holder.get("servers")
        if not isinstance(servers, list):
            return
        for index, server in enumerate(servers):
            if not isinstance(server, dict) or not isinstance(server.get("url"), str):
                continue
            url = server["url"]
            resolved = _substitute_variables(url, server.get("variables"))
            server_place = place.child("servers").child(index)
            self._append("servers", _server_entry(url, resolved, level, server_place))

    def _add_swagger_servers(
        self, holder: dict[str, Any], place: _Place, level: str
    ) -> None:
        """Add one server per entry of a Swagger 2.0 `schemes` list."""
        schemes = holder.get("schemes")
        if not isinstance(schemes, list):
            return
        host = _text(self.data.get("host"))
        base_path = _text(self.data.get("basePath"))
        for index, scheme in enumerate(schemes):
            if not isinstance(scheme, str):
                continue
            url = f"{scheme}://{host}{base_path}"
            scheme_place = place.child("schemes").child(index)
            self._append("servers", _server_entry(url, url, level, scheme_place))

    # Security schemes

    def _add_security_schemes(self) -> None:
        if self.version == "2.0":
            definitions = self.data.get("securityDefinitions")
            place = _Place(None, ("securityDefinitions",))
        else:
            components = self.data.get("components")
            definitions = None
            if isinstance(components, dict):
                definitions = components.get("securitySchemes")
            place = _Place(None, ("components", "securitySchemes"))
        if not isinstance(definitions, dict):
            return

        self.scheme_names = {str(name) for name in definitions}
        for name, raw in _items(definitions):
            resolved = self._resolve_object(raw, place.child(name))
            if resolved is not None:
                self._add_scheme(name, *resolved)

    def _add_scheme(self, name: str, raw: dict[str, Any], place: _Place) -> None:
        scheme_type = _text(raw.get("type"))
        entry: dict[str, Any] = {
            "name": name,
            "type": scheme_type,
            "scheme": "",
            "in": _text(raw.get("in")) if scheme_type == "apiKey" else "",
            "flows": [],
            "openIdConnectUrl": "",
            "$source": place.source_text,
        }
        if self.version == "2.0":
            self._fill_swagger_scheme(entry, raw, place)
        else:
            self._fill_openapi_scheme(entry, raw, place)
        self._append("securitySchemes", entry)

    def _fill_swagger_scheme(
        self, entry: dict[str, Any], raw: dict[str, Any], place: _Place
    ) -> None:
        if entry["type"] == "basic":
            entry["type"] = "http"
            entry["scheme"] = "basic"
            return
        if entry["type"] != "oauth2":
            return
        flow_name = SWAGGER_FLOWS.get(_text(raw.get("flow")))
        if flow_name is not None:
            entry["flows"].append(_flow_entry(flow_name, raw, place.child("flow")))
            self._add_oauth_urls(entry["name"], raw, place, FLOW_URL_KINDS)

    def _fill_openapi_scheme(
        self, entry: dict[str, Any], raw: dict[str, Any], place: _Place
    ) -> None:
        if entry["type"] == "http":
            entry["scheme"] = _text(raw.get("scheme")).lower()
        elif entry["type"] == "openIdConnect":
            entry["openIdConnectUrl"] = _text(raw.get("openIdConnectUrl"))
            self._add_oauth_urls(entry["name"], raw, place, ("openIdConnectUrl",))
        elif entry["type"] == "oauth2":
            entry["flows"] = self._openapi_flows(entry["name"], raw, place)

    def _openapi_flows(
        self, scheme_name: str, raw: dict[str, Any], place: _Place
    ) -> list[dict[str, Any]]:
        flows = raw.get("flows")
        if not isinstance(flows, dict):
            return []
        entries = []
        for flow_name in OAUTH_FLOWS:
            flow = flows.get(flow_name)
            if not isinstance(flow, dict):
                continue
            flow_place = place.child("flows").child(flow_name)
            self._count()
            entries.append(_flow_entry(flow_name, flow, flow_place))
            self._add_oauth_urls(scheme_name, flow, flow_place, FLOW_URL_KINDS)
        return entries

    def _add_oauth_urls(
        self,
        scheme_name: str,
        holder: dict[str, Any],
        place: _Place,
        kinds: tuple[str, ...],
    ) -> None:
        for kind in kinds:
            url = holder.get(kind)
            if not isinstance(url, str) or not url:
                continue
            entry = {
                "url": url,
                "kind": kind,
                **_url_fields(url),
                "schemeName": scheme_name,
                "$source": place.child(kind).source_text,
            }
            self._append("oauthUrls", entry)

    # Security requirements

    def _requirements(
        self, requirements: list[Any], place: _Place
    ) -> list[dict[str, list[str]]]:
        """Normalize a `security` list and record the scheme names it lacks."""
        normalized = []
        for index, requirement in enumerate(requirements):
            if not isinstance(requirement, dict):
                continue
            entry: dict[str, list[str]] = {}
            for name, scopes in _items(requirement):
                scope_list = scopes if isinstance(scopes, list) else []
                entry[name] = [scope for scope in scope_list if isinstance(scope, str)]
                self._count(1 + len(entry[name]))
                if name not in self.scheme_names:
                    self._add_undefined_reference(name, place.child(index).child(name))
            normalized.append(entry)
        return normalized

    def _add_undefined_reference(self, name: str, place: _Place) -> None:
        entry = {"name": name, "$source": place.source_text}
        self._append("undefinedSchemeReferences", entry)

    def _effective_security(
        self, operation: dict[str, Any], place: _Place
    ) -> tuple[list[dict[str, list[str]]], str]:
        """Return the requirements that apply to an operation, and their origin."""
        own = operation.get("security")
        if isinstance(own, list):
            return self._requirements(own, place.child("security")), "operation"
        if isinstance(self.data.get("security"), list):
            self._count(_requirements_size(self.root_security))
            copied = [
                {name: list(scopes) for name, scopes in requirement.items()}
                for requirement in self.root_security
            ]
            return copied, "root"
        return [], "none"

    # Operations

    def _add_operations(self) -> None:
        paths = self.data.get("paths")
        if not isinstance(paths, dict):
            return
        paths_place = _Place(None, ("paths",))
        for path, raw in _items(paths):
            if path.startswith("x-"):
                continue
            resolved = self._resolve_object(raw, paths_place.child(path))
            if resolved is not None:
                self._add_path_item(path, *resolved)

    def _add_path_item(self, path: str, item: dict[str, Any], place: _Place) -> None:
        if self.version != "2.0":
            self._add_servers(item, place, "path")
        shared = self._parameters(item.get("parameters"), place.child("parameters"))
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                self._add_operation(
                    path, method, operation, place.child(method), shared
                )

    def _add_operation(
        self,
        path: str,
        method: str,
        operation: dict[str, Any],
        place: _Place,
        shared_parameters: dict[tuple[str, str], dict[str, Any]],
    ) -> None:
        if self.version == "2.0":
            self._add_swagger_servers(operation, place, "operation")
        else:
            self._add_servers(operation, place, "operation")
        security, origin = self._effective_security(operation, place)
        responses = self._responses(operation.get("responses"), place)
        own = self._parameters(operation.get("parameters"), place.child("parameters"))
        entry: dict[str, Any] = {
            "path": path,
            "method": method,
            "operationId": _text(operation.get("operationId")),
            "write": method in WRITE_METHODS,
            "security": security,
            "securitySource": origin,
            "auth": _auth_state(security, origin),
            "responseCodes": [response["code"] for response in responses],
            "responses": responses,
            **_rate_limit_fields(responses),
            "parameters": list({**shared_parameters, **own}.values()),
            "$source": place.source_text,
        }
        self._append("operations", entry)

    def _responses(self, responses: Any, place: _Place) -> list[dict[str, Any]]:
        if not isinstance(responses, dict):
            return []
        responses_place = place.child("responses")
        entries = []
        for code, raw in _items(responses):
            if code.startswith("x-"):
                continue
            self._count()
            entries.append(self._response(code, raw, responses_place.child(code)))
        return entries

    def _response(self, code: str, raw: Any, place: _Place) -> dict[str, Any]:
        """Return a response's model; one that does not resolve has no headers."""
        resolved = self._resolve_object(raw, place)
        if resolved is None:
            return {"code": code, "headers": [], "$source": place.source_text}
        response, response_place = resolved
        headers = response.get("headers")
        names = (
            [str(name).lower() for name in headers] if isinstance(headers, dict) else []
        )
        self._count(len(names))
        return {"code": code, "headers": names, "$source": response_place.source_text}

    def _parameters(
        self, parameters: Any, place: _Place
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """Return parameter models by name and location, as operations merge them."""
        if not isinstance(parameters, list):
            return {}
        entries: dict[tuple[str, str], dict[str, Any]] = {}
        for index, raw in enumerate(parameters):
            resolved = self._resolve_object(raw, place.child(index))
            if resolved is None:
                continue
            parameter, parameter_place = resolved
            name = _text(parameter.get("name"))
            location = _text(parameter.get("in"))
            self._count()
            entries[(name, location)] = {
                "name": name,
                "in": location,
                "required": parameter.get("required") is True,
                "$source": parameter_place.source_text,
            }
        return entries


# Credential values


def _looks_like_credential(name: str) -> bool:
    return (
        CREDENTIAL_NAME.search(name) is not None or AUTH_WORD.search(name) is not None
    )


def _looks_secret(value: str) -> bool:
    if len(value) < 8 or is_placeholder(value) or _is_plain_url(value):
        return False
    if shannon_entropy(value) >= 3.0:
        return True
    has_letter = any(character.isalpha() for character in value)
    has_digit = any(character.isdigit() for character in value)
    return has_letter and has_digit and len(value) >= 16


def _is_plain_url(value: str) -> bool:
    """Return whether `value` is an http(s) URL without a password in it.

    Such a value under a credential name is an endpoint (`auth_url`,
    `tokenUrl`), not the credential itself.
    """
    if not value.startswith(("http://", "https://")) or any(
        character.isspace() for character in value
    ):
        return False
    try:
        return urlsplit(value).password is None
    except ValueError:
        return False


# A node still to visit: the node, its pointer, the owning name in force, the
# kind ("object", "names", "examples" or "data"), and for example data the key
# that opened it.
_Frame = tuple[Any, Pointer, str, str, str]


@dataclass
class _CredentialSearch:
    """Find credential-like example, default and extension values.

    The walk uses an explicit stack, so deep nesting cannot exhaust the
    Python stack, and it stops after MAX_CREDENTIAL_NODES nodes. It reads
    the raw document and follows no `$ref`.
    """

    version: str
    found: list[dict[str, Any]] = field(default_factory=list)
    stack: list[_Frame] = field(default_factory=list)
    visited: int = 0
    # Containers already searched, by identity and walk state. Data from
    # `yaml.safe_load` shares one object among all uses of an alias, and
    # that object is searched once instead of once per use.
    searched: set[tuple[int, str, str, str]] = field(default_factory=set)

    def run(self, data: dict[str, Any], problems: _Problems) -> list[dict[str, Any]]:
        for key in reversed(CREDENTIAL_ROOTS):
            if key in data:
                kind = "names" if key in NAME_MAP_KEYS else "object"
                self.stack.append((data[key], (key,), "", kind, ""))
        while self.stack:
            node, pointer, owner, kind, where = self.stack.pop()
            state = (id(node), owner, kind, where)
            if state in self.searched:
                continue
            self.searched.add(state)
            self.visited += len(node) if isinstance(node, dict | list) else 1
            if self.visited > MAX_CREDENTIAL_NODES:
                problems.add(
                    "warning",
                    f"stopped searching for credential values after "
                    f"{MAX_CREDENTIAL_NODES} nodes; split the document to have "
                    "the rest searched",
                    pointer,
                )
                break
            self._visit(node, pointer, owner, kind, where)
        return self.found

    def _visit(
        self, node: Any, pointer: Pointer, owner: str, kind: str, where: str
    ) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                self._push_or_check(item, (*pointer, index), owner, kind, where)
        elif not isinstance(node, dict):
            return
        elif kind == "object":
            self._visit_object(node, pointer, owner)
        elif kind == "names":
            self._visit_names(node, pointer, owner)
        elif kind == "examples":
            self._visit_examples(node, pointer, owner)
        else:
            self._visit_data(node, pointer, owner, where)

    def _push_or_check(
        self, node: Any, pointer: Pointer, owner: str, kind: str, where: str
    ) -> None:
        """Check a string of example data, or queue a container to visit."""
        if isinstance(node, dict | list):
            self.stack.append((node, pointer, owner, kind, where))
        elif isinstance(node, str) and kind == "data":
            self._check(owner, where, node, pointer)

    def _visit_object(self, node: dict[str, Any], pointer: Pointer, owner: str) -> None:
        owner = _parameter_owner(node, owner)
        for key, value in _items(node):
            child = (*pointer, key)
            if key == "examples":
                kind = "examples" if isinstance(value, dict) else "data"
                self._push_or_check(value, child, owner, kind, key)
            elif key in EXAMPLE_DATA_KEYS:
                self._push_or_check(value, child, owner, "data", key)
            elif key.startswith("x-"):
                self._visit_extension(key, value, child, owner)
            elif key in NAME_MAP_KEYS and isinstance(value, dict):
                self.stack.append((value, child, owner, "names", ""))
            elif isinstance(value, dict | list):
                self.stack.append((value, child, owner, "object", ""))

    def _visit_extension(
        self, key: str, value: Any, pointer: Pointer, owner: str
    ) -> None:
        if isinstance(value, str):
            # Only the extension's own name counts: `x-go-name` on a
            # `client_secret` property contains a type name, not the secret.
            self._check(key, key, value, pointer)
        elif isinstance(value, dict | list):
            self.stack.append((value, pointer, owner, "object", ""))

    def _visit_names(self, node: dict[str, Any], pointer: Pointer, owner: str) -> None:
        names_owner = pointer[-1] in OWNER_MAP_KEYS if pointer else False
        for key, value in _items(node):
            child = (*pointer, key)
            if isinstance(value, str) and key.startswith("x-"):
                self._visit_extension(key, value, child, owner)
            elif isinstance(value, dict | list):
                child_owner = key if names_owner else owner
                self.stack.append((value, child, child_owner, "object", ""))

    def _visit_examples(
        self, node: dict[str, Any], pointer: Pointer, owner: str
    ) -> None:
        """Visit a map of named examples.

        In OpenAPI 3 each entry is an Example Object whose `value` is the
        example. In Swagger 2.0 each entry maps a media type to the example.
        """
        for key, value in _items(node):
            name = owner or key
            if self.version == "2.0":
                self._push_or_check(value, (*pointer, key), name, "data", "examples")
            elif isinstance(value, dict) and "value" in value:
                child = (*pointer, key, "value")
                self._push_or_check(value["value"], child, name, "data", "examples")

    def _visit_data(
        self, node: dict[str, Any], pointer: Pointer, owner: str, where: str
    ) -> None:
        """Visit example data, where each key names the value below it."""
        for key, value in _items(node):
            self._push_or_check(value, (*pointer, key), key, "data", where)

    def _check(self, name: str, where: str, value: str, pointer: Pointer) -> None:
        if _looks_like_credential(name) and _looks_secret(value):
            entry = {
                "name": name,
                "where": where,
                "secret": value,
                "$source": _pointer_text(pointer),
            }
            self.found.append(entry)


def _parameter_owner(node: dict[str, Any], owner: str) -> str:
    """Return the owning name for a parameter, header or API key scheme.

    Such an object has `name` and `in`. Its `name` replaces the outer owner,
    unless only the outer one looks like a credential, as a scheme called
    `api_key` that reads header `X-Key` does.
    """
    name, location = node.get("name"), node.get("in")
    if not isinstance(name, str) or not isinstance(location, str):
        return owner
    if _looks_like_credential(name) or not _looks_like_credential(owner):
        return name
    return owner


# The model


def _detect_version(data: dict[str, Any], problems: _Problems) -> tuple[str, str]:
    """Return the model version and the pointer of the field that states it."""
    if "swagger" in data:
        return "2.0", "/swagger"
    if "openapi" not in data:
        problems.add(
            "warning",
            "the document has neither `openapi` nor `swagger`; it is modelled "
            "as OpenAPI 3.0. Add the version field",
            (),
        )
        return "3.0", ""

    stated = str(data["openapi"])
    match = _VERSION.match(stated)
    if match is not None and match.group(1) == "3":
        # Later 3.x releases keep the 3.1 fields that the model reads.
        return ("3.0" if match.group(2) == "0" else "3.1"), "/openapi"
    problems.add(
        "warning",
        f"openapi version {stated!r} is not 3.x; the document is modelled as "
        "OpenAPI 3.0. Fix the version field",
        ("openapi",),
    )
    return "3.0", "/openapi"


def _empty_model(version: str, source: str) -> dict[str, Any]:
    return {
        "$source": source,
        "version": version,
        "title": "",
        "servers": [],
        "securitySchemes": [],
        "oauthUrls": [],
        "operations": [],
        "anyHas429": False,
        "undefinedSchemeReferences": [],
        "credentialValues": [],
    }


def build_model(
    data: Any,
    *,
    path: Path | None = None,
    root: Path | None = None,
    load_file: FileLoader | None = None,
    watch_file: FileWatcher | None = None,
) -> tuple[dict[str, Any], list[ModelProblem]]:
    """Build the normalized model of a Swagger 2.0 or OpenAPI 3.x document.

    `path` is the document's file and `root` the scan root. A `$ref` to
    another file is followed only when the file lies under `root`, or under
    the document's folder when `root` is None. `load_file` returns that
    file's parsed data or raises OSError or ValueError, and `watch_file` is
    called with every file path that a `$ref` names, before it is checked.
    Remote references are never fetched. Problems point into the scanned
    document.
    """
    problems = _Problems()
    if not isinstance(data, dict):
        problems.add(
            "warning",
            "the document is not a mapping, so it has no OpenAPI model; check "
            "that the file is an OpenAPI description",
            (),
        )
        return _empty_model("3.0", ""), problems.items

    version, source = _detect_version(data, problems)
    model = _empty_model(version, source)
    info = data.get("info")
    model["title"] = _text(info.get("title")) if isinstance(info, dict) else ""

    resolver = _Resolver(data, path, root, load_file, problems, watch_file)
    try:
        _Builder(data, version, model, resolver).build()
    except _ModelStopped:
        problems.add(
            "warning",
            f"the model stopped at {MAX_MODEL_ITEMS} entries, so later "
            "operations are missing; split the document",
            (),
        )
    model["anyHas429"] = any(operation["has429"] for operation in model["operations"])
    model["credentialValues"] = _CredentialSearch(version).run(data, problems)
    return model, problems.items
