"""Load the rules and packs of a scan, and find each rule's fixture folder.

A rule directory contains rule files and pack files (`<name>.pack.yaml`). Files
below a folder named `fixtures` are test inputs, not rules. The fixtures of a
rule file `<folder>/<id>.yaml` are in `fixtures/<id>/` next to `<folder>`, so
`policies/rules/acme-owner.yaml` is tested with `policies/fixtures/acme-owner/`.
The built-in rules keep theirs in `tests/fixtures/rules/<id>/` of the source
tree, which an installed wheel does not contain.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from apiguard.errors import RuleError
from apiguard.rulepacks import (
    Pack,
    builtin_packs,
    check_pack_rules,
    is_pack_file,
    load_pack_file,
)
from apiguard.rules import (
    Rule,
    builtin_rules_dir,
    load_rule_file,
    load_rules,
    rule_files,
)

log = logging.getLogger(__name__)

FIXTURES_FOLDER = "fixtures"


@dataclass(frozen=True)
class RuleSet:
    """The loaded rules and every pack that can choose among them."""

    rules: tuple[Rule, ...]
    packs: Mapping[str, Pack]


def in_fixtures(path: Path, directory: Path) -> bool:
    """Return whether `path` lies below a `fixtures` folder inside `directory`."""
    return FIXTURES_FOLDER in path.relative_to(directory).parts[:-1]


def user_rule_files(directory: Path) -> list[Path]:
    """Return the rule files below `directory`, without packs and fixtures."""
    return [
        path
        for path in rule_files(directory)
        if not is_pack_file(path) and not in_fixtures(path, directory)
    ]


def user_pack_files(directory: Path) -> list[Path]:
    """Return the pack files below `directory`, outside fixture folders."""
    return [
        path
        for path in rule_files(directory)
        if is_pack_file(path) and not in_fixtures(path, directory)
    ]


def load_rule_set(directories: Iterable[Path], *, builtin: bool = True) -> RuleSet:
    """Load the built-in rules and packs and those in `directories`.

    Raise RuleError for an invalid rule or pack, a rule id used twice, or a
    pack name used twice.
    """
    rules: dict[str, Rule] = {}
    if builtin:
        rules = {rule.id: rule for rule in load_rules([], builtin=True)}
    packs = dict(builtin_packs())
    user_packs: list[Pack] = []
    for directory in directories:
        for path in user_rule_files(Path(directory)):
            _add_rule(rules, load_rule_file(path))
        for path in user_pack_files(Path(directory)):
            user_packs.append(_add_pack(packs, load_pack_file(path)))
    for pack in user_packs:
        check_pack_rules(pack, set(rules))
    log.debug("loaded %d rules and %d packs", len(rules), len(packs))
    return RuleSet(tuple(rules.values()), packs)


def _add_rule(rules: dict[str, Rule], rule: Rule) -> None:
    if rule.id in rules:
        raise RuleError(
            f"{rule.source}: rule {rule.id!r}: id is already used by "
            f"{rules[rule.id].source}; give each rule a unique id"
        )
    rules[rule.id] = rule


def _add_pack(packs: dict[str, Pack], pack: Pack) -> Pack:
    if pack.name in packs:
        raise RuleError(
            f"{pack.source}: pack {pack.name!r}: name is already used by "
            f"{packs[pack.name].source}; rename the pack file"
        )
    packs[pack.name] = pack
    return pack


def builtin_fixtures_dir() -> Path:
    """Return `tests/fixtures/rules` of the source tree that contains the rules."""
    return builtin_rules_dir().resolve().parent / "tests" / FIXTURES_FOLDER / "rules"


def is_builtin_rule_file(path: Path) -> bool:
    return path.resolve().is_relative_to(builtin_rules_dir().resolve())


def fixture_folder(rule: Rule) -> Path:
    """Return the fixture folder of `rule`, which may not exist."""
    if rule.builtin or is_builtin_rule_file(rule.source):
        return builtin_fixtures_dir() / rule.id
    return rule.source.parent.parent / FIXTURES_FOLDER / rule.id
