"""Every built-in rule against its fixtures, with exact lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiguard.rules import Rule, load_rules
from apiguard.ruletest import run_fixtures

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
BUILTIN_RULES = load_rules([], builtin=True)


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda rule: rule.id)
def test_rule_fixtures(rule: Rule) -> None:
    folder = FIXTURES / rule.id
    assert folder.is_dir(), f"no fixture folder {folder}"

    report = run_fixtures(rule, folder)

    assert report.problems == []
    assert report.result is not None
    assert report.result.trusted, report.result.notifications


def test_every_fixture_folder_has_a_rule() -> None:
    ids = {rule.id for rule in BUILTIN_RULES}
    orphans = sorted(path.name for path in FIXTURES.iterdir() if path.name not in ids)
    assert orphans == []
