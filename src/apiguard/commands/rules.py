"""`apiguard rules`: list, show, validate and test rules and rule packs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from apiguard.commands.common import configure_logging, guarded
from apiguard.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from apiguard.findings import SEVERITIES

if TYPE_CHECKING:
    from apiguard.rulecheck import FixtureOutcome, Validation
    from apiguard.rules import Rule
    from apiguard.ruleset import RuleSet

Command = TypeVar("Command", bound=Callable[..., Any])


def _rule_dir_options(command: Command) -> Command:
    command = click.option(
        "--no-builtin-rules", is_flag=True, help="Load only the --rules folders."
    )(command)
    return click.option(
        "--rules",
        "rule_dirs",
        multiple=True,
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of your own rule files (YAML); repeat it for several.",
    )(command)


def _run(body: Callable[[], int]) -> None:
    configure_logging(0)
    sys.exit(guarded(body, 0))


@click.group()
def rules() -> None:
    """List, show, validate and test rules, built-in ones and your own."""


@rules.command("list")
@click.option(
    "--category",
    "categories",
    multiple=True,
    help="Only rules of this category; repeat it for several.",
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    type=click.Choice(SEVERITIES),
    help="Only rules of this severity; repeat it for several.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Only rules that run on this document kind (openapi, kubernetes, "
    "text...); repeat it for several.",
)
@click.option(
    "--pack",
    metavar="NAME",
    help="Only the rules that this pack includes, at the severity it gives them.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@_rule_dir_options
def list_rules(
    categories: tuple[str, ...],
    severities: tuple[str, ...],
    kinds: tuple[str, ...],
    pack: str | None,
    output_format: str,
    rule_dirs: tuple[Path, ...],
    no_builtin_rules: bool,
) -> None:
    """List the rules, one line each, sorted by id."""

    def body() -> int:
        rule_set = _load(rule_dirs, no_builtin_rules)
        listed = _in_pack(rule_set, pack) if pack else list(rule_set.rules)
        listed = [
            rule
            for rule in sorted(listed, key=lambda rule: rule.id)
            if (not categories or rule.category in categories)
            and (not severities or rule.severity in severities)
            and (not kinds or not set(kinds).isdisjoint(rule.kinds))
        ]
        if output_format == "json":
            click.echo(json.dumps(_rules_json(listed, rule_set), indent=2))
        else:
            click.echo(_rules_text(listed), nl=False)
        return EXIT_OK

    _run(body)


def _load(rule_dirs: Sequence[Path], no_builtin_rules: bool) -> RuleSet:
    from apiguard.ruleset import load_rule_set

    return load_rule_set(rule_dirs, builtin=not no_builtin_rules)


def _in_pack(rule_set: RuleSet, pack: str) -> list[Rule]:
    from apiguard.rulepacks import choose_rules

    if pack not in rule_set.packs:
        known = ", ".join(sorted(rule_set.packs))
        raise UsageError(f"--pack: unknown pack {pack}; known packs: {known}")
    chosen = choose_rules(rule_set.rules, rule_set.packs, [pack])
    return [
        replace(rule, severity=chosen[rule.id] or rule.severity)
        for rule in rule_set.rules
        if rule.id in chosen
    ]


def _rules_text(listed: Sequence[Rule]) -> str:
    rows = [("ID", "SEVERITY", "CATEGORY", "KINDS", "TITLE")]
    rows += [
        (rule.id, rule.severity, rule.category, ",".join(rule.kinds), rule.title)
        for rule in listed
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(
            cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)
        )
        + f"  {row[4]}"
        for row in rows
    ]
    lines.append(_count(len(listed), "rule"))
    return "\n".join(lines) + "\n"


def _rules_json(listed: Sequence[Rule], rule_set: RuleSet) -> list[dict[str, Any]]:
    from apiguard.rulepacks import choose_rules

    members: dict[str, list[str]] = {rule.id: [] for rule in listed}
    for name in sorted(rule_set.packs):
        for rule_id in choose_rules(rule_set.rules, rule_set.packs, [name]):
            if rule_id in members:
                members[rule_id].append(name)
    return [
        {
            "id": rule.id,
            "title": rule.title,
            "severity": rule.severity,
            "category": rule.category,
            "kinds": list(rule.kinds),
            "cwe": list(rule.cwe),
            "owasp": list(rule.owasp),
            "references": list(rule.references),
            "builtin": rule.builtin,
            "packs": members[rule.id],
            "source": rule.source.as_posix(),
        }
        for rule in listed
    ]


@rules.command()
@click.argument("rule_id")
@_rule_dir_options
def show(rule_id: str, rule_dirs: tuple[Path, ...], no_builtin_rules: bool) -> None:
    """Show a rule: its metadata, help, remediation and fixture examples.

    The output is the Markdown page of docs/rules/ for a built-in rule. The
    examples come from the rule's fixture folder, when it exists.
    """
    from apiguard.ruledocs import rule_page

    def body() -> int:
        rule_set = _load(rule_dirs, no_builtin_rules)
        matching = [rule for rule in rule_set.rules if rule.id == rule_id]
        if not matching:
            raise UsageError(
                f"rule {rule_id!r} not found; `apiguard rules list` shows the ids"
            )
        click.echo(rule_page(matching[0], rule_set), nl=False)
        return EXIT_OK

    _run(body)


@rules.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--builtin",
    is_flag=True,
    help="Validate the built-in rules and packs too; their fixture folders are "
    "in tests/fixtures/rules/ of a source checkout.",
)
def validate(paths: tuple[Path, ...], builtin: bool) -> None:
    """Check rule files and pack files in PATHS (files or folders).

    Checks the rule schema, RE2 patterns, JSONPath queries, detector plugin
    names, that each id equals its file name, and that each rule has a
    fixture folder. Prints one line per problem. Exit codes: 0 all valid
    (warnings allowed), 1 problems found, 2 a bad path or option.
    """
    from apiguard import rulecheck

    def body() -> int:
        rule_paths, pack_paths = _files(paths, builtin)
        if not rule_paths and not pack_paths:
            raise UsageError("no rule or pack files found; give files or folders")
        outcome = rulecheck.validate(rule_paths, pack_paths)
        _print_validation(outcome)
        return EXIT_FINDINGS if outcome.errors else EXIT_OK

    _run(body)


def _files(paths: Sequence[Path], builtin: bool) -> tuple[list[Path], list[Path]]:
    """Return the rule and pack files in `paths`, and the built-in ones if asked."""
    from apiguard.rulecheck import collect_files
    from apiguard.rulepacks import builtin_packs_dir
    from apiguard.rules import builtin_rules_dir

    if not paths and not builtin:
        raise UsageError("give PATHS, or --builtin for the built-in rules")
    rule_paths, pack_paths = collect_files(
        [*paths, builtin_rules_dir()] if builtin else paths
    )
    if builtin:
        pack_paths += sorted(builtin_packs_dir().glob("*.yaml"))
    return rule_paths, pack_paths


def _print_validation(outcome: Validation) -> None:
    for issue in outcome.issues:
        click.echo(f"{issue.level}: {issue.message}")
    files = (
        f"{_count(outcome.rule_files, 'rule file')} and "
        f"{_count(outcome.pack_files, 'pack file')}"
    )
    errors = _count(len(outcome.errors), "error")
    warnings = _count(len(outcome.warnings), "warning")
    if outcome.errors:
        click.echo(f"{errors} and {warnings} in {files}")
    else:
        click.echo(f"{files} checked: no errors, {warnings}")


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--builtin",
    is_flag=True,
    help="Test the built-in rules too, with tests/fixtures/rules/ of a source "
    "checkout.",
)
def test_rules(paths: tuple[Path, ...], builtin: bool) -> None:
    """Run every rule in PATHS (files or folders) against its fixture folder.

    The fixtures of `<folder>/<id>.yaml` are in `fixtures/<id>/` next to
    `<folder>`. A failure prints the lines expected to be flagged and the
    lines found. Exit codes: 0 all passed, 1 a rule failed, 2 a bad path or
    option.
    """
    from apiguard.rulecheck import fixture_outcome_of_file

    def body() -> int:
        rule_paths, _ = _files(paths, builtin)
        if not rule_paths:
            raise UsageError("no rule files found; give files or folders")
        outcomes = [fixture_outcome_of_file(path) for path in rule_paths]
        for outcome in outcomes:
            _print_outcome(outcome)
        failed = sum(not outcome.passed for outcome in outcomes)
        passed = _count(len(outcomes) - failed, "rule")
        click.echo(f"{passed} passed, {failed} failed")
        return EXIT_FINDINGS if failed else EXIT_OK

    _run(body)


def _print_outcome(outcome: FixtureOutcome) -> None:
    if outcome.passed:
        click.echo(
            f"PASS {outcome.rule_id} ({outcome.expected} expected findings "
            f"in {outcome.files} fixture files)"
        )
        return
    click.echo(f"FAIL {outcome.rule_id} ({outcome.source})")
    for problem in outcome.problems:
        click.echo(f"  {problem}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
