"""Configuration excludes apply to files given by name, as pre-commit gives them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from test_cli import run_cli
from tests_support import git

Repo = Callable[[dict[str, str]], Path]
HTTP = "svc:\n  billing: http://billing.acme-corp.io/v1\n"


def finding_paths(completed_stdout: str) -> list[str]:
    return [finding["path"] for finding in json.loads(completed_stdout)["findings"]]


def test_named_file_excluded_in_git(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": "exclude: ['vendor/']\n",
            "vendor/a.yaml": HTTP,
            "b.yaml": HTTP,
        }
    )
    completed = run_cli("scan", "-f", "json", "vendor/a.yaml", "b.yaml", cwd=repo)
    assert finding_paths(completed.stdout) == ["b.yaml"]


def test_named_file_excluded_outside_git(tmp_path: Path) -> None:
    (tmp_path / ".apiguard.yaml").write_text("exclude: ['/vendor/']\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "a.yaml").write_text(HTTP)
    completed = run_cli("scan", "-f", "json", "vendor/a.yaml", cwd=tmp_path)
    document = json.loads(completed.stdout)
    assert document["filesScanned"] == 0
    assert completed.returncode == 0


def test_command_line_exclude_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.yaml").write_text(HTTP)
    (tmp_path / "b.yaml").write_text(HTTP)
    completed = run_cli("scan", "-f", "json", "--exclude", "/src/", cwd=tmp_path)
    assert finding_paths(completed.stdout) == ["b.yaml"]


def test_staged_scan_applies_excludes(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": "exclude: ['vendor/']\n",
            "vendor/a.yaml": HTTP,
            "b.yaml": HTTP,
        }
    )
    git(repo, "add", "-A")
    completed = run_cli("scan", "-f", "json", "--staged", cwd=repo)
    assert finding_paths(completed.stdout) == ["b.yaml"]


def test_excluded_named_paths_are_reported(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": "exclude: ['vendor/']\n",
            "vendor/a.yaml": HTTP,
            "vendor/lib/b.yaml": HTTP,
            "c.yaml": HTTP,
        }
    )

    completed = run_cli("scan", "vendor/a.yaml", "vendor/lib", "c.yaml", cwd=repo)

    assert completed.returncode == 1
    assert "not scanned, every file is excluded" in completed.stderr
    assert "vendor/lib, vendor/a.yaml;" in completed.stderr
    assert "c.yaml" not in completed.stderr


def test_excluded_named_files_beside_others_are_quiet(make_repo: Repo) -> None:
    # Pre-commit names every changed file, and excluding some of them is the
    # configuration's purpose, so only -v logs them.
    repo = make_repo(
        {
            ".apiguard.yaml": "exclude: ['vendor/']\n",
            "vendor/a.yaml": HTTP,
            "c.yaml": HTTP,
        }
    )

    quiet = run_cli("scan", "vendor/a.yaml", "c.yaml", cwd=repo)
    told = run_cli("scan", "-v", "vendor/a.yaml", "c.yaml", cwd=repo)
    alone = run_cli("scan", "vendor/a.yaml", cwd=repo)

    assert "not scanned" not in quiet.stderr
    assert "not scanned, every file is excluded" in told.stderr
    assert "vendor/a.yaml; use --config" in alone.stderr
