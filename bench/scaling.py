"""Measure how apiguard's scan time grows with the size of the tree.

The synthetic tree of bench/gen_secrets_repo.py is generated at 1x, 2x and
4x `--base-mb`, and each is scanned `--runs` times with all rules. Time per
MiB that stays flat means time linear in bytes.

apiguard has no content cache. To estimate what one would save on a re-scan
of an unchanged tree, the script also times the work that a cache could not
skip. That is reading and hashing every file with SHA-256 (in this process,
on one core) plus the start-up of `apiguard --version`.

    python bench/scaling.py --base-mb 100 --runs 3
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from common import (
    APIGUARD,
    WORK,
    apiguard_version,
    machine_info,
    markdown_table,
    median_of,
    run_measured,
    write_results,
)
from gen_secrets_repo import generate, manifest_path


def tree_for(size_mb: float, seed: int) -> Path:
    tree = WORK / f"secrets-{size_mb:g}mb-seed{seed}"
    if not manifest_path(tree).exists():
        generate(tree, size_mb, seed)
    return tree


def hash_floor(tree: Path) -> tuple[float, int]:
    """Return the seconds to read and hash every file, and the bytes read."""
    started = time.perf_counter()
    total = 0
    for path in sorted(tree.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hashlib.sha256(data).digest()
            total += len(data)
    return time.perf_counter() - started, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-mb", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs per size (3)")
    parser.add_argument("--factors", default="1,2,4", help="size factors (1,2,4)")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {
        "machine": machine_info(),
        "versions": {"apiguard": apiguard_version()},
        "sizes": {},
    }
    startup = [run_measured([APIGUARD, "--version"]).wall_seconds for _ in range(5)]
    results["startup_seconds"] = statistics.median(startup)
    out = WORK / "scaling-out"
    for factor in (float(part) for part in args.factors.split(",")):
        tree = tree_for(args.base_mb * factor, args.seed)
        command = [
            APIGUARD,
            "scan",
            str(tree),
            "-f",
            "json",
            "-o",
            str(out / "ag.json"),
        ]
        out.mkdir(parents=True, exist_ok=True)
        runs = [run_measured(command) for _ in range(args.runs)]
        median = median_of(runs)
        seconds, size = hash_floor(tree)
        megabytes = size / 1024 / 1024
        results["sizes"][f"{factor:g}x"] = {
            "command": " ".join(command),
            "bytes": size,
            "runs": runs,
            "median": median,
            "seconds_per_mib": median["wall_seconds"] / megabytes,
            "first_run_seconds": runs[0].wall_seconds,
            "hash_floor_seconds": seconds,
        }
        print(f"  {factor:g}x: {median['wall_seconds']:.2f}s", file=sys.stderr)
    path = write_results("scaling", results)
    print(render(results))
    print(f"results: {path}", file=sys.stderr)
    return 0


def render(results: dict[str, Any]) -> str:
    rows = []
    for name, data in results["sizes"].items():
        megabytes = data["bytes"] / 1024 / 1024
        median = data["median"]
        cached = results["startup_seconds"] + data["hash_floor_seconds"]
        rows.append(
            [
                name,
                f"{megabytes:.0f}",
                f"{data['first_run_seconds']:.2f}",
                f"{median['wall_seconds']:.2f}",
                f"{data['seconds_per_mib'] * 1000:.0f}",
                f"{median['tree_rss_mib']:.0f}",
                f"{cached:.2f}",
            ]
        )
    header = [
        "size",
        "MiB",
        "first run s",
        "median s",
        "ms per MiB",
        "tree RSS MiB",
        "cache floor s (estimate)",
    ]
    return markdown_table(header, rows)


if __name__ == "__main__":
    sys.exit(main())
