"""Tell placeholders from real secrets, and redact the real ones."""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
from collections import Counter

import re2

# References that a tool replaces with the real value at build or run time,
# in shell, Compose, GitHub Actions, Helm/Jinja, ERB, Maven, Azure Pipelines,
# Concourse and Python formatting syntax.
_REFERENCE = re2.compile(
    r"\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|\$\{\{[^}]*\}\}"
    r"|^<[^>]*>$|^\[[^\]]*\]$|^\{[^}]*\}$|^\(\(.*\)\)$"
    r"|^%\([^)]*\)s$|^%[sd]$|^%[A-Za-z_]+%$|^\$[A-Za-z_][A-Za-z0-9_]*$"
    r"|^@[A-Za-z0-9_.-]+@$|^__[A-Za-z0-9_]+__$|^#\{[^}]*\}#?$"
)

# References to a secret store: Vault, SOPS, AWS Secrets Manager, SSM and KMS
# ARNs in every AWS partition, GCP Secret Manager, Azure Key Vault (App
# Service references and vault URLs), 1Password (`op://`), Doppler and other
# `scheme:` references of secret-injection tools.
_STORE_REFERENCE = re2.compile(
    r"(?i)^ENC\[|^vault:|^arn:aws[a-z-]*:(?:secretsmanager|ssm|kms):"
    r"|^projects/[^/]+/secrets/|@Microsoft\.KeyVault\("
    r"|^https://[a-z0-9-]+\.vault\.azure\.net/(?:secrets|keys)/"
    r"|^sm://|^ssm://|^awssm:|^azurekeyvault:|^secretref:|^op://|^doppler://"
    r"|^akv:|^gcpsm:"
)

# Masks and the words people type where a secret will go.
_SAMPLE = re2.compile(
    r"(?i)"
    r"changeme|change_me|change-me|replaceme|replace_me|replace-me|placeholder"
    r"|redacted|example|sample|dummy|your[_-]?(?:api[_-]?)?(?:key|token|secret|password)"
    r"|^(?:x+|\*+|\.+|#+|-+|_+|0+|null|none|nil|true|false|undefined|todo|tbd)$"
    r"|^(?:pass|pwd|password|passwd|secret|token|api[_-]?key|test|testing|fake"
    r"|foo|bar|baz)$"
    r"|^(?:password|secret|token)\d*$"
    r"|^(?:abc123|abcdef|qwerty|foobar|letmein|s3cr3t|passw0rd|p@ssw0rd|123456\d*)$"
    r"|xxxx|\*\*\*\*|\.\.\.|…"
)

# The name of a secret rather than its value: lower-case words joined by
# `-`, `_`, `.` or `/`, one of them a credential word, as in `db-secret`,
# `my_api_key`, `default/tls-secret` or `basic_pass_updated`.
_SECRET_NAME = re2.compile(
    r"^(?:[a-z0-9]+[-_./])*"
    r"(?:secrets?|passwords?|passwd|pass|pwd|tokens?|keys?|apikey|credentials?|creds)"
    r"(?:[-_./][a-z0-9]+)*$"
)

# An upper-case name with underscores, such as AWS_SECRET_ACCESS_KEY: the name
# of an environment variable, not its value.
_ENV_NAME = re2.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")

# Standard base64 with padding, as Kubernetes `data` values are written.
_BASE64 = re2.compile(
    r"^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
)


# The patterns above as alternatives of one, so that a value takes one RE2
# search instead of five. Each keeps its own flags inside its group.
_ANY_PLACEHOLDER = re2.compile(
    "|".join(
        f"(?:{pattern.pattern})"
        for pattern in (_ENV_NAME, _SECRET_NAME, _REFERENCE, _STORE_REFERENCE, _SAMPLE)
    )
)


def shannon_entropy(value: str) -> float:
    """Return the Shannon entropy of `value` in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """Return whether `value` is a placeholder, reference or mask.

    A base64 value is also a placeholder when it decodes to printable ASCII
    that is one, such as `Y2hhbmdlbWU=` for `changeme`.
    """
    if _is_plain_placeholder(value):
        return True
    decoded = _decode_base64_text(value.strip().strip("'\"`"))
    return decoded is not None and _is_plain_placeholder(decoded)


def _is_plain_placeholder(value: str) -> bool:
    stripped = value.strip().strip("'\"`")
    if not stripped:
        return True
    if len(set(stripped)) <= 2:
        return True
    return _ANY_PLACEHOLDER.search(stripped) is not None


def _decode_base64_text(value: str) -> str | None:
    """Return the printable ASCII that `value` encodes in base64, else None."""
    if len(value) < 4 or not _BASE64.search(value):
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if decoded.isprintable() else None


def secret_hash(value: str) -> str:
    """Return `sha256:` and 16 hex digits of the value's hash, for matching."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def redact(value: str) -> str:
    """Return a redacted form that shows at most the first 4 of 16+ characters.

    Shorter values show only asterisks: as many as their length, at least 4
    and at most 8.
    """
    shown = value[:4] if len(value) >= 16 else ""
    return shown + "*" * min(8, max(4, len(value) - len(shown)))


def redact_in(text: str, secret: str) -> str:
    """Replace every occurrence of `secret` in `text` with its redacted form."""
    if not secret or secret not in text:
        return text
    return text.replace(secret, redact(secret))
