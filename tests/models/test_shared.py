"""Settings that one scanned file sets for the routes of other files."""

from __future__ import annotations

import json
from pathlib import Path

from apiguard.models.routes.shared import may_share, shared_for, shared_part
from test_cli import Repo, run_cli
from tests_support import git

GLOBAL_LIMIT = {"plugins": [{"name": "rate-limiting"}]}
DOCUMENTS = [
    ("kong", "kong/globals.yaml", "kong", GLOBAL_LIMIT),
    ("", "root.yaml", "kong", GLOBAL_LIMIT),
    ("k8s", "k8s/plugins.yaml", "kubernetes", {"kind": "KongPlugin"}),
]


def test_applies_to_its_folder_and_below() -> None:
    assert shared_for("kong/routes.yaml", "kong", DOCUMENTS) == [
        GLOBAL_LIMIT,
        GLOBAL_LIMIT,
    ]
    assert shared_for("kong/team/routes.yaml", "kong", DOCUMENTS) == [
        GLOBAL_LIMIT,
        GLOBAL_LIMIT,
    ]


def test_skips_sibling_folders_and_the_file_itself() -> None:
    assert shared_for("kong-other/routes.yaml", "kong", DOCUMENTS) == [GLOBAL_LIMIT]
    assert shared_for("kong/globals.yaml", "kong", DOCUMENTS) == [GLOBAL_LIMIT]


def test_matches_the_kind() -> None:
    assert shared_for("k8s/ingress.yaml", "kubernetes", DOCUMENTS) == [
        {"kind": "KongPlugin"}
    ]


def test_shared_part_keeps_plugins_for_routes() -> None:
    deck = {
        "_format_version": "3.0",
        "plugins": [
            {"name": "rate-limiting"},
            {"name": "key-auth", "service": "orders"},
            {"name": "cors", "enabled": False},
            {"name": "acl", "consumer": "alice"},
        ],
    }

    assert shared_part("kong", deck) == {
        "plugins": [
            {"name": "rate-limiting"},
            {"name": "key-auth", "service": "orders"},
        ]
    }
    assert shared_part("kong", {"_format_version": "3.0", "services": []}) is None


def test_whole_deck_configuration_shares_nothing() -> None:
    deck = {
        "_format_version": "3.0",
        "services": [{"name": "orders", "url": "https://orders.internal"}],
        "plugins": [{"name": "rate-limiting"}],
    }

    assert shared_part("kong", deck) is None


def test_shared_part_of_kubernetes_documents() -> None:
    configmap = {
        "kind": "ConfigMap",
        "metadata": {"name": "ingress-nginx-controller"},
        "data": {"global-auth-url": "https://auth"},
    }
    other = {"kind": "ConfigMap", "metadata": {"name": "app-settings"}, "data": {}}

    assert shared_part("kubernetes", configmap) == configmap
    assert shared_part("kubernetes", other) is None
    assert shared_part("kubernetes", {"kind": "Deployment"}) is None


def test_may_share_reads_markers() -> None:
    assert may_share(b"_format_version: '3.0'\n")
    assert may_share(b"kind: ConfigMap\n")
    assert not may_share(b"kind: Deployment\n")


ROUTES = """_format_version: "3.0"
services:
  - name: catalog
    url: https://catalog.internal
    routes:
      - {name: catalog, paths: [/catalog], protocols: [https]}
"""
GLOBALS = """_format_version: "3.0"
plugins:
  - name: rate-limiting
    config: {minute: 60}
"""


def _limit_findings(repo: Path, *extra: str) -> list[str]:
    completed = run_cli(
        "scan", "--select", "route-no-rate-limit", "-f", "json", *extra, cwd=repo
    )
    assert completed.returncode in (0, 1), completed.stderr
    return [f["path"] for f in json.loads(completed.stdout)["findings"]]


def test_global_plugin_in_another_file(make_repo: Repo) -> None:
    repo = make_repo({"kong/routes.yaml": ROUTES, "other/routes.yaml": ROUTES})
    assert _limit_findings(repo) == ["kong/routes.yaml", "other/routes.yaml"]

    (repo / "kong" / "globals.yaml").write_text(GLOBALS)

    assert _limit_findings(repo) == ["other/routes.yaml"]


def test_global_change_invalidates_cached_files(
    make_repo: Repo, tmp_path: Path
) -> None:
    repo = make_repo({"kong/routes.yaml": ROUTES, "kong/notes.md": "notes\n"})
    cache = str(tmp_path / "cache")
    assert _limit_findings(repo, "--cache-dir", cache) == ["kong/routes.yaml"]

    (repo / "kong" / "globals.yaml").write_text(GLOBALS)

    assert _limit_findings(repo, "--cache-dir", cache) == []


def test_diff_scans_read_unchanged_globals(make_repo: Repo) -> None:
    repo = make_repo({"kong/routes.yaml": ROUTES, "kong/globals.yaml": GLOBALS})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "gateway")
    changed = ROUTES.replace("/catalog]", "/catalog, /v2/catalog]")
    (repo / "kong" / "routes.yaml").write_text(changed)

    assert _limit_findings(repo, "--diff-base", "HEAD") == []
    git(repo, "add", "kong/routes.yaml")
    assert _limit_findings(repo, "--staged") == []

    (repo / "kong" / "globals.yaml").unlink()
    git(repo, "add", "-A")
    assert _limit_findings(repo, "--staged") == ["kong/routes.yaml"]
