"""Work that must grow linearly with a hostile file: findings on one long line.

The checks count calls of an inner function instead of timing the scan, so
they fail the same on a fast and a slow machine.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import apiguard.suppress
import apiguard.target
from apiguard.engine import ScanOptions, scan
from apiguard.rules import Rule, load_rules
from apiguard.text import LineIndex

ALNUM = string.ascii_letters + string.digits


def _rules(*rule_ids: str) -> list[Rule]:
    return [rule for rule in load_rules([], builtin=True) if rule.id in rule_ids]


def _count_calls(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str
) -> Callable[[], int]:
    """Wrap `owner.name` so that each call is counted; return the counter."""
    original = getattr(owner, name)
    calls = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return lambda: calls[0]


def test_findings_on_one_line_linear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each finding's snippet comes from its line: copying the whole line once
    # per finding made a minified file quadratic to scan.
    urls = ", ".join(['"http://aa.acme-corp.io"'] * 5000)
    text = f"a: [{urls}]\n"
    (tmp_path / "flood.yaml").write_text(text)
    line_text = LineIndex.line_text
    copied = [0]
    previous: list[str] = []

    def counted(self: LineIndex, line: int) -> str:
        result = line_text(self, line)
        if not previous or result is not previous[-1]:
            copied[0] += len(result)
            previous[:] = [result]
        return result

    monkeypatch.setattr(LineIndex, "line_text", counted)

    result = scan(
        [tmp_path],
        _rules("config-http-url"),
        root=tmp_path,
        options=ScanOptions(jobs=1),
    )

    assert len(result.findings) == 5000
    assert copied[0] <= 10 * len(text)


def _github_token() -> str:
    return "ghp_" + "".join(secrets.choice(ALNUM) for _ in range(36))


def test_secrets_on_one_line_linear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 400
    tokens = " ".join(_github_token() for _ in range(count))
    (tmp_path / "tokens.env").write_text(f"TOKENS={tokens}\n")
    calls = _count_calls(monkeypatch, apiguard.target, "redact")

    result = scan(
        [tmp_path],
        _rules("secret-github-token"),
        root=tmp_path,
        options=ScanOptions(jobs=1),
    )

    assert len(result.findings) == count
    assert calls() <= 10 * count


def test_suppressions_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    count = 1000
    lines = "".join(
        f"k{i}: http://h{i}.acme-corp.io  # apiguard: ignore[config-http-url] legacy\n"
        for i in range(count)
    )
    (tmp_path / "suppressed.yaml").write_text(lines)
    calls = _count_calls(monkeypatch, apiguard.suppress.Suppression, "covers")

    result = scan(
        [tmp_path],
        _rules("config-http-url"),
        root=tmp_path,
        options=ScanOptions(jobs=1),
    )

    assert len(result.suppressed) == count
    assert calls() <= 10 * count


def _scan_seconds(folder: Path, documents: int) -> float:
    """Return the CPU seconds of scanning one stream of `documents` manifests."""
    manifest = "apiVersion: v1\nkind: Secret\ndata: {a: b}\n---\n"
    path = folder / f"stream-{documents}.yaml"
    path.write_text(manifest * documents)
    rules = load_rules([], builtin=True)
    started = time.process_time()
    scan([path], rules, root=folder, options=ScanOptions(jobs=1))
    return time.process_time() - started


def test_document_stream_linear(tmp_path: Path) -> None:
    # Four times the documents should cost about four times the CPU time;
    # eight allows for noise, and quadratic work costs sixteen times.
    _scan_seconds(tmp_path, 100)  # fills the caches that a first scan fills
    small = _scan_seconds(tmp_path, 1500)
    large = _scan_seconds(tmp_path, 6000)

    assert large < 8 * small
