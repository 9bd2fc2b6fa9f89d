from __future__ import annotations

from apiguard.findings import Region
from apiguard.load import Document, ParseProblem, parse_json, parse_yaml


def only_document(text: str) -> Document:
    (document,) = list(parse_yaml(text))
    assert isinstance(document, Document)
    return document


def test_yaml_positions_of_keys_and_values() -> None:
    document = only_document("info:\n  title: Pets\nservers:\n  - url: http://x.io\n")
    assert document.data["servers"][0]["url"] == "http://x.io"
    assert document.locate(("info", "title")) == Region(2, 3, 2, 8)
    span = document.span(("servers", 0, "url"))
    assert span is not None
    assert span.value == Region(4, 10, 4, 21)


def test_yaml_keys_keep_source_text() -> None:
    document = only_document("on: push\n200: ok\nyes: 1\n")
    assert set(document.data) == {"on", "200", "yes"}


def test_yaml_scalars_are_typed() -> None:
    document = only_document("a: 1\nb: true\nc: null\nd: 2024-01-01\ne: '1'\n")
    assert document.data == {"a": 1, "b": True, "c": None, "d": "2024-01-01", "e": "1"}


def test_yaml_multi_document() -> None:
    documents = list(parse_yaml("a: 1\n---\nb: 2\n"))
    assert [d.data for d in documents if isinstance(d, Document)] == [
        {"a": 1},
        {"b": 2},
    ]
    assert [d.index for d in documents if isinstance(d, Document)] == [0, 1]


def test_yaml_duplicate_keys_reported() -> None:
    document = only_document("a: 1\nb: 2\na: 3\n")
    assert document.data["a"] == 3
    assert document.duplicate_keys == [("a", Region(3, 1, 3, 2))]


def test_yaml_merge_keys() -> None:
    document = only_document("base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n")
    assert document.data["child"] == {"y": 3, "x": 1}


def test_yaml_cloudformation_tags() -> None:
    document = only_document(
        "a: !Ref Bucket\nb: !Sub '${AWS::Region}'\nc: !GetAtt [A, B]\n"
    )
    assert document.data["a"] == {"Ref": "Bucket"}
    assert document.data["b"] == {"Fn::Sub": "${AWS::Region}"}
    assert document.data["c"] == {"Fn::GetAtt": ["A", "B"]}


def test_yaml_python_tags_are_not_constructed() -> None:
    document = only_document("a: !!python/object/apply:os.system ['true']\n")
    assert document.data == {"a": ["true"]}


def test_yaml_alias_bomb_is_a_problem() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    results = list(parse_yaml("\n".join(lines) + "\n"))
    assert len(results) == 1
    assert isinstance(results[0], ParseProblem)
    assert "aliases" in results[0].message


def test_yaml_deep_nesting_is_a_problem() -> None:
    results = list(parse_yaml("[" * 2000 + "]" * 2000))
    assert len(results) == 1
    assert isinstance(results[0], ParseProblem)


def test_yaml_syntax_error_has_line() -> None:
    results = list(parse_yaml("ok: 1\n---\na: [1, 2\nb: 3\n"))
    assert isinstance(results[0], Document)
    problem = results[-1]
    assert isinstance(problem, ParseProblem)
    assert problem.line == 4


def test_yaml_crlf_positions() -> None:
    document = only_document("a: 1\r\nb: two\r\n")
    span = document.span(("b",))
    assert span is not None
    assert span.value == Region(2, 4, 2, 7)


def test_json_with_positions() -> None:
    parsed = parse_json('{\n  "servers": [\n    {"url": "http://a.io"}\n  ]\n}\n')
    assert isinstance(parsed, Document)
    span = parsed.span(("servers", 0, "url"))
    assert span is not None
    assert span.value.start_line == 3


def test_json_error_has_line() -> None:
    parsed = parse_json('{\n  "a": 1,\n  "b": \n}\n')
    assert isinstance(parsed, ParseProblem)
    assert parsed.line == 4


def test_json_duplicate_keys_reported() -> None:
    parsed = parse_json('{"a": 1, "a": 2}')
    assert isinstance(parsed, Document)
    assert [key for key, _ in parsed.duplicate_keys] == ["a"]


def test_locate_falls_back_to_ancestor() -> None:
    document = only_document("paths:\n  /pets:\n    get: {}\n")
    assert document.locate(("paths", "/pets", "get", "security")).start_line == 3
