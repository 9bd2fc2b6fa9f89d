"""The outcome of one scan, as the reporters see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from apiguard.findings import Finding, Notification
from apiguard.rules import Rule


@dataclass
class ScanResult:
    root: Path
    """The folder that finding paths are relative to (SARIF `%SRCROOT%`)."""
    rules: list[Rule]
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    """Findings that the `--baseline` file lists; they are not reported."""
    notifications: list[Notification] = field(default_factory=list)
    files_scanned: int = 0
    duration_seconds: float = 0.0
    command_line: list[str] = field(default_factory=list)
    show_suppressed: bool = False
    """Whether reporters list suppressed findings."""

    @property
    def trusted(self) -> bool:
        """False when some input could not be scanned (exit code 2)."""
        return not any(note.untrusted for note in self.notifications)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
