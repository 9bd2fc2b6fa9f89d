"""Measure apiguard's scan time by tree size, with and without its cache.

The synthetic tree of bench/gen_secrets_repo.py is generated at 1x, 2x and
4x `--base-mb` and scanned with all rules. CPU time per MiB that stays flat
means time linear in bytes.

Each run scans a hard-linked copy of the tree four times, in this order:

- cold: without a content cache.
- fill: with an empty `--cache-dir`, which stores every file's outcome.
- unchanged: a re-scan of the same files with the filled cache.
- changed: a re-scan with the cache after a newline is appended to 1% of the
  files (every 100th in sorted path order).

A changed file is written as a new file in the copy, so the generated tree
itself is never modified. A newline at the end of a file changes no finding,
so the report of every cached scan is compared with the cold scan's report
of the same run, and any difference is printed.

    python bench/scaling.py --base-mb 100 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

from common import (
    APIGUARD,
    WORK,
    Measurement,
    apiguard_version,
    machine_info,
    markdown_table,
    median_of,
    run_measured,
    write_results,
)
from gen_secrets_repo import generate, manifest_path

STEPS = ("cold", "fill", "unchanged", "changed")
# One file in this many is changed before the last scan of a run.
CHANGED_EVERY = 100
# Report keys that may differ between two scans of the same files.
VOLATILE_REPORT_KEYS = ("durationSeconds",)


def tree_for(size_mb: float, seed: int) -> Path:
    tree = WORK / f"secrets-{size_mb:g}mb-seed{seed}"
    if not manifest_path(tree).exists():
        generate(tree, size_mb, seed)
    return tree


def link_tree(tree: Path, copy: Path) -> list[Path]:
    """Hard-link every file of `tree` into a fresh `copy`.

    Return the files' paths relative to `tree`, in sorted order.
    """
    if copy.exists():
        shutil.rmtree(copy)
    relpaths = []
    for path in sorted(tree.rglob("*")):
        if path.is_file():
            relative = path.relative_to(tree)
            destination = copy / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)
            relpaths.append(relative)
    return relpaths


def change_files(tree: Path, copy: Path, relpaths: list[Path]) -> None:
    """Replace each file in `copy` by a new file with a newline appended."""
    for relative in relpaths:
        target = copy / relative
        data = (tree / relative).read_bytes()
        # Unlink first: writing through the hard link would change `tree`.
        target.unlink()
        target.write_bytes(data + b"\n")


def restore_files(tree: Path, copy: Path, relpaths: list[Path]) -> None:
    for relative in relpaths:
        target = copy / relative
        target.unlink()
        os.link(tree / relative, target)


def count_entries(cache: Path) -> int:
    """Return the number of entries in a cache folder (0 when it is missing)."""
    return sum(1 for _ in cache.rglob("*.json")) if cache.exists() else 0


def compare_reports(cold: Path, other: Path) -> dict[str, Any]:
    """Compare two JSON reports, ignoring VOLATILE_REPORT_KEYS.

    Findings and notifications are compared as sorted lists, so a different
    order alone is reported as `same_order: false` and not as a difference.
    """
    first = json.loads(cold.read_text())
    second = json.loads(other.read_text())
    first_findings = _serialized(first["findings"])
    second_findings = _serialized(second["findings"])
    differing_keys = sorted(
        key
        for key in set(first) | set(second)
        if key not in (*VOLATILE_REPORT_KEYS, "findings", "notifications")
        and first.get(key) != second.get(key)
    )
    first_notes = _serialized(first.get("notifications", []))
    second_notes = _serialized(second.get("notifications", []))
    if sorted(first_notes) != sorted(second_notes):
        differing_keys.append("notifications")
    only_cold = sorted(set(first_findings) - set(second_findings))
    only_other = sorted(set(second_findings) - set(first_findings))
    return {
        "findings": len(second_findings),
        "same_findings": sorted(first_findings) == sorted(second_findings),
        "same_order": first_findings == second_findings and first_notes == second_notes,
        "only_in_cold": only_cold[:20],
        "only_in_cached": only_other[:20],
        "differing_keys": differing_keys,
    }


def _serialized(items: list[Any]) -> list[str]:
    return [json.dumps(item, sort_keys=True) for item in items]


def measure_size(
    tree: Path, out: Path, runs: int, timeout: float | None
) -> dict[str, Any]:
    """Run the four scans `runs` times on a hard-linked copy of `tree`."""
    copy = WORK / f"{tree.name}-scan-copy"
    cache = out / "cache"
    relpaths = link_tree(tree, copy)
    changed = relpaths[::CHANGED_EVERY]
    measured: dict[str, list[Measurement]] = {step: [] for step in STEPS}
    entries: dict[str, list[int]] = {step: [] for step in STEPS}
    comparisons: list[dict[str, Any]] = []
    for index in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        reports = {}
        for step in STEPS:
            reports[step] = out / f"ag-{step}.json"
            command = [APIGUARD, "scan", str(copy), "-f", "json"]
            command += ["-o", str(reports[step])]
            if step != "cold":
                command += ["--cache-dir", str(cache)]
            if step == "changed":
                change_files(tree, copy, changed)
            run = run_measured(command, timeout=timeout)
            if step == "changed":
                restore_files(tree, copy, changed)
            measured[step].append(run)
            entries[step].append(count_entries(cache))
            print(
                f"    run {index + 1} {step}: {run.wall_seconds:.2f}s wall, "
                f"{run.cpu_seconds:.2f}s CPU, exit {run.returncode}",
                file=sys.stderr,
            )
        comparison = {
            step: compare_reports(reports["cold"], reports[step]) for step in STEPS[1:]
        }
        for step, result in comparison.items():
            if not result["same_findings"] or result["differing_keys"]:
                print(f"    run {index + 1} {step}: {result}", file=sys.stderr)
        comparisons.append(comparison)
    shutil.rmtree(copy)
    return {
        "files": len(relpaths),
        "changed_files": len(changed),
        "runs": measured,
        "median": {step: median_of(measured[step]) for step in STEPS},
        "exit_codes": {
            step: sorted({run.returncode for run in measured[step]}) for step in STEPS
        },
        "cache_entries": entries,
        "comparisons": comparisons,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-mb", type=float, default=100.0, help="size of the 1x tree, MiB (100)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (3)")
    parser.add_argument("--factors", default="1,2,4", help="size factors (1,2,4)")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds per scan (3600)"
    )
    args = parser.parse_args(argv)

    results: dict[str, Any] = {
        "machine": machine_info(),
        "versions": {"apiguard": apiguard_version()},
        "changed_every": CHANGED_EVERY,
        "sizes": {},
    }
    out = WORK / "scaling-out"
    out.mkdir(parents=True, exist_ok=True)
    for factor in (float(part) for part in args.factors.split(",")):
        tree = tree_for(args.base_mb * factor, args.seed)
        size = sum(path.stat().st_size for path in tree.rglob("*") if path.is_file())
        print(f"  {factor:g}x: {tree}", file=sys.stderr)
        data = measure_size(tree, out, args.runs, args.timeout)
        data["bytes"] = size
        results["sizes"][f"{factor:g}x"] = data
    path = write_results("scaling", results)
    print(render(results))
    print(f"results: {path}", file=sys.stderr)
    return 0


def render(results: dict[str, Any]) -> str:
    """Return a table of the cold scans and a table of the cached scans."""
    scaling_rows = []
    cache_rows = []
    for name, data in results["sizes"].items():
        megabytes = data["bytes"] / 1024 / 1024
        cold = data["median"]["cold"]
        scaling_rows.append(
            [
                name,
                f"{megabytes:.0f}",
                data["files"],
                f"{cold['wall_seconds']:.2f}",
                f"{cold['cpu_seconds']:.2f}",
                f"{cold['cpu_seconds'] / megabytes * 1000:.0f}",
                f"{cold['max_rss_mib']:.0f}",
                f"{cold['tree_rss_mib']:.0f}",
            ]
        )
        for step in STEPS:
            median = data["median"][step]
            same = [
                run[step]["same_findings"] for run in data["comparisons"] if step in run
            ]
            cache_rows.append(
                [
                    name,
                    step,
                    f"{median['wall_seconds']:.2f}",
                    f"{median['cpu_seconds']:.2f}",
                    f"{median['wall_seconds'] / cold['wall_seconds']:.1%}",
                    f"{median['cpu_seconds'] / cold['cpu_seconds']:.1%}",
                    f"{median['max_rss_mib']:.0f}",
                    f"{median['tree_rss_mib']:.0f}",
                    statistics.median(data["cache_entries"][step]),
                    "" if step == "cold" else f"{sum(same)}/{len(same)} runs",
                ]
            )
    scaling_header = [
        "size",
        "MiB",
        "files",
        "cold wall s",
        "CPU s",
        "CPU ms per MiB",
        "max RSS MiB",
        "tree RSS MiB",
    ]
    cache_header = [
        "size",
        "scan",
        "wall s",
        "CPU s",
        "wall / cold",
        "CPU / cold",
        "max RSS MiB",
        "tree RSS MiB",
        "cache entries after",
        "findings same as cold",
    ]
    return "\n\n".join(
        [
            markdown_table(scaling_header, scaling_rows),
            markdown_table(cache_header, cache_rows),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
