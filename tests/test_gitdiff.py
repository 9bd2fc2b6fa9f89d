"""Diff-aware scans: --diff-base, --staged and --commits on real git repositories."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apiguard.gitdiff import parse_diff, unquote_c_style
from test_cli import run_cli
from tests_support import git

Repo = Callable[[dict[str, str]], Path]
RULE = "config-http-url"


def url(host: str) -> str:
    return f"  {host}: http://{host}.acme-corp.io/v1\n"


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def scan_json(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    completed = run_cli("scan", "-f", "json", *args, cwd=repo)
    assert completed.stdout, completed.stderr
    document: dict[str, Any] = json.loads(completed.stdout)
    return completed.returncode, document


def places(document: dict[str, Any]) -> list[tuple[str, int]]:
    return [
        (finding["path"], finding["region"]["start_line"])
        for finding in document["findings"]
    ]


# Parsing


def index_line(old: str, new: str) -> bytes:
    return f"index {old * 40}..{new * 40} 100644\n".encode()


def test_parse_diff_hunks_and_paths() -> None:
    patch = b"".join(
        [
            b"diff --git a/app.yaml b/app.yaml\n",
            index_line("1", "2"),
            b"--- a/app.yaml\n",
            b"+++ b/app.yaml\n",
            b"@@ -1,0 +2,2 @@ svc:\n",
            b"++++ b/not-a-header\n",
            b"+diff --git a/x b/x\n",
            b"@@ -5 +7 @@\n",
            b"-old\n",
            b"+new\n",
            b"@@ -9,2 +10,0 @@\n",
            b"-gone\n",
            b"-gone\n",
            b'diff --git "a/caf\\303\\251 x.yaml" "b/caf\\303\\251 x.yaml"\n',
            b"new file mode 100644\n",
            index_line("0", "3"),
            b"--- /dev/null\n",
            b'+++ "b/caf\\303\\251 x.yaml"\n',
            b"@@ -0,0 +1 @@\n",
            b"+a: 1\n",
            b"diff --git a/old name.yaml b/new name.yaml\n",
            b"similarity index 90%\n",
            b"rename from old name.yaml\n",
            b"rename to new name.yaml\n",
            index_line("4", "5"),
            b"--- a/old name.yaml\t\n",
            b"+++ b/new name.yaml\t\n",
            b"@@ -3,0 +4 @@\n",
            b"+b: 2\n",
            b"diff --git a/deleted.yaml b/deleted.yaml\n",
            b"deleted file mode 100644\n",
            b"--- a/deleted.yaml\n",
            b"+++ /dev/null\n",
            b"@@ -1 +0,0 @@\n",
            b"-x\n",
        ]
    )
    changes = {change.path: change for change in parse_diff(patch)}
    assert sorted(changes) == ["app.yaml", "café x.yaml", "new name.yaml"]
    assert changes["app.yaml"].added == {2, 3, 7}
    assert changes["app.yaml"].blob == "2" * 40
    assert changes["café x.yaml"].added == {1}
    assert changes["new name.yaml"].added == {4}


def test_unquote_c_style() -> None:
    assert unquote_c_style('"a\\tb\\"c\\\\d"') == b'a\tb"c\\d'
    assert unquote_c_style('"caf\\303\\251"').decode() == "café"


# --diff-base


def test_diff_base_keeps_changed_lines(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc:\n" + url("old")})
    base = commit_all(repo, "base")
    (repo / "app.yaml").write_text("# header\nsvc:\n" + url("old") + url("new"))
    returncode, document = scan_json(repo, "--select", RULE, "--diff-base", base)
    assert places(document) == [("app.yaml", 4)]
    assert returncode == 1


def test_diff_base_quoted_path(make_repo: Repo) -> None:
    name = "café x.yaml"
    repo = make_repo({name: "svc:\n" + url("old")})
    base = commit_all(repo, "base")
    with (repo / name).open("a") as stream:
        stream.write(url("new"))
    _, document = scan_json(repo, "--select", RULE, "--diff-base", base)
    assert places(document) == [(name, 3)]


def test_diff_base_counts_commits_since_base(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc:\n" + url("old")})
    commit_all(repo, "base")
    (repo / "app.yaml").write_text("svc:\n" + url("old") + url("committed"))
    commit_all(repo, "second")
    (repo / "app.yaml").write_text(
        "svc:\n" + url("old") + url("committed") + url("edited")
    )
    _, document = scan_json(repo, "--select", RULE, "--diff-base", "HEAD~1")
    assert places(document) == [("app.yaml", 3), ("app.yaml", 4)]


def test_diff_base_follows_renames(make_repo: Repo) -> None:
    repo = make_repo({"old.yaml": "svc:\n" + url("a") + url("b") + url("c")})
    base = commit_all(repo, "base")
    git(repo, "mv", "old.yaml", "new.yaml")
    with (repo / "new.yaml").open("a") as stream:
        stream.write(url("added"))
    _, document = scan_json(repo, "--select", RULE, "--diff-base", base)
    assert places(document) == [("new.yaml", 5)]


def test_diff_base_untracked_file_counts(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc: {}\n", ".gitignore": "ignored.yaml\n"})
    base = commit_all(repo, "base")
    (repo / "fresh.yaml").write_text("svc:\n" + url("fresh"))
    (repo / "ignored.yaml").write_text("svc:\n" + url("ignored"))
    _, document = scan_json(repo, "--select", RULE, "--diff-base", base)
    assert places(document) == [("fresh.yaml", 2)]
    assert document["filesScanned"] == 1


def test_diff_base_respects_paths_and_excludes(make_repo: Repo) -> None:
    repo = make_repo({".apiguard.yaml": "exclude: ['vendor/']\n"})
    base = commit_all(repo, "base")
    for folder in ("src", "docs", "vendor"):
        (repo / folder).mkdir()
        (repo / folder / "a.yaml").write_text("svc:\n" + url(folder))
    _, document = scan_json(
        repo, "--select", RULE, "--diff-base", base, "src", "vendor"
    )
    assert places(document) == [("src/a.yaml", 2)]


def test_diff_base_unknown_revision_exit_2(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "a: 1\n"})
    commit_all(repo, "base")
    completed = run_cli("scan", "--diff-base", "no-such-branch", cwd=repo)
    assert completed.returncode == 2
    assert "--diff-base no-such-branch: not a commit" in completed.stderr


def test_diff_base_outside_git_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\n")
    completed = run_cli("scan", "--diff-base", "HEAD", cwd=tmp_path)
    assert completed.returncode == 2
    assert "--diff-base needs a git work tree" in completed.stderr


def test_modes_exclusive(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "a: 1\n"})
    completed = run_cli("scan", "--staged", "--diff-base", "HEAD", cwd=repo)
    assert completed.returncode == 2
    assert "use only one of --diff-base, --staged and --commits" in completed.stderr


# --staged


def test_staged_reads_index_not_work_tree(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc:\n" + url("old"), "other.yaml": "a: 1\n"})
    commit_all(repo, "base")
    (repo / "app.yaml").write_text("svc:\n" + url("old") + url("staged"))
    git(repo, "add", "app.yaml")
    (repo / "app.yaml").write_text("svc:\n" + url("old") + url("staged") + url("wip"))
    (repo / "other.yaml").write_text("svc:\n" + url("unstaged"))

    returncode, document = scan_json(repo, "--select", RULE, "--staged")
    assert places(document) == [("app.yaml", 3)]
    assert document["filesScanned"] == 1
    assert returncode == 1


def test_staged_fix_passes_with_dirty_work_tree(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc: {}\n"})
    commit_all(repo, "base")
    (repo / "app.yaml").write_text("svc:\n  billing: https://billing.acme-corp.io\n")
    git(repo, "add", "app.yaml")
    (repo / "app.yaml").write_text("svc:\n" + url("billing"))
    returncode, document = scan_json(repo, "--select", RULE, "--staged")
    assert document["findings"] == []
    assert returncode == 0


def test_staged_in_new_repository(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc:\n" + url("first")})
    git(repo, "add", "app.yaml")
    _, document = scan_json(repo, "--select", RULE, "--staged")
    assert places(document) == [("app.yaml", 2)]


# --commits


def github_token() -> str:
    """Return a random value in the shape of a GitHub token; it grants nothing."""
    alphabet = string.ascii_letters + string.digits
    return "ghp_" + "".join(secrets.choice(alphabet) for _ in range(36))


def test_commits_report_secret_removed_later(make_repo: Repo) -> None:
    token = github_token()
    repo = make_repo({"app.yaml": "svc: {}\n"})
    base = commit_all(repo, "base")
    (repo / "app.yaml").write_text(f"svc:\n  token: {token}\n" + url("plain"))
    added = commit_all(repo, "add a token")
    (repo / "app.yaml").write_text("svc: {}\n")
    commit_all(repo, "remove the token")

    completed = run_cli("scan", "-f", "json", "--commits", f"{base}..HEAD", cwd=repo)
    document = json.loads(completed.stdout)
    findings = document["findings"]
    assert [finding["rule_id"] for finding in findings] == ["secret-github-token"]
    finding = findings[0]
    assert finding["properties"]["commit"] == added
    assert f"(added in commit {added[:12]})" in finding["message"]
    assert finding["region"]["start_line"] == 2
    assert token not in completed.stdout
    assert completed.returncode == 1


def test_commits_skip_lines_not_added(make_repo: Repo) -> None:
    token = github_token()
    repo = make_repo({"app.yaml": f"svc:\n  token: {token}\n"})
    base = commit_all(repo, "base with a token")
    with (repo / "app.yaml").open("a") as stream:
        stream.write("  other: 1\n")
    commit_all(repo, "unrelated change")
    returncode, document = scan_json(repo, "--commits", f"{base}..HEAD")
    assert document["findings"] == []
    assert returncode == 0


def test_commits_need_range(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "a: 1\n"})
    commit_all(repo, "base")
    completed = run_cli("scan", "--commits", "HEAD", cwd=repo)
    assert completed.returncode == 2
    assert "expected a range such as origin/main..HEAD" in completed.stderr

    completed = run_cli("scan", "--commits", "nope..HEAD", cwd=repo)
    assert completed.returncode == 2
    assert "--commits nope..HEAD" in completed.stderr


def test_commits_need_secret_rule(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "a: 1\n"})
    commit_all(repo, "base")
    completed = run_cli("scan", "--select", RULE, "--commits", "HEAD~0..HEAD", cwd=repo)
    assert completed.returncode == 2
    assert "--commits runs only secret rules" in completed.stderr
