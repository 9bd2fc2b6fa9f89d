"""Find, read and validate the user's configuration.

The configuration is `.apiguard.yaml` (or `.apiguard.yml`), or the
`[tool.apiguard]` table of `pyproject.toml`, in the scan root or the nearest
folder above it that has one. In one folder `.apiguard.yaml` wins.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from apiguard.errors import ConfigError
from apiguard.findings import Severity
from apiguard.load import Document, ParseProblem, parse_yaml
from apiguard.rules import Rule

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

log = logging.getLogger(__name__)

CONFIG_NAMES = (".apiguard.yaml", ".apiguard.yml")


@dataclass(frozen=True)
class RuleSettings:
    enabled: bool = True
    severity: Severity | None = None
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    source: Path | None = None
    rule_dirs: tuple[Path, ...] = ()
    builtin_rules: bool = True
    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: Severity | None = None
    max_file_size: int | None = None
    rules: Mapping[str, RuleSettings] = field(default_factory=dict)

    def apply(self, rules: Sequence[Rule]) -> list[Rule]:
        """Return the enabled rules with severity and exclude overrides applied.

        Raise ConfigError for a rule id that no loaded rule has.
        """
        known = {rule.id for rule in rules}
        for rule_id in [*self.rules, *self.select]:
            if rule_id not in known:
                raise ConfigError(
                    f"{self.source}: unknown rule id {rule_id!r}; "
                    "check the spelling or the rule-dirs that define it"
                )
        selected = [rule for rule in rules if not self.select or rule.id in self.select]
        return [
            _override(rule, self.rules[rule.id]) if rule.id in self.rules else rule
            for rule in selected
            if self.rules.get(rule.id, RuleSettings()).enabled
        ]


def _override(rule: Rule, settings: RuleSettings) -> Rule:
    return replace(
        rule,
        severity=settings.severity or rule.severity,
        exclude_paths=rule.exclude_paths + settings.exclude,
    )


def find_config(start: Path) -> Path | None:
    """Return the configuration file for `start` or the nearest folder above it."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _pyproject_table(pyproject) is not None:
            return pyproject
    return None


def load_config(path: Path | None) -> Config:
    """Read and validate a configuration file; None gives the defaults."""
    if path is None:
        return Config()
    data = _pyproject_table(path) if path.name == "pyproject.toml" else _read_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of settings")
    _validate(path, data)
    log.debug("configuration from %s", path)
    return _config_from(path, data)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from error
    documents = list(parse_yaml(text))
    for item in documents:
        if isinstance(item, ParseProblem):
            where = f":{item.line}" if item.line else ""
            raise ConfigError(f"{path}{where}: invalid YAML: {item.message}")
    if not documents:
        return None
    first = documents[0]
    return first.data if isinstance(first, Document) else None


def _pyproject_table(path: Path) -> Any:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    return data.get("tool", {}).get("apiguard")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    text = (resources.files("apiguard") / "schemas" / "config.schema.json").read_text(
        encoding="utf-8"
    )
    return jsonschema.Draft202012Validator(json.loads(text))


def _validate(path: Path, data: Mapping[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(data), key=lambda e: -len(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    raise ConfigError(f"{path}: key {key!r}: {error.message}")


def _config_from(path: Path, data: Mapping[str, Any]) -> Config:
    base = path.parent
    rules = {
        rule_id: RuleSettings(
            enabled=settings.get("enabled", True),
            severity=settings.get("severity"),
            exclude=tuple(settings.get("exclude", ())),
        )
        for rule_id, settings in data.get("rules", {}).items()
    }
    return Config(
        source=path,
        rule_dirs=tuple(base / directory for directory in data.get("rule-dirs", ())),
        builtin_rules=data.get("builtin-rules", True),
        select=tuple(data.get("select", ())),
        exclude=tuple(data.get("exclude", ())),
        fail_on=data.get("fail-on"),
        max_file_size=data.get("max-file-size"),
        rules=rules,
    )
