from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse
from urllib.request import url2pathname

import pytest

from apiguard import __version__
from apiguard.findings import SEVERITIES, Finding, Notification, Region, Severity
from apiguard.report.sarif import render
from apiguard.result import ScanResult
from apiguard.rules import Rule
from apiguard.secrets import redact, redact_in, secret_hash
from sarif_schema import validate_sarif

HELP = """Servers reached over plain `http` expose every request
to anyone on the network path.

A second paragraph that the full description leaves out."""


def make_rule(rule_id: str, severity: Severity = "high", **overrides: Any) -> Rule:
    values: dict[str, Any] = {
        "id": rule_id,
        "title": f"Title of {rule_id}",
        "severity": severity,
        "category": "tls",
        "kinds": ("openapi",),
        "match": {"type": "text", "pattern": "http://"},
        "message": "Server URL uses http",
        "help": HELP,
        "remediation": "Use an `https` URL.",
        "source": Path("x.yaml"),
    }
    values.update(overrides)
    return Rule(**values)


def make_finding(
    rule: Rule,
    path: str = "api/openapi.yaml",
    line: int = 3,
    column: int = 5,
    **overrides: Any,
) -> Finding:
    values: dict[str, Any] = {
        "rule_id": rule.id,
        "path": path,
        "region": Region(line, column, line, column + 4),
        "message": f"{rule.id} at line {line}",
        "severity": rule.severity,
        "fingerprint": f"{rule.id}-{path}-{line}-{column}",
        "snippet": "url: http://api.example.com",
    }
    values.update(overrides)
    return Finding(**values)


def render_valid(result: ScanResult) -> dict[str, Any]:
    return validate_sarif(render(result))


def only_run(log: dict[str, Any]) -> dict[str, Any]:
    assert len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


def test_empty_scan(tmp_path: Path) -> None:
    log = render_valid(ScanResult(root=tmp_path, rules=[]))
    run = only_run(log)
    invocation = run["invocations"][0]

    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == []
    assert invocation["properties"] == {"filesScanned": 0}
    assert "commandLine" not in invocation


def test_run_metadata(tmp_path: Path) -> None:
    command = ["apiguard", "scan", "--format", "sarif", "my specs"]
    result = ScanResult(root=tmp_path, rules=[], files_scanned=7, command_line=command)
    run = only_run(render_valid(result))
    driver = run["tool"]["driver"]
    invocation = run["invocations"][0]

    assert driver["name"] == "apiguard"
    assert driver["version"] == __version__
    assert driver["semanticVersion"] == __version__
    assert driver["informationUri"] == "https://github.com/apiguard-lint/apiguard"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["automationDetails"] == {"id": "apiguard/scan/"}
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.as_uri() + "/"}}
    assert invocation["commandLine"] == shlex.join(command)
    assert invocation["properties"] == {"filesScanned": 7}


def test_run_omits_unset_defaults(tmp_path: Path) -> None:
    rule = make_rule("openapi-server-http", "medium")
    result = ScanResult(root=tmp_path, rules=[rule], findings=[make_finding(rule)])
    run = only_run(render_valid(result))
    sarif_result = run["results"][0]
    region = sarif_result["locations"][0]["physicalLocation"]["region"]

    assert "language" not in run
    assert "newlineSequences" not in run
    assert "rank" not in sarif_result
    assert "kind" not in sarif_result
    assert "charOffset" not in region
    assert "byteOffset" not in region
    assert (
        "index"
        not in sarif_result["locations"][0]["physicalLocation"]["artifactLocation"]
    )


def test_rule_descriptor(tmp_path: Path) -> None:
    rule = make_rule(
        "openapi-server-http",
        "high",
        cwe=(319,),
        owasp=("API8:2023",),
        tags=("openapi", "tls"),
        references=("https://owasp.org/API-Security/",),
    )
    run = only_run(render_valid(ScanResult(root=tmp_path, rules=[rule])))
    descriptor = run["tool"]["driver"]["rules"][0]

    assert descriptor["id"] == "openapi-server-http"
    assert descriptor["name"] == "OpenapiServerHttp"
    assert descriptor["shortDescription"] == {"text": "Title of openapi-server-http"}
    assert descriptor["fullDescription"] == {
        "text": "Servers reached over plain `http` expose every request to "
        "anyone on the network path."
    }
    assert descriptor["helpUri"] == rule.help_uri
    assert descriptor["defaultConfiguration"] == {"level": "error"}
    assert descriptor["help"]["text"].startswith("Servers reached")
    assert "Remediation:\nUse an `https` URL." in descriptor["help"]["text"]
    assert "## Remediation\n\nUse an `https` URL." in descriptor["help"]["markdown"]
    assert "<https://owasp.org/API-Security/>" in descriptor["help"]["markdown"]


def test_rule_properties(tmp_path: Path) -> None:
    rule = make_rule(
        "openapi-server-http",
        "high",
        cwe=(319, 523),
        owasp=("API8:2023",),
        tags=("openapi", "tls", "security"),
    )
    run = only_run(render_valid(ScanResult(root=tmp_path, rules=[rule])))
    properties = run["tool"]["driver"]["rules"][0]["properties"]

    assert properties["category"] == "tls"
    assert properties["tags"] == [
        "security",
        "tls",
        "external/cwe/cwe-319",
        "external/cwe/cwe-523",
        "external/owasp/api8-2023",
        "openapi",
    ]
    assert properties["security-severity"] == "8.0"
    assert properties["precision"] == "high"


@pytest.mark.parametrize(
    ("severity", "level", "score"),
    [
        ("critical", "error", "9.5"),
        ("high", "error", "8.0"),
        ("medium", "warning", "5.5"),
        ("low", "note", "3.0"),
        ("info", "note", "1.0"),
    ],
)
def test_severity_mapping(
    tmp_path: Path, severity: Severity, level: str, score: str
) -> None:
    rule = make_rule(f"rule-{severity}", severity)
    result = ScanResult(root=tmp_path, rules=[rule], findings=[make_finding(rule)])
    run = only_run(render_valid(result))
    descriptor = run["tool"]["driver"]["rules"][0]
    sarif_result = run["results"][0]

    assert sarif_result["level"] == level
    assert sarif_result["properties"]["severity"] == severity
    assert descriptor["defaultConfiguration"]["level"] == level
    assert descriptor["properties"]["security-severity"] == score


def test_every_severity_in_one_run(tmp_path: Path) -> None:
    rules = [make_rule(f"rule-{severity}", severity) for severity in SEVERITIES]
    findings = [make_finding(rule) for rule in rules]
    result = ScanResult(root=tmp_path, rules=rules, findings=findings)
    run = only_run(render_valid(result))
    levels = {item["ruleId"]: item["level"] for item in run["results"]}

    assert levels == {
        "rule-critical": "error",
        "rule-high": "error",
        "rule-medium": "warning",
        "rule-low": "note",
        "rule-info": "note",
    }


def test_warning_level_kept(tmp_path: Path) -> None:
    rule = make_rule("openapi-server-http", "medium")
    note = Notification("binary-file", "warning", "skipped a binary file", "a.bin")
    result = ScanResult(
        root=tmp_path,
        rules=[rule],
        findings=[make_finding(rule)],
        notifications=[note],
    )
    run = only_run(render_valid(result))
    notification = run["invocations"][0]["toolExecutionNotifications"][0]
    descriptor = run["tool"]["driver"]["rules"][0]

    assert run["results"][0]["level"] == "warning"
    assert descriptor["defaultConfiguration"]["level"] == "warning"
    assert notification["level"] == "warning"


def test_rule_index(tmp_path: Path) -> None:
    rules = [make_rule("tls-b"), make_rule("auth-c"), make_rule("secret-a")]
    findings = [make_finding(rule, line=index + 1) for index, rule in enumerate(rules)]
    result = ScanResult(root=tmp_path, rules=rules, findings=findings)
    run = only_run(render_valid(result))
    descriptors = run["tool"]["driver"]["rules"]

    assert [descriptor["id"] for descriptor in descriptors] == [
        "auth-c",
        "secret-a",
        "tls-b",
    ]
    for sarif_result in run["results"]:
        rule_id = sarif_result["ruleId"]
        assert descriptors[sarif_result["ruleIndex"]]["id"] == rule_id, rule_id


def test_fingerprints(tmp_path: Path) -> None:
    rule = make_rule("openapi-server-http")
    finding = make_finding(rule, fingerprint="0123456789abcdef0123456789abcdef")
    result = ScanResult(root=tmp_path, rules=[rule], findings=[finding])
    sarif_result = only_run(render_valid(result))["results"][0]

    assert sarif_result["partialFingerprints"] == {
        "apiguard/v1": "0123456789abcdef0123456789abcdef"
    }


def test_results_sorted(tmp_path: Path) -> None:
    alpha = make_rule("alpha")
    beta = make_rule("beta")
    findings = [
        make_finding(beta, "b.yaml", 1, 1),
        make_finding(beta, "a.yaml", 2, 1),
        make_finding(beta, "a.yaml", 1, 9),
        make_finding(beta, "a.yaml", 1, 2),
        make_finding(alpha, "a.yaml", 1, 2),
    ]
    result = ScanResult(root=tmp_path, rules=[alpha, beta], findings=findings)
    run = only_run(render_valid(result))
    order = [
        (
            item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            item["locations"][0]["physicalLocation"]["region"]["startLine"],
            item["locations"][0]["physicalLocation"]["region"]["startColumn"],
            item["ruleId"],
        )
        for item in run["results"]
    ]

    assert order == [
        ("a.yaml", 1, 2, "alpha"),
        ("a.yaml", 1, 2, "beta"),
        ("a.yaml", 1, 9, "beta"),
        ("a.yaml", 2, 1, "beta"),
        ("b.yaml", 1, 1, "beta"),
    ]


def test_region_and_snippet(tmp_path: Path) -> None:
    rule = make_rule("openapi-server-http")
    finding = make_finding(rule, region=Region(4, 7, 5, 2), snippet="url: http://x")
    result = ScanResult(root=tmp_path, rules=[rule], findings=[finding])
    location = only_run(render_valid(result))["results"][0]["locations"][0]
    region = location["physicalLocation"]["region"]
    context = location["physicalLocation"]["contextRegion"]

    assert region == {"startLine": 4, "startColumn": 7, "endLine": 5, "endColumn": 2}
    assert context == {
        "startLine": 4,
        "endLine": 4,
        "snippet": {"text": "url: http://x"},
    }


def test_empty_snippet_omitted(tmp_path: Path) -> None:
    rule = make_rule("openapi-server-http")
    result = ScanResult(
        root=tmp_path, rules=[rule], findings=[make_finding(rule, snippet="")]
    )
    location = only_run(render_valid(result))["results"][0]["locations"][0]

    assert "snippet" not in location["physicalLocation"]["region"]
    assert "contextRegion" not in location["physicalLocation"]


def test_path_uri_round_trip(tmp_path: Path) -> None:
    path = "specs/my api/café ü 100%.yaml"
    rule = make_rule("openapi-server-http")
    result = ScanResult(
        root=tmp_path, rules=[rule], findings=[make_finding(rule, path=path)]
    )
    run = only_run(render_valid(result))
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    base = run["originalUriBaseIds"][artifact["uriBaseId"]]["uri"]
    absolute = urljoin(base, artifact["uri"])

    assert artifact["uriBaseId"] == "%SRCROOT%"
    assert artifact["uri"].isascii()
    assert " " not in artifact["uri"]
    assert unquote(artifact["uri"]) == path
    assert Path(url2pathname(urlparse(absolute).path)) == tmp_path / path


def test_notification_with_path(tmp_path: Path) -> None:
    note = Notification(
        "parse-error",
        "error",
        "invalid YAML: mapping values are not allowed here",
        path="specs/broken.yaml",
        region=Region(2, 9, 2, 10),
    )
    result = ScanResult(root=tmp_path, rules=[], notifications=[note])
    notification = only_run(render_valid(result))["invocations"][0][
        "toolExecutionNotifications"
    ][0]
    physical = notification["locations"][0]["physicalLocation"]

    assert notification["descriptor"] == {"id": "parse-error"}
    assert notification["level"] == "error"
    assert notification["message"] == {
        "text": "invalid YAML: mapping values are not allowed here"
    }
    assert physical["artifactLocation"] == {
        "uri": "specs/broken.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert physical["region"] == {
        "startLine": 2,
        "startColumn": 9,
        "endLine": 2,
        "endColumn": 10,
    }


def test_notification_path_without_region(tmp_path: Path) -> None:
    note = Notification("binary-file", "note", "skipped", path="img/logo.png")
    result = ScanResult(root=tmp_path, rules=[], notifications=[note])
    notification = only_run(render_valid(result))["invocations"][0][
        "toolExecutionNotifications"
    ][0]
    physical = notification["locations"][0]["physicalLocation"]

    assert physical["artifactLocation"]["uri"] == "img/logo.png"
    assert "region" not in physical


def test_notification_without_path(tmp_path: Path) -> None:
    note = Notification("rule-warning", "warning", "rule directory is empty")
    result = ScanResult(root=tmp_path, rules=[], notifications=[note])
    notification = only_run(render_valid(result))["invocations"][0][
        "toolExecutionNotifications"
    ][0]

    assert notification["descriptor"] == {"id": "rule-warning"}
    assert notification["message"] == {"text": "rule directory is empty"}
    assert "locations" not in notification


def test_notification_absolute_path(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "rule file.yaml"
    note = Notification("unreadable-file", "error", "permission denied", str(outside))
    result = ScanResult(root=tmp_path / "root", rules=[], notifications=[note])
    notification = only_run(render_valid(result))["invocations"][0][
        "toolExecutionNotifications"
    ][0]
    artifact = notification["locations"][0]["physicalLocation"]["artifactLocation"]

    assert artifact == {"uri": outside.as_uri()}


def test_error_notification_fails_run(tmp_path: Path) -> None:
    notes = [
        Notification("binary-file", "warning", "skipped", "a.bin"),
        Notification("unreadable-file", "error", "permission denied", "b.yaml"),
    ]
    result = ScanResult(root=tmp_path, rules=[], notifications=notes)
    invocation = only_run(render_valid(result))["invocations"][0]

    assert invocation["executionSuccessful"] is False
    assert len(invocation["toolExecutionNotifications"]) == 2


def test_warning_notification_keeps_success(tmp_path: Path) -> None:
    notes = [Notification("binary-file", "warning", "skipped", "a.bin")]
    result = ScanResult(root=tmp_path, rules=[], notifications=notes)
    invocation = only_run(render_valid(result))["invocations"][0]

    assert invocation["executionSuccessful"] is True


def test_redacted_secret_absent(tmp_path: Path) -> None:
    raw_secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    line = f'api_key: "{raw_secret}"'
    rule = make_rule("generic-api-key", "critical", category="secrets", secret=True)
    finding = make_finding(
        rule,
        path="config/app.yaml",
        snippet=redact_in(line, raw_secret),
        message=redact_in(f"API key {raw_secret} is committed", raw_secret),
        secret_hash=secret_hash(raw_secret),
    )
    result = ScanResult(root=tmp_path, rules=[rule], findings=[finding])
    text = render(result)
    sarif_result = only_run(validate_sarif(text))["results"][0]
    region = sarif_result["locations"][0]["physicalLocation"]["contextRegion"]

    assert raw_secret not in text
    assert raw_secret[4:] not in text
    assert region["snippet"]["text"] == f'api_key: "{redact(raw_secret)}"'
    assert sarif_result["properties"]["secretHash"] == secret_hash(raw_secret)


def test_secret_hash_omitted_when_unset(tmp_path: Path) -> None:
    rule = make_rule("openapi-server-http")
    result = ScanResult(root=tmp_path, rules=[rule], findings=[make_finding(rule)])
    sarif_result = only_run(render_valid(result))["results"][0]

    assert sarif_result["properties"] == {"severity": "high"}


def test_unknown_rule_rejected(tmp_path: Path) -> None:
    rule = make_rule("openapi-server-http")
    result = ScanResult(root=tmp_path, rules=[], findings=[make_finding(rule)])

    with pytest.raises(ValueError, match="openapi-server-http"):
        render(result)


def test_output_stable(tmp_path: Path) -> None:
    rules = [make_rule("beta"), make_rule("alpha")]
    findings = [make_finding(rules[0], "b.yaml"), make_finding(rules[1], "a.yaml")]
    notes = [
        Notification("binary-file", "note", "skipped", "z.bin"),
        Notification("binary-file", "note", "skipped", "a.bin"),
    ]
    first = ScanResult(
        root=tmp_path, rules=rules, findings=findings, notifications=notes
    )
    second = ScanResult(
        root=tmp_path,
        rules=rules[::-1],
        findings=findings[::-1],
        notifications=notes[::-1],
    )
    text = render(first)

    assert text == render(second)
    assert text.endswith("}\n")
    assert text.splitlines()[1].startswith('  "')
    assert not text.splitlines()[1].startswith("   ")


def test_color_ignored(tmp_path: Path) -> None:
    rule = make_rule("openapi-server-http")
    result = ScanResult(root=tmp_path, rules=[rule], findings=[make_finding(rule)])

    assert render(result, color=True) == render(result)
