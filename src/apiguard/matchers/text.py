"""The `text` match: an RE2 pattern over a file's whole text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
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


def finditer(pattern: Any, target: ScanTarget) -> Iterator[Any]:
    """Yield the matches of an RE2 pattern in the file's text.

    Match offsets are character offsets into `target.text`, but a match's
    groups may be bytes, so read matched text through its offsets. ASCII text
    is searched as bytes because the RE2 wrapper converts each match's byte
    offsets to character offsets when it searches a str, at a cost per match.
    """
    data = target.ascii_bytes
    matches: Iterator[Any] = pattern.finditer(target.text if data is None else data)
    return matches


def has_keyword(target: ScanTarget, keywords: tuple[str, ...]) -> bool:
    """Return whether the file contains any keyword (case-insensitive).

    Several ASCII keywords in an ASCII file are looked for in one RE2 pass
    instead of one pass per keyword; ASCII case folding makes both the same.
    """
    if not keywords:
        return True
    data = target.ascii_bytes
    if len(keywords) > 1 and data is not None and all(k.isascii() for k in keywords):
        return _keyword_pattern(keywords).search(data) is not None
    text = target.lower_text
    return any(keyword in text for keyword in keywords)


@cache
def _keyword_pattern(keywords: tuple[str, ...]) -> Any:
    return compile_re2(
        "|".join(re2.escape(keyword) for keyword in keywords), ignore_case=True
    )


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

        text = target.text
        group = compiled.value_group
        for match in finditer(compiled.pattern, target):
            start, end = match.span(group)
            if start < 0:
                continue
            value = text[start:end]
            if not self._accepts(compiled, value):
                continue
            region = target.lines.region(start, end)
            values = {"match": text[match.start() : match.end()], "value": value}
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
        if compiled.entropy and (
            # The entropy is at most log2 of the number of distinct
            # characters: hex digits never reach 4.5 bits, for example.
            len(set(value)) < 2**compiled.entropy
            or shannon_entropy(value) < compiled.entropy
        ):
            return False
        if compiled.placeholders and is_placeholder(value):
            return False
        return not any(pattern.search(value) for pattern in compiled.allow)


def _value_group(pattern: Any) -> int:
    """Return the number of the group named `value`, else 0 (the whole match)."""
    return int(pattern.groupindex.get("value", 0))
