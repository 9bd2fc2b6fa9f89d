"""Measurement helpers shared by the benchmark scripts in this folder.

Each command runs as a child process with no network: under `unshare -n`
when the machine allows it, so a peer tool that would fetch rules, version
information or remote `$ref`s fails fast instead of reaching the network.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent
APIGUARD = str(VENV / "apiguard")
PEERS = Path(os.environ.get("APIGUARD_BENCH_PEERS", "/tmp/peers"))
WORK = Path(os.environ.get("APIGUARD_BENCH_WORK", "/tmp/apiguard-bench"))

# How often the process tree's resident memory is sampled, in seconds.
RSS_SAMPLE_INTERVAL = 0.02


@dataclass(frozen=True)
class Measurement:
    """One run of one command."""

    wall_seconds: float
    cpu_seconds: float
    """User plus system time of the process and the children it waited for."""
    max_rss_mib: float
    """Peak resident memory of the largest single process (getrusage)."""
    tree_rss_mib: float
    """Peak sum of resident memory over the process tree, sampled."""
    returncode: int


def isolation_prefix() -> list[str]:
    """Return `unshare -n --` when a private network namespace works, else []."""
    if os.environ.get("APIGUARD_BENCH_NO_UNSHARE") or shutil.which("unshare") is None:
        return []
    probe = subprocess.run(
        ["unshare", "-n", "--", "true"], capture_output=True, check=False
    )
    return ["unshare", "-n", "--"] if probe.returncode == 0 else []


# Variables removed from the environment of every measured command.
# PYTHONDONTWRITEBYTECODE stops Python from writing bytecode files, so each
# start-up compiles again every module that has none. APIGUARD_CACHE_DIR
# would make a scan meant to be cold read results from a content cache.
DROPPED_VARIABLES = ("PYTHONDONTWRITEBYTECODE", "APIGUARD_CACHE_DIR")


def child_environment() -> dict[str, str]:
    """Return this process's environment without DROPPED_VARIABLES."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in DROPPED_VARIABLES
    }


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    stdout: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Measurement:
    """Run `command`, wait for it, and return its time and memory use.

    Standard output goes to the file `stdout` (default: last-run.out in the
    work folder), and standard error to the same name with `.err` appended.
    A run over `timeout` seconds is killed with its process group and
    reported with return code -9.

    NOTE: the workers of a killed run die before their parent waits for
    them, so its CPU time and max RSS leave out the workers still running.
    """
    full = [*isolation_prefix(), *command]
    out_path = stdout or WORK / "last-run.out"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    err_path = out_path.with_name(out_path.name + ".err")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        # A session of its own lets a timeout kill the worker processes too.
        process = subprocess.Popen(
            full,
            cwd=cwd,
            stdout=out,
            stderr=err,
            env=child_environment() if env is None else env,
            start_new_session=True,
        )
        sampler = _TreeSampler(process.pid)
        sampler.start()
        deadline = None if timeout is None else started + timeout
        status, usage = _wait(process, deadline)
        wall = time.perf_counter() - started
        sampler.stop()
    return Measurement(
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mib=usage.ru_maxrss / 1024,
        tree_rss_mib=sampler.peak_kib / 1024,
        returncode=os.waitstatus_to_exitcode(status),
    )


def _wait(process: subprocess.Popen[bytes], deadline: float | None) -> Any:
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        if deadline is not None and time.perf_counter() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = -9
            return status, usage
        time.sleep(0.002)


class _TreeSampler(threading.Thread):
    """Sample the summed RSS of a process and its descendants from /proc."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kib = max(self.peak_kib, _tree_rss_kib(self.pid))
            self._stop_event.wait(RSS_SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _tree_rss_kib(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        # Field 24 of /proc/PID/stat is the RSS in pages.
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


def median_of(runs: Sequence[Measurement]) -> dict[str, float]:
    """Return the median of each measured quantity over `runs`."""
    return {
        "wall_seconds": statistics.median(run.wall_seconds for run in runs),
        "cpu_seconds": statistics.median(run.cpu_seconds for run in runs),
        "max_rss_mib": statistics.median(run.max_rss_mib for run in runs),
        "tree_rss_mib": statistics.median(run.tree_rss_mib for run in runs),
    }


def tool_version(command: Sequence[str]) -> str:
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[-1] if lines else "unknown"


def machine_info() -> dict[str, Any]:
    """Return the CPU count and model, memory size and Python version."""
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "network_isolation": " ".join(isolation_prefix()) or "none",
    }


def apiguard_version() -> str:
    return tool_version([APIGUARD, "--version"])


def write_results(name: str, results: dict[str, Any]) -> Path:
    """Write `results` as JSON to the work folder and return the path."""
    path = WORK / f"{name}-results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=_to_json) + "\n")
    return path


def _to_json(value: Any) -> Any:
    if isinstance(value, Measurement):
        return asdict(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def ratio(peer: float, ours: float) -> str:
    """Return how many times `ours` is faster than `peer`, as text."""
    if ours <= 0:
        return "n/a"
    return f"{peer / ours:.1f}x"
