"""Helpers for tests: running git in a test repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "apiguard tests",
    "GIT_AUTHOR_EMAIL": "tests@apiguard.invalid",
    "GIT_COMMITTER_NAME": "apiguard tests",
    "GIT_COMMITTER_EMAIL": "tests@apiguard.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(repo)}
    completed = subprocess.run(
        ["git", "-C", str(repo), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout
