from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from apiguard.cli import cli
from apiguard.ruledocs import INDEX_PAGE, expected_pages
from apiguard.rules import load_rules

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"
BUILTIN_IDS = sorted(rule.id for rule in load_rules([]))


@cache
def pages() -> dict[str, str]:
    return expected_pages()


def test_rule_pages_are_current() -> None:
    stale = [
        name
        for name, content in pages().items()
        if not (DOCS / name).is_file() or (DOCS / name).read_text() != content
    ]
    assert stale == [], "run: python -m apiguard.ruledocs docs/rules"


def test_no_page_without_rule() -> None:
    orphans = sorted(p.name for p in DOCS.glob("*.md") if p.name not in pages())
    assert orphans == []


def test_index_links_every_rule() -> None:
    index = pages()[INDEX_PAGE]
    unlinked = [rule_id for rule_id in BUILTIN_IDS if f"]({rule_id}.md)" not in index]
    assert unlinked == []


def test_index_lists_every_pack() -> None:
    index = pages()[INDEX_PAGE]
    for pack in ("recommended", "strict", "secrets", "tls", "auth", "rate-limit"):
        assert f"| `{pack}` |" in index


def test_page_shows_examples_and_packs() -> None:
    page = pages()["openapi-server-http.md"]
    assert "| Packs | recommended, strict, tls |" in page
    assert "## Examples" in page
    assert "oas3.yaml:4:5: Server URL http://api.acme-corp.io/v1" in page


def test_excluded_rule_page_omits_recommended() -> None:
    page = pages()["openapi-server-http-loopback.md"]
    assert "| Packs | strict, tls |" in page


@pytest.mark.parametrize("rule_id", BUILTIN_IDS)
def test_rules_show_matches_page(rule_id: str) -> None:
    result = CliRunner().invoke(cli, ["rules", "show", rule_id])
    assert result.exit_code == 0, result.output
    assert result.output == pages()[f"{rule_id}.md"]
