"""The `detector` match: a detect-secrets plugin, run on candidate lines only."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from apiguard.findings import Finding, Region
from apiguard.matchers.text import compile_re2, has_keyword
from apiguard.rules import Rule
from apiguard.secrets import is_placeholder
from apiguard.target import ScanTarget, format_message, make_finding


@cache
def _plugin_classes() -> dict[str, type[Any]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: list[type[Any]] = list(get_mapping_from_secret_type_to_class().values())
    return {cls.__name__: cls for cls in classes}


@cache
def _plugin(name: str) -> Any:
    return _plugin_classes()[name]()


def _is_false_positive(secret: str, line: str, plugin: Any) -> bool:
    """Apply detect-secrets' heuristic filters and apiguard's placeholder list."""
    from detect_secrets.filters import heuristic

    return (
        is_placeholder(secret)
        or heuristic.is_sequential_string(secret)
        or heuristic.is_potential_uuid(secret)
        or heuristic.is_likely_id_string(secret, line, plugin)
        or heuristic.is_templated_secret(secret)
        or heuristic.is_prefixed_with_dollar_sign(secret)
        or heuristic.is_indirect_reference(line)
        or heuristic.is_not_alphanumeric_string(secret)
    )


class DetectorMatcher:
    def __init__(self) -> None:
        self._candidates: dict[tuple[str, str], Any] = {}

    def prepare(self, rule: Rule) -> None:
        name = rule.match["plugin"]
        if name not in _plugin_classes():
            known = ", ".join(sorted(_plugin_classes()))
            raise ValueError(
                f"field 'match/plugin': unknown detect-secrets plugin {name!r}; "
                f"use one of: {known}"
            )
        pattern = rule.match.get("candidates")
        compiled = compile_re2(pattern) if pattern else None
        self._candidates[(str(rule.source), rule.id)] = compiled

    def run(self, rule: Rule, target: ScanTarget) -> Iterator[Finding]:
        key = (str(rule.source), rule.id)
        if key not in self._candidates:
            self.prepare(rule)
        keywords = tuple(word.lower() for word in rule.match.get("keywords", ()))
        if not has_keyword(target, keywords):
            return

        plugin = _plugin(rule.match["plugin"])
        seen: set[tuple[int, str]] = set()
        for line_number in self._candidate_lines(
            target, keywords, self._candidates[key]
        ):
            line = target.lines.line_text(line_number)
            for secret in self._secrets_in_line(plugin, target, line, line_number):
                if (line_number, secret) in seen:
                    continue
                seen.add((line_number, secret))
                yield self._finding(rule, target, line_number, line, secret)

    @staticmethod
    def _candidate_lines(
        target: ScanTarget, keywords: tuple[str, ...], candidates: Any
    ) -> list[int]:
        """Return the lines worth handing to the plugin, in order."""
        lines = target.lines
        offsets: Iterator[int]
        if candidates is not None:
            offsets = (match.start() for match in candidates.finditer(target.text))
        elif keywords:
            offsets = _keyword_offsets(target.lower_text, keywords)
        else:
            return list(range(1, lines.line_count + 1))
        return sorted({lines.position(offset)[0] for offset in offsets})

    @staticmethod
    def _secrets_in_line(
        plugin: Any, target: ScanTarget, line: str, line_number: int
    ) -> Iterator[str]:
        found = plugin.analyze_line(
            filename=target.relpath, line=line, line_number=line_number
        )
        for potential in found:
            secret = potential.secret_value
            if secret and not _is_false_positive(secret, line, plugin):
                yield secret

    @staticmethod
    def _finding(
        rule: Rule, target: ScanTarget, line_number: int, line: str, secret: str
    ) -> Finding:
        column = line.find(secret) + 1
        if column == 0:
            region = Region(line_number, 1, line_number, len(line) + 1)
        else:
            region = Region(line_number, column, line_number, column + len(secret))
        return make_finding(
            rule,
            target,
            region,
            message=format_message(rule.message, {"match": secret}),
            matched=secret,
            secret=secret,
        )


def _keyword_offsets(text: str, keywords: tuple[str, ...]) -> Iterator[int]:
    for keyword in keywords:
        start = text.find(keyword)
        while start != -1:
            yield start
            start = text.find(keyword, start + 1)
