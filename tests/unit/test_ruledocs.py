from __future__ import annotations

from pathlib import Path

from apiguard.ruledocs import expected_pages

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


def test_rule_pages_are_current() -> None:
    stale = [
        name
        for name, content in expected_pages().items()
        if not (DOCS / name).is_file() or (DOCS / name).read_text() != content
    ]
    assert stale == [], "run: python -m apiguard.ruledocs docs/rules"


def test_no_page_without_rule() -> None:
    orphans = sorted(
        p.name for p in DOCS.glob("*.md") if p.name not in expected_pages()
    )
    assert orphans == []
