from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from apiguard.config import RuleSettings
from apiguard.errors import RuleError
from apiguard.rulepacks import Pack, builtin_packs, choose_rules, load_pack_file
from apiguard.rules import Rule, load_rules
from apiguard.ruleset import load_rule_set, user_pack_files, user_rule_files

BUILTIN = load_rules([])
USER = replace(BUILTIN[0], id="acme-user-rule", category="governance", builtin=False)
RULES: list[Rule] = [*BUILTIN, USER]


def pack(name: str, **fields: Any) -> Pack:
    source = Path(f"{name}.pack.yaml")
    return Pack(name=name, description=name, source=source, **fields)


def test_builtin_packs_present() -> None:
    names = set(builtin_packs())
    expected = {"recommended", "strict", "secrets", "tls", "auth", "rate-limit"}
    assert expected | {"logging"} == names


def test_strict_chooses_every_rule() -> None:
    chosen = choose_rules(RULES, builtin_packs(), ["strict"])
    assert set(chosen) == {rule.id for rule in RULES}


def test_recommended_leaves_out_info_and_loopback() -> None:
    chosen = choose_rules(RULES, builtin_packs(), ["recommended"])
    left_out = {rule.id for rule in RULES} - set(chosen)
    info = {rule.id for rule in BUILTIN if rule.severity == "info"}
    assert left_out == info | {"openapi-server-http-loopback"}


def test_category_pack_keeps_user_rules() -> None:
    chosen = choose_rules(RULES, builtin_packs(), ["secrets"])
    categories = {rule.category for rule in RULES if rule.id in chosen}
    assert categories == {"secrets", "governance"}


def test_pack_turns_user_rule_off() -> None:
    packs = {"quiet": pack("quiet", rules={USER.id: RuleSettings(enabled=False)})}
    assert USER.id not in choose_rules(RULES, packs, ["quiet"])


def test_later_pack_severity_wins() -> None:
    rule_id = "openapi-server-http"
    packs = {
        **builtin_packs(),
        "a": pack("a", extends=("tls",), rules={rule_id: RuleSettings(severity="low")}),
        "b": pack(
            "b", extends=("tls",), rules={rule_id: RuleSettings(severity="critical")}
        ),
    }
    assert choose_rules(RULES, packs, ["a", "b"])[rule_id] == "critical"
    assert choose_rules(RULES, packs, ["b", "a"])[rule_id] == "low"


def test_severity_without_enabled_adds_nothing() -> None:
    packs = {
        "p": pack("p", rules={"openapi-server-http": RuleSettings(severity="low")})
    }
    assert "openapi-server-http" not in choose_rules(RULES, packs, ["p"])


def test_unknown_parent_pack(tmp_path: Path) -> None:
    path = tmp_path / "team.pack.yaml"
    path.write_text("description: Team.\nextends: nope\n")
    packs = {**builtin_packs(), "team": load_pack_file(path)}
    with pytest.raises(RuleError, match="field 'extends': unknown pack 'nope'"):
        choose_rules(RULES, packs, ["team"])


def test_pack_schema_error_names_field(tmp_path: Path) -> None:
    path = tmp_path / "team.pack.yaml"
    path.write_text("description: Team.\nrules:\n  x: {severity: urgent}\n")
    with pytest.raises(RuleError, match=r"pack 'team': field 'rules/x/severity'"):
        load_pack_file(path)


def test_rule_dir_skips_fixtures_and_packs(tmp_path: Path) -> None:
    rule_text = (Path(BUILTIN[0].source)).read_text()
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / f"{BUILTIN[0].id}.yaml").write_text(rule_text)
    (tmp_path / "rules" / "team.pack.yaml").write_text("description: Team.\n")
    fixtures = tmp_path / "fixtures" / BUILTIN[0].id
    fixtures.mkdir(parents=True)
    (fixtures / "sample.yaml").write_text("a: 1\n")
    assert [p.name for p in user_rule_files(tmp_path)] == [f"{BUILTIN[0].id}.yaml"]
    assert [p.name for p in user_pack_files(tmp_path)] == ["team.pack.yaml"]


def test_user_pack_name_clash(tmp_path: Path) -> None:
    (tmp_path / "strict.pack.yaml").write_text("description: Mine.\n")
    with pytest.raises(RuleError, match="pack 'strict': name is already used"):
        load_rule_set([tmp_path])
