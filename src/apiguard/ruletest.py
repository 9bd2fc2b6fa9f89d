"""Run a rule against its fixture folder and compare with the expectations.

A fixture line that must be flagged carries `expect: RULE-ID` (or
`expect: RULE-ID@COLUMN`) in a comment. Formats without comments, such as
JSON, list their expectations in a sidecar file named after the fixture plus
`.expect`, one `LINE RULE-ID` or `LINE RULE-ID@COLUMN` per line. Every other
line of every file in the folder must not be flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import re2

from apiguard.engine import ScanOptions, scan
from apiguard.result import ScanResult
from apiguard.rules import Rule

EXPECT_SUFFIX = ".expect"

_INLINE = re2.compile(r"expect:\s*([a-z0-9]+(?:-[a-z0-9]+)*(?:@[0-9]+)?)")


@dataclass(frozen=True, order=True)
class Expectation:
    path: str
    line: int
    rule_id: str
    column: int | None = None


@dataclass
class FixtureReport:
    rule_id: str
    expected: set[Expectation] = field(default_factory=set)
    found: set[Expectation] = field(default_factory=set)
    files_without_expectations: int = 0
    result: ScanResult | None = None

    @property
    def missing(self) -> list[Expectation]:
        return sorted(e for e in self.expected if not _matched(e, self.found))

    @property
    def unexpected(self) -> list[Expectation]:
        return sorted(f for f in self.found if not _matched_found(f, self.expected))

    @property
    def problems(self) -> list[str]:
        """Return one line per difference, in the form `path:line: ...`."""
        lines = [
            f"{e.path}:{e.line}: expected {_label(e)}, not found" for e in self.missing
        ]
        lines += [
            f"{f.path}:{f.line}: found {_label(f)}, not expected"
            for f in self.unexpected
        ]
        if not self.expected:
            lines.append(f"{self.rule_id}: no fixture line expects this rule")
        if not self.files_without_expectations:
            lines.append(f"{self.rule_id}: no fixture file that must stay clean")
        return lines


def _label(expectation: Expectation) -> str:
    if expectation.column is None:
        return expectation.rule_id
    return f"{expectation.rule_id}@{expectation.column}"


def _matched(expected: Expectation, found: set[Expectation]) -> bool:
    return any(_same(expected, candidate) for candidate in found)


def _matched_found(found: Expectation, expected: set[Expectation]) -> bool:
    return any(_same(candidate, found) for candidate in expected)


def _same(expected: Expectation, found: Expectation) -> bool:
    if (expected.path, expected.line, expected.rule_id) != (
        found.path,
        found.line,
        found.rule_id,
    ):
        return False
    return expected.column is None or expected.column == found.column


def read_expectations(folder: Path) -> tuple[set[Expectation], int]:
    """Return the expectations in `folder` and the count of files with none."""
    expected: set[Expectation] = set()
    clean_files = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.endswith(EXPECT_SUFFIX):
            continue
        relpath = path.relative_to(folder).as_posix()
        found = set(_inline(path, relpath)) | set(_sidecar(path, relpath))
        expected |= found
        clean_files += not found
    return expected, clean_files


def _parse_label(label: str) -> tuple[str, int | None]:
    rule_id, _, column = label.partition("@")
    return rule_id, int(column) if column else None


def _inline(path: Path, relpath: str) -> list[Expectation]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    expectations = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in _INLINE.finditer(line):
            rule_id, column = _parse_label(match.group(1))
            expectations.append(Expectation(relpath, number, rule_id, column))
    return expectations


def _sidecar(path: Path, relpath: str) -> list[Expectation]:
    sidecar = path.with_name(path.name + EXPECT_SUFFIX)
    if not sidecar.is_file():
        return []
    expectations = []
    for raw in sidecar.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        line, label = raw.split(maxsplit=1)
        rule_id, column = _parse_label(label.strip())
        expectations.append(Expectation(relpath, int(line), rule_id, column))
    return expectations


def run_fixtures(rule: Rule, folder: Path) -> FixtureReport:
    """Scan `folder` with `rule` alone and compare with its expectations."""
    expected, clean_files = read_expectations(folder)
    # Expectations for other rules in a shared folder are not this rule's.
    expected = {e for e in expected if e.rule_id == rule.id}
    result = scan([folder], [rule], root=folder, options=ScanOptions(jobs=1))
    found = {
        Expectation(f.path, f.region.start_line, f.rule_id, f.region.start_column)
        for f in result.findings
    }
    return FixtureReport(rule.id, expected, found, clean_files, result)
