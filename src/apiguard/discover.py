"""Turn the paths on the command line into the list of files to scan.

Inside a git work tree git decides (tracked files plus untracked ones that
are not ignored), so `.gitignore` holds. Elsewhere the folder is walked and
a `.gitignore` at its top is applied with pathspec.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from apiguard.errors import UsageError
from apiguard.findings import Notification

log = logging.getLogger(__name__)

_ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn"})

# Git runs the command that a repository's core.fsmonitor names when it lists
# files. A scanned folder's .git/config is untrusted input, so the hook is
# turned off on the command line, where it overrides every config file.
_GIT = ("git", "-c", "core.fsmonitor=false")
# The first line of a CACHEDIR.TAG file (https://bford.info/cachedir/).
_CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"


@dataclass(frozen=True)
class Candidate:
    path: Path
    """The file as given or found; may be relative to the working directory."""
    relpath: str
    """The path relative to the scan root, with forward slashes."""


@dataclass
class Discovery:
    candidates: list[Candidate]
    notifications: list[Notification]


def git_toplevel(directory: Path) -> Path | None:
    """Return the top of the git work tree that contains `directory`, if any."""
    try:
        completed = subprocess.run(
            [*_GIT, "-C", str(directory), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if completed.returncode != 0:
        return None
    return Path(completed.stdout.strip()).resolve()


def has_tracked_files(folder: Path) -> bool:
    """Return whether git tracks a file in `folder` or below it."""
    if not folder.is_dir():
        return False
    try:
        completed = subprocess.run(
            [*_GIT, "-C", str(folder), "ls-files", "-z", "--cached", "--", "."],
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return completed.returncode == 0 and bool(completed.stdout)


def choose_root(paths: Sequence[Path]) -> Path:
    """Return the folder that finding paths are relative to.

    It is the git work tree that contains all the paths, or else their deepest
    common folder.
    """
    folders = [(path if path.is_dir() else path.parent).resolve() for path in paths]
    tops = {git_toplevel(folder) for folder in folders}
    if len(tops) == 1:
        (top,) = tops
        if top is not None:
            return top
    return Path(os.path.commonpath([str(folder) for folder in folders]))


class Excludes:
    """Gitignore-style patterns, each group matched relative to its own folder.

    Command-line patterns are relative to the scan root, and a configuration
    file's patterns to the folder that contains the file. The two differ when
    the scan root is below that folder, as when files are given one by one
    outside a git work tree.
    """

    def __init__(self, groups: Iterable[tuple[Path, Sequence[str]]]) -> None:
        self._groups = [
            (Path(os.path.abspath(base)), pathspec.GitIgnoreSpec.from_lines(patterns))
            for base, patterns in groups
            if patterns
        ]

    def match(self, file: Path) -> bool:
        """Return whether a pattern excludes `file`, whether given or found."""
        absolute = Path(os.path.abspath(file))
        for base, spec in self._groups:
            try:
                relative = text_path(absolute.relative_to(base).as_posix())
            except ValueError:
                continue
            if spec.match_file(relative):
                return True
        return False


def discover(
    paths: Sequence[Path],
    root: Path,
    *,
    exclude: Sequence[str] = (),
    excludes: Excludes | None = None,
) -> Discovery:
    """List the files to scan below `paths`; raise UsageError for a missing path.

    A file matched by `exclude` (relative to `root`) or by `excludes` is left
    out, also when it is given by name, as pre-commit hooks give files.
    """
    matchers = [Excludes([(root, exclude)]), excludes or Excludes([])]
    notifications: list[Notification] = []
    found: dict[str, Candidate] = {}

    excluded_folders: list[str] = []
    excluded_files: list[str] = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or directory")
        files = excluded = 0
        for file in _files_below(path, notifications):
            files += 1
            if any(matcher.match(file) for matcher in matchers):
                excluded += 1
                continue
            relpath = _relative(file, root)
            found.setdefault(relpath, Candidate(file, relpath))
        if files and excluded == files:
            named = excluded_folders if path.is_dir() else excluded_files
            named.append(text_path(str(path)))
    _report_excluded(excluded_folders, excluded_files, scanning=bool(found))

    candidates = sorted(found.values(), key=lambda candidate: candidate.relpath)
    log.debug("discovered %d files", len(candidates))
    return Discovery(candidates, notifications)


def _report_excluded(folders: list[str], files: list[str], *, scanning: bool) -> None:
    """Say which named paths the exclude patterns left out entirely.

    Pre-commit names every changed file, and the configuration's excludes
    apply to them on purpose, so excluded files alone are a warning only
    when nothing is left to scan.
    """
    loud = bool(folders) or (bool(files) and not scanning)
    named = folders + files
    if not named:
        return
    more = len(named) - 5
    (log.warning if loud else log.info)(
        "not scanned, every file is excluded by the exclude patterns of the "
        "configuration or --exclude: %s%s; use --config to choose another "
        "configuration",
        ", ".join(named[:5]),
        f" and {more} more" if more > 0 else "",
    )


def text_path(path: str) -> str:
    """Return `path` with each byte of a name that is not UTF-8 as a `\\xNN` escape.

    POSIX file names are bytes, and Python keeps the bytes that are not UTF-8
    as lone surrogates, which no report, terminal or pattern matcher can
    encode.
    """
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def _relative(file: Path, root: Path) -> str:
    absolute = Path(os.path.abspath(file))
    try:
        return text_path(absolute.relative_to(root).as_posix())
    except ValueError:
        return text_path(absolute.as_posix())


def _files_below(path: Path, notifications: list[Notification]) -> Iterator[Path]:
    if not path.is_dir():
        yield path
        return
    top = git_toplevel(path)
    if top is not None:
        yield from _git_files(path, top)
    else:
        yield from _walk(path, notifications)


def _git_files(directory: Path, top: Path) -> Iterator[Path]:
    completed = subprocess.run(
        [
            *_GIT,
            "-C",
            str(directory),
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--full-name",
            "--",
            ".",
        ],
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        message = completed.stderr.decode(errors="replace").strip()
        raise UsageError(f"{directory}: git ls-files failed: {message}")
    names = completed.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    for name in dict.fromkeys(names):
        file = top / name
        # A tracked file deleted from the work tree is no longer input.
        if name and (file.is_file() or file.is_symlink()):
            yield file


def _walk(directory: Path, notifications: list[Notification]) -> Iterator[Path]:
    ignored = _gitignore(directory)

    def on_error(error: OSError) -> None:
        notifications.append(
            Notification(
                code="unreadable-directory",
                level="error",
                message=(
                    f"cannot list directory: {error.strerror}; check its permissions"
                ),
                path=text_path(str(error.filename)),
            )
        )

    for current, dirnames, filenames in os.walk(directory, onerror=on_error):
        base = Path(current)
        dirnames[:] = sorted(
            name
            for name in dirnames
            if name not in _ALWAYS_SKIPPED_DIRS
            and not ignored.match_file(_relative(base / name, directory) + "/")
            and not _is_cache_folder(base / name)
        )
        for name in sorted(filenames):
            file = base / name
            if not ignored.match_file(_relative(file, directory)):
                yield file


def _is_cache_folder(folder: Path) -> bool:
    """Return whether `folder` is tagged as a cache (a CACHEDIR.TAG file).

    apiguard's own cache folder carries the tag, and so do those of other
    tools; backup and archive tools skip such folders the same way.
    """
    path = folder / "CACHEDIR.TAG"
    try:
        # A FIFO in its place would block the read.
        if not path.is_file():
            return False
        with open(path, "rb") as tag:
            found = tag.read(len(_CACHEDIR_SIGNATURE)) == _CACHEDIR_SIGNATURE
    except OSError:
        return False
    if found:
        log.info(
            "%s: not scanned, a cache folder (CACHEDIR.TAG)", text_path(str(folder))
        )
    return found


def _gitignore(directory: Path) -> pathspec.GitIgnoreSpec:
    lines: Iterable[str] = ()
    ignore_file = directory / ".gitignore"
    if ignore_file.is_file():
        try:
            lines = ignore_file.read_text(
                encoding="utf-8", errors="replace"
            ).splitlines()
        except OSError as error:
            log.warning("%s: cannot read: %s", ignore_file, error)
    return pathspec.GitIgnoreSpec.from_lines(lines)
