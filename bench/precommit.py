"""Measure the latency of `apiguard scan FILE...` as a pre-commit hook runs it.

The files are small and made here, in a git work tree under the work folder:
a Python module, a JSON configuration, a Kubernetes manifest and the two
example documents of this repository (an OpenAPI description and a gateway
configuration). Each case runs `--runs` times and reports the median, the
minimum and the 90th percentile, next to the start-up floor of the Python
interpreter and of `apiguard --version`.

    python bench/precommit.py --runs 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import (
    APIGUARD,
    REPO,
    VENV,
    WORK,
    apiguard_version,
    machine_info,
    markdown_table,
    run_measured,
    write_results,
)

PYTHON_MODULE = '''"""Orders service client."""

import os

import requests

BASE_URL = os.environ.get("ORDERS_URL", "https://orders.internal")


def fetch_order(order_id: str) -> dict:
    response = requests.get(f"{BASE_URL}/orders/{order_id}", timeout=10)
    response.raise_for_status()
    return response.json()
'''

JSON_CONFIG = """{
  "service": "orders",
  "listen": "0.0.0.0:8080",
  "upstream": "https://inventory.internal/api",
  "timeouts": {"connect": 2, "read": 10},
  "features": ["audit", "metrics"]
}
"""

KUBERNETES_MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: orders
          image: registry.internal/orders:1.4.2
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: orders-db, key: password}
"""


def make_worktree() -> Path:
    """Create the small files in a fresh git work tree and commit them."""
    folder = WORK / "precommit"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "client.py").write_text(PYTHON_MODULE)
    (folder / "config.json").write_text(JSON_CONFIG)
    (folder / "deployment.yaml").write_text(KUBERNETES_MANIFEST)
    for name in ("openapi.yaml", "gateway.yaml"):
        shutil.copy(REPO / "examples" / "petstore" / name, folder / name)
    git = ["git", "-C", str(folder), "-c", "user.name=bench", "-c", "user.email=b@b"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "files"], check=True)
    return folder


CASES: dict[str, list[str]] = {
    "python -c pass (interpreter floor)": [str(VENV / "python"), "-c", "pass"],
    "apiguard --version (CLI floor)": [APIGUARD, "--version"],
    "1 file: client.py": [APIGUARD, "scan", "client.py"],
    "1 file: openapi.yaml": [APIGUARD, "scan", "openapi.yaml"],
    "5 files": [
        APIGUARD,
        "scan",
        "client.py",
        "config.json",
        "deployment.yaml",
        "openapi.yaml",
        "gateway.yaml",
    ],
    "5 files, --no-spec-validation": [
        APIGUARD,
        "scan",
        "--no-spec-validation",
        "client.py",
        "config.json",
        "deployment.yaml",
        "openapi.yaml",
        "gateway.yaml",
    ],
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per case (20)")
    args = parser.parse_args(argv)
    folder = make_worktree()

    results: dict[str, Any] = {
        "machine": machine_info(),
        "versions": {"apiguard": apiguard_version()},
        "cases": {},
    }
    for name, command in CASES.items():
        # One run first, not counted, so every measured run has warm caches.
        run_measured(command, cwd=folder)
        walls = []
        for _ in range(args.runs):
            run = run_measured(command, cwd=folder)
            walls.append(run.wall_seconds)
        results["cases"][name] = {
            "command": " ".join(
                Path(part).name if "/" in part else part for part in command
            ),
            "exit": run.returncode,
            "median_ms": statistics.median(walls) * 1000,
            "min_ms": min(walls) * 1000,
            "p90_ms": percentile(walls, 0.9) * 1000,
            "max_rss_mib": run.max_rss_mib,
        }
        print(f"  {name}: {statistics.median(walls) * 1000:.0f} ms", file=sys.stderr)
    path = write_results("precommit", results)
    rows = [
        [
            name,
            f"{case['median_ms']:.0f}",
            f"{case['min_ms']:.0f}",
            f"{case['p90_ms']:.0f}",
            f"{case['max_rss_mib']:.0f}",
            case["exit"],
        ]
        for name, case in results["cases"].items()
    ]
    header = ["case", "median ms", "min ms", "p90 ms", "max RSS MiB", "exit"]
    print(markdown_table(header, rows))
    print(f"results: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
