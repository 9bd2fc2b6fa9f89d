"""`apiguard baseline`: record today's findings so later scans show only new ones."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from apiguard.commands.common import configure_logging, guarded
from apiguard.commands.scan_setup import (
    Progress,
    ScanSettings,
    ScanSetup,
    prepare_scan,
    scan_options,
)
from apiguard.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from apiguard.baseline import Baseline
    from apiguard.result import ScanResult

# Scan problems listed in the error for an incomplete scan.
MAX_LISTED_PROBLEMS = 3


@click.group()
def baseline() -> None:
    """Create or update a baseline file of known findings.

    `apiguard scan --baseline FILE` then reports only findings that FILE does
    not list. The file contains rule ids, paths and fingerprints, never a line
    number or a secret, so known findings stay known when lines move.
    """


@baseline.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Baseline file to write; an existing file is replaced.",
)
@scan_options
def create(paths: tuple[Path, ...], output: Path, **settings: Any) -> None:
    """Write a baseline of every finding in PATHS.

    PATHS default to the current folder. The rule and file options work as
    in `apiguard scan`.
    """
    from apiguard.baseline import Baseline

    def run() -> int:
        result = _scan(paths, ScanSettings(**settings))
        _write(output, Baseline.from_findings(result.findings))
        return EXIT_OK

    _run(run, settings)


@baseline.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--no-new",
    is_flag=True,
    help="Only drop entries of fixed findings; add no new findings.",
)
@scan_options
def update(file: Path, paths: tuple[Path, ...], no_new: bool, **settings: Any) -> None:
    """Rewrite the baseline FILE with the current findings in PATHS.

    PATHS default to the current folder. Entries for files outside PATHS are
    kept as they are.
    """
    from apiguard.baseline import load_baseline

    def run() -> int:
        old = load_baseline(file)
        scan_settings = ScanSettings(**settings)
        setup = prepare_scan(paths, scan_settings)
        result = _scan_setup(setup)
        new = _merge(old, result, setup, add_new=not no_new)
        _write(file, new)
        added = sum((new.counts() - old.counts()).values())
        removed = sum((old.counts() - new.counts()).values())
        click.echo(
            f"apiguard: {added} finding{'s' if added != 1 else ''} added to the "
            f"baseline, {removed} removed",
            err=True,
        )
        return EXIT_OK

    _run(run, settings)


def _run(run: Callable[[], int], settings: dict[str, Any]) -> None:
    verbose = int(settings.get("verbose", 0))
    configure_logging(verbose)
    sys.exit(guarded(run, verbose))


def _scan(paths: Sequence[Path], settings: ScanSettings) -> ScanResult:
    return _scan_setup(prepare_scan(paths, settings))


def _scan_setup(setup: ScanSetup) -> ScanResult:
    from apiguard.engine import scan

    with Progress() as progress:
        result = scan(
            setup.targets,
            setup.rules,
            root=setup.root,
            options=setup.options,
            progress=progress.update,
        )
    _require_complete(result)
    return result


def _require_complete(result: ScanResult) -> None:
    """Raise UsageError when some input could not be scanned.

    A baseline from an incomplete scan would leave out the findings of the
    files that were not read.
    """
    errors = [note for note in result.notifications if note.untrusted]
    if not errors:
        return
    listed = "; ".join(
        f"{note.path or 'apiguard'}: {note.message}"
        for note in errors[:MAX_LISTED_PROBLEMS]
    )
    raise UsageError(
        f"baseline not written: {len(errors)} problem(s) stopped the scan "
        f"({listed}); fix them and run the command again"
    )


def _merge(
    old: Baseline, result: ScanResult, setup: ScanSetup, *, add_new: bool
) -> Baseline:
    """Update the entries for the scanned paths; keep the others."""
    from apiguard.baseline import Baseline, updated
    from apiguard.gitdiff import in_targets, target_prefixes

    prefixes = target_prefixes(setup.targets, setup.root)
    scanned = Baseline(
        tuple(entry for entry in old.entries if in_targets(entry.path, prefixes))
    )
    kept = [entry for entry in old.entries if not in_targets(entry.path, prefixes)]
    fresh = updated(scanned, result.findings, add_new=add_new)
    return Baseline(tuple(sorted([*kept, *fresh.entries])))


def _write(path: Path, new: Baseline) -> None:
    from apiguard.baseline import write_baseline

    write_baseline(path, new)
    click.echo(
        f"apiguard: wrote {len(new.entries)} baseline entries "
        f"({new.finding_count} findings) to {path}",
        err=True,
    )
