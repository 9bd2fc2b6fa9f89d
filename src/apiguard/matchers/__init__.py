"""Matchers: one module per rule `match.type`, listed in MATCHERS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from apiguard.findings import Finding
from apiguard.matchers import detector, query, text
from apiguard.rules import Rule
from apiguard.target import ScanTarget


class Matcher(Protocol):
    def prepare(self, rule: Rule) -> None:
        """Compile what the rule needs; raise ValueError for a bad rule."""

    def run(self, rule: Rule, target: ScanTarget) -> Iterator[Finding]:
        """Yield the rule's findings in one file."""


MATCHERS: dict[str, Matcher] = {
    "text": text.TextMatcher(),
    "detector": detector.DetectorMatcher(),
    "query": query.QueryMatcher(),
}
