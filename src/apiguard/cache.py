"""A cache of each file's scan outcome, keyed by the file's content.

An entry's key is a SHA-256 over a salt, the file's path relative to the
scan root and the file's bytes. The salt covers the cache format, the
Python version, the versions of apiguard and of every library it depends
on, a hash of apiguard's own code, the options that change an outcome, and
every field of every rule that runs. A change to any of them gives a new
key, so an entry is never stale, only unused. Every file path that a `$ref`
named is stored with a description of what it led to, and checked on every
hit.

Entries are JSON, written to a temporary file in the same folder and renamed
into place, so runs that share the folder never read half an entry. An entry
that is not a regular file, is too large, or does not decode into valid
findings is a miss. Outcomes with an error (a rule that failed, a file that
could not be read) are not stored, so the next run tries again. Entries hold
what the reports hold: redacted snippets and secret hashes, never a secret.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import stat
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from apiguard.findings import (
    SEVERITIES,
    Finding,
    Notification,
    Region,
    finding_data,
    notification_data,
)
from apiguard.rules import Rule

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
DISTRIBUTION = "apiguard-lint"
# Larger entries are a miss. Real entries are far smaller (an estimate: a
# few hundred findings per file), so the bound only stops a planted file
# from filling memory.
MAX_ENTRY_SIZE = 64 * 1024 * 1024
_LEVELS = ("error", "warning", "note")
# A JSON escape of a UTF-16 surrogate, \ud800 to \udfff.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# The name of a requirement, before any version, marker or extra.
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

Reference = tuple[str, str]
"""A file path that a `$ref` named, relative to the root, and a description
of what it led to (see `reference_state` in the model registry)."""


@dataclass(frozen=True)
class CachedOutcome:
    findings: list[Finding]
    suppressed: list[Finding]
    notifications: list[Notification]


class ScanCache:
    """A folder of per-file outcomes for one set of rules and options."""

    def __init__(self, folder: Path, salt: str, rule_ids: Collection[str]) -> None:
        self.folder = folder / f"v{CACHE_FORMAT}"
        self.salt = salt
        self.rule_ids = frozenset(rule_ids)
        self.write_failed = False
        self.prepared = False

    @classmethod
    def open(
        cls, folder: Path, rules: Sequence[Rule], options: Mapping[str, Any]
    ) -> ScanCache:
        return cls(folder, _salt(rules, options), [rule.id for rule in rules])

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
        raw = _read_entry(self._entry_path(key))
        if raw is None:
            return None
        try:
            return self._decode(key, raw, root)
        except Exception as error:
            log.debug(
                "invalid cache entry %s (%s); scanning the file again",
                key,
                type(error).__name__,
            )
            return None

    def _decode(self, key: str, raw: bytes, root: Path) -> CachedOutcome | None:
        from apiguard.models.registry import reference_state

        entry = json.loads(raw)
        if entry["key"] != key:
            return None
        for relpath, state in entry["references"]:
            if reference_state(root / relpath, root) != state:
                return None
        outcome = CachedOutcome(
            [self._finding(item) for item in entry["findings"]],
            [self._finding(item) for item in entry["suppressed"]],
            [_notification(item) for item in entry["notifications"]],
        )
        # Reports encode their text as UTF-8, which a lone surrogate breaks.
        # Only an entry with a surrogate escape can hold one.
        if _SURROGATE_ESCAPE.search(raw):
            json.dumps(entry, ensure_ascii=False).encode("utf-8")
        return outcome

    def _finding(self, data: Mapping[str, Any]) -> Finding:
        finding = _finding(data)
        if finding.rule_id not in self.rule_ids:
            raise ValueError(f"finding of an unknown rule {finding.rule_id!r}")
        return finding

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
            "references": sorted(set(references)),
            "findings": [finding_data(f) for f in outcome.findings],
            "suppressed": [finding_data(f) for f in outcome.suppressed],
            "notifications": [notification_data(n) for n in outcome.notifications],
        }
        path = self._entry_path(key)
        try:
            self._prepare()
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
                    "failed to write to the cache folder %s (%s): results from "
                    "here on may not be stored; check the folder's path, "
                    "permissions and free space",
                    self.folder,
                    error.strerror or error,
                )
            self.write_failed = True

    def _prepare(self) -> None:
        """Mark the folder as a cache for git and for backup tools, once."""
        if self.prepared:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        marks = {
            ".gitignore": "# apiguard's cache of scan results\n*\n",
            "CACHEDIR.TAG": (
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This folder is a cache of scan results made by apiguard.\n"
            ),
        }
        for name, text in marks.items():
            mark = self.folder / name
            if not mark.exists():
                mark.write_text(text, encoding="utf-8")
        self.prepared = True


def _read_entry(path: Path) -> bytes | None:
    """Return an entry's bytes, or None unless it is a regular file of a sane size.

    A FIFO or a device in place of an entry would block or never end.
    """
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ENTRY_SIZE:
            return None
        return path.read_bytes()
    except (OSError, ValueError):
        return None


def _salt(rules: Sequence[Rule], options: Mapping[str, Any]) -> str:
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
        "python": platform.python_version(),
        "versions": _versions(),
        "code": _code_hash(),
        "options": dict(options),
        "rules": described,
    }
    text = json.dumps(salt, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _versions() -> dict[str, str | None]:
    """Return the versions of apiguard and of every library it requires."""
    from importlib import metadata

    names = {DISTRIBUTION}
    try:
        for requirement in metadata.requires(DISTRIBUTION) or ():
            if "extra ==" in requirement:
                continue
            found = _REQUIREMENT_NAME.match(requirement)
            if found:
                names.add(found.group(0))
    except metadata.PackageNotFoundError:
        pass
    versions: dict[str, str | None] = {}
    for name in sorted(names):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


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


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _position(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("expected a positive line or column")
    return value


def _region(data: Any) -> Region | None:
    if data is None:
        return None
    region = Region(
        _position(data["start_line"]),
        _position(data["start_column"]),
        _position(data["end_line"]),
        _position(data["end_column"]),
    )
    if (region.end_line, region.end_column) < (region.start_line, region.start_column):
        raise ValueError("a region that ends before it starts")
    return region


def _finding(data: Mapping[str, Any]) -> Finding:
    region = _region(data["region"])
    if region is None:
        raise ValueError("a finding without a region")
    severity = data["severity"]
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    properties = data["properties"]
    if not isinstance(properties, dict):
        raise TypeError("properties must be a mapping")
    return Finding(
        rule_id=_text(data["rule_id"]),
        path=_text(data["path"]),
        region=region,
        message=_text(data["message"]),
        severity=severity,
        fingerprint=_text(data["fingerprint"]),
        snippet=_text(data["snippet"]),
        secret_hash=_optional_text(data["secret_hash"]),
        properties={_text(k): _text(v) for k, v in properties.items()},
        suppression=_optional_text(data["suppression"]),
    )


def _notification(data: Mapping[str, Any]) -> Notification:
    level = data["level"]
    if level not in _LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return Notification(
        code=_text(data["code"]),
        level=level,
        message=_text(data["message"]),
        path=_optional_text(data["path"]),
        region=_region(data["region"]),
    )
