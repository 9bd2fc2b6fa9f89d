"""Baselines: known findings that later scans leave out of the report.

A baseline file lists, for each known finding, its rule id, path and
fingerprint, and how many findings share those three. The fingerprint hashes
the matched text, not its place, so a finding stays known when lines move or
line endings change. The file contains no line numbers and no secret values.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apiguard import __version__
from apiguard.errors import UsageError
from apiguard.fileio import write_atomically
from apiguard.findings import Finding

log = logging.getLogger(__name__)

FORMAT_VERSION = 1

Key = tuple[str, str, str]
"""(rule id, path, fingerprint): what makes two findings the same."""

_RECREATE = "recreate it with `apiguard baseline create`"


@dataclass(frozen=True, order=True)
class BaselineEntry:
    path: str
    rule_id: str
    fingerprint: str
    count: int

    @property
    def key(self) -> Key:
        return (self.rule_id, self.path, self.fingerprint)


@dataclass(frozen=True)
class Baseline:
    entries: tuple[BaselineEntry, ...]
    tool_version: str = __version__

    @classmethod
    def from_counts(cls, counts: Mapping[Key, int]) -> Baseline:
        entries = (
            BaselineEntry(path, rule_id, fingerprint, count)
            for (rule_id, path, fingerprint), count in counts.items()
            if count > 0
        )
        return cls(tuple(sorted(entries)))

    @classmethod
    def from_findings(cls, findings: Iterable[Finding]) -> Baseline:
        return cls.from_counts(count_keys(findings))

    def counts(self) -> Counter[Key]:
        return Counter({entry.key: entry.count for entry in self.entries})

    @property
    def finding_count(self) -> int:
        return sum(entry.count for entry in self.entries)


@dataclass(frozen=True)
class BaselineSplit:
    new: list[Finding]
    baselined: list[Finding]


def finding_key(finding: Finding) -> Key:
    return (finding.rule_id, finding.path, finding.fingerprint)


def count_keys(findings: Iterable[Finding]) -> Counter[Key]:
    return Counter(finding_key(finding) for finding in findings)


def split_findings(findings: Iterable[Finding], baseline: Baseline) -> BaselineSplit:
    """Split findings into new ones and ones the baseline already counts.

    When a key has more findings than the baseline's count for it, the
    first ones in `findings` order are the known ones and the rest are new.
    """
    remaining = baseline.counts()
    split = BaselineSplit([], [])
    for finding in findings:
        key = finding_key(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            split.baselined.append(finding)
        else:
            split.new.append(finding)
    return split


def updated(old: Baseline, findings: Iterable[Finding], *, add_new: bool) -> Baseline:
    """Return the baseline for the current findings.

    With `add_new` false, no finding is added: entries whose findings are
    fixed are dropped and counts only go down.
    """
    current = count_keys(findings)
    if add_new:
        return Baseline.from_counts(current)
    previous = old.counts()
    lowered = {key: min(count, current[key]) for key, count in previous.items()}
    return Baseline.from_counts(lowered)


def dumps(baseline: Baseline) -> str:
    """Return the baseline as JSON with sorted keys and sorted entries."""
    document = {
        "version": FORMAT_VERSION,
        "tool": {"name": "apiguard", "version": baseline.tool_version},
        "entries": [
            {
                "rule": entry.rule_id,
                "path": entry.path,
                "fingerprint": entry.fingerprint,
                "count": entry.count,
            }
            for entry in sorted(baseline.entries)
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_baseline(path: Path) -> Baseline:
    """Read and check a baseline file; raise UsageError naming the problem."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"{path}: cannot read baseline: {error.strerror}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(
            f"{path}: invalid baseline JSON ({error}); {_RECREATE}"
        ) from error
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise UsageError(
            f"{path}: not a version {FORMAT_VERSION} apiguard baseline; {_RECREATE}"
        )
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise UsageError(f"{path}: baseline has no 'entries' list; {_RECREATE}")
    tool = document.get("tool")
    version = tool.get("version") if isinstance(tool, dict) else None
    parsed = tuple(_entry(path, index, raw) for index, raw in enumerate(entries))
    return Baseline(parsed, str(version or "unknown"))


def _entry(path: Path, index: int, raw: Any) -> BaselineEntry:
    fields = ("rule", "path", "fingerprint")
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(name), str) and raw[name] for name in fields
    ):
        raise UsageError(
            f"{path}: baseline entry {index} needs the strings "
            f"{', '.join(fields)}; {_RECREATE}"
        )
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise UsageError(
            f"{path}: baseline entry {index} has count {count!r}; "
            "it must be a whole number of 1 or more"
        )
    return BaselineEntry(raw["path"], raw["rule"], raw["fingerprint"], count)


def write_baseline(path: Path, baseline: Baseline) -> None:
    """Write the baseline through a temporary file renamed over `path`."""
    write_atomically(path, dumps(baseline), what="baseline")
    log.info("wrote %d baseline entries to %s", len(baseline.entries), path)
