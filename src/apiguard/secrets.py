"""Tell placeholders from real secrets, and redact the real ones."""

from __future__ import annotations

import hashlib
import math
from collections import Counter

import re2

# Values that stand for a secret without being one: references to variables
# and secret stores, templates, masks, encrypted blobs and sample words.
_PLACEHOLDER = re2.compile(
    r"(?i)"
    r"^\$\{[^}]*\}$|\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|\$\{\{[^}]*\}\}"
    r"|^<[^>]*>$|^\[[^\]]*\]$|^%\([^)]*\)s$|^%[A-Z_]+%$|^\$[A-Z_][A-Z0-9_]*$"
    r"|^ENC\[|^vault:|^arn:aws:secretsmanager:|^arn:aws:ssm:|^projects/[^/]+/secrets/"
    r"|^sm://|^ssm://|^awssm:|^azurekeyvault:|^secretref:|^op://|^doppler://"
    r"|^akv:|^gcpsm:|^\(\(.*\)\)$"
    r"|changeme|change_me|change-me|replaceme|replace_me|replace-me|placeholder"
    r"|redacted|example|sample|dummy|your[_-]?(?:api[_-]?)?(?:key|token|secret|password)"
    r"|^(?:x+|\*+|\.+|#+|-+|_+|0+|null|none|nil|true|false|undefined|todo|tbd)$"
    r"|^(?:password|passwd|secret|token|api[_-]?key|test|testing|fake|foo|bar|baz)$"
    r"|^(?:password|secret|token)\d*$"
    r"|xxxx|\*\*\*\*|\.\.\.|…"
)

# An upper-case name with underscores, such as AWS_SECRET_ACCESS_KEY: the name
# of an environment variable, not its value.
_ENV_NAME = re2.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def shannon_entropy(value: str) -> float:
    """Return the Shannon entropy of `value` in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """Return whether `value` is a placeholder, reference or mask."""
    stripped = value.strip().strip("'\"`")
    if not stripped:
        return True
    if len(set(stripped)) <= 2:
        return True
    if _ENV_NAME.search(stripped):
        return True
    return _PLACEHOLDER.search(stripped) is not None


def secret_hash(value: str) -> str:
    """Return `sha256:` and 16 hex digits of the value's hash, for matching."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def redact(value: str) -> str:
    """Return a redacted form that shows at most the first 4 of 16+ characters.

    Shorter values show nothing but their length in asterisks, capped at 8.
    """
    shown = value[:4] if len(value) >= 16 else ""
    return shown + "*" * min(8, max(4, len(value) - len(shown)))


def redact_in(text: str, secret: str) -> str:
    """Replace every occurrence of `secret` in `text` with its redacted form."""
    if not secret:
        return text
    return text.replace(secret, redact(secret))
