"""The `detector` match: a detect-secrets plugin, run on candidate lines only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from apiguard.findings import Finding, Region
from apiguard.matchers.text import compile_re2, finditer, has_keyword
from apiguard.rules import Rule
from apiguard.secrets import is_placeholder
from apiguard.target import ScanTarget, format_message, make_finding

# A line longer than this many characters (a minified file is often one line)
# goes to the plugin as windows around its candidate matches instead of whole:
# the plugins' regular expressions take time in proportion to the text.
LONG_LINE = 4096
# A window spans this many characters before a candidate match's start and
# after it, within the line.
WINDOW_BEFORE = 256
WINDOW_AFTER = 1024


@dataclass(frozen=True)
class Segment:
    """Text handed to a plugin: a whole line, or a window of a long line."""

    line_number: int
    column: int
    """The 0-based column in the line where `text` starts."""
    text: str


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
        or _is_indirect_reference(secret, line, plugin)
        or heuristic.is_not_alphanumeric_string(secret)
    )


# An assignment or comparison whose right side is a call or an index, such as
# `password = vault.read("db")` or `token = headers["x-token"]`.
_REFERENCE = r"(?::=?|[!=]{1,3})\s*([\w.-]+[\[(][^\n]*[\])])"


def _is_indirect_reference(secret: str, line: str, plugin: Any) -> bool:
    """Return whether the value is the call or index expression itself.

    detect-secrets drops any finding on a line that contains such an
    expression anywhere, so a real key followed by a comment such as
    `# else os.environ[KEY]` was missed. Only a value found by a plugin that
    reads assignments (not a token format) and lying inside the expression
    is dropped here.
    """
    from detect_secrets.plugins.base import RegexBasedDetector

    if isinstance(plugin, RegexBasedDetector):
        return False
    start = line.find(secret)
    if start < 0:
        return False
    end = start + len(secret)
    return any(
        match.start(1) <= start and end <= match.end(1)
        for match in _reference_pattern().finditer(line)
    )


@cache
def _reference_pattern() -> Any:
    return compile_re2(_REFERENCE)


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
        self._compile(rule)

    def _compile(self, rule: Rule) -> None:
        """Compile the candidates pattern without importing detect-secrets."""
        pattern = rule.match.get("candidates")
        compiled = compile_re2(pattern) if pattern else None
        self._candidates[(str(rule.source), rule.id)] = compiled

    def run(self, rule: Rule, target: ScanTarget) -> Iterator[Finding]:
        key = (str(rule.source), rule.id)
        if key not in self._candidates:
            self._compile(rule)
        keywords = tuple(word.lower() for word in rule.match.get("keywords", ()))
        if not has_keyword(target, keywords):
            return

        segments = _candidate_segments(target, keywords, self._candidates[key])
        if not segments:
            return
        # Only a file with candidate lines imports detect-secrets.
        plugin = _plugin(rule.match["plugin"])
        seen: set[tuple[int, str]] = set()
        for segment in segments:
            for secret in self._secrets_in(plugin, target, segment):
                if (segment.line_number, secret) in seen:
                    continue
                seen.add((segment.line_number, secret))
                yield self._finding(rule, target, segment, secret)

    @staticmethod
    def _secrets_in(plugin: Any, target: ScanTarget, segment: Segment) -> Iterator[str]:
        found = plugin.analyze_line(
            filename=target.relpath,
            line=segment.text,
            line_number=segment.line_number,
        )
        for potential in found:
            secret = potential.secret_value
            if secret and not _is_false_positive(secret, segment.text, plugin):
                yield secret

    @staticmethod
    def _finding(
        rule: Rule, target: ScanTarget, segment: Segment, secret: str
    ) -> Finding:
        line_number = segment.line_number
        found = segment.text.find(secret)
        if found == -1:
            end = segment.column + len(segment.text) + 1
            region = Region(line_number, segment.column + 1, line_number, end)
        else:
            column = segment.column + found + 1
            region = Region(line_number, column, line_number, column + len(secret))
        return make_finding(
            rule,
            target,
            region,
            message=format_message(rule.message, {"match": secret}),
            matched=secret,
            secret=secret,
        )


def _candidate_segments(
    target: ScanTarget, keywords: tuple[str, ...], candidates: Any
) -> list[Segment]:
    """Return the text worth handing to the plugin, in order.

    NOTE: a window of a long line can cut a value that runs past its end, so
    a secret longer than WINDOW_AFTER characters on such a line is missed.
    """
    lines = target.lines
    offsets: Iterator[int]
    if candidates is not None:
        offsets = (match.start() for match in finditer(candidates, target))
    elif keywords:
        offsets = _keyword_offsets(target.lower_text, keywords)
    else:
        return [
            Segment(number, 0, lines.line_text(number))
            for number in range(1, lines.line_count + 1)
        ]

    segments: list[Segment] = []
    text = target.text
    for offset in sorted(set(offsets)):
        line_number = lines.position(offset)[0]
        line_start = lines.line_start(line_number)
        line_end = _line_end(target, line_number)
        if line_end - line_start <= LONG_LINE:
            if not segments or segments[-1].line_number != line_number:
                segments.append(Segment(line_number, 0, text[line_start:line_end]))
            continue
        start = max(line_start, offset - WINDOW_BEFORE)
        end = min(line_end, offset + WINDOW_AFTER)
        if segments and segments[-1].line_number == line_number:
            last = segments[-1]
            if start <= line_start + last.column + len(last.text):
                start = line_start + last.column
                segments.pop()
        segments.append(Segment(line_number, start - line_start, text[start:end]))
    return segments


def _line_end(target: ScanTarget, line_number: int) -> int:
    """Return the offset where the line's text ends, before its line break."""
    lines = target.lines
    if line_number < lines.line_count:
        end = lines.line_start(line_number + 1)
    else:
        end = len(target.text)
    while end > lines.line_start(line_number) and target.text[end - 1] in "\r\n":
        end -= 1
    return end


def _keyword_offsets(text: str, keywords: tuple[str, ...]) -> Iterator[int]:
    for keyword in keywords:
        start = text.find(keyword)
        while start != -1:
            yield start
            start = text.find(keyword, start + 1)
