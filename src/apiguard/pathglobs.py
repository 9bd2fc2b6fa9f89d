"""Gitignore-style path globs that turn a rule on or off for some files.

A rule skips a file when its `exclude_paths` match it, and in gitignore
syntax the last matching line wins, so a `!glob` line takes files back after
a broader line excluded them. `switch_lines` turns a sequence of on and off
switches into such lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pathspec


@cache
def _spec(globs: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(globs)


def matches(globs: Sequence[str], path: str) -> bool:
    """Return whether gitignore-style `globs` match `path` (relative, `/`-separated)."""
    return bool(_spec(tuple(globs)).match_file(path))


def negated(glob: str) -> tuple[str, str]:
    """Return the lines that take back the files `glob` matches.

    A plain `!dir/` does not take back the files below `dir/`, so a second
    line names them. A glob without an inner `/` matches at any depth and so
    does that second line.
    """
    body = glob.rstrip("/")
    below = f"{body}/**" if "/" in body else f"**/{body}/**"
    return f"!{glob}", f"!{below}"


def switch_lines(
    enabled: bool, switches: Sequence[tuple[bool, Sequence[str]]]
) -> tuple[str, ...] | None:
    """Return exclude lines for a rule that is `enabled` unless `switches` differ.

    Each switch is (enabled, globs) and later switches win. Return None when
    the rule is off for every file.
    """
    if not enabled and not any(on for on, _ in switches):
        return None
    lines: list[str] = [] if enabled else ["*"]
    for on, globs in switches:
        if on:
            lines.extend(line for glob in globs for line in negated(glob))
        else:
            lines.extend(globs)
    return tuple(lines)
