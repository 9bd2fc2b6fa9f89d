"""GitLab Code Quality report: a JSON array of issues in the Code Climate form.

GitLab reads the `description`, `check_name`, `fingerprint`, `severity`,
`location.path` and `location.lines.begin` of each issue and shows new and
fixed issues in merge requests. GitLab matches issues between pipelines by
`fingerprint`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from apiguard.findings import Finding
from apiguard.report._gitlab import occurrence_ids
from apiguard.result import ScanResult

SEVERITIES: Mapping[str, str] = {
    "critical": "blocker",
    "high": "critical",
    "medium": "major",
    "low": "minor",
    "info": "info",
}

# Code Climate's category for security problems.
CATEGORY = "Security"


def render(result: ScanResult, *, color: bool = False) -> str:
    """Return the findings as a Code Quality JSON array; `color` is ignored."""
    findings = result.findings
    issues = [
        _issue(finding, issue_id)
        for finding, issue_id in zip(findings, occurrence_ids(findings), strict=True)
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(finding: Finding, issue_id: str) -> dict[str, Any]:
    return {
        "type": "issue",
        "engine_name": "apiguard",
        "check_name": finding.rule_id,
        "description": f"{finding.rule_id}: {finding.message}",
        "categories": [CATEGORY],
        "fingerprint": issue_id,
        "severity": SEVERITIES[finding.severity],
        "location": {
            "path": finding.path,
            "lines": {
                "begin": finding.region.start_line,
                "end": finding.region.end_line,
            },
        },
    }
