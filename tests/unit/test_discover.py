from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from apiguard.discover import choose_root, discover
from apiguard.errors import UsageError
from tests_support import git


def relpaths(paths: list[Path], root: Path) -> list[str]:
    return [candidate.relpath for candidate in discover(paths, root).candidates]


def test_git_respects_gitignore(make_repo: Callable[[dict[str, str]], Path]) -> None:
    repo = make_repo(
        {
            ".gitignore": "build/\n*.log\n",
            "api.yaml": "a: 1\n",
            "build/out.yaml": "a: 1\n",
            "debug.log": "x\n",
            "src/app.py": "x = 1\n",
        }
    )
    git(repo, "add", "api.yaml")
    assert relpaths([repo], repo) == [".gitignore", "api.yaml", "src/app.py"]


def test_git_tracked_file_deleted_is_skipped(
    make_repo: Callable[[dict[str, str]], Path],
) -> None:
    repo = make_repo({"a.yaml": "a: 1\n", "b.yaml": "b: 1\n"})
    git(repo, "add", ".")
    (repo / "b.yaml").unlink()
    assert relpaths([repo], repo) == ["a.yaml"]


def test_git_subfolder_paths_are_relative_to_top(
    make_repo: Callable[[dict[str, str]], Path],
) -> None:
    repo = make_repo({"specs/api.yaml": "a: 1\n", "other.txt": "x\n"})
    assert choose_root([repo / "specs"]) == repo.resolve()
    assert relpaths([repo / "specs"], repo.resolve()) == ["specs/api.yaml"]


def test_plain_folder_uses_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("secret-cache/\n*.tmp\n")
    (tmp_path / "secret-cache").mkdir()
    (tmp_path / "secret-cache" / "x.yaml").write_text("a: 1\n")
    (tmp_path / "keep.yaml").write_text("a: 1\n")
    (tmp_path / "drop.tmp").write_text("a\n")
    assert relpaths([tmp_path], tmp_path) == [".gitignore", "keep.yaml"]


def test_explicit_file_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text("{}")
    assert relpaths([tmp_path / "one.json"], tmp_path) == ["one.json"]


def test_exclude_applies(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "x.yaml").write_text("a: 1\n")
    (tmp_path / "y.yaml").write_text("a: 1\n")
    discovery = discover([tmp_path], tmp_path, exclude=["vendor/"])
    assert [c.relpath for c in discovery.candidates] == ["y.yaml"]


def test_missing_path_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        discover([tmp_path / "nope"], tmp_path)


def test_root_outside_git_is_common_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert choose_root([tmp_path / "a", tmp_path / "b"]) == tmp_path.resolve()
