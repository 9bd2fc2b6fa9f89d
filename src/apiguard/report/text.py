"""Human-readable output: `path:line:col severity rule-id message`, by file."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from apiguard.findings import SEVERITIES, Finding, Notification
from apiguard.result import ScanResult

_COLORS = {
    "critical": "\033[1;31m",
    "high": "\033[31m",
    "medium": "\033[33m",
    "low": "\033[36m",
    "info": "\033[37m",
    "error": "\033[1;31m",
    "warning": "\033[33m",
    "note": "\033[37m",
}
_BOLD = "\033[1m"
_RESET = "\033[0m"
# C0 and C1 control characters and DEL, shown as escapes: a file name or a
# value in a message could otherwise move the cursor or recolour a terminal.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def shown(text: str) -> str:
    """Return `text` with every control character written as an escape."""
    return text.translate(_CONTROLS)


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def _finding_line(finding: Finding, color: bool) -> str:
    region = finding.region
    where = f"{shown(finding.path)}:{region.start_line}:{region.start_column}"
    severity = _paint(finding.severity, _COLORS[finding.severity], color)
    return f"{where} {severity} {finding.rule_id} {shown(finding.message)}"


def _notification_line(note: Notification, color: bool) -> str:
    where = shown(note.path or "apiguard")
    if note.region is not None:
        where += f":{note.region.start_line}:{note.region.start_column}"
    level = _paint(note.level, _COLORS[note.level], color)
    return f"{where} {level} [{note.code}] {shown(note.message)}"


def summary(result: ScanResult) -> str:
    """Return one line: findings by severity, files, problems and time."""
    counts = Counter(finding.severity for finding in result.findings)
    by_severity = ", ".join(
        f"{counts[severity]} {severity}"
        for severity in reversed(SEVERITIES)
        if counts[severity]
    )
    total = len(result.findings)
    line = f"{total} finding{'s' if total != 1 else ''}"
    if by_severity:
        line += f" ({by_severity})"
    files = result.files_scanned
    line += f" in {files} file{'s' if files != 1 else ''} scanned"
    problems = len(result.notifications)
    if problems:
        line += f"; {problems} problem{'s' if problems != 1 else ''} with the scan"
    if result.suppressed:
        line += f"; {len(result.suppressed)} suppressed"
    if result.baselined:
        line += f"; {len(result.baselined)} in the baseline, not shown"
    if not result.trusted:
        line += " (incomplete: see the errors above)"
    return f"{line}; {result.duration_seconds:.2f}s"


def render(result: ScanResult, *, color: bool = False) -> str:
    blocks: list[str] = []
    for path, findings in groupby(result.findings, key=lambda finding: finding.path):
        lines = [_paint(shown(path), _BOLD, color)]
        lines.extend(_finding_line(finding, color) for finding in findings)
        blocks.append("\n".join(lines))

    if result.show_suppressed and result.suppressed:
        lines = [_paint("Suppressed", _BOLD, color)]
        lines.extend(
            f"{_finding_line(finding, color)} "
            f"(reason: {shown(finding.suppression or 'none')})"
            for finding in result.suppressed
        )
        blocks.append("\n".join(lines))

    if result.notifications:
        lines = [_paint("Problems with the scan", _BOLD, color)]
        lines.extend(_notification_line(note, color) for note in result.notifications)
        blocks.append("\n".join(lines))

    blocks.append(summary(result))
    return "\n\n".join(blocks) + "\n"
