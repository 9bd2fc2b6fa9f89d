"""Shared fixtures: real git repositories made in temporary folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests_support import git


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Return a function that writes files into a new git repository."""

    def make(files: dict[str, str]) -> Path:
        repo = tmp_path / "repo"
        repo.mkdir(exist_ok=True)
        git(repo, "init", "-q", "-b", "main")
        for name, content in files.items():
            path = repo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        return repo

    return make
