"""The GitHub Action in action.yml and apiguard's behaviour inside GitHub Actions.

The action's steps run in a simulated GitHub environment (GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH, GITHUB_WORKSPACE, RUNNER_TEMP) on a
real git repository. The install step really installs apiguard from a
committed copy of this work tree into a virtual environment. The SARIF
upload step is recorded with its inputs and not run, because it would send
the file to GitHub.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from action_runner import ActionRun, CompositeRunner
from ci_support import PROJECT, copy_project
from sarif_schema import validate_sarif
from test_cli import run_cli
from tests_support import git

HTTP_LINE = "  {name}: http://{name}.acme-corp.io/v1\n"


def http_line(name: str) -> str:
    return HTTP_LINE.format(name=name)


def test_action_file_valid_for_github_schema() -> None:
    schema = ("--builtin-schema", "vendor.github-actions")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            *schema,
            str(PROJECT / "action.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_action_runs_module_and_uploads() -> None:
    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    steps = {step["id"]: step for step in action["runs"]["steps"]}
    assert action["runs"]["using"] == "composite"
    assert '"${{ github.action_path }}"' in steps["install"]["run"]
    assert "-m apiguard.action" in steps["scan"]["run"]
    upload = steps["upload"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert set(action["inputs"]) >= {
        "paths",
        "fail-on",
        "soft-fail",
        "diff-only",
        "config",
        "rules",
        "upload-sarif",
    }
    assert set(action["outputs"]) == {"findings", "sarif-path", "exit-code"}


def test_text_output_gets_annotations_in_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.yaml").write_text("svc:\n" + http_line("billing"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    rule = ("--select", "config-http-url")
    plain = run_cli("scan", *rule, cwd=tmp_path)
    chosen = run_cli("scan", "-f", "text", *rule, cwd=tmp_path)
    assert "app.yaml:2:12 medium config-http-url" in plain.stdout
    assert "::warning file=app.yaml,line=2,col=12," in plain.stdout
    assert plain.returncode == 1
    assert "::warning" not in chosen.stdout


# The action in a simulated GitHub environment


@dataclass(frozen=True)
class Checkout:
    workspace: Path
    base: str
    head: str


@pytest.fixture(scope="module")
def action_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("action") / "apiguard")


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runner-temp")


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    """A repository whose base commit has one finding and head adds one more."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    git(workspace, "init", "-q", "-b", "main")
    (workspace / "old.yaml").write_text("svc:\n" + http_line("legacy"))
    (workspace / "app.yaml").write_text("svc:\n  a: 1\n")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "base")
    base = git(workspace, "rev-parse", "HEAD").strip()
    (workspace / "app.yaml").write_text("svc:\n  a: 1\n" + http_line("orders"))
    git(workspace, "commit", "-q", "-am", "add orders")
    head = git(workspace, "rev-parse", "HEAD").strip()
    return Checkout(workspace, base, head)


RunAction = Callable[..., ActionRun]


@pytest.fixture
def run_action(action_copy: Path, runner_temp: Path, tmp_path: Path) -> RunAction:
    def run(
        checkout: Checkout, event_name: str = "pull_request", **inputs: str
    ) -> ActionRun:
        event = {
            "number": 7,
            "pull_request": {
                "base": {"sha": checkout.base, "ref": "main"},
                "head": {"sha": checkout.head, "ref": "feature"},
            },
        }
        event_path = tmp_path / "event.json"
        event_path.write_text(json.dumps(event))
        summary = tmp_path / "step-summary.md"
        summary.touch()
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(checkout.workspace),
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ACTION_PATH": str(action_copy),
            "RUNNER_TEMP": str(runner_temp),
            "NO_COLOR": "1",
        }
        runner = CompositeRunner(
            action_copy / "action.yml",
            inputs=inputs,
            github={"action_path": str(action_copy), "event_name": event_name},
            env=env,
            workspace=checkout.workspace,
        )
        return runner.run()

    return run


def summary_text(run: ActionRun, tmp_path: Path) -> str:
    return (tmp_path / "step-summary.md").read_text()


def test_pull_request_diff_only(
    run_action: RunAction, checkout: Checkout, tmp_path: Path
) -> None:
    run = run_action(checkout, **{"diff-only": "true", "fail-on": "medium"})
    install, scan = run.step("install"), run.step("scan")
    assert install.exit_code == 0, install.stderr
    assert scan.exit_code == 0, scan.stderr

    assert run.outputs["findings"] == "1"
    assert run.outputs["exit-code"] == "1"
    sarif_path = Path(run.outputs["sarif-path"])
    log = validate_sarif(sarif_path.read_text())
    uris = sorted(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        if result["ruleId"] == "config-http-url"
    )
    assert uris == ["app.yaml", "old.yaml"]

    assert "::warning file=app.yaml,line=3,col=11," in scan.stdout
    assert "old.yaml" not in "".join(
        line for line in scan.stdout.splitlines() if line.startswith("::")
    )

    summary = summary_text(run, tmp_path)
    assert "**1 finding** on lines changed since" in summary
    assert "| Category | Critical | High | Medium | Low | Info | Total |" in summary
    assert "| tls | 0 | 0 | 1 | 0 | 0 | 1 |" in summary
    assert "http://orders.acme-corp.io uses plain HTTP" in summary
    assert "legacy" not in summary

    upload = run.step("upload")
    assert upload.ran
    assert upload.with_values == {"sarif_file": str(sarif_path), "category": "apiguard"}
    fail = run.step("fail")
    assert fail.ran
    assert fail.exit_code == 1


def test_push_full_scan_soft_fail(
    run_action: RunAction, checkout: Checkout, tmp_path: Path
) -> None:
    run = run_action(
        checkout,
        event_name="push",
        **{"diff-only": "true", "soft-fail": "true", "upload-sarif": "false"},
    )
    scan = run.step("scan")
    assert scan.exit_code == 0, scan.stderr
    assert "diff-only applies to pull_request events" in scan.stdout
    assert run.outputs["findings"] == "2"
    assert run.outputs["exit-code"] == "1"
    assert "**2 findings** in the scanned files" in summary_text(run, tmp_path)
    assert not run.step("upload").ran
    assert not run.step("fail").ran


def test_clean_pull_request_passes(
    run_action: RunAction, checkout: Checkout, tmp_path: Path
) -> None:
    (checkout.workspace / "app.yaml").write_text("svc:\n  a: 1\n  b: 2\n")
    git(checkout.workspace, "commit", "-q", "-am", "no finding")
    head = git(checkout.workspace, "rev-parse", "HEAD").strip()
    clean = Checkout(checkout.workspace, checkout.head, head)
    run = run_action(clean, **{"diff-only": "true"})
    assert run.outputs["findings"] == "0"
    assert run.outputs["exit-code"] == "0"
    assert not run.step("fail").ran
    assert "**0 findings**" in summary_text(run, tmp_path)


def test_bad_config_fails_job(
    run_action: RunAction, checkout: Checkout, tmp_path: Path
) -> None:
    run = run_action(checkout, config="missing.yaml", **{"soft-fail": "true"})
    assert run.outputs["exit-code"] == "2"
    fail = run.step("fail")
    assert fail.ran
    assert fail.exit_code == 2
