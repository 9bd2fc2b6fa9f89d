"""GitLab SAST report (security report schema 15.x) for the security widgets.

GitLab validates the report against the schema release named in `version`
and shows each entry of `vulnerabilities` in merge requests and the
vulnerability report.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from apiguard import __version__
from apiguard.findings import Finding, Notification
from apiguard.report._gitlab import occurrence_ids
from apiguard.result import ScanResult
from apiguard.rules import Rule

# GitLab 16.2 names 15.0.6 as the newest SAST report version it accepts, in
# the error it shows for other versions. Every field written here is in 15.0.6.
# NOTE: whether later GitLab releases still accept 15.0.6 is not checked here.
SCHEMA_VERSION = "15.0.6"
SCHEMA_URI = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/"
    f"-/raw/v{SCHEMA_VERSION}/dist/sast-report-format.json"
)
TOOL_URL = "https://github.com/apiguard-lint/apiguard"

SEVERITIES: Mapping[str, str] = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "info": "Info",
}

MESSAGE_LEVELS: Mapping[str, str] = {
    "error": "fatal",
    "warning": "warn",
    "note": "info",
}

# The schema's limits on a vulnerability's name and description, in characters.
MAX_NAME = 255
MAX_DESCRIPTION = 1_048_576

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def render(result: ScanResult, *, color: bool = False) -> str:
    """Return the findings as a SAST report; `color` is ignored."""
    rules = {rule.id: rule for rule in result.rules}
    findings = result.findings
    ids = occurrence_ids(findings)
    report = {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URI,
        "scan": _scan(result),
        "vulnerabilities": [
            _vulnerability(finding, rules.get(finding.rule_id), finding_id)
            for finding, finding_id in zip(findings, ids, strict=True)
        ],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _scan(result: ScanResult) -> dict[str, Any]:
    # ScanResult keeps the scan's duration, not its start, and reports are
    # written right after the scan, so the end time is taken as now.
    end = datetime.now(timezone.utc).replace(microsecond=0)
    start = end - timedelta(seconds=round(result.duration_seconds))
    tool = {
        "id": "apiguard",
        "name": "apiguard",
        "version": __version__,
        "vendor": {"name": "apiguard"},
        "url": TOOL_URL,
    }
    return {
        "analyzer": tool,
        "scanner": tool,
        "type": "sast",
        "start_time": start.strftime(_TIME_FORMAT),
        "end_time": end.strftime(_TIME_FORMAT),
        "status": "success" if result.trusted else "failure",
        "messages": [_message(note) for note in result.notifications],
    }


def _message(note: Notification) -> dict[str, str]:
    where = f"{note.path}: " if note.path else ""
    return {
        "level": MESSAGE_LEVELS[note.level],
        "value": f"{where}{note.message} [{note.code}]",
    }


def _vulnerability(
    finding: Finding, rule: Rule | None, finding_id: str
) -> dict[str, Any]:
    vulnerability: dict[str, Any] = {
        "id": str(uuid.UUID(hex=finding_id)),
        "name": (rule.title if rule else finding.rule_id)[:MAX_NAME],
        "description": _description(finding, rule)[:MAX_DESCRIPTION],
        "severity": SEVERITIES[finding.severity],
        "location": {
            "file": finding.path,
            "start_line": finding.region.start_line,
            "end_line": finding.region.end_line,
        },
        "identifiers": _identifiers(finding.rule_id, rule),
    }
    if rule is not None:
        vulnerability["solution"] = rule.remediation.strip()
    return vulnerability


def _description(finding: Finding, rule: Rule | None) -> str:
    if rule is None:
        return finding.message
    return f"{finding.message}\n\n{rule.help.strip()}"


def _identifiers(rule_id: str, rule: Rule | None) -> list[dict[str, str]]:
    """List the rule's own id first, then its CWE and OWASP ids."""
    identifiers = [
        {
            "type": "apiguard_rule_id",
            "name": f"apiguard {rule_id}",
            "value": rule_id,
        }
    ]
    if rule is None:
        return identifiers
    identifiers[0]["url"] = rule.help_uri
    identifiers.extend(
        {
            "type": "cwe",
            "name": f"CWE-{number}",
            "value": str(number),
            "url": f"https://cwe.mitre.org/data/definitions/{number}.html",
        }
        for number in rule.cwe
    )
    identifiers.extend(
        {"type": "owasp", "name": f"OWASP {owasp_id}", "value": owasp_id}
        for owasp_id in rule.owasp
    )
    return identifiers
