"""One file as the matchers see it, and the way they turn a match into a Finding."""

from __future__ import annotations

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
    _masked_lines: dict[int, tuple[int, str]] = field(
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

    def _masked_line(self, line_number: int) -> str:
        """Return a line with every secret found so far hidden, built once per
        line for each number of secrets."""
        count, masked = self._masked_lines.get(line_number, (-1, ""))
        if count == len(self.secrets):
            return masked
        line = self.lines.line_text(line_number)
        # A file can hold thousands of secrets, and most are on other lines.
        relevant = [
            (region, secret)
            for region, secret in self.secrets
            if region.start_line <= line_number <= region.end_line or secret in line
        ]
        masked = mask_line(line, line_number, relevant)
        self._masked_lines[line_number] = (len(self.secrets), masked)
        return masked

    def snippet(
        self, region: Region, secrets: list[tuple[Region, str]] | None = None
    ) -> str:
        """Return the region's first line with secrets redacted.

        The secrets are `secrets`, or else every secret found in the file so
        far. Redaction comes before the cut to MAX_SNIPPET characters, so no
        part of a secret survives the cut.
        """
        line_number = region.start_line
        if secrets is not None:
            line = mask_line(self.lines.line_text(line_number), line_number, secrets)
        else:
            line = self._masked_line(line_number)
        if len(line) > MAX_SNIPPET:
            start = max(0, region.start_column - 1 - MAX_SNIPPET // 2)
            line = line[start : start + MAX_SNIPPET]
        return line.strip()


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


def mask_line(line: str, line_number: int, secrets: list[tuple[Region, str]]) -> str:
    """Hide every part of `secrets` that is on line `line_number`.

    The part inside a secret's region is replaced, because a secret over
    several lines (a PEM block) or written with escapes is not found by a
    plain search on one line. Regions are columns of the original line, so
    they are all cut out of it at once, overlaps merged. Then every
    occurrence of a secret's text elsewhere on the line is replaced too.
    """
    spans: list[tuple[int, int, str]] = []
    for region, secret in secrets:
        if region.start_line <= line_number <= region.end_line:
            start = region.start_column - 1 if line_number == region.start_line else 0
            last = line_number == region.end_line
            stop = region.end_column - 1 if last else len(line)
            if 0 <= start < stop <= len(line):
                spans.append((start, stop, secret))
    parts: list[str] = []
    position = 0
    for start, stop, secret in sorted(spans):
        if stop <= position:
            continue
        if start < position:
            # Overlaps a span already cut: its rest is hidden whole.
            parts.append("*" * 8)
        else:
            parts.append(line[position:start])
            parts.append(redact(secret))
        position = stop
    parts.append(line[position:])
    masked = "".join(parts)
    for secret in dict.fromkeys(secret for _, secret in secrets):
        masked = redact_in(masked, secret)
    return masked


def fingerprint(rule_id: str, relpath: str, matched: str) -> str:
    """Hash what identifies a finding apart from where its line is.

    Line endings and surrounding white space do not count, so a finding keeps
    its fingerprint when lines move or CRLF becomes LF.
    """
    normalized = " ".join(matched.split())
    digest = hashlib.sha256(f"{rule_id}\0{relpath}\0{normalized}".encode())
    return digest.hexdigest()[:32]
