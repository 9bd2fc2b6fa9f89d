"""Check rule and pack files, and run rules against their fixtures.

`apiguard rules validate` reports every problem it finds in every file, and
`apiguard rules test` runs each rule alone on its fixture folder.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from apiguard.errors import RuleError, UsageError
from apiguard.load import Document, parse_yaml
from apiguard.rulepacks import (
    Pack,
    builtin_packs,
    check_extends,
    check_pack_rules,
    is_pack_file,
    load_pack_file,
)
from apiguard.rules import RULE_SUFFIXES, Rule, load_rule_file, load_rules
from apiguard.ruleset import (
    fixture_folder,
    is_builtin_rule_file,
    user_pack_files,
    user_rule_files,
)
from apiguard.ruletest import Expectation, FixtureReport, run_fixtures

if TYPE_CHECKING:
    import jsonschema

log = logging.getLogger(__name__)

# Categories of the built-in rules: a rule in one of them is a security rule
# and should name its CWE and OWASP API Top 10 entries.
SECURITY_CATEGORIES = ("secrets", "tls", "auth", "rate-limit", "logging")

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem in one rule or pack file."""

    level: Level
    message: str

    @classmethod
    def error(cls, message: str) -> Issue:
        """Return an error with the first line of `message`.

        Some parser messages add a diagram of the bad spot on later lines.
        """
        return cls("error", first_line(message))


def first_line(message: str) -> str:
    return message.splitlines()[0] if message else message


@dataclass(frozen=True)
class Validation:
    """The outcome of `rules validate`."""

    issues: tuple[Issue, ...]
    rule_files: int
    pack_files: int

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == "warning"]


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Return the rule files and the pack files in `paths` (files or folders)."""
    rule_paths: dict[Path, None] = {}
    pack_paths: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            rule_paths.update(dict.fromkeys(user_rule_files(path)))
            pack_paths.update(dict.fromkeys(user_pack_files(path)))
        elif not path.is_file():
            raise UsageError(f"{path}: no such file or directory")
        elif is_pack_file(path):
            pack_paths[path] = None
        elif path.suffix in RULE_SUFFIXES:
            rule_paths[path] = None
        else:
            raise UsageError(f"{path}: not a rule file; rule files end in .yaml")
    return list(rule_paths), list(pack_paths)


def validate(rule_paths: Sequence[Path], pack_paths: Sequence[Path]) -> Validation:
    """Check every rule and pack file and return all the problems found."""
    issues: list[Issue] = []
    rules: list[Rule] = []
    for path in rule_paths:
        rule, found = check_rule_file(path)
        issues.extend(found)
        if rule is not None:
            rules.append(rule)
    issues.extend(_duplicate_ids(rules))
    issues.extend(_check_packs(pack_paths, rules))
    return Validation(tuple(issues), len(rule_paths), len(pack_paths))


def check_rule_file(path: Path) -> tuple[Rule | None, list[Issue]]:
    """Load one rule file with every check on, and return the rule and its issues."""
    try:
        rule = load_rule_file(path, builtin=False)
    except RuleError as error:
        messages = schema_messages(path) or [str(error)]
        return None, [Issue.error(message) for message in messages]
    if is_builtin_rule_file(path):
        rule = replace(rule, builtin=True)
    return rule, [*_fixture_issues(rule), *_metadata_issues(rule)]


@cache
def _rule_validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    text = (resources.files("apiguard") / "schemas" / "rule.schema.json").read_text(
        encoding="utf-8"
    )
    return jsonschema.Draft202012Validator(json.loads(text))


def schema_messages(path: Path) -> list[str]:
    """Return one message per rule schema error in `path`, or [] if unreadable."""
    data = _first_document(path)
    if not isinstance(data, dict):
        return []
    rule_id = str(data.get("id", "?"))
    errors = sorted(
        _rule_validator().iter_errors(data),
        key=lambda error: (list(map(str, error.absolute_path)), error.message),
    )
    return [
        f"{path}: rule {rule_id!r}: field {_location(error)!r}: {error.message}"
        for error in errors
    ]


def _location(error: jsonschema.ValidationError) -> str:
    return "/".join(str(part) for part in error.absolute_path) or "(top level)"


def _first_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for item in parse_yaml(text):
        return item.data if isinstance(item, Document) else None
    return None


def _fixture_issues(rule: Rule) -> list[Issue]:
    folder = fixture_folder(rule)
    if folder.is_dir():
        return []
    return [
        Issue(
            "error",
            f"{rule.source}: rule {rule.id!r}: fixture folder {folder} not found; "
            "add files with lines the rule must flag and a file it must leave clean",
        )
    ]


def _metadata_issues(rule: Rule) -> list[Issue]:
    """Report missing CWE and OWASP ids.

    They are errors for a built-in rule and warnings for another rule of a
    security category. Rules of other categories need neither.
    """
    if rule.builtin:
        level: Level = "error"
    elif rule.category in SECURITY_CATEGORIES:
        level = "warning"
    else:
        return []
    examples = {"cwe": "cwe: [319]", "owasp": "owasp: [API8:2023]"}
    values = {"cwe": rule.cwe, "owasp": rule.owasp}
    return [
        Issue(
            level,
            f"{rule.source}: rule {rule.id!r}: field {name!r}: missing; a rule of "
            f"category {rule.category!r} should name it, for example {examples[name]}",
        )
        for name, value in values.items()
        if not value
    ]


def _duplicate_ids(rules: Sequence[Rule]) -> list[Issue]:
    first: dict[str, Rule] = {}
    issues = []
    for rule in rules:
        if rule.id in first:
            issues.append(
                Issue(
                    "error",
                    f"{rule.source}: rule {rule.id!r}: field 'id': already used by "
                    f"{first[rule.id].source}; give each rule a unique id",
                )
            )
        first.setdefault(rule.id, rule)
    return issues


def _check_packs(pack_paths: Sequence[Path], rules: Sequence[Rule]) -> list[Issue]:
    """Check pack files against the schema, the known packs and the known rules."""
    packs: dict[str, Pack] = dict(builtin_packs())
    loaded: list[Pack] = []
    issues: list[Issue] = []
    for path in pack_paths:
        try:
            pack = load_pack_file(path)
        except RuleError as error:
            issues.append(Issue.error(str(error)))
            continue
        previous = packs.get(pack.name)
        if previous is not None and previous.source.resolve() != path.resolve():
            issues.append(
                Issue(
                    "error",
                    f"{path}: pack {pack.name!r}: name is already used by "
                    f"{previous.source}; rename the pack file",
                )
            )
            continue
        packs[pack.name] = pack
        loaded.append(pack)
    known = {rule.id for rule in rules} | {rule.id for rule in load_rules([])}
    for pack in loaded:
        issues.extend(_pack_reference_issues(pack, packs, known))
    return issues


def _pack_reference_issues(
    pack: Pack, packs: dict[str, Pack], known: set[str]
) -> list[Issue]:
    issues = []
    try:
        check_extends(pack, packs)
    except RuleError as error:
        issues.append(Issue.error(str(error)))
    try:
        check_pack_rules(pack, known)
    except RuleError as error:
        issues.append(Issue.error(str(error)))
    return issues


@dataclass(frozen=True)
class FixtureOutcome:
    """The outcome of one rule against its fixture folder."""

    rule_id: str
    source: Path
    folder: Path
    problems: tuple[str, ...]
    expected: int = 0
    files: int = 0

    @property
    def passed(self) -> bool:
        return not self.problems


def fixture_outcome_of_file(path: Path) -> FixtureOutcome:
    """Load the rule in `path` and run it against its fixture folder."""
    try:
        rule = load_rule_file(path)
    except RuleError as error:
        problem = first_line(str(error))
        return FixtureOutcome(path.stem, path, path.parent, (problem,))
    if is_builtin_rule_file(path):
        rule = replace(rule, builtin=True)
    return fixture_outcome(rule)


def fixture_outcome(rule: Rule) -> FixtureOutcome:
    folder = fixture_folder(rule)
    if not folder.is_dir():
        problem = f"{rule.source}: rule {rule.id!r}: fixture folder {folder} not found"
        return FixtureOutcome(rule.id, rule.source, folder, (problem,))
    report = run_fixtures(rule, folder)
    files = sum(1 for path in folder.rglob("*") if path.is_file())
    return FixtureOutcome(
        rule.id,
        rule.source,
        folder,
        tuple(fixture_problems(report, folder)),
        expected=len(report.expected),
        files=files,
    )


def fixture_problems(report: FixtureReport, folder: Path) -> list[str]:
    """Return the differences between expected and found lines, file by file."""
    lines = []
    for relpath in sorted({e.path for e in [*report.missing, *report.unexpected]}):
        lines.append(_line_sets(report, folder, relpath))
    lines += [
        f"{folder / e.path}:{e.line}: expected {_label(e)}, not found"
        for e in report.missing
    ]
    lines += [
        f"{folder / f.path}:{f.line}: found {_label(f)}, not expected"
        for f in report.unexpected
    ]
    if not report.expected:
        lines.append(
            f"{folder}: no line expects {report.rule_id}; mark one with "
            f"`expect: {report.rule_id}` in a comment"
        )
    if not report.files_without_expectations:
        lines.append(f"{folder}: no file that must stay clean; add one")
    lines += _untrusted(report, folder)
    return lines


def _line_sets(report: FixtureReport, folder: Path, relpath: str) -> str:
    expected = sorted({e.line for e in report.expected if e.path == relpath})
    found = sorted({f.line for f in report.found if f.path == relpath})
    return (
        f"{folder / relpath}: expected {report.rule_id} on lines "
        f"{_numbers(expected)}, found on lines {_numbers(found)}"
    )


def _numbers(numbers: Sequence[int]) -> str:
    return ", ".join(map(str, numbers)) if numbers else "none"


def _label(expectation: Expectation) -> str:
    if expectation.column is None:
        return expectation.rule_id
    return f"{expectation.rule_id}@{expectation.column}"


def _untrusted(report: FixtureReport, folder: Path) -> list[str]:
    if report.result is None:
        return []
    return [
        f"{folder / (note.path or '')}: {note.message}"
        for note in report.result.notifications
        if note.untrusted
    ]
