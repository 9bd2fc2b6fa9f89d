"""Values that flow from the matchers to the reporters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]

# Lowest first, so a threshold compares with `SEVERITIES.index`.
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")

NotificationLevel = Literal["error", "warning", "note"]


def severity_rank(severity: Severity | str) -> int:
    """Return the position of `severity` in SEVERITIES (info is 0)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True, order=True)
class Region:
    """A span of text; lines and columns are 1-based and count code points.

    The end column is exclusive, as in SARIF.
    """

    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Finding:
    """One rule violation at one place in one file."""

    rule_id: str
    path: str
    """The file's path relative to the scan root, with forward slashes."""
    region: Region
    message: str
    severity: Severity
    fingerprint: str
    """A hash of the rule, the path and the matched content, not the line."""
    snippet: str = ""
    """The flagged source line; for a secret rule, with the secret redacted."""
    secret_hash: str | None = None
    """For a secret rule: `sha256:` and the first 16 hex digits of its hash."""
    properties: Mapping[str, str] = field(default_factory=dict)
    suppression: str | None = None
    """For a suppressed finding, the reason given ('' when none was)."""


@dataclass(frozen=True)
class Notification:
    """A problem with the scan itself, such as a file that was not scanned."""

    code: str
    """A kebab-case id: `unreadable-file`, `parse-error`, `binary-file`..."""
    level: NotificationLevel
    message: str
    path: str | None = None
    region: Region | None = None

    @property
    def untrusted(self) -> bool:
        """Whether this problem makes the scan's result incomplete (exit 2)."""
        return self.level == "error"


def region_data(region: Region | None) -> dict[str, int] | None:
    """Return a region as a JSON object, as `dataclasses.asdict` would."""
    if region is None:
        return None
    return {
        "start_line": region.start_line,
        "start_column": region.start_column,
        "end_line": region.end_line,
        "end_column": region.end_column,
    }


def finding_data(finding: Finding) -> dict[str, object]:
    """Return a finding as a JSON object, with every field.

    Building the mapping by hand is several times faster than
    `dataclasses.asdict`, which copies each value deeply.
    """
    return {
        "rule_id": finding.rule_id,
        "path": finding.path,
        "region": region_data(finding.region),
        "message": finding.message,
        "severity": finding.severity,
        "fingerprint": finding.fingerprint,
        "snippet": finding.snippet,
        "secret_hash": finding.secret_hash,
        "properties": dict(finding.properties),
        "suppression": finding.suppression,
    }


def notification_data(note: Notification) -> dict[str, object]:
    """Return a problem as a JSON object, with every field."""
    return {
        "code": note.code,
        "level": note.level,
        "message": note.message,
        "path": note.path,
        "region": region_data(note.region),
    }
