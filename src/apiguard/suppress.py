"""Inline suppressions: comments and `x-apiguard-ignore` in documents.

A comment `apiguard: ignore[rule-id] reason` suppresses that rule's findings
on its own line and on the line below, in any comment syntax (`#`, `//`,
`/* */`, `<!-- -->`). Several ids are separated by commas. In a JSON or YAML
document, an `x-apiguard-ignore` mapping of rule id to reason suppresses the
rule's findings inside the object that holds it, key line included.

A suppression without a reason, and one that suppresses nothing, is
reported, so that stale or unexplained ones do not pile up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import re2

from apiguard.findings import Finding, Notification, Region
from apiguard.load import Document, Pointer
from apiguard.target import ScanTarget

DOCUMENT_KEY = "x-apiguard-ignore"
_MARKER = "apiguard:"
_COMMENT = re2.compile(
    r"apiguard:\s*ignore\[([a-z0-9, -]+)\]"
    r"[ \t]*(.*?)[ \t]*(?:\*/|-->)?[ \t]*$",
    re2.Options(),
)


@dataclass
class Suppression:
    rule_ids: frozenset[str]
    reason: str
    first_line: int
    last_line: int
    region: Region
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> bool:
        line = finding.region.start_line
        return (
            finding.rule_id in self.rule_ids
            and self.first_line <= line <= self.last_line
        )


@dataclass
class SuppressionOutcome:
    kept: list[Finding]
    suppressed: list[Finding]
    notifications: list[Notification]


def find_suppressions(target: ScanTarget) -> list[Suppression]:
    """Return the comment and document suppressions in one file."""
    found: list[Suppression] = []
    if _MARKER in target.text:
        found.extend(_comment_suppressions(target))
    # A document key is written out in the text, or spelled with escapes,
    # which need a backslash; without either, no document needs a walk.
    if DOCUMENT_KEY in target.text or "\\" in target.text:
        for parsed in target.documents:
            found.extend(_document_suppressions(parsed.document))
    return found


def _comment_suppressions(target: ScanTarget) -> Iterable[Suppression]:
    lines = target.lines
    offset = target.text.find(_MARKER)
    seen: set[int] = set()
    while offset != -1:
        line_number = lines.position(offset)[0]
        offset = target.text.find(_MARKER, offset + 1)
        if line_number in seen:
            continue
        seen.add(line_number)
        line = lines.line_text(line_number)
        match = _COMMENT.search(line)
        if match is None:
            continue
        ids = frozenset(
            part.strip() for part in match.group(1).split(",") if part.strip()
        )
        column = line.find(_MARKER) + 1
        region = Region(line_number, column, line_number, len(line) + 1)
        yield Suppression(ids, match.group(2), line_number, line_number + 1, region)


def _document_suppressions(document: Document) -> Iterable[Suppression]:
    stack: list[tuple[Pointer, Any]] = [((), document.data)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            ignore = node.get(DOCUMENT_KEY)
            if isinstance(ignore, dict):
                yield _document_suppression(document, pointer, ignore)
            stack.extend(((*pointer, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*pointer, index), value) for index, value in enumerate(node))


def _document_suppression(
    document: Document, pointer: Pointer, ignore: dict[str, Any]
) -> Suppression:
    span = document.span(pointer)
    start = span.key if span is not None and span.key is not None else document.start
    end = span.value if span is not None else document.start
    region = document.locate((*pointer, DOCUMENT_KEY))
    reasons = {str(value).strip() for value in ignore.values() if value}
    reason = "; ".join(sorted(reasons)) if len(reasons) == len(ignore) else ""
    return Suppression(
        frozenset(ignore), reason, start.start_line, end.end_line, region
    )


def apply_suppressions(
    findings: list[Finding],
    suppressions: list[Suppression],
    relpath: str,
    ran: set[str],
) -> SuppressionOutcome:
    """Split findings into kept and suppressed; report bad suppressions.

    `ran` holds the ids of the rules that ran on the file: a suppression of a
    rule that did not run (not selected, disabled) is not called unused.
    """
    outcome = SuppressionOutcome([], [], [])
    find = _SuppressionIndex(suppressions)
    for finding in findings:
        match = find(finding)
        if match is None:
            outcome.kept.append(finding)
            continue
        match.used.add(finding.rule_id)
        outcome.suppressed.append(replace(finding, suppression=match.reason))

    for suppression in suppressions:
        outcome.notifications.extend(_problems(suppression, relpath, ran))
    return outcome


class _SuppressionIndex:
    """Find the first suppression, in file order, that covers a finding.

    Suppressions of a few lines (comments) are listed under each line they
    cover, so a file with many of them costs time linear in their number.
    Longer ones (documents) are few, and are tested one by one.
    """

    SHORT_SPAN = 8

    def __init__(self, suppressions: list[Suppression]) -> None:
        self.by_line: dict[int, list[tuple[int, Suppression]]] = {}
        self.long: list[tuple[int, Suppression]] = []
        for order, suppression in enumerate(suppressions):
            span = suppression.last_line - suppression.first_line
            if span >= self.SHORT_SPAN:
                self.long.append((order, suppression))
                continue
            for line in range(suppression.first_line, suppression.last_line + 1):
                self.by_line.setdefault(line, []).append((order, suppression))

    def __call__(self, finding: Finding) -> Suppression | None:
        line = finding.region.start_line
        candidates = [*self.by_line.get(line, ()), *self.long]
        covering = [(order, s) for order, s in candidates if s.covers(finding)]
        return min(covering, key=lambda item: item[0])[1] if covering else None


def _problems(
    suppression: Suppression, relpath: str, ran: set[str]
) -> Iterable[Notification]:
    if not suppression.reason:
        yield Notification(
            "suppression-without-reason",
            "warning",
            "suppression has no reason; write why after the rule ids, "
            "for example `apiguard: ignore[rule-id] test fixture`",
            relpath,
            suppression.region,
        )
    for rule_id in sorted((suppression.rule_ids & ran) - suppression.used):
        yield Notification(
            "unused-suppression",
            "warning",
            f"suppression of {rule_id} matches no finding; remove it",
            relpath,
            suppression.region,
        )
