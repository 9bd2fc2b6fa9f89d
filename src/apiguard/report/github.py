"""GitHub Actions workflow commands that annotate findings in the run's log.

Each finding becomes one `::error`, `::warning` or `::notice` line, which
GitHub shows on the file and line in the job summary and in pull requests.
GitHub shows a limited number of annotations of each level per step and per
job and drops the rest, so the lines are ordered by severity, highest first.
"""

from __future__ import annotations

from collections.abc import Mapping

from apiguard.findings import Finding, Notification, Region, severity_rank
from apiguard.result import ScanResult

ANNOTATION_LEVELS: Mapping[str, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}

NOTIFICATION_LEVELS: Mapping[str, str] = {
    "error": "error",
    "warning": "warning",
    "note": "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message as GitHub's runner decodes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command's property value; `:` and `,` also end a value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str,
    message: str,
    *,
    path: str | None = None,
    region: Region | None = None,
    title: str | None = None,
) -> str:
    """Format one workflow command such as `::error file=a.yaml,line=2::text`."""
    properties: list[tuple[str, str]] = []
    if path is not None:
        properties.append(("file", path))
    if region is not None:
        properties.extend(
            [
                ("line", str(region.start_line)),
                ("col", str(region.start_column)),
                ("endLine", str(region.end_line)),
                ("endColumn", str(region.end_column)),
            ]
        )
    if title:
        properties.append(("title", title))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    separator = " " if joined else ""
    return f"::{level}{separator}{joined}::{escape_data(message)}"


def finding_annotation(finding: Finding, rule_title: str | None = None) -> str:
    title = f"{rule_title} ({finding.rule_id})" if rule_title else finding.rule_id
    return annotation(
        ANNOTATION_LEVELS[finding.severity],
        finding.message,
        path=finding.path,
        region=finding.region,
        title=title,
    )


def notification_annotation(note: Notification) -> str:
    return annotation(
        NOTIFICATION_LEVELS[note.level],
        note.message,
        path=note.path,
        region=note.region,
        title=f"apiguard: {note.code}",
    )


def by_severity(findings: list[Finding]) -> list[Finding]:
    """Order findings by severity, highest first, then by place."""
    return sorted(
        findings,
        key=lambda f: (-severity_rank(f.severity), f.path, f.region, f.rule_id),
    )


def render(result: ScanResult, *, color: bool = False) -> str:
    """Return one workflow command per finding and per problem with the scan.

    Suppressed findings are left out. `color` is ignored: GitHub reads these
    lines.
    """
    titles = {rule.id: rule.title for rule in result.rules}
    lines = [
        finding_annotation(finding, titles.get(finding.rule_id))
        for finding in by_severity(result.findings)
    ]
    lines.extend(notification_annotation(note) for note in result.notifications)
    return "".join(f"{line}\n" for line in lines)
