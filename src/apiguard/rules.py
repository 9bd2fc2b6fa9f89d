"""Load and validate rule files: one YAML document per rule."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apiguard.errors import RuleError
from apiguard.findings import Severity
from apiguard.load import Document, ParseProblem, parse_yaml

if TYPE_CHECKING:
    import jsonschema

log = logging.getLogger(__name__)

RULE_SUFFIXES = (".yaml", ".yml")
HELP_URI_BASE = "https://github.com/apiguard-lint/apiguard/blob/main/docs/rules/"


@dataclass(frozen=True)
class Rule:
    """A validated rule; `match` is the rule file's match mapping."""

    id: str
    title: str
    severity: Severity
    category: str
    kinds: tuple[str, ...]
    """Document kinds the rule runs on; `text` is every file."""
    match: Mapping[str, Any]
    message: str
    help: str
    remediation: str
    source: Path
    tags: tuple[str, ...] = ()
    cwe: tuple[int, ...] = ()
    owasp: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    exclude_kinds: tuple[str, ...] = ()
    """The rule skips a file that holds a document of one of these kinds."""
    paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    secret: bool = False
    builtin: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def match_type(self) -> str:
        return str(self.match["type"])

    @property
    def help_uri(self) -> str:
        return f"{HELP_URI_BASE}{self.id}.md"


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("apiguard") / "rules"))


@cache
def _rule_validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    schema_text = (
        resources.files("apiguard") / "schemas" / "rule.schema.json"
    ).read_text(encoding="utf-8")
    schema = json.loads(schema_text)
    return jsonschema.Draft202012Validator(schema)


def rule_files(directory: Path) -> list[Path]:
    """Return the rule files below `directory`, sorted by path."""
    if not directory.is_dir():
        raise RuleError(f"{directory}: rule directory not found")
    return sorted(
        path
        for path in directory.rglob("*")
        if path.suffix in RULE_SUFFIXES and path.is_file()
    )


def load_rules(directories: Iterable[Path], *, builtin: bool = True) -> list[Rule]:
    """Load the built-in rules and those in `directories`; raise RuleError."""
    sources: list[tuple[Path, bool]] = []
    if builtin:
        sources.append((builtin_rules_dir(), True))
    sources.extend((Path(directory), False) for directory in directories)

    rules: dict[str, Rule] = {}
    for directory, is_builtin in sources:
        for path in rule_files(directory):
            rule = load_rule_file(path, builtin=is_builtin)
            if rule.id in rules:
                raise RuleError(
                    f"{path}: rule {rule.id!r}: id is already used by "
                    f"{rules[rule.id].source}; give each rule a unique id"
                )
            rules[rule.id] = rule
    log.debug("loaded %d rules", len(rules))
    return list(rules.values())


def load_rule_file(path: Path, *, builtin: bool = False) -> Rule:
    """Read, validate and compile one rule file; raise RuleError.

    A built-in rule is neither checked against the rule schema nor compiled
    here, which keeps jsonschema, jsonpath and detect-secrets out of the
    start-up of a small scan. The test suite loads every built-in rule file
    with the checks on, and each matcher compiles a rule when it first runs.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleError(f"{path}: cannot read rule file: {error}") from error
    data = _parse_rule_yaml(path, text)

    if not isinstance(data, dict):
        raise RuleError(f"{path}: a rule file must be a YAML mapping with an 'id'")
    rule_id = str(data.get("id", "?"))

    schema_error = None if builtin else _first_schema_error(data)
    if schema_error is not None:
        raise RuleError(f"{path}: rule {rule_id!r}: {schema_error}")
    if path.stem != rule_id:
        raise RuleError(
            f"{path}: rule {rule_id!r}: field 'id' must equal the file name "
            f"{path.stem!r}; rename the file or the id"
        )

    rule = Rule(
        id=rule_id,
        title=data["title"],
        severity=data["severity"],
        category=data["category"],
        kinds=tuple(data["kinds"]),
        match=data["match"],
        message=data["message"],
        help=data["help"],
        remediation=data["remediation"],
        source=path,
        tags=tuple(data.get("tags", ())),
        cwe=tuple(data.get("cwe", ())),
        owasp=tuple(data.get("owasp", ())),
        references=tuple(data.get("references", ())),
        exclude_kinds=tuple(data.get("exclude-kinds", ())),
        paths=tuple(data.get("paths", ())),
        exclude_paths=tuple(data.get("exclude-paths", ())),
        secret=bool(data.get("secret", False)),
        builtin=builtin,
    )
    if not builtin:
        _compile_check(rule)
    return rule


def _parse_rule_yaml(path: Path, text: str) -> Any:
    """Parse a rule file; keys stay text, so `on:` is not read as true."""
    documents = list(parse_yaml(text))
    for item in documents:
        if isinstance(item, ParseProblem):
            where = f" line {item.line}:" if item.line else ""
            raise RuleError(f"{path}:{where} invalid YAML in rule file: {item.message}")
    if len(documents) != 1:
        raise RuleError(f"{path}: a rule file must hold exactly one YAML document")
    document = documents[0]
    assert isinstance(document, Document)
    return document.data


def _first_schema_error(data: Mapping[str, Any]) -> str | None:
    errors = sorted(_rule_validator().iter_errors(data), key=_error_depth)
    if not errors:
        return None
    error = errors[0]
    location = "/".join(str(part) for part in error.absolute_path) or "(top level)"
    return f"field {location!r}: {error.message}"


def _error_depth(error: jsonschema.ValidationError) -> tuple[int, str]:
    # The deepest error names the exact field; `oneOf` wrappers are shallower.
    return (-len(error.absolute_path), error.message)


def _compile_check(rule: Rule) -> None:
    """Compile the rule's patterns and paths so a bad one fails at load."""
    from apiguard.matchers import MATCHERS

    matcher = MATCHERS.get(rule.match_type)
    if matcher is None:
        raise RuleError(f"{rule.source}: rule {rule.id!r}: unknown match type")
    try:
        matcher.prepare(rule)
    except RuleError:
        raise
    except ValueError as error:
        raise RuleError(f"{rule.source}: rule {rule.id!r}: {error}") from error
