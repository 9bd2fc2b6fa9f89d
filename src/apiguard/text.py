"""Decoding of file bytes and conversion between offsets and line/column."""

from __future__ import annotations

import bisect
import codecs
from dataclasses import dataclass
from itertools import accumulate

import re2

from apiguard.findings import Region

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# How much of a file is searched for a NUL byte to call it binary.
_BINARY_SNIFF_BYTES = 8192

# CRLF, CR and LF each end a line, as in editors and in YAML.
_LINE_BREAK = re2.compile(r"\r\n|\r|\n")


class BinaryContent(ValueError):
    """Raised for bytes that are not text (a NUL byte and no UTF-16/32 BOM)."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    replaced: bool
    """Whether invalid byte sequences were replaced with U+FFFD."""


def decode(data: bytes) -> DecodedText:
    """Decode file bytes, honouring a byte order mark; raise BinaryContent."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(encoding, errors="replace")
            return DecodedText(text, encoding, "\ufffd" in text)

    if b"\0" in data[:_BINARY_SNIFF_BYTES]:
        raise BinaryContent("contains NUL bytes")

    try:
        return DecodedText(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        return DecodedText(data.decode("utf-8", errors="replace"), "utf-8", True)


class LineIndex:
    """Map character offsets in a text to 1-based lines and columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        # The line that line_text returned last, as (line number, text).
        self._last_line = (0, "")
        if "\r" in text:
            self._starts.extend(match.end() for match in _LINE_BREAK.finditer(text))
        else:
            # LF only: the start offsets are running sums of the line lengths,
            # which str.split and accumulate compute in C, unlike one RE2
            # match object per line.
            lengths = (len(line) + 1 for line in text.split("\n")[:-1])
            self._starts.extend(accumulate(lengths))

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of a character offset."""
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def region(self, start: int, end: int) -> Region:
        """Return the region that covers characters start to end (exclusive)."""
        start_line, start_column = self.position(start)
        end_line, end_column = self.position(end)
        return Region(start_line, start_column, end_line, end_column)

    def line_text(self, line: int) -> str:
        """Return a line without its line break; '' past the end.

        The last line returned is kept: each finding on one long line (a
        minified file) reads it, and copying it each time would make the work
        grow with the square of the line's length.
        """
        if line == self._last_line[0]:
            return self._last_line[1]
        if not 1 <= line <= len(self._starts):
            return ""
        start = self._starts[line - 1]
        end = self._starts[line] if line < len(self._starts) else len(self.text)
        text = self.text[start:end].rstrip("\r\n")
        self._last_line = (line, text)
        return text

    def line_start(self, line: int) -> int:
        return self._starts[line - 1]
