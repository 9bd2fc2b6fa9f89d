"""The progress bar: on a terminal for a long scan, never in a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    # Enough files that the scan outlasts the half-second delay.
    operation = "    get:\n      responses:\n        '200': {description: ok}\n"
    paths = "".join(f"  /p{n}:\n{operation}" for n in range(40))
    spec = f"openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}"
    for index in range(400):
        (tmp_path / f"svc{index}.yaml").write_text(spec)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "apiguard",
            "scan",
            "-j",
            "1",
            "-f",
            "json",
            "-o",
            "out.json",
            ".",
        ],
        cwd=tmp_path,
        stderr=terminal,
        stdout=subprocess.DEVNULL,
    )
    os.close(terminal)
    shown = b""
    # Read while the scan runs: a full terminal buffer would block the writer.
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    returncode = process.wait(timeout=300)
    assert returncode == 1
    assert b"scanning [" in shown
    assert b"/400 files" in shown
