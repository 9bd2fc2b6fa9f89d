"""`apiguard scan`: find problems in files and write reports."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from apiguard.commands.common import configure_logging, guarded
from apiguard.commands.scan_setup import (
    Progress,
    ScanSettings,
    ScanSetup,
    prepare_scan,
    scan_options,
)
from apiguard.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from apiguard.fileio import write_atomically
from apiguard.findings import SEVERITIES, severity_rank
from apiguard.report import REPORTERS
from apiguard.result import ScanResult

log = logging.getLogger(__name__)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(sorted(REPORTERS)),
    help="Output format; repeat it for several. Default: text, and in GitHub "
    "Actions (GITHUB_ACTIONS=true) text followed by github annotations.",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    help="File for the format in the same position; '-' or none means stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit with 1 when a finding has this severity or a higher one. "
    "Default: the configuration's fail-on, else info (any finding).",
)
@click.option(
    "--show-suppressed",
    is_flag=True,
    help="List suppressed findings too (they never change the exit code).",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Baseline file from `apiguard baseline create`: report only findings "
    "that it does not list.",
)
@click.option(
    "--diff-base",
    metavar="REV",
    help="Scan the files changed since the commit REV and report only findings "
    "on added or changed lines.",
)
@click.option(
    "--staged",
    is_flag=True,
    help="Scan the staged content of staged files and report only findings on "
    "staged added lines.",
)
@click.option(
    "--commits",
    "revision_range",
    metavar="BASE..HEAD",
    help="Scan the lines that each commit in the range added, with the secret "
    "rules only; findings name their commit.",
)
@scan_options
def scan(
    paths: tuple[Path, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    fail_on: str | None,
    show_suppressed: bool,
    baseline_path: Path | None,
    diff_base: str | None,
    staged: bool,
    revision_range: str | None,
    **settings: Any,
) -> None:
    """Scan PATHS (default: the current folder) and report findings.

    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 the scan
    cannot be trusted (bad option, rule or input; see the README).
    """
    scan_settings = ScanSettings(**settings)
    configure_logging(scan_settings.verbose)
    destinations = _pair_outputs(formats or ("text",), outputs)
    annotate = not formats and os.environ.get("GITHUB_ACTIONS") == "true"
    modes = [diff_base is not None, staged, revision_range is not None]
    if sum(modes) > 1:
        raise click.UsageError("use only one of --diff-base, --staged and --commits")

    def run() -> int:
        setup = prepare_scan(paths, scan_settings)
        result = _run_scan(setup, diff_base, staged, revision_range)
        result.findings = setup.config.adjust_severities(result.findings)
        result.suppressed = setup.config.adjust_severities(result.suppressed)
        if baseline_path is not None:
            _apply_baseline(result, baseline_path)
        result.command_line = ["apiguard", *sys.argv[1:]]
        result.show_suppressed = show_suppressed
        _write_reports(result, destinations, annotate=annotate)
        return _exit_code(result, fail_on or setup.config.fail_on or "info")

    sys.exit(guarded(run, scan_settings.verbose))


def _run_scan(
    setup: ScanSetup,
    diff_base: str | None,
    staged: bool,
    revision_range: str | None,
) -> ScanResult:
    from apiguard import gitdiff
    from apiguard.engine import scan as run_scan

    common: dict[str, Any] = {"root": setup.root, "options": setup.options}
    if setup.options.cache_dir is not None and (staged or revision_range):
        log.warning(
            "--cache-dir is not used with --staged or --commits, which scan "
            "content read from git, not files"
        )
    if diff_base is not None:
        return gitdiff.scan_diff(setup.targets, setup.rules, base=diff_base, **common)
    if staged:
        return gitdiff.scan_staged(setup.targets, setup.rules, **common)
    if revision_range is not None:
        return gitdiff.scan_commits(
            setup.targets, setup.rules, revision_range=revision_range, **common
        )
    with Progress() as progress:
        return run_scan(setup.targets, setup.rules, progress=progress.update, **common)


def _apply_baseline(result: ScanResult, baseline_path: Path) -> None:
    from apiguard.baseline import load_baseline, split_findings

    split = split_findings(result.findings, load_baseline(baseline_path))
    result.findings = split.new
    result.baselined = split.baselined


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


def _write_reports(
    result: ScanResult,
    destinations: Sequence[tuple[str, str]],
    *,
    annotate: bool = False,
) -> None:
    from apiguard.report import renderer

    for format_name, output in destinations:
        if output == "-":
            color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
            sys.stdout.write(renderer(format_name)(result, color=color))
        else:
            write_atomically(Path(output), renderer(format_name)(result))
    if annotate:
        sys.stdout.write(renderer("github")(result))
    sys.stdout.flush()


def _exit_code(result: ScanResult, fail_on: str) -> int:
    if not result.trusted:
        return EXIT_ERROR
    threshold = severity_rank(fail_on)
    if any(severity_rank(finding.severity) >= threshold for finding in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK
