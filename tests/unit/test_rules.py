from __future__ import annotations

from pathlib import Path

import pytest

from apiguard.errors import RuleError
from apiguard.rules import builtin_rules_dir, load_rule_file, load_rules, rule_files

VALID = """\
id: {id}
title: Test rule
severity: low
category: my-policies
kinds: [text]
match:
  type: text
  pattern: 'TODO-SECURITY'
message: found {{match}}
help: h
remediation: r
"""


def write_rule(folder: Path, rule_id: str, text: str | None = None) -> Path:
    path = folder / f"{rule_id}.yaml"
    path.write_text(text if text is not None else VALID.format(id=rule_id))
    return path


def test_builtin_rules_load() -> None:
    rules = load_rules([])
    assert rules
    assert all(rule.builtin for rule in rules)
    assert all(rule.source.stem == rule.id for rule in rules)


def test_user_rule_loads(tmp_path: Path) -> None:
    write_rule(tmp_path, "team-todo")
    (rule,) = load_rules([tmp_path], builtin=False)
    assert rule.id == "team-todo"
    assert rule.category == "my-policies"


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other-name.yaml"
    path.write_text(VALID.format(id="team-todo"))
    with pytest.raises(RuleError, match="must equal the file name 'other-name'"):
        load_rule_file(path)


def test_duplicate_id_rejected(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_rule(tmp_path / "a", "team-todo")
    write_rule(tmp_path / "b", "team-todo")
    with pytest.raises(RuleError, match="already used"):
        load_rules([tmp_path], builtin=False)


def test_unknown_field_named(tmp_path: Path) -> None:
    path = write_rule(
        tmp_path, "team-todo", VALID.format(id="team-todo") + "colour: red\n"
    )
    with pytest.raises(RuleError, match="'colour' was unexpected"):
        load_rule_file(path)


def test_missing_field_named(tmp_path: Path) -> None:
    text = VALID.format(id="team-todo").replace("help: h\n", "")
    path = write_rule(tmp_path, "team-todo", text)
    with pytest.raises(RuleError, match="'help' is a required property"):
        load_rule_file(path)


def test_bad_match_field_named(tmp_path: Path) -> None:
    text = VALID.format(id="team-todo").replace("  pattern:", "  patern:")
    path = write_rule(tmp_path, "team-todo", text)
    with pytest.raises(RuleError, match="rule 'team-todo': field 'match'"):
        load_rule_file(path)


def test_unknown_detector_plugin(tmp_path: Path) -> None:
    text = VALID.format(id="team-todo").replace(
        "  type: text\n  pattern: 'TODO-SECURITY'",
        "  type: detector\n  plugin: NoSuchDetector",
    )
    path = write_rule(tmp_path, "team-todo", text)
    with pytest.raises(
        RuleError, match="unknown detect-secrets plugin 'NoSuchDetector'"
    ):
        load_rule_file(path)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = write_rule(tmp_path, "broken", "id: [unclosed\n")
    with pytest.raises(RuleError, match="invalid YAML"):
        load_rule_file(path)


def test_python_tag_not_executed(tmp_path: Path) -> None:
    path = write_rule(
        tmp_path, "evil", "!!python/object/apply:os.system ['touch pwned']\n"
    )
    with pytest.raises(RuleError):
        load_rule_file(path)
    assert not (tmp_path / "pwned").exists()


def test_missing_rule_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="rule directory not found"):
        load_rules([tmp_path / "nope"], builtin=False)


def test_builtin_rule_files_pass_checks() -> None:
    # At run time built-in rules skip the schema check and the compile check,
    # so every built-in rule file must pass both here.
    paths = rule_files(builtin_rules_dir())
    assert len(paths) >= 40
    for path in paths:
        rule = load_rule_file(path, builtin=False)
        assert rule.id == path.stem
