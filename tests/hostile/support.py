"""Run `apiguard scan` on hostile input with a time limit, and check the run.

Each case is a folder with one or more hostile files and `clean.yaml`, a file
with one known finding. `run_cli` runs the real command-line entry point in a
forked child, which costs milliseconds instead of the interpreter start-up of
a new process, and kills it at the time limit. The child inherits the test
process, so a monkeypatched hook and the session's socket guard apply in it
too. `run_process` runs `python -m apiguard` as a new process instead.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sarif_schema import validate_sarif

CLEAN_NAME = "clean.yaml"
CLEAN_TEXT = "url: http://billing.acme-corp.io\n"
# The finding that CLEAN_TEXT holds, as the text report writes it.
CLEAN_FINDING = "clean.yaml:1:6 medium config-http-url"
CLEAN_RULE = "config-http-url"

# Seconds a case may take before its run is killed. Cases take well under a
# second on a laptop core; the margin is for a busy CI machine.
DEFAULT_TIMEOUT = 30.0

WARM_UP_SPEC = """\
openapi: 3.0.3
info: {title: Warm-up, version: '1'}
servers:
  - url: http://api.acme-corp.io
paths:
  /pets:
    get:
      responses:
        '200': {$ref: '#/components/responses/ok'}
components:
  responses:
    ok: {description: ok}
"""


def _warm_up() -> None:
    """Run one scan in this process, before any fork.

    A first scan imports modules and fills caches (compiled patterns and
    schemas) that later scans reuse. Each forked run starts from this
    process, so it skips that work, about 100 ms a run.
    """
    from apiguard.cli import cli

    package_logger = logging.getLogger("apiguard")
    handlers, level = list(package_logger.handlers), package_logger.level
    folder = Path(tempfile.mkdtemp(prefix="apiguard-warm-up-"))
    try:
        write_files(
            folder,
            {
                CLEAN_NAME: CLEAN_TEXT.encode(),
                "openapi.yaml": WARM_UP_SPEC.encode(),
                "spec.json": b'{"openapi": "3.1.0", "info": {}, "paths": {}}',
            },
        )
        with (
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
            contextlib.suppress(SystemExit),
        ):
            cli.main(args=scan_args(folder, folder), prog_name="apiguard")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        package_logger.handlers[:] = handlers
        package_logger.setLevel(level)


@dataclass(frozen=True)
class ScanRun:
    """The outcome of one `apiguard scan`: its exit code, output and reports."""

    exit_code: int | None
    """None when the run was killed at the time limit."""
    stdout: str
    stderr: str
    seconds: float
    sarif: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    """The JSON report."""

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None

    def notifications(self) -> list[dict[str, Any]]:
        assert self.report is not None
        notes: list[dict[str, Any]] = self.report["notifications"]
        return notes

    def codes(self, path: str) -> set[str]:
        """Return the codes of the JSON report's notifications on `path`."""
        return {note["code"] for note in self.notifications() if note["path"] == path}

    def finding_places(self, path: str) -> set[tuple[int, int, str]]:
        """Return (line, column, rule) of each finding in `path`."""
        assert self.report is not None
        return {
            (
                item["region"]["start_line"],
                item["region"]["start_column"],
                item["rule_id"],
            )
            for item in self.report["findings"]
            if item["path"] == path
        }

    def sarif_notes(self) -> list[dict[str, Any]]:
        assert self.sarif is not None
        invocation = self.sarif["runs"][0]["invocations"][0]
        notes: list[dict[str, Any]] = invocation["toolExecutionNotifications"]
        return notes


@dataclass(frozen=True)
class Case:
    """A folder of hostile files, scanned with CLEAN_NAME beside them."""

    id: str
    files: Mapping[str, bytes]
    path: str = "hostile.yaml"
    """The file that `codes` are reported on."""
    codes: frozenset[str] = frozenset()
    """Notification codes that must be reported on `path`."""
    untrusted: bool = False
    """Whether an error-level problem, and so exit code 2, is expected."""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment variables set for the run."""
    timeout: float = DEFAULT_TIMEOUT
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Case-specific expectations that the test module reads."""


def write_files(folder: Path, files: Mapping[str, bytes]) -> None:
    for relpath, content in files.items():
        target = folder / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def scan_args(folder: Path, out: Path, *extra: str) -> list[str]:
    """Return arguments that write SARIF and JSON to `out` and text to stdout."""
    return [
        "scan",
        str(folder),
        "-f",
        "sarif",
        "-o",
        str(out / "out.sarif"),
        "-f",
        "json",
        "-o",
        str(out / "out.json"),
        "-f",
        "text",
        *extra,
    ]


def run_case(
    case: Case, tmp_path: Path, prepare: Callable[[Path], None] | None = None
) -> ScanRun:
    """Write the case to `tmp_path/scan` and scan it; `prepare` adds to the folder."""
    folder = tmp_path / "scan"
    folder.mkdir()
    if prepare is not None:
        prepare(folder)
    write_files(folder, {CLEAN_NAME: CLEAN_TEXT.encode(), **case.files})
    out = tmp_path / "out"
    out.mkdir()
    args = scan_args(folder, out, *case.args)
    return run_cli(args, cwd=tmp_path, out=out, timeout=case.timeout, env=case.env)


def run_cli(
    args: Sequence[str],
    *,
    cwd: Path,
    out: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> ScanRun:
    """Run `apiguard ARGS` in a forked child; read reports that it wrote to `out`."""
    streams = Path(cwd) / f".streams-{time.monotonic_ns()}"
    streams.mkdir()
    stdout_path, stderr_path = streams / "stdout", streams / "stderr"
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        _child(list(args), cwd, stdout_path, stderr_path, env)
    exit_code = _wait(pid, timeout)
    seconds = time.monotonic() - started
    return _collect(exit_code, stdout_path, stderr_path, seconds, out)


def run_process(
    args: Sequence[str],
    *,
    cwd: Path,
    out: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ScanRun:
    """Run `python -m apiguard ARGS` as a new process."""
    env = {**os.environ, "NO_COLOR": "1"}
    started = time.monotonic()
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "apiguard", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        return ScanRun(None, _text(expired.stdout), _text(expired.stderr), timeout)
    seconds = time.monotonic() - started
    run = ScanRun(completed.returncode, completed.stdout, completed.stderr, seconds)
    return _with_reports(run, out)


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


def _child(
    args: list[str],
    cwd: Path,
    stdout_path: Path,
    stderr_path: Path,
    env: Mapping[str, str] | None,
) -> None:  # pragma: no cover - runs in the child
    code = 1
    try:
        os.chdir(cwd)
        for fd, path in ((1, stdout_path), (2, stderr_path)):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(handle, fd)
            os.close(handle)
        sys.stdout = _text_stream(1)
        sys.stderr = _text_stream(2)
        os.environ["NO_COLOR"] = "1"
        os.environ.pop("GITHUB_ACTIONS", None)
        os.environ.update(env or {})
        sys.argv = ["apiguard", *args]
        from apiguard.cli import cli

        try:
            cli.main(args=args, prog_name="apiguard")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(bool(stop.code))
    except BaseException:
        # What the interpreter does with an uncaught exception.
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _text_stream(fd: int) -> io.TextIOWrapper:  # pragma: no cover - in the child
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", write_through=True)


def _wait(pid: int, timeout: float) -> int | None:
    """Return the child's exit code, or None after killing it at `timeout`."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return _poll(pid, timeout)
    try:
        ready, _, _ = select.select([handle], [], [], timeout)
    finally:
        os.close(handle)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _poll(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _collect(
    exit_code: int | None,
    stdout_path: Path,
    stderr_path: Path,
    seconds: float,
    out: Path | None,
) -> ScanRun:
    stdout = stdout_path.read_text(encoding="utf-8", errors="replace")
    stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
    return _with_reports(ScanRun(exit_code, stdout, stderr, seconds), out)


def _with_reports(run: ScanRun, out: Path | None) -> ScanRun:
    if out is None or run.timed_out:
        return run
    sarif_path, json_path = out / "out.sarif", out / "out.json"
    sarif = validate_sarif(sarif_path.read_text()) if sarif_path.exists() else None
    report = json.loads(json_path.read_text()) if json_path.exists() else None
    return ScanRun(run.exit_code, run.stdout, run.stderr, run.seconds, sarif, report)


def check_run(run: ScanRun, case: Case) -> None:
    """Assert what every hostile case must keep: see docs/security.md."""
    assert not run.timed_out, f"no exit within {case.timeout}s"
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.exit_code in (0, 1, 2), run.stderr[-3000:]
    assert run.sarif is not None, run.stderr[-3000:]
    assert run.report is not None, run.stderr[-3000:]

    # The file beside the hostile one was still scanned.
    assert CLEAN_FINDING in run.stdout
    assert (1, 6, CLEAN_RULE) in run.finding_places(CLEAN_NAME)

    # Each expected problem names the file, in the text and in SARIF.
    for code in sorted(case.codes):
        assert code in run.codes(case.path), run.stdout[-3000:]
        assert _text_line(run.stdout, case.path, code), run.stdout[-3000:]
        assert _sarif_note(run, case.path, code) is not None

    # Exit code 2 exactly when an error-level problem was reported.
    untrusted = any(note["level"] == "error" for note in run.notifications())
    assert untrusted is case.untrusted, run.notifications()
    assert run.report["trusted"] is not untrusted
    invocation = run.sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is not untrusted
    assert run.exit_code == (2 if untrusted else 1)


def _text_line(stdout: str, path: str, code: str) -> str | None:
    """Return the text report's problem line for `path` and `code`."""
    for line in stdout.splitlines():
        where = line.split(" ", 1)[0]
        if where.split(":", 1)[0] == path and f" [{code}] " in line:
            message = line.split(f"[{code}] ", 1)[1]
            return line if message.strip() else None
    return None


def _sarif_note(run: ScanRun, path: str, code: str) -> dict[str, Any] | None:
    for note in run.sarif_notes():
        locations = note.get("locations", [])
        uris = [
            location["physicalLocation"]["artifactLocation"]["uri"]
            for location in locations
        ]
        if (
            note["descriptor"]["id"] == code
            and path in uris
            and note["message"]["text"]
        ):
            return note
    return None


class LoopbackServer:
    """An HTTP server on 127.0.0.1 that records every connection it accepts."""

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self.requests: list[str] = []
        connections, requests = self.connections, self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                body = b'{"type": "object"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return

        class Server(http.server.ThreadingHTTPServer):
            def verify_request(self, request: Any, client_address: Any) -> bool:
                connections.append(client_address)
                return True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"

    @contextmanager
    def running(self) -> Iterator[LoopbackServer]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join()


_warm_up()
