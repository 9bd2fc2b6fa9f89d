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
from typing import TYPE_CHECKING, Any

from apiguard.errors import ConfigError
from apiguard.findings import Finding, Severity
from apiguard.load import Document, ParseProblem, parse_yaml
from apiguard.pathglobs import matches, switch_lines
from apiguard.rules import Rule

if TYPE_CHECKING:
    import jsonschema

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

log = logging.getLogger(__name__)

CONFIG_NAMES = (".apiguard.yaml", ".apiguard.yml")


@dataclass(frozen=True)
class RuleSettings:
    """Settings for one rule; None keeps the value from the packs or the rule."""

    enabled: bool | None = None
    severity: Severity | None = None
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class PathOverride:
    """Rule settings for the files that gitignore-style `paths` match."""

    paths: tuple[str, ...]
    rules: Mapping[str, RuleSettings]


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
    extends: tuple[str, ...] = ()
    """Packs to choose the rules from; empty means the default pack."""
    overrides: tuple[PathOverride, ...] = ()

    def apply(
        self, rules: Sequence[Rule], chosen: Mapping[str, Severity | None] | None = None
    ) -> list[Rule]:
        """Return the rules to run, with the configuration's settings applied.

        `chosen` maps the ids of the rules that the packs choose to a severity
        change or None; without it every rule is chosen. `select` picks among
        all rules, whatever the packs choose. A rule that is off except under
        some override's paths runs on those paths only. Raise ConfigError for
        a rule id that no loaded rule has.
        """
        self._check_ids({rule.id for rule in rules})
        if self.select:
            chosen = {rule_id: (chosen or {}).get(rule_id) for rule_id in self.select}
        elif chosen is None:
            chosen = {rule.id: None for rule in rules}
        applied = (self._apply_one(rule, chosen) for rule in rules)
        return [rule for rule in applied if rule is not None]

    def _check_ids(self, known: set[str]) -> None:
        keys = [("rules", rule_id) for rule_id in self.rules]
        keys += [("select", rule_id) for rule_id in self.select]
        for index, override in enumerate(self.overrides):
            keys += [
                (f"overrides.{index}.rules", rule_id) for rule_id in override.rules
            ]
        for key, rule_id in keys:
            if rule_id not in known:
                raise ConfigError(
                    f"{self.source}: key {key!r}: unknown rule id {rule_id!r}; "
                    "check the spelling or the rule-dirs that define it"
                )

    def _apply_one(
        self, rule: Rule, chosen: Mapping[str, Severity | None]
    ) -> Rule | None:
        if self.select and rule.id not in self.select:
            return None
        settings = self.rules.get(rule.id, RuleSettings())
        enabled = rule.id in chosen if settings.enabled is None else settings.enabled
        lines = switch_lines(enabled, self._switches(rule.id))
        if lines is None:
            return None
        return replace(
            rule,
            severity=settings.severity or chosen.get(rule.id) or rule.severity,
            exclude_paths=(*lines, *rule.exclude_paths, *settings.exclude),
        )

    def _switches(self, rule_id: str) -> list[tuple[bool, tuple[str, ...]]]:
        """Return (enabled, paths) of each override that turns `rule_id` on or off."""
        switches = []
        for override in self.overrides:
            settings = override.rules.get(rule_id)
            if settings is not None and settings.enabled is not None:
                switches.append((settings.enabled, override.paths))
        return switches

    def path_severity(self, rule_id: str, path: str) -> Severity | None:
        """Return the severity that the last override matching `path` sets, if any."""
        severity = None
        for override in self.overrides:
            settings = override.rules.get(rule_id)
            if settings and settings.severity and matches(override.paths, path):
                severity = settings.severity
        return severity

    def adjust_severities(self, findings: Sequence[Finding]) -> list[Finding]:
        """Return `findings` with the severities that the overrides set by path."""
        adjusted = []
        for finding in findings:
            severity = self.path_severity(finding.rule_id, finding.path)
            if severity is not None:
                finding = replace(finding, severity=severity)
            adjusted.append(finding)
        return adjusted


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
    import jsonschema

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


def _rule_settings(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, RuleSettings]:
    return {
        rule_id: RuleSettings(
            enabled=settings.get("enabled"),
            severity=settings.get("severity"),
            exclude=tuple(settings.get("exclude", ())),
        )
        for rule_id, settings in raw.items()
    }


def _overrides(raw: Sequence[Mapping[str, Any]]) -> tuple[PathOverride, ...]:
    return tuple(
        PathOverride(tuple(item["paths"]), _rule_settings(item["rules"]))
        for item in raw
    )


def _config_from(path: Path, data: Mapping[str, Any]) -> Config:
    base = path.parent
    extends = data.get("extends", ())
    return Config(
        source=path,
        rule_dirs=tuple(base / directory for directory in data.get("rule-dirs", ())),
        builtin_rules=data.get("builtin-rules", True),
        select=tuple(data.get("select", ())),
        exclude=tuple(data.get("exclude", ())),
        fail_on=data.get("fail-on"),
        max_file_size=data.get("max-file-size"),
        rules=_rule_settings(data.get("rules", {})),
        extends=(extends,) if isinstance(extends, str) else tuple(extends),
        overrides=_overrides(data.get("overrides", ())),
    )
