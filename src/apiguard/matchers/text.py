"""The `text` match: an RE2 pattern over a file's whole text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import re2

from apiguard.findings import Finding
from apiguard.rules import Rule
from apiguard.secrets import is_placeholder, shannon_entropy
from apiguard.target import ScanTarget, format_message, make_finding

# RE2 keeps memory per compiled pattern bounded by this budget (bytes).
_RE2_MAX_MEM = 64 << 20


@dataclass(frozen=True)
class CompiledText:
    pattern: Any
    keywords: tuple[str, ...]
    entropy: float
    min_length: int
    placeholders: bool
    allow: tuple[Any, ...]
    value_group: int


def compile_re2(pattern: str, *, ignore_case: bool = False) -> Any:
    """Compile with RE2, raising ValueError with RE2's reason for a bad pattern."""
    options = re2.Options()
    options.max_mem = _RE2_MAX_MEM
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        raise ValueError(
            f"field 'match/pattern': invalid RE2 pattern: {error}"
        ) from error


def has_keyword(target: ScanTarget, keywords: tuple[str, ...]) -> bool:
    """Return whether the file contains any keyword (case-insensitive)."""
    if not keywords:
        return True
    text = target.lower_text
    return any(keyword in text for keyword in keywords)


class TextMatcher:
    def __init__(self) -> None:
        self._compiled: dict[tuple[str, str], CompiledText] = {}

    def prepare(self, rule: Rule) -> None:
        match = rule.match
        placeholders = bool(match.get("placeholders", rule.secret))
        allow = tuple(compile_re2(pattern) for pattern in match.get("allow", ()))
        pattern = compile_re2(
            match["pattern"], ignore_case=match.get("ignore-case", False)
        )
        self._compiled[(str(rule.source), rule.id)] = CompiledText(
            pattern=pattern,
            keywords=tuple(keyword.lower() for keyword in match.get("keywords", ())),
            entropy=float(match.get("entropy", 0.0)),
            min_length=int(match.get("min-length", 1)),
            placeholders=placeholders,
            allow=allow,
            value_group=_value_group(pattern),
        )

    def _get(self, rule: Rule) -> CompiledText:
        key = (str(rule.source), rule.id)
        if key not in self._compiled:
            self.prepare(rule)
        return self._compiled[key]

    def run(self, rule: Rule, target: ScanTarget) -> Iterator[Finding]:
        compiled = self._get(rule)
        if not has_keyword(target, compiled.keywords):
            return

        for match in compiled.pattern.finditer(target.text):
            group = compiled.value_group
            value = match.group(group)
            if value is None or not self._accepts(compiled, value):
                continue
            start, end = match.span(group)
            region = target.lines.region(start, end)
            values = {"match": match.group(0), "value": value}
            yield make_finding(
                rule,
                target,
                region,
                message=format_message(rule.message, values),
                matched=value,
                secret=value if rule.secret else None,
            )

    @staticmethod
    def _accepts(compiled: CompiledText, value: str) -> bool:
        if len(value) < compiled.min_length:
            return False
        if compiled.entropy and shannon_entropy(value) < compiled.entropy:
            return False
        if compiled.placeholders and is_placeholder(value):
            return False
        return not any(pattern.search(value) for pattern in compiled.allow)


def _value_group(pattern: Any) -> int:
    """Return the number of the group named `value`, else 0 (the whole match)."""
    return int(pattern.groupindex.get("value", 0))
