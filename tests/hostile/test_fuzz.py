"""Property tests: positions, SARIF validity and a loader that never raises."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apiguard.findings import SEVERITIES, Finding, Notification, Region
from apiguard.load import (
    MAX_INT_BITS,
    Document,
    ParseProblem,
    Pointer,
    parse_json,
    parse_yaml,
)
from apiguard.report.sarif import render
from apiguard.result import ScanResult
from apiguard.rules import Rule
from apiguard.text import BinaryContent, LineIndex, decode
from sarif_schema import validate_sarif

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
KEYS = st.text(max_size=20)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(KEYS, children, max_size=5),
    ),
    max_leaves=30,
)


def _scalars(data: Any) -> Iterator[tuple[Pointer, Any]]:
    """Yield the pointer and value of every scalar below `data`."""
    pending: list[tuple[Pointer, Any]] = [((), data)]
    while pending:
        pointer, node = pending.pop()
        if isinstance(node, dict):
            pending.extend(((*pointer, key), value) for key, value in node.items())
        elif isinstance(node, list):
            pending.extend(
                ((*pointer, index), value) for index, value in enumerate(node)
            )
        else:
            yield pointer, node


def _slice(text: str, lines: LineIndex, region: Region) -> str:
    start = lines.line_start(region.start_line) + region.start_column - 1
    end = lines.line_start(region.end_line) + region.end_column - 1
    return text[start:end]


def _yaml_value(text: str) -> Any:
    (document,) = list(parse_yaml(text))
    assert isinstance(document, Document), document
    return document.data


@FUZZ
@example(
    # PyYAML writes these line breaks raw, and YAML counts them as lines.
    data={"a": "x\u2028y", "b": ["p\x85q", "r\u2029s"], "c": 1},
    flow=False,
    unicode=True,
    width=80,
    style=None,
    line_break="\n",
)
@given(
    data=DOCUMENTS,
    flow=st.sampled_from([False, True, None]),
    unicode=st.booleans(),
    width=st.sampled_from([20, 80, 10**6]),
    style=st.sampled_from([None, '"', "'"]),
    line_break=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_yaml_spans_slice_to_source(
    data: Any,
    flow: bool | None,
    unicode: bool,
    width: int,
    style: str | None,
    line_break: str,
) -> None:
    text = yaml.safe_dump(
        data,
        default_flow_style=flow,
        allow_unicode=unicode,
        width=width,
        default_style=style,
        line_break=line_break,
    )
    (document,) = list(parse_yaml(text))
    assert isinstance(document, Document)
    lines = LineIndex(text)

    for pointer, value in _scalars(document.data):
        span = document.span(pointer)
        assert span is not None
        assert _yaml_value(_slice(text, lines, span.value)) == value
        if pointer and isinstance(pointer[-1], str):
            assert span.key is not None
            assert _yaml_value(_slice(text, lines, span.key)) == pointer[-1]


@FUZZ
@given(
    data=DOCUMENTS,
    indent=st.sampled_from([None, 0, 2, "\t"]),
    ascii_only=st.booleans(),
    compact=st.booleans(),
    line_break=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_json_spans_slice_to_source(
    data: Any,
    indent: int | str | None,
    ascii_only: bool,
    compact: bool,
    line_break: str,
) -> None:
    separators = (",", ":") if compact else (", ", ": ")
    text = json.dumps(
        data, indent=indent, ensure_ascii=ascii_only, separators=separators
    )
    # json.dumps writes no raw line break inside a string, so this changes
    # only the white space between tokens.
    text = text.replace("\n", line_break)
    document = parse_json(text)
    assert isinstance(document, Document)
    lines = LineIndex(text)

    for pointer, value in _scalars(document.data):
        span = document.span(pointer)
        assert span is not None
        assert json.loads(_slice(text, lines, span.value)) == value
        if pointer and isinstance(pointer[-1], str):
            assert span.key is not None
            assert json.loads(_slice(text, lines, span.key)) == pointer[-1]


# Loader


YAML_TOKENS = [
    "[", "]", "{", "}", ": ", ":", "- ", ", ", "? ", "&a ", "*a ", "&b ", "*b ",
    "<<: ", "!!python/object/apply:os.system ", "!!python/name:os.system ",
    "!!int ", "!!float ", "!!bool ", "!!set ", "!!binary ", "!!timestamp ",
    "!Ref ", "!<tag:yaml.org,2002:python/module:os> ", "%YAML 1.1\n",
    "%TAG !e! tag:example.com,2000:\n", "!e!x ", "---\n", "...\n", "|\n", ">-\n",
    "\n", "  ", "\t", "\r", "\r\n", "\x85", "\u2028", "\ufeff", "'", '"', "\\",
    "#", "@", "`", "x", "on", "null", "1", "0x", "0o", "1e999999", "9" * 5000,
    "1:00", "2001-12-14", ".inf", "~",
]  # fmt: skip
JSON_TOKENS = [
    "{", "}", "[", "]", ":", ",", '"', '"k"', '"\\u0000"', '"\\ud800"',
    '"\\/"', "1", "-", "0", "e999999", "9" * 5000, ".5", "true", "null",
    "NaN", "Infinity", " ", "\t", "\n", "\r", "\ufeff", "\\",
]  # fmt: skip

# Every value a document's data may hold.
JSON_TYPES = (dict, list, str, int, float, bool, type(None))


def _check_results(results: list[Document | ParseProblem]) -> None:
    for item in results:
        assert isinstance(item, Document | ParseProblem)
        if isinstance(item, ParseProblem):
            assert isinstance(item.message, str)
            continue
        _check_plain(item.data)


def _check_plain(data: Any) -> None:
    """Assert that `data` holds only JSON-like values, each printable."""
    pending = [data]
    while pending:
        node = pending.pop()
        assert isinstance(node, JSON_TYPES), type(node)
        if isinstance(node, dict):
            assert all(isinstance(key, str) for key in node)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, int):
            assert node.bit_length() <= MAX_INT_BITS


def _parse_all(text: str) -> None:
    _check_results(list(parse_yaml(text)))
    _check_results([parse_json(text)])


@FUZZ
@given(st.binary(max_size=3000))
def test_loader_on_bytes(data: bytes) -> None:
    try:
        decoded = decode(data)
    except BinaryContent:
        assert b"\0" in data[:8192]
        return
    assert isinstance(decoded.text, str)
    _parse_all(decoded.text)


@FUZZ
@given(st.text(max_size=3000))
def test_loader_on_text(text: str) -> None:
    _parse_all(text)


@FUZZ
@example("!!int ")
@example("!!float ")
@given(st.lists(st.sampled_from(YAML_TOKENS), max_size=80).map("".join))
def test_loader_on_yaml_tokens(text: str) -> None:
    _parse_all(text)


@FUZZ
@given(st.lists(st.sampled_from(JSON_TOKENS), max_size=80).map("".join))
def test_loader_on_json_tokens(text: str) -> None:
    _parse_all(text)


# SARIF


RULE_IDS = ["config-http-url", "secret-github-token", "x", "rule-with-a-long-id"]
CODES = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)
PATHS = st.one_of(
    st.text(min_size=1, max_size=40),
    st.text(min_size=1, max_size=40).map(lambda name: "/" + name),
    st.sampled_from(["a b/c%20d.yaml", "#x?y.yaml", "dir/../e.json", "bad\\xff.yaml"]),
)
POSITIONS = st.integers(min_value=1, max_value=10**7)
REGIONS = st.builds(Region, POSITIONS, POSITIONS, POSITIONS, POSITIONS)


def _rule(rule_id: str) -> Rule:
    return Rule(
        id=rule_id,
        title=f"Title of {rule_id}",
        severity="high",
        category="tls",
        kinds=("text",),
        match={"type": "text", "pattern": "x"},
        message="m",
        help="Help.\n\nMore help.",
        remediation="Fix it.",
        source=Path(f"{rule_id}.yaml"),
    )


FINDINGS = st.builds(
    Finding,
    rule_id=st.sampled_from(RULE_IDS),
    path=PATHS,
    region=REGIONS,
    message=st.text(),
    severity=st.sampled_from(SEVERITIES),
    fingerprint=st.text(min_size=1, max_size=32),
    snippet=st.text(max_size=200),
    secret_hash=st.one_of(st.none(), st.just("sha256:0123456789abcdef")),
    properties=st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3),
    suppression=st.one_of(st.none(), st.text(max_size=40)),
)
NOTIFICATIONS = st.builds(
    Notification,
    code=CODES,
    level=st.sampled_from(["error", "warning", "note"]),
    message=st.text(),
    path=st.one_of(st.none(), PATHS),
    region=st.one_of(st.none(), REGIONS),
)


@FUZZ
@given(
    findings=st.lists(FINDINGS, max_size=8),
    suppressed=st.lists(FINDINGS, max_size=3),
    notifications=st.lists(NOTIFICATIONS, max_size=8),
    show_suppressed=st.booleans(),
    command_line=st.lists(st.text(max_size=20), max_size=4),
)
def test_sarif_always_valid(
    findings: list[Finding],
    suppressed: list[Finding],
    notifications: list[Notification],
    show_suppressed: bool,
    command_line: list[str],
) -> None:
    result = ScanResult(
        root=Path("/work tree/ä"),
        rules=[_rule(rule_id) for rule_id in RULE_IDS],
        findings=findings,
        suppressed=suppressed,
        notifications=notifications,
        command_line=command_line,
        show_suppressed=show_suppressed,
    )

    log = validate_sarif(render(result))

    run = log["runs"][0]
    expected_results = len(findings) + (len(suppressed) if show_suppressed else 0)
    assert len(run["results"]) == expected_results
    invocation = run["invocations"][0]
    assert len(invocation["toolExecutionNotifications"]) == len(notifications)
    assert invocation["executionSuccessful"] is result.trusted
