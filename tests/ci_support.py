"""Helpers for the CI integration tests: a committed copy of this project."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests_support import git

PROJECT = Path(__file__).resolve().parents[1]


def project_files() -> list[str]:
    """List the project's tracked files and its untracked files that git keeps."""
    command = ["git", "-C", str(PROJECT), "ls-files", "-z", "--cached", "--others"]
    completed = subprocess.run(
        [*command, "--exclude-standard"],
        capture_output=True,
        check=True,
    )
    names = completed.stdout.decode("utf-8").split("\0")
    return [name for name in dict.fromkeys(names) if name]


def copy_project(destination: Path) -> Path:
    """Copy the work tree, as it is now, into a new git repository and commit it.

    Tools that clone a repository at HEAD (pre-commit, the Action's checkout)
    then see the work tree's current files, committed or not.
    """
    destination.mkdir(parents=True)
    for name in project_files():
        source = PROJECT / name
        if not source.exists() and not source.is_symlink():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(source.readlink())
        else:
            shutil.copy2(source, target)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "copy of the work tree")
    return destination
