"""A cache of each file's scan outcome, keyed by the file's content.

An entry's key is a SHA-256 over a salt, the file's path relative to the
scan root and the file's bytes. The salt covers the cache format, the
versions of apiguard and of the libraries that shape a finding, the options
that change an outcome, and every field of every rule that runs. A change to
any of them gives a new key, so an entry is never stale, only unused. Files
that a `$ref` pulled in are stored with their hashes and checked on every
hit.

Entries are JSON, written to a temporary file in the same folder and renamed
into place, so runs that share the folder never read half an entry. An entry
that cannot be read or decoded is a miss. Outcomes with an error (a rule that
failed, a file that could not be read) are not stored, so the next run tries
again. Entries hold what the reports hold: redacted snippets and secret
hashes, never a secret.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from apiguard.findings import Finding, Notification, Region
from apiguard.rules import Rule

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
# Distributions whose behaviour changes the findings or messages of a scan.
_DISTRIBUTIONS = (
    "apiguard-lint",
    "crossplane",
    "detect-secrets",
    "google-re2",
    "jsonschema",
    "openapi-spec-validator",
    "python-hcl2",
    "jsonpath-rfc9535",
    "pyyaml",
)

Reference = tuple[str, "str | None"]
"""A file that a `$ref` read: its path relative to the root, and its hash
(None when it could not be read)."""


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def reference_hash(path: Path) -> str | None:
    """Return the content hash of a referenced file, None if it is unreadable.

    Only a regular file is read, because opening a FIFO would block.
    """
    try:
        if not path.is_file():
            return None
        return content_hash(path.read_bytes())
    except OSError:
        return None


@dataclass(frozen=True)
class CachedOutcome:
    findings: list[Finding]
    suppressed: list[Finding]
    notifications: list[Notification]


class ScanCache:
    """A folder of per-file outcomes for one set of rules and options."""

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder / f"v{CACHE_FORMAT}"
        self.salt = salt
        self.write_failed = False

    @classmethod
    def open(
        cls, folder: Path, rules: Sequence[Rule], options: Mapping[str, Any]
    ) -> ScanCache:
        return cls(folder, _salt(rules, options))

    def key(self, relpath: str, data: bytes) -> str:
        digest = hashlib.sha256(self.salt.encode())
        digest.update(relpath.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _entry_path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def load(self, key: str, root: Path) -> CachedOutcome | None:
        """Return the stored outcome for `key`, or None on a miss."""
        try:
            raw = self._entry_path(key).read_bytes()
        except OSError:
            return None
        try:
            entry = json.loads(raw)
            if entry["key"] != key:
                return None
            for relpath, digest in entry["references"]:
                if reference_hash(root / relpath) != digest:
                    return None
            return CachedOutcome(
                [_finding(item) for item in entry["findings"]],
                [_finding(item) for item in entry["suppressed"]],
                [_notification(item) for item in entry["notifications"]],
            )
        except (ValueError, KeyError, TypeError, IndexError):
            log.debug("invalid cache entry %s; scanning the file again", key)
            return None

    def store(
        self,
        key: str,
        outcome: CachedOutcome,
        references: Iterable[Reference],
    ) -> None:
        """Write an entry. A failure is logged once, and the scan goes on."""
        import tempfile

        entry = {
            "key": key,
            "references": sorted(references, key=lambda item: item[0]),
            "findings": [_finding_data(f) for f in outcome.findings],
            "suppressed": [_finding_data(f) for f in outcome.suppressed],
            "notifications": [asdict(n) for n in outcome.notifications],
        }
        path = self._entry_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(entry, stream, separators=(",", ":"))
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            if not self.write_failed:
                log.warning(
                    "failed to write to the cache folder %s (%s): results are "
                    "not stored; check the folder's path and permissions",
                    self.folder,
                    error.strerror or error,
                )
            self.write_failed = True


def _salt(rules: Sequence[Rule], options: Mapping[str, Any]) -> str:
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for name in _DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    described = [
        {
            item.name: getattr(rule, item.name)
            for item in fields(rule)
            if item.name not in ("help", "remediation", "references")
        }
        for rule in rules
    ]
    salt = {
        "format": CACHE_FORMAT,
        "versions": versions,
        "code": _code_hash(),
        "options": dict(options),
        "rules": described,
    }
    text = json.dumps(salt, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _code_hash() -> str:
    """Hash apiguard's own modules.

    An editable install changes its code without changing its version.
    """
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _finding_data(finding: Finding) -> dict[str, Any]:
    data = asdict(finding)
    data["properties"] = dict(finding.properties)
    return data


def _region(data: Any) -> Region | None:
    if data is None:
        return None
    return Region(
        int(data["start_line"]),
        int(data["start_column"]),
        int(data["end_line"]),
        int(data["end_column"]),
    )


def _finding(data: Mapping[str, Any]) -> Finding:
    region = _region(data["region"])
    if region is None:
        raise ValueError("invalid cache entry: a finding has no region")
    return Finding(
        rule_id=str(data["rule_id"]),
        path=str(data["path"]),
        region=region,
        message=str(data["message"]),
        severity=data["severity"],
        fingerprint=str(data["fingerprint"]),
        snippet=str(data["snippet"]),
        secret_hash=data["secret_hash"],
        properties={str(k): str(v) for k, v in data["properties"].items()},
        suppression=data["suppression"],
    )


def _notification(data: Mapping[str, Any]) -> Notification:
    return Notification(
        code=str(data["code"]),
        level=data["level"],
        message=str(data["message"]),
        path=data["path"],
        region=_region(data["region"]),
    )
