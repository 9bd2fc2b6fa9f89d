from __future__ import annotations

import json

import pytest

from apiguard.load import Document, Pointer, parse_json, parse_yaml

DOCUMENTS = [
    '{\n  "servers": [\n    {"url": "http://a.io"}\n  ]\n}\n',
    '{"a": {"b": [1, 2.5e3, true, null, "x"]}, "c": []}',
    '  {\n\t"k\\u00e9y": "v\\"al",\n\t"e": {}\n}  \n',
    '[{"a": 1}, [2, [3, {"b": "é"}]], "z"]',
    '{"info": {"title": "Pets \\/ API", "description": "line\\nbreak"}}',
]


def pointers(data: object, prefix: Pointer = ()) -> list[Pointer]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(pointers(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(pointers(value, (*prefix, index)))
    return found


@pytest.mark.parametrize("text", DOCUMENTS)
def test_json_spans_equal_yaml_spans(text: str) -> None:
    parsed = parse_json(text)
    assert isinstance(parsed, Document)
    (positioned,) = list(parse_yaml(text))
    assert isinstance(positioned, Document)
    assert parsed.start == positioned.start
    for pointer in pointers(json.loads(text)):
        assert parsed.span(pointer) == positioned.span(pointer), pointer


def test_json_span_missing_pointer() -> None:
    parsed = parse_json('{"a": [1, {"b": 2}], "c": "text"}')
    assert isinstance(parsed, Document)
    assert parsed.span(("x",)) is None
    assert parsed.span(("a", 5)) is None
    assert parsed.span(("a", "1")) is None
    assert parsed.span(("c", "d")) is None
    assert parsed.locate(("a", 1, "b", "deeper")).start_line == 1


def test_json_duplicate_keys_use_yaml_positions() -> None:
    parsed = parse_json('{\n  "a": 1,\n  "a": 2\n}\n')
    assert isinstance(parsed, Document)
    assert parsed.locator is None
    assert [(key, region.start_line) for key, region in parsed.duplicate_keys] == [
        ("a", 3)
    ]
