"""`apiguard baseline` and `apiguard scan --baseline`, on real git repositories."""

from __future__ import annotations

import json
import os
import secrets
import stat
import string
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from test_cli import run_cli

Repo = Callable[[dict[str, str]], Path]
RULE = "config-http-url"
URL_LINE = "  billing: http://billing.acme-corp.io/v1\n"
BASELINE = "apiguard-baseline.json"


def github_token() -> str:
    """Return a random value in the shape of a GitHub token; it grants nothing."""
    alphabet = string.ascii_letters + string.digits
    return "ghp_" + "".join(secrets.choice(alphabet) for _ in range(36))


def create(repo: Path, *args: str) -> dict[str, Any]:
    completed = run_cli("baseline", "create", "-o", BASELINE, *args, cwd=repo)
    assert completed.returncode == 0, completed.stderr
    document: dict[str, Any] = json.loads((repo / BASELINE).read_text())
    return document


def scan_json(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    completed = run_cli("scan", "-f", "json", "--baseline", BASELINE, *args, cwd=repo)
    document: dict[str, Any] = json.loads(completed.stdout or "{}")
    return completed.returncode, document


def test_create_writes_sorted_entries(make_repo: Repo) -> None:
    repo = make_repo({"b.yaml": "svc:\n" + URL_LINE, "a.yaml": "svc:\n" + URL_LINE})
    document = create(repo, "--select", RULE)

    assert document["version"] == 1
    assert document["tool"]["name"] == "apiguard"
    entries = document["entries"]
    assert [entry["path"] for entry in entries] == ["a.yaml", "b.yaml"]
    assert set(entries[0]) == {"rule", "path", "fingerprint", "count"}
    assert entries[0]["rule"] == RULE
    assert entries[0]["count"] == 1


def test_create_is_deterministic(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "svc:\n" + URL_LINE * 2, "c/d.yaml": URL_LINE})
    create(repo)
    first = (repo / BASELINE).read_bytes()
    create(repo)
    assert (repo / BASELINE).read_bytes() == first
    assert first.endswith(b"}\n")
    assert b"\r" not in first


def test_baseline_has_no_secret_or_line(make_repo: Repo) -> None:
    token = github_token()
    repo = make_repo({"settings.yaml": f"github:\n  token: {token}\n"})
    document = create(repo)
    text = (repo / BASELINE).read_text()

    assert token not in text
    assert token[4:20] not in text
    assert "secret-github-token" in [entry["rule"] for entry in document["entries"]]
    assert "line" not in text


def test_scan_with_baseline_hides_known(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc:\n" + URL_LINE})
    create(repo, "--select", RULE)
    returncode, document = scan_json(repo, "--select", RULE)
    assert returncode == 0
    assert document["findings"] == []
    assert document["baselinedCount"] == 1

    text = run_cli("scan", "--select", RULE, "--baseline", BASELINE, cwd=repo)
    assert "0 findings" in text.stdout
    assert "1 in the baseline, not shown" in text.stdout


def test_baseline_survives_moved_lines(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc:\n" + URL_LINE})
    create(repo, "--select", RULE)
    (repo / "app.yaml").write_text("# moved down\n\n\nsvc:\n  x: 1\n" + URL_LINE)
    returncode, document = scan_json(repo, "--select", RULE)
    assert document["findings"] == []
    assert document["baselinedCount"] == 1
    assert returncode == 0


def test_baseline_survives_crlf_change(make_repo: Repo) -> None:
    repo = make_repo({})
    (repo / "app.yaml").write_bytes(b"svc:\n" + URL_LINE.encode())
    create(repo, "--select", RULE)
    (repo / "app.yaml").write_bytes(
        b"svc:\r\n" + URL_LINE.encode().replace(b"\n", b"\r\n")
    )
    returncode, document = scan_json(repo, "--select", RULE)
    assert document["findings"] == []
    assert returncode == 0

    (repo / "app.yaml").write_bytes(b"svc:\n" + URL_LINE.encode())
    create(repo, "--select", RULE)
    (repo / "app.yaml").write_bytes(
        b"svc:\r\n" + URL_LINE.encode().replace(b"\n", b"\r\n")
    )
    assert scan_json(repo, "--select", RULE)[1]["baselinedCount"] == 1


def test_new_finding_reported(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "svc:\n" + URL_LINE})
    create(repo, "--select", RULE)
    with (repo / "app.yaml").open("a") as stream:
        stream.write("  orders: http://orders.acme-corp.io\n")
    returncode, document = scan_json(repo, "--select", RULE)
    assert [f["message"] for f in document["findings"]] == [
        "http://orders.acme-corp.io uses plain HTTP: traffic and credentials "
        "travel unencrypted"
    ]
    assert document["baselinedCount"] == 1
    assert returncode == 1


def test_counts_match_repeated_findings(make_repo: Repo) -> None:
    repo = make_repo({"app.yaml": "a:\n" + URL_LINE})
    document = create(repo, "--select", RULE)
    assert document["entries"][0]["count"] == 1
    (repo / "app.yaml").write_text("a:\n" + URL_LINE + "b:\n" + URL_LINE)
    returncode, result = scan_json(repo, "--select", RULE)
    assert len(result["findings"]) == 1
    assert result["baselinedCount"] == 1
    assert returncode == 1

    document = create(repo, "--select", RULE)
    assert document["entries"][0]["count"] == 2
    assert scan_json(repo, "--select", RULE)[0] == 0


def test_update_adds_and_drops(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "svc:\n" + URL_LINE, "b.yaml": "svc:\n" + URL_LINE})
    create(repo, "--select", RULE)
    (repo / "a.yaml").write_text("svc: {}\n")
    (repo / "c.yaml").write_text("svc:\n" + URL_LINE)

    completed = run_cli("baseline", "update", BASELINE, "--select", RULE, cwd=repo)
    assert completed.returncode == 0, completed.stderr
    assert "1 finding added to the baseline, 1 removed" in completed.stderr
    entries = json.loads((repo / BASELINE).read_text())["entries"]
    assert [entry["path"] for entry in entries] == ["b.yaml", "c.yaml"]


def test_update_no_new_only_drops(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "svc:\n" + URL_LINE, "b.yaml": "svc:\n" + URL_LINE})
    create(repo, "--select", RULE)
    (repo / "a.yaml").write_text("svc: {}\n")
    (repo / "c.yaml").write_text("svc:\n" + URL_LINE)

    completed = run_cli(
        "baseline", "update", BASELINE, "--no-new", "--select", RULE, cwd=repo
    )
    assert completed.returncode == 0, completed.stderr
    entries = json.loads((repo / BASELINE).read_text())["entries"]
    assert [entry["path"] for entry in entries] == ["b.yaml"]


def test_update_keeps_entries_outside_paths(make_repo: Repo) -> None:
    repo = make_repo({"a/x.yaml": "s:\n" + URL_LINE, "b/y.yaml": "s:\n" + URL_LINE})
    create(repo, "--select", RULE)
    (repo / "a" / "x.yaml").write_text("s: {}\n")
    completed = run_cli("baseline", "update", BASELINE, "a", "--select", RULE, cwd=repo)
    assert completed.returncode == 0, completed.stderr
    entries = json.loads((repo / BASELINE).read_text())["entries"]
    assert [entry["path"] for entry in entries] == ["b/y.yaml"]


def test_write_leaves_no_temporary_file(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "svc:\n" + URL_LINE})
    create(repo, "--select", RULE)
    create(repo, "--select", RULE)
    assert sorted(path.name for path in repo.iterdir()) == [
        ".git",
        "a.yaml",
        BASELINE,
    ]


def test_invalid_baseline_exit_2(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "svc:\n" + URL_LINE, BASELINE: '{"version": 1}'})
    completed = run_cli("scan", "--baseline", BASELINE, cwd=repo)
    assert completed.returncode == 2
    assert f"{BASELINE}: baseline has no 'entries' list" in completed.stderr
    assert "apiguard baseline create" in completed.stderr

    (repo / BASELINE).write_text('{"version": 1, "entries": [{"rule": "x"}]}')
    completed = run_cli("scan", "--baseline", BASELINE, cwd=repo)
    assert completed.returncode == 2
    assert "baseline entry 0 needs the strings rule, path, fingerprint" in (
        completed.stderr
    )

    (repo / BASELINE).write_text("not json")
    completed = run_cli("scan", "--baseline", BASELINE, cwd=repo)
    assert completed.returncode == 2
    assert "invalid baseline JSON" in completed.stderr


def test_create_into_missing_folder_exit_2(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "svc:\n" + URL_LINE})
    completed = run_cli("baseline", "create", "-o", "no/such/b.json", cwd=repo)
    assert completed.returncode == 2
    assert "no/such/b.json: cannot write baseline" in completed.stderr


def test_incomplete_scan_not_written(tmp_path: Path) -> None:
    from apiguard.commands.baseline import _require_complete
    from apiguard.errors import UsageError
    from apiguard.findings import Notification
    from apiguard.result import ScanResult

    result = ScanResult(root=tmp_path, rules=[])
    result.notifications.append(
        Notification("unreadable-file", "error", "cannot read file", "a.yaml")
    )
    with pytest.raises(UsageError, match="baseline not written: 1 problem"):
        _require_complete(result)
    result.notifications[0] = Notification("binary-file", "note", "binary", "b.png")
    _require_complete(result)


def read_fifo_while(fifo: Path, command: Callable[[], Any]) -> tuple[Any, str]:
    """Run `command` while a thread reads what it writes to the FIFO."""
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    outcome = command()
    reader.join(timeout=60)
    return outcome, "".join(received)


def test_outputs_to_pipe_written_in_place(make_repo: Repo) -> None:
    repo = make_repo({"a.yaml": "svc:\n" + URL_LINE})
    fifo = repo.parent / "report.fifo"
    os.mkfifo(fifo)

    def scan() -> Any:
        return run_cli(
            "scan", "--select", RULE, "-f", "json", "-o", str(fifo), cwd=repo
        )

    completed, text = read_fifo_while(fifo, scan)
    assert completed.returncode == 1
    assert json.loads(text)["findings"][0]["rule_id"] == RULE
    assert stat.S_ISFIFO(fifo.stat().st_mode)

    def create() -> Any:
        return run_cli(
            "baseline", "create", "--select", RULE, "-o", str(fifo), cwd=repo
        )

    completed, text = read_fifo_while(fifo, create)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(text)["entries"][0]["rule"] == RULE
    assert stat.S_ISFIFO(fifo.stat().st_mode)
