"""Compare apiguard with detect-secrets on the synthetic repository.

Both tools scan the same generated tree (bench/gen_secrets_repo.py). Each
run's wall time, CPU time and peak memory are measured, and the findings are
scored against the manifest of planted secrets. A planted secret is found
when a finding starts on one of its lines. A finding on no planted line is a
false positive, counted once per file and line.

    python bench/secrets.py --size-mb 100 --runs 3
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from common import (
    APIGUARD,
    PEERS,
    REPO,
    WORK,
    Measurement,
    apiguard_version,
    machine_info,
    markdown_table,
    median_of,
    ratio,
    run_measured,
    tool_version,
    write_results,
)
from gen_secrets_repo import generate, manifest_path

DETECT_SECRETS = str(PEERS / "ds" / "bin" / "detect-secrets")

Lines = set[tuple[str, int]]


def secret_rule_ids() -> list[str]:
    """Return the ids of the built-in secret rules: the files in rules/secrets."""
    return sorted(path.stem for path in (REPO / "rules" / "secrets").glob("*.yaml"))


def commands(tree: Path, out: Path) -> dict[str, tuple[list[str], Path | None]]:
    """Return each tool's command and working folder."""
    selected = [part for rule in secret_rule_ids() for part in ("--select", rule)]
    report = ["-f", "json", "-o"]
    return {
        "apiguard (secret rules)": (
            [APIGUARD, "scan", str(tree), *selected, *report, str(out / "ag-sec.json")],
            None,
        ),
        "apiguard (all rules)": (
            [APIGUARD, "scan", str(tree), *report, str(out / "ag-all.json")],
            None,
        ),
        "detect-secrets": ([DETECT_SECRETS, "scan", "--all-files", "-n"], tree),
    }


def run_tool(
    name: str, command: list[str], cwd: Path | None, runs: int, out: Path
) -> tuple[list[Measurement], Path]:
    slug = "".join(char if char.isalnum() else "-" for char in name)
    stdout = out / f"{slug}.stdout"
    measured = []
    for index in range(runs):
        run = run_measured(command, cwd=cwd, stdout=stdout)
        print(f"  {name} run {index + 1}: {run.wall_seconds:.2f}s", file=sys.stderr)
        measured.append(run)
    return measured, stdout


def apiguard_lines(report: Path) -> Lines:
    document = json.loads(report.read_text())
    return {
        (finding["path"], finding["region"]["start_line"])
        for finding in document["findings"]
    }


def detect_secrets_lines(stdout: Path) -> Lines:
    document = json.loads(stdout.read_text())
    return {
        (path, item["line_number"])
        for path, items in document["results"].items()
        for item in items
    }


def score(found: Lines, secrets: list[dict[str, Any]]) -> dict[str, Any]:
    """Return recall overall and per type, and the false-positive count."""
    planted_lines: Lines = set()
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    hits = 0
    for entry in secrets:
        lines = {
            (entry["path"], line)
            for line in range(entry["line"], entry["end_line"] + 1)
        }
        planted_lines |= lines
        hit = not lines.isdisjoint(found)
        hits += hit
        per_type[entry["type"]][0] += hit
        per_type[entry["type"]][1] += 1
    false_positives = len(found - planted_lines)
    return {
        "planted": len(secrets),
        "found": hits,
        "recall": hits / len(secrets) if secrets else 0.0,
        "false_positives": false_positives,
        "per_type": {kind: tuple(counts) for kind, counts in sorted(per_type.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (3)")
    parser.add_argument(
        "--tools", default="all", help="comma-separated tool names, or all"
    )
    args = parser.parse_args(argv)

    tree = WORK / f"secrets-{args.size_mb:g}mb-seed{args.seed}"
    if not manifest_path(tree).exists():
        generate(tree, args.size_mb, args.seed)
    manifest = json.loads(manifest_path(tree).read_text())
    out = WORK / "secrets-out"
    out.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {
        "machine": machine_info(),
        "versions": {
            "apiguard": apiguard_version(),
            "detect-secrets": tool_version([DETECT_SECRETS, "--version"]),
        },
        "tree": {key: manifest[key] for key in ("seed", "bytes", "files")},
        "tools": {},
    }
    for name, (command, cwd) in commands(tree, out).items():
        if args.tools != "all" and name.split()[0] not in args.tools.split(","):
            continue
        measured, stdout = run_tool(name, command, cwd, args.runs, out)
        if name.startswith("apiguard"):
            found = apiguard_lines(Path(command[-1]))
        else:
            found = detect_secrets_lines(stdout)
        results["tools"][name] = {
            "command": " ".join(command),
            "cwd": str(cwd) if cwd else None,
            "runs": measured,
            "median": median_of(measured),
            "score": score(found, manifest["secrets"]),
        }
    path = write_results("secrets", results)
    print(render(results))
    print(f"results: {path}", file=sys.stderr)
    return 0


def render(results: dict[str, Any]) -> str:
    megabytes = results["tree"]["bytes"] / 1024 / 1024
    tools = results["tools"]
    peer = tools.get("detect-secrets", {}).get("median", {}).get("wall_seconds")
    rows = []
    for name, data in tools.items():
        median = data["median"]
        scored = data["score"]
        rows.append(
            [
                name,
                f"{median['wall_seconds']:.2f}",
                f"{median['cpu_seconds']:.2f}",
                f"{megabytes / median['wall_seconds']:.1f}",
                f"{median['max_rss_mib']:.0f}",
                f"{median['tree_rss_mib']:.0f}",
                f"{scored['found']}/{scored['planted']} ({scored['recall']:.1%})",
                scored["false_positives"],
                ratio(peer, median["wall_seconds"]) if peer else "",
            ]
        )
    header = [
        "tool",
        "wall s",
        "CPU s",
        "MiB/s",
        "max RSS MiB",
        "tree RSS MiB",
        "recall",
        "false positives",
        "speed vs detect-secrets",
    ]
    lines = [markdown_table(header, rows), "", "Recall per type (found/planted):", ""]
    kinds = sorted(
        {kind for data in tools.values() for kind in data["score"]["per_type"]}
    )
    type_rows = [
        [kind]
        + [
            "{}/{}".format(*data["score"]["per_type"].get(kind, (0, 0)))
            for data in tools.values()
        ]
        for kind in kinds
    ]
    lines.append(markdown_table(["type", *tools], type_rows))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
