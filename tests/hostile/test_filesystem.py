"""Hostile file systems: symbolic links, FIFOs, unreadable and vanishing files.

The tests run as root, so a file is made unreadable by other means: a FIFO,
a socket, or a read that a monkeypatched hook fails (the forked run inherits
the patch). Where the user `nobody` can run the interpreter, one test also
drops to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hostile.support import (
    CLEAN_FINDING,
    CLEAN_NAME,
    CLEAN_TEXT,
    Case,
    check_run,
    run_case,
    run_cli,
    run_process,
    scan_args,
)
from tests_support import git

BROKEN = frozenset({"broken-symlink"})
OUTSIDE = frozenset({"symlink-outside-root"})
NOT_A_FILE = frozenset({"not-a-file"})
UNREADABLE = frozenset({"unreadable-file"})

Prepare = Callable[[Path], None]


def _link(name: str, target: str | Path) -> Prepare:
    def prepare(folder: Path) -> None:
        (folder / name).symlink_to(target)

    return prepare


def _link_to_outside(outside: Path) -> Prepare:
    def prepare(folder: Path) -> None:
        (folder / "hostile.yaml").symlink_to(outside / "secret.yaml")

    return prepare


def _link_pair(folder: Path) -> None:
    (folder / "hostile.yaml").symlink_to(folder / "other.yaml")
    (folder / "other.yaml").symlink_to(folder / "hostile.yaml")


def _dir_loop(folder: Path) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "hostile.yaml").symlink_to(folder / "sub")
    (folder / "sub" / "up").symlink_to(folder)


def _fifo_link(folder: Path) -> None:
    os.mkfifo(folder / "pipe")
    (folder / "hostile.yaml").symlink_to(folder / "pipe")


def _symlink_cases(outside: Path) -> Iterator[tuple[str, Prepare, frozenset[str]]]:
    yield "self-loop", _link("hostile.yaml", "hostile.yaml"), BROKEN
    yield "pair-loop", _link_pair, BROKEN
    yield "dangling", _link("hostile.yaml", "missing.yaml"), BROKEN
    yield "outside-file", _link_to_outside(outside), OUTSIDE
    yield "etc-passwd", _link("hostile.yaml", "/etc/passwd"), OUTSIDE
    yield "dev-zero", _link("hostile.yaml", "/dev/zero"), OUTSIDE
    yield "proc-self", _link("hostile.yaml", "/proc/self/environ"), OUTSIDE
    yield "to-directory-loop", _dir_loop, frozenset()
    yield "to-fifo", _fifo_link, NOT_A_FILE


SYMLINK_NAMES = [name for name, _, _ in _symlink_cases(Path("/unused"))]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.yaml").write_text("token: outside-the-root\n")
    return folder


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
@pytest.mark.parametrize("name", SYMLINK_NAMES)
def test_symlink(name: str, in_git: bool, outside: Path, tmp_path: Path) -> None:
    cases = {
        case_name: (prep, codes) for case_name, prep, codes in _symlink_cases(outside)
    }
    prepare, codes = cases[name]
    if name == "to-directory-loop":
        path = "sub/hostile.yaml"
        # A walk does not follow links to folders; git lists the link itself.
        codes = NOT_A_FILE if in_git else frozenset()
    else:
        path = "hostile.yaml"
    case = Case(name, {}, path=path, codes=codes, timeout=20)

    def prepare_folder(folder: Path) -> None:
        if in_git:
            git(folder, "init", "-q", "-b", "main")
        prepare(folder)

    run = run_case(case, tmp_path, prepare=prepare_folder)

    check_run(run, case)
    assert "outside-the-root" not in run.stdout
    assert "root:" not in run.stdout


def test_symlink_loop_given_by_name(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / CLEAN_NAME).write_text(CLEAN_TEXT)
    out = tmp_path / "out"
    out.mkdir()
    args = [*scan_args(tmp_path / CLEAN_NAME, out), str(tmp_path / "loop.yaml")]

    run = run_cli(args, cwd=tmp_path, out=out, timeout=20)

    check_run(run, Case("loop", {}, path="loop.yaml", codes=BROKEN))


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "hostile.yaml")


def _unix_socket(folder: Path) -> None:
    # A socket path may hold at most 107 bytes, so it is bound from inside
    # the folder by a relative name.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        listener.bind("hostile.yaml")
    finally:
        os.chdir(cwd)
        listener.close()


def _char_device(folder: Path) -> None:
    # /dev/null's device numbers: reading it ends at once, but it is no file.
    os.mknod(folder / "hostile.yaml", stat.S_IFCHR | 0o644, os.makedev(1, 3))


SPECIAL_FILES: dict[str, Prepare] = {
    "fifo": _fifo,
    "unix-socket": _unix_socket,
    "char-device": _char_device,
}


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
@pytest.mark.parametrize("name", sorted(SPECIAL_FILES))
def test_special_file_in_folder(name: str, in_git: bool, tmp_path: Path) -> None:
    # git lists no FIFO, socket or device, so in a work tree they are left out.
    codes = frozenset() if in_git else NOT_A_FILE
    case = Case(name, {}, codes=codes, timeout=20)

    def prepare(folder: Path) -> None:
        if in_git:
            git(folder, "init", "-q", "-b", "main")
        SPECIAL_FILES[name](folder)

    run = run_case(case, tmp_path, prepare=prepare)

    check_run(run, case)


@pytest.mark.parametrize("name", sorted(SPECIAL_FILES))
def test_special_file_given_by_name(name: str, tmp_path: Path) -> None:
    SPECIAL_FILES[name](tmp_path)
    (tmp_path / CLEAN_NAME).write_text(CLEAN_TEXT)
    out = tmp_path / "out"
    out.mkdir()
    args = [*scan_args(tmp_path / CLEAN_NAME, out), str(tmp_path / "hostile.yaml")]

    run = run_cli(args, cwd=tmp_path, out=out, timeout=20)

    check_run(run, Case(name, {}, codes=NOT_A_FILE))


def test_folder_named_like_file(tmp_path: Path) -> None:
    folder = tmp_path / "x.yaml"
    folder.mkdir()
    (folder / "inner.yaml").write_text("url: http://inner.acme-corp.io\n")
    (tmp_path / CLEAN_NAME).write_text(CLEAN_TEXT)
    out = tmp_path / "out"
    out.mkdir()
    args = [*scan_args(tmp_path / CLEAN_NAME, out), str(folder)]

    run = run_cli(args, cwd=tmp_path, out=out, timeout=20)

    check_run(run, Case("folder", {}))
    assert (1, 6, "config-http-url") in run.finding_places("x.yaml/inner.yaml")


def test_read_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read_bytes = Path.read_bytes

    def fail_read(self: Path) -> bytes:
        if self.name == "hostile.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", fail_read)
    case = Case("eacces", {"hostile.yaml": b"a: 1\n"}, codes=UNREADABLE, untrusted=True)

    run = run_case(case, tmp_path)

    check_run(run, case)
    assert "Permission denied" in run.stdout


def test_folder_listing_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scandir = os.scandir

    def fail_listing(path: object = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", fail_listing)
    case = Case(
        "listing",
        {"locked/inner.yaml": b"a: 1\n"},
        path="locked",
        untrusted=True,
    )

    run = run_case(case, tmp_path)

    check_run(run, case)
    assert run.report is not None
    codes = [note["code"] for note in run.report["notifications"]]
    assert codes == ["unreadable-directory"]


def _nobody_can_run_python() -> bool:
    try:
        completed = subprocess.run(
            [sys.executable, "-c", "import apiguard"],
            user="nobody",
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch users")
def test_unreadable_as_other_user() -> None:
    if not _nobody_can_run_python():
        pytest.skip("the user nobody cannot run this interpreter or import apiguard")
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        (folder / CLEAN_NAME).write_text(CLEAN_TEXT)
        secret = folder / "hostile.yaml"
        secret.write_text("a: 1\n")
        secret.chmod(0)
        completed = subprocess.run(
            [sys.executable, "-m", "apiguard", "scan", str(folder)],
            user="nobody",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        shutil.rmtree(folder)

    assert completed.returncode == 2
    assert "hostile.yaml" in completed.stdout
    assert "[unreadable-file]" in completed.stdout
    assert CLEAN_FINDING in completed.stdout
    assert pwd.getpwnam("nobody").pw_uid != 0


def _change_after_discovery(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], None]
) -> None:
    """Make the scan's discovery step run `change` on hostile.yaml once it returns."""
    import apiguard.engine

    discover = apiguard.engine.discover

    def discover_then_change(*args: object, **kwargs: object) -> object:
        found = discover(*args, **kwargs)  # type: ignore[arg-type]
        for candidate in found.candidates:
            if candidate.path.name == "hostile.yaml":
                change(Path(candidate.path))
        return found

    monkeypatch.setattr(apiguard.engine, "discover", discover_then_change)


def _to_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _to_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _to_outside_link(path: Path) -> None:
    path.unlink()
    path.symlink_to("/etc/passwd")


def _to_empty(path: Path) -> None:
    path.write_bytes(b"")


def _to_binary(path: Path) -> None:
    path.write_bytes(b"\0\1\2")


CHANGES: dict[str, tuple[Callable[[Path], None], frozenset[str], bool]] = {
    "deleted": (Path.unlink, UNREADABLE, True),
    "to-directory": (_to_directory, NOT_A_FILE, False),
    "to-fifo": (_to_fifo, NOT_A_FILE, False),
    "to-outside-link": (_to_outside_link, OUTSIDE, False),
    "emptied": (_to_empty, frozenset(), False),
    "to-binary": (_to_binary, frozenset({"binary-file"}), False),
}


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_changed_during_scan(
    name: str, in_git: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    change, codes, untrusted = CHANGES[name]
    _change_after_discovery(monkeypatch, change)
    case = Case(name, {"hostile.yaml": b"a: 1\n"}, codes=codes, untrusted=untrusted)

    def prepare(folder: Path) -> None:
        if in_git:
            git(folder, "init", "-q", "-b", "main")

    run = run_case(case, tmp_path, prepare=prepare)

    check_run(run, case)


BIG_FILE_BYTES = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder with a 50 MiB one-line YAML file and clean.yaml."""
    folder = tmp_path_factory.mktemp("big") / "scan"
    folder.mkdir()
    (folder / CLEAN_NAME).write_text(CLEAN_TEXT)
    line = b"key: " + b"A1b2C3d4" * ((BIG_FILE_BYTES - 6) // 8) + b"\n"
    (folder / "hostile.yaml").write_bytes(line)
    return folder


@pytest.mark.parametrize(
    ("limit", "codes"),
    [
        ((), frozenset({"file-too-large"})),
        (("--max-file-size", "60000000"), frozenset()),
    ],
    ids=["default-limit", "raised-limit"],
)
def test_big_single_line(
    limit: tuple[str, ...], codes: frozenset[str], big_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()

    run = run_process(
        scan_args(big_folder, out, *limit), cwd=tmp_path, out=out, timeout=120
    )

    check_run(run, Case("big", {}, codes=codes, timeout=120))
    assert run.report is not None
    assert run.report["filesScanned"] == (1 if codes else 2)


NON_UTF8_NAMES = {
    "ff": b"bad\xff.yaml",
    "truncated": b"bad\xc3.yaml",
    "surrogate": b"bad\xed\xa0\x80.yaml",
    "folder": b"dir\xfe/inner.yaml",
}


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
@pytest.mark.parametrize("name", sorted(NON_UTF8_NAMES))
def test_name_not_utf8(name: str, in_git: bool, tmp_path: Path) -> None:
    raw = NON_UTF8_NAMES[name]
    escaped = raw.decode("utf-8", "backslashreplace")

    def prepare(folder: Path) -> None:
        if in_git:
            git(folder, "init", "-q", "-b", "main")
        path = Path(os.fsdecode(bytes(folder) + b"/" + raw))
        path.parent.mkdir(exist_ok=True)
        path.write_text("url: http://orders.acme-corp.io\n")

    case = Case(name, {}, path=escaped)

    run = run_case(case, tmp_path, prepare=prepare)

    check_run(run, case)
    assert (1, 6, "config-http-url") in run.finding_places(escaped)
    assert f"{escaped}:1:6 medium config-http-url" in run.stdout


def _repo_with_fsmonitor(folder: Path, marker: Path) -> None:
    """Make `folder` a git repository whose config runs a command on listing."""
    git(folder, "init", "-q", "-b", "main")
    (folder / "tracked.yaml").write_text("a: 1\n")
    git(folder, "add", "tracked.yaml")
    git(folder, "commit", "-q", "-m", "initial")
    git(folder, "config", "core.fsmonitor", f"touch {marker}; false")


def test_repository_hook_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    case = Case("fsmonitor", {})

    run = run_case(case, tmp_path, prepare=lambda f: _repo_with_fsmonitor(f, marker))

    check_run(run, case)
    assert not marker.exists()


@pytest.mark.parametrize("mode", [("--diff-base", "HEAD"), ("--staged",)], ids=str)
def test_repository_hook_not_run_diff(mode: tuple[str, ...], tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    folder = tmp_path / "repo"
    folder.mkdir()
    _repo_with_fsmonitor(folder, marker)
    (folder / "tracked.yaml").write_text("url: http://orders.acme-corp.io\n")
    git(folder, "add", "tracked.yaml")
    # The test's own `git add` ran the command; only apiguard's runs count.
    marker.unlink(missing_ok=True)

    run = run_cli(["scan", str(folder), *mode], cwd=tmp_path)

    assert run.exit_code in (0, 1)
    assert not marker.exists()
