"""JUnit XML, for CI servers that show test results (Jenkins, GitLab, Azure).

Each rule is a `testsuite`. Each file with findings of that rule is a
`testcase` named after the file, with one `failure` per finding. A rule
without findings gets one passing test case, so a clean scan still shows
which rules ran. Scan problems of level error are `error` elements in a
suite named `apiguard`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from itertools import groupby

from apiguard.findings import Finding, Notification
from apiguard.result import ScanResult
from apiguard.rules import Rule

SCAN_SUITE = "apiguard"
CLEAN_CASE = "all scanned files"

# Characters that XML 1.0 does not allow in a document, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(result: ScanResult, *, color: bool = False) -> str:
    """Return the findings as a JUnit XML document; `color` is ignored."""
    root = ET.Element("testsuites", name="apiguard")
    root.set("time", f"{result.duration_seconds:.3f}")
    for rule in sorted(result.rules, key=lambda rule: rule.id):
        findings = [f for f in result.findings if f.rule_id == rule.id]
        root.append(_rule_suite(rule, findings))
    errors = [note for note in result.notifications if note.untrusted]
    if errors:
        root.append(_scan_suite(errors))
    _set_counts(root, root.findall("testsuite"))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _rule_suite(rule: Rule, findings: Sequence[Finding]) -> ET.Element:
    suite = ET.Element("testsuite", name=rule.id)
    if not findings:
        ET.SubElement(suite, "testcase", classname=rule.id, name=CLEAN_CASE)
    for path, group in groupby(findings, key=lambda finding: finding.path):
        case = ET.SubElement(
            suite, "testcase", classname=rule.id, name=_clean(path), file=_clean(path)
        )
        case.extend(_failure(finding) for finding in group)
    _set_counts(suite, [suite])
    return suite


def _failure(finding: Finding) -> ET.Element:
    region = finding.region
    where = f"{finding.path}:{region.start_line}:{region.start_column}"
    failure = ET.Element(
        "failure",
        message=_clean(f"{where} {finding.message}"),
        type=finding.severity,
    )
    lines = [f"{where} {finding.severity} {finding.rule_id} {finding.message}"]
    if finding.snippet:
        lines.append(f"    {finding.snippet}")
    failure.text = _clean("\n".join(lines))
    return failure


def _scan_suite(errors: Iterable[Notification]) -> ET.Element:
    suite = ET.Element("testsuite", name=SCAN_SUITE)
    for note in errors:
        case = ET.SubElement(
            suite, "testcase", classname=SCAN_SUITE, name=_clean(note.path or note.code)
        )
        error = ET.SubElement(case, "error", message=_clean(note.message))
        error.set("type", note.code)
    _set_counts(suite, [suite])
    return suite


def _set_counts(element: ET.Element, suites: Iterable[ET.Element]) -> None:
    cases = [case for suite in suites for case in suite.iter("testcase")]
    element.set("tests", str(len(cases)))
    # JUnit counts failed and erroneous test cases, not failure elements.
    element.set(
        "failures", str(sum(case.find("failure") is not None for case in cases))
    )
    element.set("errors", str(sum(case.find("error") is not None for case in cases)))
    element.set("skipped", "0")


def _clean(text: str) -> str:
    """Replace the characters that XML 1.0 cannot carry with U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)
