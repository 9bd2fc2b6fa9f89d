"""The pre-commit hooks in .pre-commit-hooks.yaml, run by the real pre-commit.

`pre-commit try-repo` clones the hook repository at HEAD and installs it in a
virtual environment of its own, so the test commits a copy of this work tree
first. Installing takes some seconds and needs the package index.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from ci_support import PROJECT, copy_project
from tests_support import GIT_ENV, git

HTTP_LINE = "  billing: http://billing.acme-corp.io/v1\n"


def pre_commit(
    hooks_repo: Path, cwd: Path, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_pre_commit(cwd, home, "try-repo", str(hooks_repo), *args)


def run_pre_commit(
    cwd: Path, home: Path, *args: str, path_prefix: str = ""
) -> subprocess.CompletedProcess[str]:
    gitconfig = home.parent / "empty-gitconfig"
    gitconfig.touch()
    env = {
        **os.environ,
        **GIT_ENV,
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "PRE_COMMIT_HOME": str(home),
        "NO_COLOR": "1",
    }
    env.pop("GITHUB_ACTIONS", None)
    if path_prefix:
        env["PATH"] = path_prefix + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_config_files_valid(tmp_path: Path) -> None:
    home = tmp_path / "home"
    manifest = run_pre_commit(
        PROJECT, home, "validate-manifest", ".pre-commit-hooks.yaml"
    )
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr
    config = run_pre_commit(PROJECT, home, "validate-config", ".pre-commit-config.yaml")
    assert config.returncode == 0, config.stdout + config.stderr


def test_own_hook_passes_on_this_repository(tmp_path: Path) -> None:
    copy = copy_project(tmp_path / "apiguard")
    completed = run_pre_commit(
        copy,
        tmp_path / "home",
        "run",
        "apiguard",
        "--all-files",
        path_prefix=str(Path(sys.executable).parent),
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Passed" in completed.stdout


def test_hooks_file_declares_both_hooks() -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == {"apiguard", "apiguard-repo"}
    assert by_id["apiguard"]["language"] == "python"
    assert by_id["apiguard"]["types"] == ["text"]
    assert by_id["apiguard"].get("pass_filenames", True) is True
    assert by_id["apiguard-repo"]["pass_filenames"] is False


def test_hook_fails_then_passes(tmp_path: Path) -> None:
    hooks_repo = copy_project(tmp_path / "apiguard")
    service = tmp_path / "service"
    service.mkdir()
    git(service, "init", "-q", "-b", "main")
    (service / ".apiguard.yaml").write_text("exclude:\n  - fixtures/\n")
    (service / "fixtures").mkdir()
    (service / "fixtures" / "sample.yaml").write_text("svc:\n" + HTTP_LINE)
    (service / "app.yaml").write_text("svc:\n" + HTTP_LINE)
    git(service, "add", "-A")
    home = tmp_path / "pre-commit-home"

    failed = pre_commit(hooks_repo, service, home, "apiguard", "--files", "app.yaml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "app.yaml:2:12 medium config-http-url" in failed.stdout

    excluded = pre_commit(
        hooks_repo, service, home, "apiguard", "--files", "fixtures/sample.yaml"
    )
    assert excluded.returncode == 0, excluded.stdout + excluded.stderr

    (service / "app.yaml").write_text("svc:\n  billing: https://billing.acme-corp.io\n")
    git(service, "add", "-A")
    passed = pre_commit(hooks_repo, service, home, "apiguard", "--files", "app.yaml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    whole = pre_commit(hooks_repo, service, home, "apiguard-repo", "--all-files")
    assert whole.returncode == 0, whole.stdout + whole.stderr
