from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apiguard.errors import RuleError
from apiguard.findings import Finding
from apiguard.load import Document, parse_yaml
from apiguard.matchers.query import QueryMatcher, parse_field, resolve_field
from apiguard.rules import Rule, load_rule_file
from apiguard.target import ParsedDocument, ScanTarget

DEPLOYMENT = """\
apiVersion: v1
kind: Service
metadata:
  name: billing
  labels:
    team: payments
spec:
  ports:
    - port: 80
      name: http
    - port: 443
      name: https
"""


def make_rule(match: dict[str, Any], *, message: str = "port {port}") -> Rule:
    return Rule(
        id="test-rule",
        title="t",
        severity="low",
        category="tls",
        kinds=("kubernetes",),
        match={"type": "query", **match},
        message=message,
        help="h",
        remediation="r",
        source=Path("test-rule.yaml"),
    )


def run(rule: Rule, text: str = DEPLOYMENT) -> list[Finding]:
    documents = [d for d in parse_yaml(text) if isinstance(d, Document)]
    target = ScanTarget(Path("svc.yaml"), "svc.yaml", text)
    target.documents = [ParsedDocument(d, "kubernetes") for d in documents]
    matcher = QueryMatcher()
    matcher.prepare(rule)
    return list(matcher.run(rule, target))


def test_where_selects_nodes() -> None:
    rule = make_rule(
        {"select": "$.spec.ports[*]", "where": [{"field": "port", "one-of": [80]}]}
    )
    findings = run(rule)
    assert [f.region.start_line for f in findings] == [9]
    assert findings[0].message == "port 80"


def test_assert_failure_points_at_field() -> None:
    rule = make_rule(
        {
            "select": "$.spec.ports[*]",
            "assert": [{"field": "name", "pattern": "^https$"}],
        }
    )
    findings = run(rule)
    assert [(f.region.start_line, f.region.start_column) for f in findings] == [
        (10, 13)
    ]


def test_missing_field_points_at_node_key() -> None:
    rule = make_rule(
        {"select": "$.metadata", "assert": [{"field": "annotations", "defined": True}]},
        message="no annotations",
    )
    findings = run(rule)
    assert [(f.region.start_line, f.region.start_column) for f in findings] == [(3, 1)]


def test_root_field_condition() -> None:
    rule = make_rule(
        {"select": "$.spec.ports[*]", "where": [{"field": "$.kind", "one-of": ["Pod"]}]}
    )
    assert run(rule) == []


def test_schema_assertion() -> None:
    rule = make_rule(
        {
            "select": "$.metadata.labels",
            "assert": [{"schema": {"required": ["team", "owner"]}}],
        },
        message="labels incomplete",
    )
    assert [f.region.start_line for f in run(rule)] == [5]


def test_not_pattern_and_falsy() -> None:
    rule = make_rule(
        {
            "select": "$.spec.ports[*]",
            "where": [
                {"field": "name", "not-pattern": "^https"},
                {"field": "nodePort", "falsy": True},
            ],
        }
    )
    assert [f.message for f in run(rule)] == ["port 80"]


def test_message_template_cannot_reach_attributes() -> None:
    rule = make_rule(
        {"select": "$.spec.ports[0]"}, message="{port.__class__} {name.upper}"
    )
    assert [f.message for f in run(rule)] == ["{port.__class__} {name.upper}"]


def test_fingerprint_survives_moved_lines() -> None:
    rule = make_rule({"select": "$.spec.ports[0]"})
    before = run(rule)
    after = run(rule, "# a comment that moves every line\n" + DEPLOYMENT)
    assert before[0].region.start_line + 1 == after[0].region.start_line
    assert before[0].fingerprint == after[0].fingerprint


def test_multi_document_runs_each() -> None:
    text = DEPLOYMENT + "---\n" + DEPLOYMENT
    rule = make_rule({"select": "$.spec.ports[?@.port == 443]"})
    assert [f.region.start_line for f in run(rule, text)] == [11, 24]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b", (("a", "b"), False)),
        ("$.kind", (("kind",), True)),
        ("/paths/~1pets", (("paths", "/pets"), False)),
        ("", ((), False)),
    ],
)
def test_parse_field(text: str, expected: tuple[tuple[str, ...], bool]) -> None:
    assert parse_field(text) == expected


def test_resolve_field_into_lists() -> None:
    assert resolve_field({"a": [{"b": 1}]}, ["a", "0", "b"]) == 1


def test_invalid_jsonpath_is_rule_error(tmp_path: Path) -> None:
    path = tmp_path / "bad-path.yaml"
    path.write_text(
        "id: bad-path\ntitle: t\nseverity: low\ncategory: auth\nkinds: [openapi]\n"
        "match: {type: query, select: '$.[[['}\nmessage: m\nhelp: h\nremediation: r\n"
    )
    with pytest.raises(
        RuleError, match=r"bad-path\.yaml: rule 'bad-path': field 'match/select'"
    ):
        load_rule_file(path)


def test_invalid_schema_is_rule_error(tmp_path: Path) -> None:
    path = tmp_path / "bad-schema.yaml"
    path.write_text(
        "id: bad-schema\ntitle: t\nseverity: low\ncategory: auth\nkinds: [openapi]\n"
        "match: {type: query, select: '$', assert: [{schema: {type: 12}}]}\n"
        "message: m\nhelp: h\nremediation: r\n"
    )
    with pytest.raises(RuleError, match="match/assert/0/schema"):
        load_rule_file(path)


@pytest.mark.parametrize(
    ("select", "lines"),
    [
        # match() must match the whole name, search() any part of it.
        ("$.spec.ports[?match(@.name, 'http')]", [9]),
        ("$.spec.ports[?search(@.name, 'http')]", [9, 11]),
        ("$.spec.ports[?match(@.name, 'http.')]", [11]),
        ("$.spec.ports[?search(@.name, 'ht+ps')]", [11]),
        # `^` and `$` are ordinary characters in an I-Regexp.
        ("$.spec.ports[?search(@.name, '^https$')]", []),
        ("$.spec.ports[?match(@.name, '[^s]+')]", [9]),
    ],
)
def test_match_and_search_functions(select: str, lines: list[int]) -> None:
    findings = run(make_rule({"select": select}))
    assert [f.region.start_line for f in findings] == lines


def test_dot_in_iregexp_skips_carriage_return() -> None:
    text = 'apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - {name: "a\\rb"}\n'
    assert run(make_rule({"select": "$.spec.ports[?match(@.name, 'a.b')]"}), text) == []
    assert run(make_rule({"select": "$.spec.ports[?match(@.name, 'a..')]"}), text) == []
    found = run(make_rule({"select": "$.spec.ports[?match(@.name, 'a\\\\rb')]"}), text)
    assert [f.region.start_line for f in found] == [5]


def test_descent_past_the_recursion_limit_is_value_error() -> None:
    deep = "apiVersion: v1\nkind: Service\nspec: " + "[" * 120 + "]" * 120 + "\n"
    with pytest.raises(ValueError, match="recursion"):
        run(make_rule({"select": "$..*"}), deep)


@pytest.mark.parametrize("pattern", ["\\\\d+", "(?i)http", "a(?=b)"])
def test_invalid_iregexp_is_rule_error(pattern: str) -> None:
    rule = make_rule({"select": f"$.spec.ports[?match(@.name, '{pattern}')]"})
    with pytest.raises(ValueError, match="not a valid I-Regexp"):
        QueryMatcher().prepare(rule)
