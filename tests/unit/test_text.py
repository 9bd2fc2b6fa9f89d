from __future__ import annotations

import codecs

import pytest

from apiguard.findings import Region
from apiguard.text import BinaryContent, LineIndex, decode


def test_decode_utf8_bom() -> None:
    decoded = decode(codecs.BOM_UTF8 + "a: é\n".encode())
    assert decoded.text == "a: é\n"
    assert not decoded.replaced


def test_decode_utf16_with_bom() -> None:
    decoded = decode(codecs.BOM_UTF16_LE + "key: value\n".encode("utf-16-le"))
    assert decoded.text == "key: value\n"
    assert decoded.encoding == "utf-16-le"


def test_decode_invalid_utf8_is_replaced() -> None:
    decoded = decode(b"token: \xff\xfe abc\n")
    assert decoded.replaced
    assert "abc" in decoded.text


def test_decode_nul_byte_is_binary() -> None:
    with pytest.raises(BinaryContent):
        decode(b"PK\x03\x04\x00\x00binary")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_index_line_endings(newline: str) -> None:
    text = newline.join(["first", "second", "third"])
    index = LineIndex(text)
    offset = text.index("third")
    assert index.position(offset) == (3, 1)
    assert index.line_text(2) == "second"
    assert index.line_count == 3


def test_line_index_region_counts_code_points() -> None:
    text = "naïve: x\nsecret: value\n"
    index = LineIndex(text)
    start = text.index("x")
    assert index.region(start, start + 1) == Region(1, 8, 1, 9)


def test_line_text_past_end_is_empty() -> None:
    assert LineIndex("one\n").line_text(5) == ""
