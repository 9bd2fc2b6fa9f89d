"""`apiguard scan`: find problems in files and write reports."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from apiguard.commands.common import configure_logging, guarded, write_atomically
from apiguard.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from apiguard.findings import SEVERITIES, severity_rank
from apiguard.report import REPORTERS
from apiguard.result import ScanResult

# A scan shorter than this shows no progress bar.
PROGRESS_DELAY_SECONDS = 0.5


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(sorted(REPORTERS)),
    help="Output format; repeat it for several. Default: text.",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    help="File for the format in the same position; '-' or none means stdout.",
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of extra rule files (YAML); repeat it for several.",
)
@click.option("--no-builtin-rules", is_flag=True, help="Load only the --rules folders.")
@click.option(
    "--select",
    "selected",
    multiple=True,
    metavar="RULE_ID",
    help="Run only this rule; repeat it for several.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit with 1 when a finding has this severity or a higher one. "
    "Default: the configuration's fail-on, else info (any finding).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Configuration file. Default: .apiguard.yaml or pyproject.toml "
    "[tool.apiguard] in the scan root or the nearest folder above it.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Gitignore-style glob of files not to scan; repeat it for several.",
)
@click.option(
    "--show-suppressed",
    is_flag=True,
    help="List suppressed findings too (they never change the exit code).",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Folder that reported paths are relative to. Default: the git work "
    "tree that holds the paths, else their common folder.",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    help="Files larger than this many bytes are reported and not scanned. "
    "Default: the configuration's max-file-size, else 10485760 (10 MiB).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes for large trees; 0 means one per CPU.",
)
@click.option(
    "--no-spec-validation",
    is_flag=True,
    help="Do not check OpenAPI documents against the specification's schema.",
)
@click.option(
    "-v", "--verbose", count=True, help="Log more: -v for progress, -vv for debugging."
)
def scan(
    paths: tuple[Path, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    rule_dirs: tuple[Path, ...],
    no_builtin_rules: bool,
    selected: tuple[str, ...],
    fail_on: str | None,
    config_path: Path | None,
    exclude: tuple[str, ...],
    show_suppressed: bool,
    root: Path | None,
    max_file_size: int | None,
    jobs: int,
    no_spec_validation: bool,
    verbose: int,
) -> None:
    """Scan PATHS (default: the current folder) and report findings.

    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 the scan
    cannot be trusted (bad option, rule or input; see the README).
    """
    configure_logging(verbose)
    destinations = _pair_outputs(formats or ("text",), outputs)

    def run() -> int:
        from apiguard.config import find_config, load_config
        from apiguard.discover import choose_root
        from apiguard.engine import DEFAULT_MAX_FILE_SIZE, ScanOptions
        from apiguard.engine import scan as run_scan
        from apiguard.rules import load_rules

        targets = list(paths) or [Path(".")]
        for target in targets:
            if not target.exists() and not target.is_symlink():
                raise UsageError(f"{target}: no such file or directory")
        scan_root = (root or choose_root(targets)).resolve()
        config = load_config(config_path or find_config(scan_root))

        builtin = config.builtin_rules and not no_builtin_rules
        rules = load_rules([*config.rule_dirs, *rule_dirs], builtin=builtin)
        rules = _select(config.apply(rules), selected)
        options = ScanOptions(
            max_file_size=max_file_size
            or config.max_file_size
            or DEFAULT_MAX_FILE_SIZE,
            jobs=jobs,
            exclude=(*config.exclude, *exclude),
            validate_specs=not no_spec_validation,
        )
        with _Progress() as progress:
            result = run_scan(
                targets,
                rules,
                root=scan_root,
                options=options,
                progress=progress.update,
            )
        result.command_line = ["apiguard", *sys.argv[1:]]
        result.show_suppressed = show_suppressed
        _write_reports(result, destinations)
        return _exit_code(result, fail_on or config.fail_on or "info")

    sys.exit(guarded(run, verbose))


def _pair_outputs(
    formats: Sequence[str], outputs: Sequence[str]
) -> list[tuple[str, str]]:
    if len(outputs) > len(formats):
        raise click.UsageError("each --output needs a --format before it")
    pairs = [
        (fmt, outputs[i] if i < len(outputs) else "-") for i, fmt in enumerate(formats)
    ]
    if sum(1 for _, output in pairs if output == "-") > 1:
        raise click.UsageError(
            "only one format can go to stdout; give the others an --output file"
        )
    return pairs


def _select(rules: list[Any], selected: Sequence[str]) -> list[Any]:
    if not selected:
        return rules
    known = {rule.id for rule in rules}
    unknown = sorted(set(selected) - known)
    if unknown:
        raise UsageError(
            f"--select: unknown rule id {', '.join(unknown)}; see the rules folder"
        )
    return [rule for rule in rules if rule.id in selected]


def _write_reports(result: ScanResult, destinations: Sequence[tuple[str, str]]) -> None:
    from apiguard.report import renderer

    for format_name, output in destinations:
        if output == "-":
            color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
            sys.stdout.write(renderer(format_name)(result, color=color))
            sys.stdout.flush()
        else:
            write_atomically(Path(output), renderer(format_name)(result))


def _exit_code(result: ScanResult, fail_on: str) -> int:
    if not result.trusted:
        return EXIT_ERROR
    threshold = severity_rank(fail_on)
    if any(severity_rank(finding.severity) >= threshold for finding in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK


class _Progress:
    """A progress bar on stderr, shown only on a terminal and after a moment."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()
        self.drawn = False

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.drawn:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def update(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.started < PROGRESS_DELAY_SECONDS:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\rscanning [{bar}] {done}/{total} files")
        sys.stderr.flush()
        self.drawn = True
