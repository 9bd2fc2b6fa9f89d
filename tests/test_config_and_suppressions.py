"""Configuration files and inline suppressions, through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sarif_schema import validate_sarif
from test_cli import run_cli

Repo = Callable[[dict[str, str]], Path]
RULE = "config-http-url"
URL_LINE = "  billing: http://billing.acme-corp.io/v1\n"
SUPPRESSED = (
    f"svc:\n  billing: http://billing.acme-corp.io  # apiguard: ignore[{RULE}] legacy\n"
)


def scan_json(repo: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    completed = run_cli("scan", "--select", RULE, "-f", "json", *args, cwd=repo)
    return completed.returncode, json.loads(completed.stdout or "{}")


def codes(document: dict) -> list[str]:  # type: ignore[type-arg]
    return [note["code"] for note in document["notifications"]]


def test_config_disables_rule(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": f"rules:\n  {RULE}:\n    enabled: false\n",
            "app.yaml": "svc:\n" + URL_LINE,
        }
    )
    completed = run_cli("scan", "-f", "json", cwd=repo)
    document = json.loads(completed.stdout)
    assert RULE not in [f["rule_id"] for f in document["findings"]]


def test_config_severity_and_fail_on(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": (
                f"fail-on: high\nrules:\n  {RULE}:\n    severity: critical\n"
            ),
            "app.yaml": "svc:\n" + URL_LINE,
        }
    )
    returncode, document = scan_json(repo)
    assert document["findings"][0]["severity"] == "critical"
    assert returncode == 1


def test_config_fail_on_lets_medium_pass(make_repo: Repo) -> None:
    repo = make_repo(
        {".apiguard.yaml": "fail-on: high\n", "app.yaml": "svc:\n" + URL_LINE}
    )
    returncode, document = scan_json(repo)
    assert len(document["findings"]) == 1
    assert returncode == 0


def test_config_rule_exclude(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": f"rules:\n  {RULE}:\n    exclude: ['legacy/']\n",
            "legacy/app.yaml": "svc:\n" + URL_LINE,
            "new/app.yaml": "svc:\n" + URL_LINE,
        }
    )
    _, document = scan_json(repo)
    assert [f["path"] for f in document["findings"]] == ["new/app.yaml"]


def test_config_global_exclude(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": "exclude: ['vendor/']\n",
            "vendor/x.yaml": "svc:\n" + URL_LINE,
        }
    )
    returncode, document = scan_json(repo)
    assert document["filesScanned"] == 1
    assert returncode == 0


def test_pyproject_config_found_upward(make_repo: Repo) -> None:
    repo = make_repo(
        {
            "pyproject.toml": "[tool.apiguard]\nexclude = ['deploy/old/']\n",
            "deploy/old/app.yaml": "svc:\n" + URL_LINE,
        }
    )
    returncode, _ = scan_json(repo / "deploy")
    assert returncode == 0


def test_config_unknown_key_exit_2(make_repo: Repo) -> None:
    repo = make_repo({".apiguard.yaml": "fail_on: high\n", "a.yaml": "a: 1\n"})
    completed = run_cli("scan", cwd=repo)
    assert completed.returncode == 2
    assert ".apiguard.yaml" in completed.stderr
    assert "'fail_on' was unexpected" in completed.stderr


def test_config_wrong_type_exit_2(make_repo: Repo) -> None:
    repo = make_repo({".apiguard.yaml": "max-file-size: big\n", "a.yaml": "a: 1\n"})
    completed = run_cli("scan", cwd=repo)
    assert completed.returncode == 2
    assert "key 'max-file-size'" in completed.stderr


def test_config_unknown_rule_exit_2(make_repo: Repo) -> None:
    repo = make_repo({".apiguard.yaml": "rules:\n  no-such-rule: {enabled: false}\n"})
    completed = run_cli("scan", cwd=repo)
    assert completed.returncode == 2
    assert "unknown rule id 'no-such-rule'" in completed.stderr


def test_comment_suppression_same_line(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": SUPPRESSED})
    returncode, document = scan_json(repo)
    assert document["findings"] == []
    assert document["suppressedCount"] == 1
    assert codes(document) == []
    assert returncode == 0


def test_comment_suppression_line_above(make_repo: Repo) -> None:
    repo = make_repo(
        {"app.yaml": f"svc:\n  # apiguard: ignore[{RULE}] internal mirror\n" + URL_LINE}
    )
    _, document = scan_json(repo)
    assert document["findings"] == []


def test_other_comment_syntaxes(make_repo: Repo) -> None:
    repo = make_repo(
        {
            "a.json": '{\n  "u": "http://billing.acme-corp.io"\n}\n',
            "b.xml": f'<!-- apiguard: ignore[{RULE}] vendor schema -->\n<a href="http://billing.acme-corp.io"/>\n',
            "c.conf": f"/* apiguard: ignore[{RULE}] old proxy */\nproxy_pass http://billing.acme-corp.io;\n",
            "d.tf": f'// apiguard: ignore[{RULE}] migration\nurl = "http://billing.acme-corp.io"\n',
        }
    )
    _, document = scan_json(repo)
    assert [f["path"] for f in document["findings"]] == ["a.json"]
    assert document["suppressedCount"] == 3


def test_suppression_without_reason_reported(make_repo: Repo) -> None:
    repo = make_repo(
        {
            "app.yaml": f"svc:  # apiguard: ignore[{RULE}]\n  x: http://billing.acme-corp.io\n"
        }
    )
    _, document = scan_json(repo)
    assert document["findings"] == []
    assert codes(document) == ["suppression-without-reason"]


def test_unused_suppression_reported(make_repo: Repo) -> None:
    repo = make_repo(
        {"app.yaml": f"# apiguard: ignore[{RULE}] was needed once\na: 1\n"}
    )
    returncode, document = scan_json(repo)
    assert codes(document) == ["unused-suppression"]
    assert returncode == 0


def test_suppression_of_rule_not_run_is_not_unused(make_repo: Repo) -> None:
    repo = make_repo(
        {"app.yaml": "# apiguard: ignore[openapi-server-http] spec elsewhere\na: 1\n"}
    )
    _, document = scan_json(repo)
    assert codes(document) == []


def test_show_suppressed_in_sarif(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": SUPPRESSED})
    plain = run_cli("scan", "--select", RULE, "-f", "sarif", cwd=repo)
    assert validate_sarif(plain.stdout)["runs"][0]["results"] == []
    shown = run_cli(
        "scan", "--select", RULE, "-f", "sarif", "--show-suppressed", cwd=repo
    )
    (result,) = validate_sarif(shown.stdout)["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "inSource", "justification": "legacy"}]
    assert shown.returncode == 0


def test_x_apiguard_ignore_in_json(make_repo: Repo) -> None:
    repo = make_repo(
        {
            "cfg.json": (
                "{\n"
                '  "mirror": {\n'
                f'    "x-apiguard-ignore": {{"{RULE}": "read-only mirror"}},\n'
                '    "url": "http://mirror.acme-corp.io"\n'
                "  },\n"
                '  "api": "http://api.acme-corp.io"\n'
                "}\n"
            )
        }
    )
    # Parsing needs a query rule in the run, so run the full rule set.
    completed = run_cli("scan", "-f", "json", cwd=repo)
    document = json.loads(completed.stdout)
    lines = [
        f["region"]["start_line"] for f in document["findings"] if f["rule_id"] == RULE
    ]
    assert lines == [6]
    assert document["suppressedCount"] >= 1
