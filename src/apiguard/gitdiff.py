"""Diff-aware scans: only the lines that a change added count.

- `--diff-base REV` scans the work tree files that changed since REV and
  keeps the findings on added or changed lines (`git diff -U0 REV`, renames
  followed). Untracked files that are not ignored count as wholly added.
- `--staged` scans the staged content of the staged files, read from the
  index, and keeps the findings on the lines that the staged change adds.
- `--commits BASE..HEAD` scans the version of each changed file in every
  commit of the range with the secret rules, and keeps the findings on the
  lines that the commit added, with the commit id. A secret that a later
  commit removed is still reported, because it stays in the history.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import re2

from apiguard.discover import git_toplevel
from apiguard.engine import ScanOptions, scan, scan_contents, with_shared_documents
from apiguard.errors import UsageError
from apiguard.findings import Finding, Notification
from apiguard.result import ScanResult
from apiguard.rules import Rule

log = logging.getLogger(__name__)

# Options that make `git diff` output parseable whatever the user's git
# configuration sets: fixed a/ and b/ prefixes, no colour, no external diff
# or text conversion, paths from the top level, renames followed.
_DIFF_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--ignore-submodules",
    "--full-index",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "-U0",
    "-M",
)

_HUNK = re2.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_INDEX = re2.compile(rb"^index [0-9a-f]+\.\.([0-9a-f]+)")
_ZERO_ID = re2.compile(r"^0+$")
_ESCAPES = {
    "a": 7,
    "b": 8,
    "t": 9,
    "n": 10,
    "v": 11,
    "f": 12,
    "r": 13,
    '"': 34,
    "\\": 92,
}


@dataclass(frozen=True)
class FileChange:
    """The lines that a change added to one file."""

    path: str
    """The new path, relative to the top of the git work tree."""
    added: frozenset[int]
    """1-based numbers of the added or changed lines in the new version."""
    blob: str | None = None
    """The git object id of the new version, when the diff names it."""
    whole: bool = False
    """Whether every line counts as added (an untracked file)."""

    def touches(self, start_line: int, end_line: int) -> bool:
        if self.whole:
            return True
        return any(line in self.added for line in range(start_line, end_line + 1))


def run_git(top: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in `top` and return its output; raise UsageError if it fails."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    # A scanned repository's .git/config could name an fsmonitor command
    # for git to run; the option turns that off.
    command = [
        "git",
        "-c",
        "core.fsmonitor=false",
        "-c",
        "core.quotePath=true",
        "-C",
        str(top),
        *args,
    ]
    try:
        completed = subprocess.run(
            command, input=stdin, capture_output=True, env=env, check=False
        )
    except OSError as error:
        raise UsageError(
            f"cannot run git: {error.strerror}; install git and put it on PATH"
        ) from error
    if completed.returncode != 0:
        message = completed.stderr.decode(errors="replace").strip()
        raise UsageError(f"git {args[0]} failed in {top}: {message}")
    return completed.stdout


def require_top(root: Path, option: str) -> Path:
    """Return the git work tree of `root`; raise UsageError outside one."""
    top = git_toplevel(root)
    if top is None:
        raise UsageError(
            f"{option} needs a git work tree, but {root} is not in one; "
            "run apiguard inside a git repository"
        )
    return top


# Parsing `git diff` output.


def parse_diff(output: bytes) -> list[FileChange]:
    """Return the added lines per file of a `git diff -U0` patch."""
    changes: list[FileChange] = []
    for block in _file_blocks(output):
        change = _parse_block(block)
        if change is not None:
            changes.append(change)
    return changes


def _file_blocks(output: bytes) -> Iterator[list[bytes]]:
    block: list[bytes] = []
    for line in output.split(b"\n"):
        if line.startswith(b"diff --git ") and block:
            yield block
            block = []
        block.append(line)
    if block and block[0].startswith(b"diff --git "):
        yield block


def _parse_block(block: list[bytes]) -> FileChange | None:
    path: str | None = None
    blob: str | None = None
    added: set[int] = set()
    in_hunks = False
    for line in block[1:]:
        hunk = _HUNK.search(line)
        if hunk is not None:
            in_hunks = True
            start = int(hunk.group(1))
            count = int(hunk.group(2)) if hunk.group(2) is not None else 1
            added.update(range(start, start + count))
        elif in_hunks:
            continue
        elif line.startswith(b"+++ "):
            path = _diff_path(line[4:], b"b/")
        elif line.startswith(b"rename to ") and path is None:
            path = _diff_path(line[10:], b"")
        elif (index := _INDEX.search(line)) is not None:
            blob = index.group(1).decode()
    if path is None or not added:
        return None
    if blob is not None and _ZERO_ID.search(blob):
        blob = None
    return FileChange(path, frozenset(added), blob)


def _diff_path(raw: bytes, prefix: bytes) -> str | None:
    """Decode a path from a `+++` or `rename to` line; None for /dev/null."""
    if raw.endswith(b"\t"):
        # git ends a name that contains a space with a tab, as GNU diff does.
        raw = raw[:-1]
    if raw == b"/dev/null":
        return None
    if raw.startswith(b'"'):
        raw = unquote_c_style(raw.decode("ascii", errors="replace"))
    if prefix and raw.startswith(prefix):
        raw = raw[len(prefix) :]
    return raw.decode("utf-8", errors="surrogateescape")


def unquote_c_style(quoted: str) -> bytes:
    """Undo git's quoting of a path: `"a\\tb\\303\\251"` becomes the bytes."""
    text = quoted[1:-1] if quoted.endswith('"') else quoted[1:]
    out = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 >= len(text):
            out.extend(char.encode())
            index += 1
            continue
        following = text[index + 1]
        if following in _ESCAPES:
            out.append(_ESCAPES[following])
            index += 2
        else:
            out.append(int(text[index + 1 : index + 4], 8))
            index += 4
    return bytes(out)


# Reading changes and content from git.


def work_tree_changes(top: Path, base: str) -> dict[str, FileChange]:
    """Return the files changed since `base` in the work tree, and untracked ones."""
    _check_revision(top, base, "--diff-base")
    output = run_git(top, "diff", *_DIFF_OPTIONS, base, "--")
    changes = {change.path: change for change in parse_diff(output)}
    for path in untracked_files(top):
        changes[path] = FileChange(path, frozenset(), whole=True)
    return changes


def staged_changes(top: Path) -> dict[str, FileChange]:
    """Return the staged files with the lines the staged change adds."""
    output = run_git(top, "diff", "--cached", *_DIFF_OPTIONS, "--")
    return {change.path: change for change in parse_diff(output)}


def commit_changes(top: Path, commit: str) -> list[FileChange]:
    """Return the files that `commit` changed, against its first parent."""
    output = run_git(
        top, "diff-tree", "-r", "-p", "--root", *_DIFF_OPTIONS, commit, "--"
    )
    return parse_diff(output)


def untracked_files(top: Path) -> list[str]:
    output = run_git(top, "ls-files", "-z", "--others", "--exclude-standard")
    names = output.decode("utf-8", errors="surrogateescape").split("\0")
    return [name for name in names if name]


def commits_in(top: Path, revision_range: str) -> list[str]:
    """Return the ids of the commits in `revision_range`, oldest first.

    Merge commits are left out: the lines they bring in were added, and are
    scanned, in the commits that they merge.
    """
    if ".." not in revision_range:
        raise UsageError(
            f"--commits {revision_range}: expected a range such as origin/main..HEAD"
        )
    try:
        output = run_git(top, "rev-list", "--reverse", "--no-merges", revision_range)
    except UsageError as error:
        raise UsageError(
            f"--commits {revision_range}: {error}; name commits that exist here "
            "(in a shallow clone, fetch more history first)"
        ) from error
    return output.decode().split()


def read_blobs(top: Path, ids: Iterable[str]) -> dict[str, bytes]:
    """Read git objects by id with one `git cat-file --batch`."""
    requested = list(dict.fromkeys(ids))
    if not requested:
        return {}
    output = run_git(top, "cat-file", "--batch", stdin="\n".join(requested).encode())
    blobs: dict[str, bytes] = {}
    offset = 0
    for object_id in requested:
        end = output.index(b"\n", offset)
        header = output[offset:end].split()
        offset = end + 1
        if len(header) != 3:
            log.warning("git object %s not found: %s", object_id, header)
            continue
        size = int(header[2])
        blobs[object_id] = output[offset : offset + size]
        offset += size + 1
    return blobs


def _check_revision(top: Path, revision: str, option: str) -> None:
    try:
        run_git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except UsageError as error:
        raise UsageError(
            f"{option} {revision}: not a commit in {top}; give a branch, tag or "
            "commit id (in a shallow clone, fetch it first)"
        ) from error


# Paths: git names paths from the top of the work tree, findings from the
# scan root, which can be a folder below it.


def _root_relpath(top: Path, root: Path, path: str) -> str | None:
    try:
        return (top / path).relative_to(root).as_posix()
    except ValueError:
        return None


def target_prefixes(targets: Sequence[Path], root: Path) -> list[str]:
    """Return the targets as paths relative to `root`; '' stands for all of it."""
    prefixes: list[str] = []
    for target in targets:
        absolute = Path(os.path.abspath(target))
        try:
            relative = absolute.relative_to(root).as_posix()
        except ValueError:
            continue
        prefixes.append("" if relative == "." else relative)
    return prefixes


def in_targets(relpath: str, prefixes: Sequence[str]) -> bool:
    """Return whether `relpath` is one of the prefixes or below one."""
    return any(
        prefix in ("", relpath) or relpath.startswith(prefix + "/")
        for prefix in prefixes
    )


def _by_root_path(
    changes: Iterable[FileChange], top: Path, root: Path, targets: Sequence[Path]
) -> dict[str, FileChange]:
    """Key changes by their path relative to `root`; keep those in `targets`."""
    prefixes = target_prefixes(targets, root)
    selected: dict[str, FileChange] = {}
    for change in changes:
        relpath = _root_relpath(top, root, change.path)
        if relpath is not None and in_targets(relpath, prefixes):
            selected[relpath] = change
    return selected


# Filtering findings to changed lines.


def keep_changed(
    findings: Iterable[Finding], changes: Mapping[str, FileChange]
) -> list[Finding]:
    """Return the findings whose region touches an added or changed line."""
    on_changed_lines: list[Finding] = []
    for finding in findings:
        change = changes.get(finding.path)
        region = finding.region
        if change is not None and change.touches(region.start_line, region.end_line):
            on_changed_lines.append(finding)
    return on_changed_lines


def _filter_result(result: ScanResult, changes: Mapping[str, FileChange]) -> None:
    before = len(result.findings)
    result.findings = keep_changed(result.findings, changes)
    result.suppressed = keep_changed(result.suppressed, changes)
    log.info("%d of %d findings are on changed lines", len(result.findings), before)


# The three scan modes.


def scan_diff(
    targets: Sequence[Path],
    rules: Sequence[Rule],
    *,
    root: Path,
    base: str,
    options: ScanOptions,
) -> ScanResult:
    """Scan the files changed since `base`; keep findings on changed lines."""
    top = require_top(root, "--diff-base")
    changed = _by_root_path(work_tree_changes(top, base).values(), top, root, targets)
    files = [root / relpath for relpath in sorted(changed)]
    present = [file for file in files if file.is_file() or file.is_symlink()]
    options = with_shared_documents(targets, rules, root, options)
    result = scan(present, rules, root=root, options=options)
    _filter_result(result, changed)
    return result


def scan_staged(
    targets: Sequence[Path],
    rules: Sequence[Rule],
    *,
    root: Path,
    options: ScanOptions,
) -> ScanResult:
    """Scan the staged content of staged files; keep findings on added lines."""
    top = require_top(root, "--staged")
    changed = _by_root_path(staged_changes(top).values(), top, root, targets)
    with_blob = {path: change for path, change in changed.items() if change.blob}
    blobs = read_blobs(top, [str(change.blob) for change in with_blob.values()])
    contents = [
        (path, blobs[str(change.blob)])
        for path, change in sorted(with_blob.items())
        if str(change.blob) in blobs
    ]
    # Global settings come from the work tree's files, the closest to the
    # index that is on disk.
    options = with_shared_documents(targets, rules, root, options)
    result = scan_contents(contents, rules, root=root, options=options)
    _filter_result(result, changed)
    return result


def scan_commits(
    targets: Sequence[Path],
    rules: Sequence[Rule],
    *,
    root: Path,
    revision_range: str,
    options: ScanOptions,
) -> ScanResult:
    """Scan the lines each commit in the range added, with the secret rules."""
    top = require_top(root, "--commits")
    secret_rules = [rule for rule in rules if rule.secret]
    if not secret_rules:
        raise UsageError(
            "--commits runs only secret rules, and none is selected; "
            "select at least one rule of the secrets category"
        )
    combined = ScanResult(root=root.resolve(), rules=list(rules))
    for commit in commits_in(top, revision_range):
        result = _scan_commit(top, commit, targets, secret_rules, root, options)
        combined.findings.extend(result.findings)
        combined.suppressed.extend(result.suppressed)
        combined.notifications.extend(result.notifications)
        combined.files_scanned += result.files_scanned
        combined.duration_seconds += result.duration_seconds
    return combined


def _scan_commit(
    top: Path,
    commit: str,
    targets: Sequence[Path],
    rules: Sequence[Rule],
    root: Path,
    options: ScanOptions,
) -> ScanResult:
    changed = _by_root_path(commit_changes(top, commit), top, root, targets)
    blobs = read_blobs(top, [str(c.blob) for c in changed.values() if c.blob])
    contents = [
        (path, blobs[str(change.blob)])
        for path, change in sorted(changed.items())
        if str(change.blob) in blobs
    ]
    result = scan_contents(contents, rules, root=root, options=options)
    _filter_result(result, changed)
    result.findings = [_in_commit(finding, commit) for finding in result.findings]
    result.suppressed = [_in_commit(finding, commit) for finding in result.suppressed]
    result.notifications = [
        _note_in_commit(note, commit) for note in result.notifications
    ]
    return result


def _in_commit(finding: Finding, commit: str) -> Finding:
    return replace(
        finding,
        message=f"{finding.message} (added in commit {commit[:12]})",
        properties={**finding.properties, "commit": commit},
    )


def _note_in_commit(note: Notification, commit: str) -> Notification:
    return replace(note, message=f"{note.message} (in commit {commit[:12]})")
