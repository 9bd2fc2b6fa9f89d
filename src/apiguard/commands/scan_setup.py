"""Options and set-up shared by `apiguard scan` and `apiguard baseline`.

The options choose rules and files, and `prepare_scan` turns their values
into a ready scan."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from apiguard.errors import UsageError

if TYPE_CHECKING:
    from apiguard.config import Config
    from apiguard.engine import ScanOptions
    from apiguard.findings import Severity
    from apiguard.rules import Rule
    from apiguard.ruleset import RuleSet

log = logging.getLogger(__name__)

# A scan shorter than this shows no progress bar.
PROGRESS_DELAY_SECONDS = 0.5

Command = TypeVar("Command", bound=Callable[..., Any])

_OPTIONS = [
    click.option(
        "--rules",
        "rule_dirs",
        multiple=True,
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of extra rule files (YAML); repeat it for several.",
    ),
    click.option(
        "--no-builtin-rules", is_flag=True, help="Load only the --rules folders."
    ),
    click.option(
        "--pack",
        "packs",
        multiple=True,
        metavar="NAME",
        help="Rule pack to choose the rules from, in place of the configuration's "
        "extends; repeat it for several. Default: recommended.",
    ),
    click.option(
        "--select",
        "selected",
        multiple=True,
        metavar="RULE_ID",
        help="Run only this rule; repeat it for several.",
    ),
    click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        help="Configuration file. Default: .apiguard.yaml or pyproject.toml "
        "[tool.apiguard] in the scan root or the nearest folder above it.",
    ),
    click.option(
        "--exclude",
        multiple=True,
        metavar="GLOB",
        help="Gitignore-style glob of files not to scan; repeat it for several.",
    ),
    click.option(
        "--root",
        type=click.Path(path_type=Path, file_okay=False, exists=True),
        help="Folder that reported paths are relative to. Default: the git work "
        "tree that holds the paths, else their common folder.",
    ),
    click.option(
        "--max-file-size",
        type=click.IntRange(min=1),
        help="Files larger than this many bytes are reported and not scanned. "
        "Default: the configuration's max-file-size, else 10485760 (10 MiB).",
    ),
    click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Worker processes for large trees; 0 means one per CPU.",
    ),
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="APIGUARD_CACHE_DIR",
        help="Folder to keep each file's result in, keyed by its content, the "
        "rules and the apiguard version; a re-scan reads unchanged files' "
        "results from it. Env: APIGUARD_CACHE_DIR.",
    ),
    click.option(
        "--no-spec-validation",
        is_flag=True,
        help="Do not check OpenAPI documents against the specification's schema.",
    ),
    click.option(
        "-v",
        "--verbose",
        count=True,
        help="Log more: -v for progress, -vv for debugging.",
    ),
]


def scan_options(command: Command) -> Command:
    """Add the options that choose rules and files to a click command."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


@dataclass(frozen=True)
class ScanSettings:
    """The values of the options that `scan_options` adds."""

    rule_dirs: tuple[Path, ...] = ()
    no_builtin_rules: bool = False
    packs: tuple[str, ...] = ()
    selected: tuple[str, ...] = ()
    config_path: Path | None = None
    exclude: tuple[str, ...] = ()
    root: Path | None = None
    max_file_size: int | None = None
    jobs: int = 0
    cache_dir: Path | None = None
    no_spec_validation: bool = False
    verbose: int = 0


@dataclass(frozen=True)
class ScanSetup:
    """Everything a scan needs, after the configuration is read."""

    targets: list[Path]
    root: Path
    config: Config
    rules: list[Rule]
    options: ScanOptions


def prepare_scan(paths: Sequence[Path], settings: ScanSettings) -> ScanSetup:
    """Check the paths, read the configuration and load the rules."""
    from apiguard.config import find_config, load_config
    from apiguard.discover import choose_root
    from apiguard.engine import DEFAULT_MAX_FILE_SIZE, ScanOptions
    from apiguard.ruleset import load_rule_set

    targets = list(paths) or [Path(".")]
    for target in targets:
        if not target.exists() and not target.is_symlink():
            raise UsageError(f"{target}: no such file or directory")
    scan_root = (settings.root or choose_root(targets)).resolve()
    config = load_config(settings.config_path or find_config(scan_root))

    builtin = config.builtin_rules and not settings.no_builtin_rules
    rule_set = load_rule_set([*config.rule_dirs, *settings.rule_dirs], builtin=builtin)
    chosen = choose_pack_rules(rule_set, config, settings)
    rules = select_rules(config.apply(rule_set.rules, chosen), settings.selected)
    options = ScanOptions(
        max_file_size=settings.max_file_size
        or config.max_file_size
        or DEFAULT_MAX_FILE_SIZE,
        jobs=settings.jobs,
        exclude=settings.exclude,
        validate_specs=not settings.no_spec_validation,
        config_exclude=config.exclude,
        config_dir=config.source.parent if config.source else None,
        cache_dir=settings.cache_dir,
    )
    return ScanSetup(targets, scan_root, config, rules, options)


def choose_pack_rules(
    rule_set: RuleSet, config: Config, settings: ScanSettings
) -> dict[str, Severity | None]:
    """Return the rules that the packs choose; `--select` adds the rules it names.

    The packs are those of `--pack`, else the configuration's `extends`, else
    the default pack.
    """
    from apiguard.errors import ConfigError
    from apiguard.rulepacks import DEFAULT_PACK, choose_rules, unknown_packs

    names = settings.packs or config.extends or (DEFAULT_PACK,)
    unknown = ", ".join(unknown_packs(names, rule_set.packs))
    if unknown:
        known = ", ".join(sorted(rule_set.packs))
        if settings.packs:
            raise UsageError(f"--pack: unknown pack {unknown}; known packs: {known}")
        raise ConfigError(
            f"{config.source}: key 'extends': unknown pack {unknown}; "
            f"known packs: {known}"
        )
    chosen = choose_rules(rule_set.rules, rule_set.packs, names)
    for rule_id in settings.selected:
        chosen.setdefault(rule_id, None)
    builtin_ids = {rule.id for rule in rule_set.rules if rule.builtin}
    if builtin_ids and builtin_ids.isdisjoint(chosen):
        log.warning("no built-in rule runs: pack %s includes none", ", ".join(names))
    return chosen


def select_rules(rules: list[Rule], selected: Sequence[str]) -> list[Rule]:
    if not selected:
        return rules
    known = {rule.id for rule in rules}
    unknown = sorted(set(selected) - known)
    if unknown:
        raise UsageError(
            f"--select: unknown rule id {', '.join(unknown)}; see the rules folder"
        )
    return [rule for rule in rules if rule.id in selected]


class Progress:
    """A progress bar on stderr, shown only on a terminal and after a moment."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()
        self.drawn = False

    def __enter__(self) -> Progress:
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
