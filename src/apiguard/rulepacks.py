"""Rule packs: named choices of rules, read from YAML files.

The built-in packs are the files in `apiguard/packs/`. A rule directory may
add its own as `<name>.pack.yaml`. A pack includes built-in rules, all of
them or those of some categories, optionally from a minimum severity up. It
can extend other packs, and turn single rules on or off or change their
severity. Rules from rule directories belong to every pack, so a pack chooses
only among the built-in rules unless it turns one of those rules off.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apiguard.config import RuleSettings
from apiguard.errors import RuleError
from apiguard.findings import Severity, severity_rank
from apiguard.load import Document, ParseProblem, parse_yaml
from apiguard.rules import Rule

if TYPE_CHECKING:
    import jsonschema

log = logging.getLogger(__name__)

PACK_SUFFIXES = (".pack.yaml", ".pack.yml")
DEFAULT_PACK = "recommended"

# The rules a pack chooses, by id, each with a severity change or None, which
# keeps the rule's own severity.
Choice = dict[str, Severity | None]


@dataclass(frozen=True)
class Pack:
    """A validated pack file."""

    name: str
    description: str
    source: Path
    extends: tuple[str, ...] = ()
    include_all: bool = False
    categories: tuple[str, ...] = ()
    min_severity: Severity | None = None
    rules: Mapping[str, RuleSettings] = field(default_factory=dict)
    builtin: bool = False

    def includes(self, rule: Rule) -> bool:
        """Return whether `include` adds `rule`, which is true for every user rule."""
        if not rule.builtin:
            return True
        if not (self.include_all or rule.category in self.categories):
            return False
        if self.min_severity is None:
            return True
        return severity_rank(rule.severity) >= severity_rank(self.min_severity)


def is_pack_file(path: Path) -> bool:
    return path.name.endswith(PACK_SUFFIXES)


def builtin_packs_dir() -> Path:
    return Path(str(resources.files("apiguard") / "packs"))


@cache
def builtin_packs() -> Mapping[str, Pack]:
    """Read the built-in packs, which the test suite checks against the schema."""
    files = sorted(builtin_packs_dir().glob("*.yaml"))
    packs = [load_pack_file(path, builtin=True) for path in files]
    return {pack.name: pack for pack in packs}


def pack_name(path: Path) -> str:
    for suffix in PACK_SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem


def load_pack_file(path: Path, *, builtin: bool = False) -> Pack:
    """Read and validate one pack file; raise RuleError.

    Only packs from rule directories are checked against the pack schema,
    which keeps jsonschema out of the start-up of a scan.
    """
    name = pack_name(path)
    data = _read_pack_yaml(path)
    if not builtin:
        _check_schema(path, name, data)
    include = data.get("include", {})
    extends = data.get("extends", ())
    return Pack(
        name=name,
        description=str(data["description"]).strip(),
        source=path,
        extends=(extends,) if isinstance(extends, str) else tuple(extends),
        include_all=bool(include.get("all", False)),
        categories=tuple(include.get("categories", ())),
        min_severity=include.get("min-severity"),
        rules=_settings(data.get("rules", {})),
        builtin=builtin,
    )


def _settings(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, RuleSettings]:
    return {
        rule_id: RuleSettings(
            enabled=settings.get("enabled"), severity=settings.get("severity")
        )
        for rule_id, settings in raw.items()
    }


def _read_pack_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleError(f"{path}: cannot read pack file: {error}") from error
    documents = list(parse_yaml(text))
    for item in documents:
        if isinstance(item, ParseProblem):
            where = f" line {item.line}:" if item.line else ""
            raise RuleError(f"{path}:{where} invalid YAML in pack file: {item.message}")
    if len(documents) != 1 or not isinstance(documents[0], Document):
        raise RuleError(f"{path}: a pack file must hold exactly one YAML document")
    data = documents[0].data
    if not isinstance(data, dict):
        raise RuleError(f"{path}: a pack file must be a YAML mapping")
    return data


@cache
def _pack_validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    text = (resources.files("apiguard") / "schemas" / "pack.schema.json").read_text(
        encoding="utf-8"
    )
    return jsonschema.Draft202012Validator(json.loads(text))


def _check_schema(path: Path, name: str, data: Mapping[str, Any]) -> None:
    errors = sorted(
        _pack_validator().iter_errors(data), key=lambda e: -len(e.absolute_path)
    )
    if not errors:
        return
    error = errors[0]
    location = "/".join(str(part) for part in error.absolute_path) or "(top level)"
    raise RuleError(f"{path}: pack {name!r}: field {location!r}: {error.message}")


def check_pack_rules(pack: Pack, known_ids: set[str]) -> None:
    """Raise RuleError when `pack` sets a rule id that no loaded rule has."""
    for rule_id in pack.rules:
        if rule_id not in known_ids:
            raise RuleError(
                f"{pack.source}: pack {pack.name!r}: field 'rules/{rule_id}': "
                f"unknown rule id {rule_id!r}; check the spelling or load the "
                "rule directory that defines it"
            )


def unknown_packs(names: Sequence[str], packs: Mapping[str, Pack]) -> list[str]:
    return [name for name in names if name not in packs]


def choose_rules(
    rules: Sequence[Rule], packs: Mapping[str, Pack], names: Sequence[str]
) -> Choice:
    """Return the rules that the packs `names` include, with severity changes.

    A rule is chosen when any of the packs includes it; for a severity that
    two packs change, the later pack wins. Every name must be a key of
    `packs` (see `unknown_packs`). Raise RuleError for an unknown pack in an
    `extends` list or a cycle of packs.
    """
    chosen: Choice = {}
    for name in names:
        _merge(chosen, _resolve(packs[name], rules, packs, ()))
    return chosen


def check_extends(pack: Pack, packs: Mapping[str, Pack]) -> None:
    """Raise RuleError for an unknown pack or a cycle below `pack`'s `extends`."""
    _walk(pack, packs, ())


def _walk(pack: Pack, packs: Mapping[str, Pack], chain: tuple[str, ...]) -> None:
    chain = (*chain, pack.name)
    for name in pack.extends:
        _walk(_parent(pack, name, packs, chain), packs, chain)


def _resolve(
    pack: Pack,
    rules: Sequence[Rule],
    packs: Mapping[str, Pack],
    chain: tuple[str, ...],
) -> Choice:
    chain = (*chain, pack.name)
    chosen: Choice = {}
    for parent in pack.extends:
        _merge(
            chosen, _resolve(_parent(pack, parent, packs, chain), rules, packs, chain)
        )
    for rule in rules:
        if pack.includes(rule):
            chosen.setdefault(rule.id, None)
    for rule_id, settings in pack.rules.items():
        if settings.enabled is False:
            chosen.pop(rule_id, None)
        elif settings.enabled or rule_id in chosen:
            chosen[rule_id] = settings.severity or chosen.get(rule_id)
    return chosen


def _parent(
    pack: Pack, name: str, packs: Mapping[str, Pack], chain: tuple[str, ...]
) -> Pack:
    where = f"{pack.source}: pack {pack.name!r}: field 'extends'"
    if name in chain:
        cycle = " -> ".join((*chain, name))
        raise RuleError(f"{where}: packs extend each other in a cycle ({cycle})")
    if name not in packs:
        known = ", ".join(sorted(packs))
        raise RuleError(f"{where}: unknown pack {name!r}; known packs: {known}")
    return packs[name]


def _merge(chosen: Choice, more: Choice) -> None:
    for rule_id, severity in more.items():
        if severity is not None or rule_id not in chosen:
            chosen[rule_id] = severity
