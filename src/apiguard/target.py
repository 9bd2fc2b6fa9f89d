"""One file as the matchers see it, and the way they turn a match into a Finding."""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import re2

from apiguard.findings import Finding, Region
from apiguard.load import Document
from apiguard.rules import Rule
from apiguard.secrets import redact, redact_in, secret_hash
from apiguard.text import LineIndex

# Longest snippet kept in a finding; longer lines (minified files) are cut.
MAX_SNIPPET = 200

_TEMPLATE_FIELD = re2.compile(r"\{([A-Za-z0-9_.$-]+)\}")


@dataclass
class ParsedDocument:
    """A document with its kind and, for some kinds, its normalized model."""

    document: Document
    kind: str
    model: dict[str, Any] | None = None


@dataclass
class ScanTarget:
    path: Path
    relpath: str
    text: str
    documents: list[ParsedDocument] = field(default_factory=list)
    secrets: list[tuple[Region, str]] = field(default_factory=list)
    """Secrets the rules found so far, with where they stand."""
    references: list[tuple[str, str]] = field(default_factory=list)
    """File paths that `$ref`s named, relative to the root, and what each led to."""
    shared: tuple[tuple[str, str, str, Any], ...] = ()
    """Documents of other files that set defaults for this file's routes."""
    _data_by_kind: dict[str, list[Any]] = field(
        default_factory=dict, init=False, repr=False
    )
    _line_spans_cache: dict[int, tuple[int, list[Span]]] = field(
        default_factory=dict, init=False, repr=False
    )

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    @cached_property
    def lower_text(self) -> str:
        return self.text.lower()

    @cached_property
    def ascii_bytes(self) -> bytes | None:
        """The text encoded as bytes when it is ASCII, else None.

        In ASCII text a byte offset equals a character offset, so patterns can
        search the bytes and their match offsets index `text` directly.
        """
        return self.text.encode("ascii") if self.text.isascii() else None

    @property
    def kinds(self) -> set[str]:
        return {parsed.kind for parsed in self.documents}

    def data_of_kind(self, kind: str) -> list[Any]:
        """Return the data of every document of `kind`, in file order.

        The list is built once per kind, because each document of a long stream
        reads it, and building it each time would cost the square of the
        stream's length.
        """
        found = self._data_by_kind.get(kind)
        if found is None:
            found = [p.document.data for p in self.documents if p.kind == kind]
            self._data_by_kind[kind] = found
        return found

    def _line_spans(self, line_number: int, line: str) -> list[Span]:
        """Return the spans of a line that hide every secret found so far.

        They are found once per line for each number of secrets, so many
        findings on one long line (a minified file) share the work.
        """
        count, spans = self._line_spans_cache.get(line_number, (-1, []))
        if count == len(self.secrets):
            return spans
        # A file can hold thousands of secrets, and most are on other lines.
        relevant = [
            (region, secret)
            for region, secret in self.secrets
            if region.start_line <= line_number <= region.end_line or secret in line
        ]
        spans = secret_spans(line, line_number, relevant)
        self._line_spans_cache[line_number] = (len(self.secrets), spans)
        return spans

    def snippet(
        self, region: Region, secrets: list[tuple[Region, str]] | None = None
    ) -> str:
        """Return the region's first line with secrets redacted.

        The secrets are `secrets`, or else every secret found in the file so
        far. A line longer than MAX_SNIPPET characters is cut around the
        region first, and a secret that the cut splits is hidden whole, so
        no part of a secret shows.
        """
        line_number = region.start_line
        line = self.lines.line_text(line_number)
        start, stop = 0, len(line)
        if stop > MAX_SNIPPET:
            start = max(0, region.start_column - 1 - MAX_SNIPPET // 2)
        if secrets is not None:
            # Only the given secrets are looked for, and only near the cut, so
            # no column past that window is shown.
            stop = min(stop, start + 2 * MAX_SNIPPET)
            spans = secret_spans(line, line_number, secrets, (start, stop))
        else:
            spans = self._line_spans(line_number, line)
        # A cut inside a redacted form shows only its start.
        return _render(line, spans, start, stop, MAX_SNIPPET)[:MAX_SNIPPET].strip()


def format_message(template: str, values: dict[str, Any]) -> str:
    """Fill `{name}` and `{a.b}` fields from nested dicts; unknown stay as is.

    Only plain lookups are done, never attribute access, so a rule's
    message template cannot reach into Python objects.
    """

    def lookup(match: Any) -> str:
        value: Any = values
        for part in match.group(1).split("."):
            if not isinstance(value, dict) or part not in value:
                return str(match.group(0))
            value = value[part]
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return str(value)

    return str(_TEMPLATE_FIELD.sub(lookup, template))


def make_finding(
    rule: Rule,
    target: ScanTarget,
    region: Region,
    *,
    message: str,
    matched: str,
    secret: str | None = None,
) -> Finding:
    """Build a Finding; `matched` is the text that identifies it apart from its line.

    For a secret rule, `secret` is the value: the snippet and the message show
    only its redacted form, and the fingerprint hashes it.
    """
    hashed = None
    if secret:
        target.secrets.append((region, secret))
        message = redact_in(message, secret)
        hashed = secret_hash(secret)

    return Finding(
        rule_id=rule.id,
        path=target.relpath,
        region=region,
        message=message,
        severity=rule.severity,
        fingerprint=fingerprint(rule.id, target.relpath, matched),
        # The finding's own secret only: redact_snippets hides every secret
        # of the file once all rules ran, which costs one masking per line.
        snippet=target.snippet(region, [(region, secret)] if secret else []),
        secret_hash=hashed,
    )


def redact_snippets(target: ScanTarget, findings: list[Finding]) -> list[Finding]:
    """Rebuild snippets once all rules ran, hiding every secret found in the file.

    A finding's own snippet already hides its own secret; this pass hides
    the secrets that other findings found on the same line.
    """
    if not target.secrets:
        return findings
    return [
        replace(finding, snippet=target.snippet(finding.region)) for finding in findings
    ]


Span = tuple[int, int, str]
"""Columns of a line (0-based, end exclusive) and the text that replaces them."""


def secret_spans(
    line: str,
    line_number: int,
    secrets: list[tuple[Region, str]],
    window: tuple[int, int] | None = None,
) -> list[Span]:
    """Return the spans of `line` that hide `secrets`, sorted and disjoint.

    Every occurrence of a secret's text is a span. So is a secret's region on
    the line when the text is not in it, because a secret over several lines
    (a PEM block) or written with escapes is not found by a plain search.
    Overlapping spans are merged. With a `window` of columns, occurrences
    are looked for only where they would overlap it.
    """
    spans: list[Span] = []
    for region, secret in secrets:
        if region.start_line <= line_number <= region.end_line:
            start = region.start_column - 1 if line_number == region.start_line else 0
            last = line_number == region.end_line
            stop = region.end_column - 1 if last else len(line)
            # Where the secret's text is in its region, the search below
            # hides just the text, and a name before it stays readable.
            if 0 <= start < stop <= len(line) and secret not in line[start:stop]:
                spans.append((start, stop, redact(secret)))
    for secret in dict.fromkeys(secret for _, secret in secrets):
        if not secret:
            continue
        low, high = 0, len(line)
        if window is not None:
            low = max(0, window[0] - len(secret))
            high = min(len(line), window[1] + len(secret))
        found = line.find(secret, low, high)
        while found >= 0:
            spans.append((found, found + len(secret), redact(secret)))
            found = line.find(secret, found + len(secret), high)
    merged: list[Span] = []
    for start, stop, text in sorted(spans):
        if merged and start < merged[-1][1]:
            first, end, shown = merged[-1]
            if stop > end:
                # The rest of an overlapping span is hidden whole.
                merged[-1] = (first, stop, shown + "*" * 8)
            continue
        merged.append((start, stop, text))
    return merged


def mask_line(line: str, line_number: int, secrets: list[tuple[Region, str]]) -> str:
    """Return `line` with every part of `secrets` on it hidden."""
    spans = secret_spans(line, line_number, secrets)
    return _render(line, spans, 0, len(line), len(line))


def _render(line: str, spans: list[Span], start: int, stop: int, size: int) -> str:
    """Return columns `start` to `stop` of `line` with `spans` replaced.

    Rendering ends once `size` characters are out. A span that starts
    before the cut is hidden whole; one that runs past it is replaced whole.
    """
    parts: list[str] = []
    written = 0
    position = start
    first = bisect.bisect_right(spans, start, key=lambda span: span[1])
    for span_start, span_stop, text in spans[first:]:
        if span_start >= stop or written >= size:
            break
        # A span that starts before the cut shows as stars only.
        hidden = span_start < position
        piece = "*" * 8 if hidden else line[position:span_start] + text
        parts.append(piece)
        written += len(piece)
        position = span_stop
    if position < stop and written < size:
        parts.append(line[position : min(stop, position + size - written)])
    return "".join(parts)


def fingerprint(rule_id: str, relpath: str, matched: str) -> str:
    """Hash what identifies a finding apart from where its line is.

    Line endings and surrounding white space do not count, so a finding keeps
    its fingerprint when lines move or CRLF becomes LF.
    """
    normalized = " ".join(matched.split())
    digest = hashlib.sha256(f"{rule_id}\0{relpath}\0{normalized}".encode())
    return digest.hexdigest()[:32]
