from __future__ import annotations

import pytest

from apiguard.text import LineIndex


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("", [0]),
        ("a", [0]),
        ("a\n", [0, 2]),
        ("\n\n", [0, 1, 2]),
        ("ab\ncd\n\nef", [0, 3, 6, 7]),
        ("x\r\ny\rz\n", [0, 3, 5, 7]),
        ("é\nü", [0, 2]),
    ],
)
def test_line_starts(text: str, starts: list[int]) -> None:
    index = LineIndex(text)
    assert [index.line_start(line) for line in range(1, index.line_count + 1)] == (
        starts
    )


def test_position_after_crlf() -> None:
    index = LineIndex("a\r\nbc\n")
    assert index.position(4) == (2, 2)
    assert index.line_text(1) == "a"
