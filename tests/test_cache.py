"""`--cache-dir`: a re-scan reads unchanged files' outcomes from the cache.

Each test scans a real git repository twice through the CLI and compares
the reports. The `-v` log line `cache: N of M files unchanged` counts the
outcomes read from the cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sarif_schema import validate_sarif
from test_cli import Repo, run_cli
from tests_support import git

SPEC = """openapi: 3.0.3
info: {title: Orders, version: "1"}
servers:
  - url: https://orders.acme-corp.io
paths:
  /orders:
    get:
      security: []
      responses:
        "200":
          $ref: "./responses.yaml#/ok"
"""
RESPONSES = """ok:
  description: the orders
"""
CONFIG = "service:\n  url: http://billing.acme-corp.io/v1\n"
CLEAN = "service:\n  url: https://billing.acme-corp.io/v1\n"
RULE = """id: no-todo
title: No TODO
severity: low
category: logging
kinds: [text]
match:
  type: text
  pattern: 'TODO'
message: a TODO is left
help: Remove it.
remediation: Remove it.
"""


def _files() -> dict[str, str]:
    return {
        "api/openapi.yaml": SPEC,
        "api/responses.yaml": RESPONSES,
        "deploy/app.yaml": CONFIG,
        "notes.md": "TODO: rotate the key\n",
    }


def _scan(repo: Path, cache: Path, *extra: str) -> tuple[dict[str, Any], int]:
    """Scan `repo` with the cache; return the JSON report and the cache hits."""
    completed = run_cli(
        "scan", "-v", "-f", "json", "--cache-dir", str(cache), *extra, cwd=repo
    )
    assert completed.returncode in (0, 1), completed.stderr
    found = re.search(r"cache: (\d+) of (\d+) files unchanged", completed.stderr)
    assert found, completed.stderr
    report = json.loads(completed.stdout)
    report.pop("durationSeconds", None)
    return report, int(found.group(1))


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.json"))


def test_rescan_reads_cache_and_reports_the_same(
    make_repo: Repo, tmp_path: Path
) -> None:
    repo = make_repo(_files())
    cache = tmp_path / "cache"

    first, first_hits = _scan(repo, cache)
    second, second_hits = _scan(repo, cache)

    assert first_hits == 0
    assert second_hits == 4
    assert second == first
    rules = {finding["rule_id"] for finding in first["findings"]}
    assert {"config-http-url", "openapi-no-security-scheme"} <= rules
    assert len(_entries(cache)) == 4


def test_changed_file_is_scanned_again(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    cache = tmp_path / "cache"
    before, _ = _scan(repo, cache)

    (repo / "deploy" / "app.yaml").write_text(CLEAN)
    after, hits = _scan(repo, cache)

    assert hits == 3
    paths = {finding["path"] for finding in after["findings"]}
    assert "deploy/app.yaml" in {finding["path"] for finding in before["findings"]}
    assert "deploy/app.yaml" not in paths


def test_changed_reference_rescans_the_spec(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    cache = tmp_path / "cache"
    _scan(repo, cache)

    # The spec's bytes stay the same; the file its $ref reads changes.
    (repo / "api" / "responses.yaml").write_text("other: {description: x}\n")
    report, hits = _scan(repo, cache)

    assert hits == 2  # deploy/app.yaml and notes.md
    codes = {note["code"] for note in report["notifications"]}
    assert "openapi-ref" in codes


def test_changed_rule_invalidates_every_entry(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "no-todo.yaml").write_text(RULE)
    cache = tmp_path / "cache"
    first, _ = _scan(repo, cache, "--rules", str(rules))
    assert "no-todo" in {finding["rule_id"] for finding in first["findings"]}

    (rules / "no-todo.yaml").write_text(RULE.replace("'TODO'", "'FIXME'"))
    second, hits = _scan(repo, cache, "--rules", str(rules))

    assert hits == 0
    assert "no-todo" not in {finding["rule_id"] for finding in second["findings"]}


def test_changed_option_misses_the_cache(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    cache = tmp_path / "cache"
    _scan(repo, cache)

    _, hits = _scan(repo, cache, "--no-spec-validation")

    assert hits == 0


def test_damaged_entry_is_a_miss(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    cache = tmp_path / "cache"
    first, _ = _scan(repo, cache)
    entries = _entries(cache)
    entries[0].write_text('{"key": "other"')
    entries[1].write_text(json.dumps({"key": entries[1].stem, "findings": 3}))

    second, hits = _scan(repo, cache)

    assert hits == 2
    assert second == first


def test_unwritable_cache_folder_warns_and_scans(
    make_repo: Repo, tmp_path: Path
) -> None:
    repo = make_repo(_files())
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder of the cache path would go\n")

    completed = run_cli(
        "scan", "-f", "json", "--cache-dir", str(blocked / "cache"), cwd=repo
    )

    assert completed.returncode == 1
    assert "failed to write to the cache folder" in completed.stderr
    assert completed.stderr.count("failed to write to the cache folder") == 1
    report = json.loads(completed.stdout)
    assert report["filesScanned"] == 4


def test_file_as_cache_folder_is_a_usage_error(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder\n")

    completed = run_cli("scan", "--cache-dir", str(blocked), cwd=repo)

    assert completed.returncode == 2
    assert "--cache-dir" in completed.stderr
    assert "is a file" in completed.stderr


def test_file_not_scanned_is_not_cached(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo({"deploy/app.yaml": CONFIG})
    (repo / "blob.yaml").write_bytes(b"key: \x00\x01\x02\n")
    cache = tmp_path / "cache"

    _scan(repo, cache)
    report, hits = _scan(repo, cache)

    assert hits == 1
    assert len(_entries(cache)) == 1
    assert [note["code"] for note in report["notifications"]] == ["binary-file"]


def test_cached_sarif_is_valid(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    cache = tmp_path / "cache"
    outputs = []
    for _ in range(2):
        completed = run_cli("scan", "-f", "sarif", "--cache-dir", str(cache), cwd=repo)
        assert completed.returncode == 1, completed.stderr
        log = validate_sarif(completed.stdout)
        outputs.append(log["runs"][0]["results"])

    assert outputs[0] == outputs[1]


def test_environment_variable_names_the_folder(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    cache = tmp_path / "from-env"
    env = {**os.environ, "NO_COLOR": "1", "APIGUARD_CACHE_DIR": str(cache)}

    completed = subprocess.run(
        [sys.executable, "-m", "apiguard", "scan", "-f", "json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 1, completed.stderr
    assert len(_entries(cache)) == 4


@pytest.mark.parametrize("workers", ["1", "2"])
def test_concurrent_runs_share_the_folder(
    make_repo: Repo, tmp_path: Path, workers: str
) -> None:
    files = {f"svc{i}/app.yaml": CONFIG for i in range(70)}
    repo = make_repo(files)
    cache = tmp_path / "cache"
    command = [
        sys.executable, "-m", "apiguard", "scan", "-f", "json",
        "-j", workers, "--cache-dir", str(cache),
    ]  # fmt: skip
    env = {**os.environ, "NO_COLOR": "1"}
    runs = [
        subprocess.Popen(
            command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    reports = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 1, stderr.decode()
        reports.append(json.loads(stdout))

    for report in reports:
        assert len(report["findings"]) == 70
    stored = sorted(path.name for path in cache.rglob("*") if path.is_file())
    assert [name for name in stored if not name.endswith(".json")] == [
        ".gitignore",
        "CACHEDIR.TAG",
    ]
    assert len(stored) == 72
    for entry in _entries(cache):
        assert json.loads(entry.read_text())["key"] == entry.stem
    again, hits = _scan(repo, cache)
    assert hits == 70
    assert len(again["findings"]) == 70


def test_cache_folder_inside_the_tree_is_not_scanned(make_repo: Repo) -> None:
    repo = make_repo(_files())

    first, _ = _scan(repo, repo / ".apiguard-cache")
    second, hits = _scan(repo, repo / ".apiguard-cache")

    assert hits == 4
    assert second == first
    assert second["filesScanned"] == 4


def _uncached(repo: Path) -> dict[str, Any]:
    completed = run_cli("scan", "-f", "json", cwd=repo)
    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stdout)
    report.pop("durationSeconds", None)
    return report


@pytest.mark.parametrize("folder", [".", "api"])
def test_folder_with_tracked_files_is_refused(make_repo: Repo, folder: str) -> None:
    repo = make_repo(_files())
    git(repo, "add", "-A")

    completed = run_cli("scan", "--cache-dir", folder, cwd=repo)

    assert completed.returncode == 2
    assert "git tracks files in this folder" in completed.stderr


def test_committed_cache_entries_are_refused(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    _scan(repo, repo / ".apiguard-cache")
    # A commit adds entries; the folder's own .gitignore must be forced past.
    git(repo, "add", "-f", ".apiguard-cache")

    completed = run_cli("scan", "--cache-dir", ".apiguard-cache", cwd=repo)

    assert completed.returncode == 2
    assert "a commit could plant scan results" in completed.stderr


def test_cache_folder_at_the_root_outside_git(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.yaml").write_text(CONFIG)

    first, _ = _scan(folder, folder)
    second, hits = _scan(folder, folder)

    assert [f["rule_id"] for f in first["findings"]] == ["config-http-url"]
    assert second == first
    assert hits == 1


def test_entries_are_ignored_by_git(make_repo: Repo) -> None:
    repo = make_repo(_files())
    _scan(repo, repo / ".apiguard-cache")

    report = _uncached(repo)

    assert report["filesScanned"] == 4
    assert (repo / ".apiguard-cache" / "v1" / "CACHEDIR.TAG").is_file()


def test_cache_folder_through_a_symlink(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(_files())
    (repo / ".cache-real").mkdir()
    link = tmp_path / "cache-link"
    link.symlink_to(repo / ".cache-real")

    first, _ = _scan(repo, link)
    second, hits = _scan(repo, link)

    assert hits == 4
    assert second == first
    assert second["filesScanned"] == 4


def _ref_spec(target: str) -> str:
    return SPEC.replace("./responses.yaml#/ok", f"./{target}#/ok")


@pytest.mark.parametrize("before", ["fifo", "folder", "missing", "loop", "outside"])
def test_reference_that_failed_then_loads(
    make_repo: Repo, tmp_path: Path, before: str
) -> None:
    repo = make_repo({"api/openapi.yaml": _ref_spec("part.yaml")})
    part = repo / "api" / "part.yaml"
    if before == "fifo":
        os.mkfifo(part)
    elif before == "folder":
        part.mkdir()
    elif before == "loop":
        part.symlink_to(part)
    elif before == "outside":
        (tmp_path / "outside.yaml").write_text(RESPONSES)
        part.symlink_to(tmp_path / "outside.yaml")
    cache = tmp_path / "cache"
    _scan(repo, cache)

    if part.is_dir() and not part.is_symlink():
        part.rmdir()
    elif part.exists() or part.is_symlink():
        part.unlink()
    part.write_text(RESPONSES)
    report, hits = _scan(repo, cache)

    assert hits == 0
    assert report == _uncached(repo)


def test_retargeted_reference_symlink(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo(
        {
            "api/openapi.yaml": _ref_spec("part.yaml"),
            "api/good.yaml": RESPONSES,
            "api/other.yaml": "other: {description: x}\n",
        }
    )
    part = repo / "api" / "part.yaml"
    part.symlink_to("good.yaml")
    cache = tmp_path / "cache"
    first, _ = _scan(repo, cache)

    part.unlink()
    part.symlink_to("other.yaml")
    second, _ = _scan(repo, cache)

    assert second == _uncached(repo)
    assert second != first


def test_moved_checkout_reports_its_own_paths(make_repo: Repo, tmp_path: Path) -> None:
    repo = make_repo({"api/openapi.yaml": _ref_spec("gone.yaml")})
    cache = tmp_path / "cache"
    _scan(repo, cache)
    moved = tmp_path / "moved"
    shutil.copytree(repo, moved, symlinks=True)

    report, hits = _scan(moved, cache)

    assert hits == 1
    assert report == _uncached(moved)
    assert str(repo) not in json.dumps(report)


DAMAGE = {
    "device": None,
    "fifo": None,
    "deep": "[" * 100_000 + "]" * 100_000,
    "infinity": '{"key": "K", "references": [], "findings": [{"region": '
    '{"start_line": Infinity}}], "suppressed": [], "notifications": []}',
}
FINDING_DAMAGE = {
    "severity": ("severity", "urgent"),
    "rule": ("rule_id", "not-a-rule"),
    "line": ("region", {"start_line": -3, "start_column": 1, "end_line": 1,
                        "end_column": 2}),
    "properties": ("properties", ["a"]),
    "message": ("message", 7),
    "surrogate": ("message", "\ud800"),
}  # fmt: skip


def _damage(entry: Path, how: str) -> None:
    if how in FINDING_DAMAGE:
        data = json.loads(entry.read_text())
        field, value = FINDING_DAMAGE[how]
        data["findings"][0][field] = value
        entry.write_text(json.dumps(data))
        return
    entry.unlink()
    if how == "device":
        entry.symlink_to("/dev/zero")
    elif how == "fifo":
        os.mkfifo(entry)
    else:
        entry.write_text(DAMAGE[how].replace('"K"', json.dumps(entry.stem)))


@pytest.mark.parametrize("how", sorted([*DAMAGE, *FINDING_DAMAGE]))
def test_damaged_entry_is_a_miss_and_repaired(
    make_repo: Repo, tmp_path: Path, how: str
) -> None:
    repo = make_repo({"deploy/app.yaml": CONFIG})
    cache = tmp_path / "cache"
    first, _ = _scan(repo, cache)
    (entry,) = _entries(cache)
    _damage(entry, how)

    second, hits = _scan(repo, cache)
    third, hits_after = _scan(repo, cache)

    assert hits == 0
    assert second == first
    assert hits_after == 1
    assert third == first


def test_walk_skips_tagged_cache_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.yaml").write_text(CONFIG)
    _scan(folder, folder / "cache")

    report = _uncached(folder)

    assert report["filesScanned"] == 1
    assert [f["path"] for f in report["findings"]] == ["app.yaml"]
