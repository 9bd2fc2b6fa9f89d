"""The apiguard command, run as a user runs it, on real git repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sarif_schema import validate_sarif

HTTP_CONFIG = "service:\n  url: http://billing.acme-corp.io/v1\n"
RULE_ID = "config-http-url"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "apiguard", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


Repo = Callable[[dict[str, str]], Path]


def test_version(tmp_path: Path) -> None:
    completed = run_cli("--version", cwd=tmp_path)
    assert completed.returncode == 0
    assert completed.stdout.startswith("apiguard, version ")


def test_scan_text_finding_exit_1(make_repo: Repo) -> None:
    repo = make_repo({"deploy/app.yaml": HTTP_CONFIG})
    completed = run_cli("scan", "--select", RULE_ID, cwd=repo)
    assert completed.returncode == 1
    assert "deploy/app.yaml:2:8 medium config-http-url" in completed.stdout
    assert "1 finding (1 medium) in 1 file scanned" in completed.stdout
    assert completed.stderr == ""


def test_scan_clean_exit_0(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "url: https://billing.acme-corp.io\n"})
    completed = run_cli("scan", "--select", RULE_ID, cwd=repo)
    assert completed.returncode == 0
    assert "0 findings" in completed.stdout


def test_fail_on_threshold(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": HTTP_CONFIG})
    completed = run_cli("scan", "--select", RULE_ID, "--fail-on", "high", cwd=repo)
    assert completed.returncode == 0
    assert "config-http-url" in completed.stdout


def test_sarif_and_text_together(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": HTTP_CONFIG})
    completed = run_cli(
        "scan",
        "--select",
        RULE_ID,
        "-f",
        "sarif",
        "-o",
        "out.sarif",
        "-f",
        "text",
        "app.yaml",
        cwd=repo,
    )
    assert completed.returncode == 1
    assert "app.yaml:2:8" in completed.stdout
    log = validate_sarif((repo / "out.sarif").read_text())
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == RULE_ID
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app.yaml"
    assert location["region"]["startLine"] == 2
    assert location["region"]["startColumn"] == 8


def test_json_output(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": HTTP_CONFIG})
    completed = run_cli("scan", "--select", RULE_ID, "-f", "json", cwd=repo)
    document = json.loads(completed.stdout)
    assert document["trusted"] is True
    assert [f["rule_id"] for f in document["findings"]] == [RULE_ID]


def test_gitignored_file_not_scanned(make_repo: Repo) -> None:
    repo = make_repo({".gitignore": "ignored.yaml\n", "ignored.yaml": HTTP_CONFIG})
    completed = run_cli("scan", "--select", RULE_ID, cwd=repo)
    assert completed.returncode == 0


def test_two_stdout_formats_rejected(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": HTTP_CONFIG})
    completed = run_cli("scan", "-f", "json", "-f", "text", cwd=repo)
    assert completed.returncode == 2
    assert "only one format can go to stdout" in completed.stderr


def test_bad_rule_exit_2_names_file_rule_field(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": HTTP_CONFIG})
    rules = repo / "policies"
    rules.mkdir()
    (rules / "my-rule.yaml").write_text(
        "id: my-rule\ntitle: T\nseverity: urgent\ncategory: tls\nkinds: [text]\n"
        "match: {type: text, pattern: x}\nmessage: m\nhelp: h\nremediation: r\n"
    )
    completed = run_cli("scan", "--rules", "policies", cwd=repo)
    assert completed.returncode == 2
    assert "my-rule.yaml" in completed.stderr
    assert "rule 'my-rule'" in completed.stderr
    assert "field 'severity'" in completed.stderr


def test_bad_regex_exit_2(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": HTTP_CONFIG})
    rules = repo / "policies"
    rules.mkdir()
    (rules / "bad-regex.yaml").write_text(
        "id: bad-regex\ntitle: T\nseverity: low\ncategory: tls\nkinds: [text]\n"
        "match: {type: text, pattern: '(a'}\nmessage: m\nhelp: h\nremediation: r\n"
    )
    completed = run_cli("scan", "--rules", "policies", cwd=repo)
    assert completed.returncode == 2
    assert "invalid RE2 pattern" in completed.stderr


def test_missing_path_exit_2(tmp_path: Path) -> None:
    completed = run_cli("scan", "nowhere", cwd=tmp_path)
    assert completed.returncode == 2
    assert "nowhere: no such file or directory" in completed.stderr


def test_parse_error_reported_text_rules_run(make_repo: Repo) -> None:
    repo = make_repo({"broken.yaml": "url: http://billing.acme-corp.io\nx: [1, 2\n"})
    completed = run_cli("scan", "-f", "json", cwd=repo)
    document = json.loads(completed.stdout)
    codes = [note["code"] for note in document["notifications"]]
    assert "parse-error" in codes
    assert RULE_ID in [f["rule_id"] for f in document["findings"]]
    assert completed.returncode == 1


def test_binary_file_reported(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "a: 1\n"})
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    completed = run_cli("scan", "-f", "sarif", cwd=repo)
    log = validate_sarif(completed.stdout)
    invocation = log["runs"][0]["invocations"][0]
    notes = invocation["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["binary-file"]
    assert invocation["executionSuccessful"] is True
    assert completed.returncode == 0


def test_broken_symlink_reported(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "a: 1\n"})
    (repo / "gone.yaml").symlink_to(repo / "missing.yaml")
    completed = run_cli("scan", "-f", "json", cwd=repo)
    document = json.loads(completed.stdout)
    assert [n["code"] for n in document["notifications"]] == ["broken-symlink"]


def test_symlink_outside_root_not_read(make_repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(HTTP_CONFIG)
    repo = make_repo({"a.yaml": "a: 1\n"})
    (repo / "link.yaml").symlink_to(outside)
    completed = run_cli("scan", "-f", "json", cwd=repo)
    document = json.loads(completed.stdout)
    assert document["findings"] == []
    assert [n["code"] for n in document["notifications"]] == ["symlink-outside-root"]


def test_large_file_skipped_and_reported(make_repo: Repo) -> None:
    repo = make_repo({"big.yaml": "a: 1\n" * 1000})
    completed = run_cli("scan", "--max-file-size", "100", "-f", "json", cwd=repo)
    document = json.loads(completed.stdout)
    assert [n["code"] for n in document["notifications"]] == ["file-too-large"]
    assert document["filesScanned"] == 0


def test_directory_as_file_is_unreadable_exit_2(tmp_path: Path) -> None:
    from apiguard.discover import Candidate
    from apiguard.engine import ScanOptions, scan_file

    (tmp_path / "dir.yaml").mkdir()
    outcome = scan_file(
        Candidate(tmp_path / "dir.yaml", "dir.yaml"), [], tmp_path, ScanOptions()
    )
    assert [n.code for n in outcome.notifications] == ["not-a-file"]


def test_many_files_use_workers(make_repo: Repo) -> None:
    files = {f"svc{i}/app.yaml": HTTP_CONFIG for i in range(80)}
    repo = make_repo(files)
    completed = run_cli("scan", "--select", RULE_ID, "-j", "2", "-f", "json", cwd=repo)
    document = json.loads(completed.stdout)
    assert len(document["findings"]) == 80
    assert document["filesScanned"] == 80


def test_internal_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from apiguard.commands.common import guarded

    def crash() -> int:
        raise RuntimeError("token=planted-value")

    code = guarded(crash, verbose=0)

    assert code == 2
    stderr = capsys.readouterr().err
    assert "internal error (RuntimeError)" in stderr
    assert "planted-value" not in stderr


def test_control_characters_in_text_output_are_escaped(make_repo: Repo) -> None:
    repo = make_repo({"deploy/a\x1b[2Jb.yaml": HTTP_CONFIG})

    completed = run_cli("scan", "--select", RULE_ID, cwd=repo)

    assert completed.returncode == 1
    assert "\x1b" not in completed.stdout
    assert "deploy/a\\x1b[2Jb.yaml:2:8" in completed.stdout
