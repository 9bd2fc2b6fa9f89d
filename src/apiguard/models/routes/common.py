"""The values of the route model and the helpers that every format uses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "unknown"
"""A setting that this document alone cannot decide."""

Tristate = bool | str
"""True, False or UNKNOWN."""

CONCERNS = ("tls", "auth", "rateLimit", "accessLog")

# Hosts that never leave the machine.
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def pointer(*parts: str | int) -> str:
    """Return the RFC 6901 JSON Pointer of a path of keys and indexes."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "".join("/" + part for part in escaped)


def is_loopback(host: str) -> bool:
    """Return whether a host name or address never leaves the machine."""
    host = host.lower()
    if host in _LOOPBACK_HOSTS or host.endswith(".localhost"):
        return True
    return host.startswith("127.")


def global_setting(**phrases: str) -> dict[str, str]:
    """Return the `globalSetting` mapping: one phrase per concern, "" for none."""
    return {concern: phrases.get(concern, "") for concern in CONCERNS}


@dataclass(frozen=True)
class Route:
    """One exposed route, listener, server or API method."""

    format: str
    name: str
    source: str
    host: str = ""
    path: str = ""
    method: str = ""
    tls: Tristate = UNKNOWN
    https_redirect: Tristate = UNKNOWN
    auth: tuple[str, ...] | str = UNKNOWN
    """Authentication mechanisms; () for none, UNKNOWN when undecidable."""
    rate_limit: Mapping[str, Any] | Tristate = UNKNOWN
    """False, UNKNOWN, or the details of the limit."""
    access_log: Tristate = UNKNOWN
    loopback: bool = False
    upstream: str = ""
    global_setting: Mapping[str, str] = field(default_factory=global_setting)

    @property
    def endpoint(self) -> str:
        """Return method, host and path, such as `GET api.example.com/v1`."""
        address = f"{self.host}{self.path}"
        return f"{self.method} {address}".strip() or "any host"

    def as_model(self) -> dict[str, Any]:
        auth = list(self.auth) if isinstance(self.auth, tuple) else self.auth
        rate_limit = self.rate_limit
        if isinstance(rate_limit, Mapping):
            rate_limit = dict(rate_limit)
        return {
            **_identity(self),
            "host": self.host,
            "path": self.path,
            "method": self.method,
            "endpoint": self.endpoint,
            "tls": self.tls,
            "httpsRedirect": self.https_redirect,
            "auth": auth,
            "rateLimit": rate_limit,
            "accessLog": self.access_log,
            "loopback": self.loopback,
            "upstream": self.upstream,
            "globalSetting": dict(self.global_setting),
            "globalNote": _notes(self.global_setting),
        }


@dataclass(frozen=True)
class Stage:
    """A deployed stage of an API Gateway API."""

    format: str
    name: str
    source: str
    api_type: str = "rest"
    """`rest`, `http` or `websocket`."""
    access_log: Tristate = UNKNOWN
    throttling: Mapping[str, Any] | Tristate = UNKNOWN
    """False, UNKNOWN, or the limits that the stage's settings set."""
    global_setting: Mapping[str, str] = field(default_factory=global_setting)

    def as_model(self) -> dict[str, Any]:
        return {
            **_identity(self),
            "apiType": self.api_type,
            "accessLog": self.access_log,
            "throttling": _plain(self.throttling),
            "globalSetting": dict(self.global_setting),
            "globalNote": _notes(self.global_setting),
        }


@dataclass(frozen=True)
class MethodSetting:
    """Throttling and execution logging for a stage, or for some of its routes."""

    format: str
    name: str
    source: str
    scope: str = "*"
    """The methods or routes covered, as written (`*/*`, `GET /pets`)."""
    throttling: Mapping[str, Any] | Tristate = UNKNOWN
    logging_level: str = ""

    def as_model(self) -> dict[str, Any]:
        return {
            **_identity(self),
            "scope": self.scope,
            "throttling": _plain(self.throttling),
            "loggingLevel": self.logging_level,
        }


@dataclass(frozen=True)
class TlsSetting:
    """A minimum TLS version or protocol list."""

    format: str
    name: str
    source: str
    setting: str
    weak: bool

    def as_model(self) -> dict[str, Any]:
        return {
            **_identity(self),
            "setting": self.setting,
            "weak": self.weak,
        }


@dataclass(frozen=True)
class AuthPolicy:
    """A policy that validates credentials, and whether anything requires them."""

    format: str
    name: str
    source: str
    namespace: str = ""
    enforced: Tristate = UNKNOWN
    global_setting: Mapping[str, str] = field(default_factory=global_setting)

    def as_model(self) -> dict[str, Any]:
        return {
            **_identity(self),
            "namespace": self.namespace,
            "enforced": self.enforced,
            "globalSetting": dict(self.global_setting),
            "globalNote": _notes(self.global_setting),
        }


@dataclass(frozen=True)
class Credential:
    """A literal credential value written in the configuration."""

    format: str
    name: str
    source: str
    secret: str
    owner: str = ""
    """The consumer, service or resource the credential belongs to."""

    def as_model(self) -> dict[str, Any]:
        return {
            **_identity(self),
            "owner": self.owner,
            "secret": self.secret,
        }


Entry = Route | Stage | MethodSetting | TlsSetting | AuthPolicy | Credential

_LISTS: dict[type[Any], str] = {
    Route: "routes",
    Stage: "stages",
    MethodSetting: "methodSettings",
    TlsSetting: "tlsSettings",
    AuthPolicy: "authPolicies",
    Credential: "credentials",
}

FORMAT_NAMES: dict[str, str] = {
    "ingress": "Kubernetes Ingress",
    "gateway-api": "Gateway API",
    "istio": "Istio",
    "kong": "Kong",
    "cloudformation": "CloudFormation",
    "sam": "AWS SAM",
    "terraform": "Terraform",
    "serverless": "Serverless Framework",
    "nginx": "nginx",
    "compose": "Docker Compose",
    "envoy": "Envoy",
    "traefik": "Traefik",
}


def empty_model() -> dict[str, Any]:
    model: dict[str, Any] = {"$source": ""}
    for name in _LISTS.values():
        model[name] = []
    return model


def build(entries: Iterable[Entry]) -> dict[str, Any]:
    """Return the route model holding `entries`, each in its own list."""
    model = empty_model()
    for entry in entries:
        model[_LISTS[type(entry)]].append(entry.as_model())
    return model


def _identity(entry: Any) -> dict[str, Any]:
    """Return the fields that every entry of the model starts with."""
    return {
        "$source": entry.source,
        "format": entry.format,
        "formatName": FORMAT_NAMES[entry.format],
        "name": entry.name,
    }


def _plain(value: Any) -> Any:
    """Return a mapping value as a plain dict, and any other value as is."""
    return dict(value) if isinstance(value, Mapping) else value


def _notes(phrases: Mapping[str, str]) -> dict[str, str]:
    """Return message suffixes: `, unless <phrase>` per concern, "" for none."""
    return {
        concern: f", unless {phrase}" if phrase else ""
        for concern, phrase in phrases.items()
    }


def text(value: Any) -> str:
    """Return a scalar as text; "" for a missing value, mapping or list."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
