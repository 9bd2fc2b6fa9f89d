"""The CI output formats: github, gitlab-codequality, gitlab-sast and junit."""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from apiguard.findings import Finding, Notification, Region, Severity
from apiguard.report import REPORTERS, renderer
from apiguard.report.github import escape_data, escape_property
from apiguard.result import ScanResult
from apiguard.rules import Rule

# GitLab publishes the SAST report schema only in its own repository and as a
# Ruby gem, not on npm or PyPI. This schema checks the fields that GitLab's
# documentation of the 15.x format marks as required, their types and enums.
_SCANNER = {
    "type": "object",
    "required": ["id", "name", "version", "vendor"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "version": {"type": "string", "minLength": 1},
        "vendor": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1}},
        },
    },
}
_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"}
SAST_REQUIRED_FIELDS: dict[str, Any] = {
    "type": "object",
    "required": ["version", "scan", "vulnerabilities"],
    "properties": {
        "version": {"type": "string", "pattern": r"^15\.\d+\.\d+$"},
        "scan": {
            "type": "object",
            "required": [
                "analyzer",
                "scanner",
                "type",
                "start_time",
                "end_time",
                "status",
            ],
            "properties": {
                "analyzer": _SCANNER,
                "scanner": _SCANNER,
                "type": {"const": "sast"},
                "start_time": _TIME,
                "end_time": _TIME,
                "status": {"enum": ["success", "failure"]},
                "messages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["level", "value"],
                        "properties": {"level": {"enum": ["info", "warn", "fatal"]}},
                    },
                },
            },
        },
        "vulnerabilities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "identifiers", "location"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "name": {"type": "string", "maxLength": 255},
                    "description": {"type": "string", "maxLength": 1048576},
                    "severity": {
                        "enum": ["Info", "Unknown", "Low", "Medium", "High", "Critical"]
                    },
                    "identifiers": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["type", "name", "value"],
                            "properties": {
                                "type": {"type": "string", "minLength": 1},
                                "name": {"type": "string", "minLength": 1},
                                "value": {"type": "string", "minLength": 1},
                            },
                        },
                    },
                    "location": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "minLength": 1},
                            "start_line": {"type": "integer"},
                            "end_line": {"type": "integer"},
                        },
                    },
                },
            },
        },
    },
}


def make_rule(rule_id: str, severity: Severity = "high", **overrides: Any) -> Rule:
    values: dict[str, Any] = {
        "id": rule_id,
        "title": f"Title of {rule_id}",
        "severity": severity,
        "category": "tls",
        "kinds": ("text",),
        "match": {"type": "text", "pattern": "http://"},
        "message": "m",
        "help": "Help text.",
        "remediation": "Use https.",
        "source": Path("x.yaml"),
        "cwe": (319,),
        "owasp": ("API8:2023",),
    }
    values.update(overrides)
    return Rule(**values)


def make_finding(
    rule: Rule, path: str = "deploy/app.yaml", line: int = 3, **overrides: Any
) -> Finding:
    values: dict[str, Any] = {
        "rule_id": rule.id,
        "path": path,
        "region": Region(line, 5, line, 30),
        "message": f"plain HTTP on line {line}",
        "severity": rule.severity,
        "fingerprint": f"fp-{rule.id}-{path}",
        "snippet": "url: http://billing.acme-corp.io",
    }
    values.update(overrides)
    return Finding(**values)


def result_with(rules: list[Rule], findings: list[Finding], **extra: Any) -> ScanResult:
    return ScanResult(
        root=Path("/repo"), rules=rules, findings=findings, files_scanned=2, **extra
    )


def test_formats_registered() -> None:
    for name in ("github", "gitlab-codequality", "gitlab-sast", "junit"):
        assert name in REPORTERS
        assert callable(renderer(name))


# github


def test_github_escaping() -> None:
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("a:b,c") == "a:b,c"


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        ("critical", "error"),
        ("high", "error"),
        ("medium", "warning"),
        ("low", "notice"),
        ("info", "notice"),
    ],
)
def test_github_severity_levels(severity: Severity, level: str) -> None:
    rule = make_rule("r", severity)
    output = renderer("github")(result_with([rule], [make_finding(rule)]))
    assert output.startswith(f"::{level} file=deploy/app.yaml,")


def test_github_annotation_properties() -> None:
    rule = make_rule("r", title="Plain HTTP, in config: bad")
    finding = make_finding(rule, path="a,b:c.yaml", message="line1\nline2 100%")
    output = renderer("github")(result_with([rule], [finding]))
    assert output == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=5,endLine=3,endColumn=30,"
        "title=Plain HTTP%2C in config%3A bad (r)::line1%0Aline2 100%25\n"
    )


def test_github_orders_by_severity_and_adds_problems() -> None:
    low = make_rule("low-rule", "low")
    critical = make_rule("critical-rule", "critical")
    note = Notification("parse-error", "warning", "invalid YAML", "b.yaml")
    result = result_with(
        [low, critical],
        [make_finding(low, "a.yaml"), make_finding(critical, "z.yaml")],
        notifications=[note],
    )
    lines = renderer("github")(result).splitlines()
    assert lines[0].startswith("::error file=z.yaml")
    assert lines[1].startswith("::notice file=a.yaml")
    assert (
        lines[2] == "::warning file=b.yaml,title=apiguard%3A parse-error::invalid YAML"
    )


def test_github_leaves_out_suppressed() -> None:
    rule = make_rule("r")
    suppressed = make_finding(rule, suppression="test fixture")
    result = result_with([rule], [], suppressed=[suppressed], show_suppressed=True)
    assert renderer("github")(result) == ""


# gitlab-codequality


def test_codequality_fields() -> None:
    rules = [make_rule(f"r-{s}", s) for s in ("critical", "high", "medium", "low")]
    rules.append(make_rule("r-info", "info"))
    findings = [make_finding(rule, line=i + 1) for i, rule in enumerate(rules)]
    issues = json.loads(renderer("gitlab-codequality")(result_with(rules, findings)))

    assert [issue["severity"] for issue in issues] == [
        "blocker",
        "critical",
        "major",
        "minor",
        "info",
    ]
    first = issues[0]
    assert first["check_name"] == "r-critical"
    assert first["description"] == "r-critical: plain HTTP on line 1"
    assert first["location"] == {
        "path": "deploy/app.yaml",
        "lines": {"begin": 1, "end": 1},
    }
    assert re.fullmatch("[0-9a-f]{32}", first["fingerprint"])


def test_codequality_fingerprints_unique_and_stable() -> None:
    rule = make_rule("r")
    twins = [make_finding(rule, line=3), make_finding(rule, line=9)]
    moved = [make_finding(rule, line=13), make_finding(rule, line=19)]
    first = json.loads(renderer("gitlab-codequality")(result_with([rule], twins)))
    second = json.loads(renderer("gitlab-codequality")(result_with([rule], moved)))
    fingerprints = [issue["fingerprint"] for issue in first]
    assert len(set(fingerprints)) == 2
    assert fingerprints == [issue["fingerprint"] for issue in second]


def test_codequality_empty_is_empty_array() -> None:
    assert json.loads(renderer("gitlab-codequality")(result_with([], []))) == []


# gitlab-sast


def test_sast_required_fields() -> None:
    rule = make_rule("openapi-server-http", "critical", cwe=(319, 523))
    findings = [make_finding(rule), make_finding(rule, line=8)]
    note = Notification("unreadable-file", "error", "cannot read", "c.yaml")
    report = json.loads(
        renderer("gitlab-sast")(result_with([rule], findings, notifications=[note]))
    )
    jsonschema.Draft7Validator(SAST_REQUIRED_FIELDS).validate(report)

    assert report["scan"]["type"] == "sast"
    assert report["scan"]["status"] == "failure"
    assert report["scan"]["messages"] == [
        {"level": "fatal", "value": "c.yaml: cannot read [unreadable-file]"}
    ]
    vulnerability = report["vulnerabilities"][0]
    assert vulnerability["severity"] == "Critical"
    assert vulnerability["name"] == "Title of openapi-server-http"
    assert vulnerability["location"] == {
        "file": "deploy/app.yaml",
        "start_line": 3,
        "end_line": 3,
    }
    assert uuid.UUID(vulnerability["id"])
    assert vulnerability["id"] != report["vulnerabilities"][1]["id"]
    identifiers = vulnerability["identifiers"]
    assert identifiers[0]["value"] == "openapi-server-http"
    assert {"type": "cwe", "name": "CWE-523", "value": "523"}.items() <= identifiers[
        2
    ].items()
    assert identifiers[-1] == {
        "type": "owasp",
        "name": "OWASP API8:2023",
        "value": "API8:2023",
    }
    assert vulnerability["solution"] == "Use https."


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("critical", "Critical"),
        ("high", "High"),
        ("medium", "Medium"),
        ("low", "Low"),
        ("info", "Info"),
    ],
)
def test_sast_severities(severity: Severity, expected: str) -> None:
    rule = make_rule("r", severity)
    report = json.loads(
        renderer("gitlab-sast")(result_with([rule], [make_finding(rule)]))
    )
    assert report["vulnerabilities"][0]["severity"] == expected


def test_sast_clean_scan_valid() -> None:
    report = json.loads(renderer("gitlab-sast")(result_with([], [])))
    jsonschema.Draft7Validator(SAST_REQUIRED_FIELDS).validate(report)
    assert report["vulnerabilities"] == []
    assert report["scan"]["status"] == "success"


def test_sast_long_name_cut() -> None:
    rule = make_rule("r", title="x" * 400)
    report = json.loads(
        renderer("gitlab-sast")(result_with([rule], [make_finding(rule)]))
    )
    assert len(report["vulnerabilities"][0]["name"]) == 255


# junit


def parse_junit(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def test_junit_suites_cases_failures() -> None:
    http = make_rule("config-http-url", "medium")
    clean = make_rule("secret-jwt", "critical")
    findings = [
        make_finding(http, "a.yaml", 2),
        make_finding(http, "a.yaml", 7),
        make_finding(http, "b.yaml", 1),
    ]
    root = parse_junit(renderer("junit")(result_with([http, clean], findings)))

    assert root.tag == "testsuites"
    assert root.get("tests") == "3"
    assert root.get("failures") == "2"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["config-http-url", "secret-jwt"]

    http_suite = suites["config-http-url"]
    assert http_suite.get("tests") == "2"
    assert http_suite.get("failures") == "2"
    cases = http_suite.findall("testcase")
    assert [case.get("name") for case in cases] == ["a.yaml", "b.yaml"]
    assert cases[0].get("classname") == "config-http-url"
    failures = cases[0].findall("failure")
    assert len(failures) == 2
    assert failures[0].get("type") == "medium"
    assert failures[0].get("message") == "a.yaml:2:5 plain HTTP on line 2"
    assert "url: http://billing.acme-corp.io" in (failures[0].text or "")

    clean_cases = suites["secret-jwt"].findall("testcase")
    assert len(clean_cases) == 1
    assert clean_cases[0].find("failure") is None


def test_junit_scan_errors() -> None:
    notes = [
        Notification("unreadable-file", "error", "cannot read", "c.yaml"),
        Notification("binary-file", "note", "binary", "logo.png"),
    ]
    root = parse_junit(renderer("junit")(result_with([], [], notifications=notes)))
    suite = root.find("testsuite[@name='apiguard']")
    assert suite is not None
    assert suite.get("errors") == "1"
    error = suite.find("testcase/error")
    assert error is not None
    assert error.get("type") == "unreadable-file"
    assert root.get("errors") == "1"


def test_junit_strips_invalid_xml_characters() -> None:
    rule = make_rule("r")
    finding = make_finding(rule, message="bad \x00\x1b byte <&>", snippet="a\x07b")
    text = renderer("junit")(result_with([rule], [finding]))
    failure = parse_junit(text).find(".//failure")
    assert failure is not None
    assert failure.get("message") == "deploy/app.yaml:3:5 bad \ufffd\ufffd byte <&>"
