"""Rule packs, `extends`, `--pack` and per-path overrides, through real scans."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pathspec
import pytest

from apiguard.pathglobs import negated, switch_lines
from test_cli import run_cli

Repo = Callable[[dict[str, str]], Path]

# Findings of openapi-server-http-loopback (low, left out of the recommended
# pack), openapi-server-http (high, tls) and openapi-no-security-scheme (auth).
LOCAL_SPEC = """\
openapi: 3.0.3
info: {title: Local, version: "1"}
servers:
  - url: http://localhost:8080
  - url: http://api.acme-corp.io
paths:
  /items:
    get:
      responses:
        "200":
          description: The items
"""
HTTP_CONFIG = "service:\n  url: http://billing.acme-corp.io/v1\n"
LOOPBACK = "openapi-server-http-loopback"
SERVER = "openapi-server-http"
CONFIG_URL = "config-http-url"


def findings(repo: Path, *args: str) -> set[tuple[str, str, str]]:
    """Return (rule id, path, severity) of each finding of a JSON scan."""
    completed = run_cli("scan", "-f", "json", *args, cwd=repo)
    assert completed.returncode in (0, 1), completed.stderr
    document = json.loads(completed.stdout)
    return {(f["rule_id"], f["path"], f["severity"]) for f in document["findings"]}


def rule_ids(found: set[tuple[str, str, str]]) -> set[str]:
    return {rule_id for rule_id, _, _ in found}


def test_default_pack_leaves_out_loopback(make_repo: Repo) -> None:
    repo = make_repo({"api.yaml": LOCAL_SPEC})
    found = rule_ids(findings(repo))
    assert SERVER in found
    assert LOOPBACK not in found
    assert "openapi-no-rate-limit-headers" not in found


def test_pack_option_strict(make_repo: Repo) -> None:
    repo = make_repo({"api.yaml": LOCAL_SPEC})
    assert LOOPBACK in rule_ids(findings(repo, "--pack", "strict"))


def test_config_extends_category_pack(make_repo: Repo) -> None:
    repo = make_repo({".apiguard.yaml": "extends: auth\n", "api.yaml": LOCAL_SPEC})
    found = rule_ids(findings(repo))
    assert SERVER not in found
    assert "openapi-no-security-scheme" in found


def test_pack_option_replaces_extends(make_repo: Repo) -> None:
    repo = make_repo({".apiguard.yaml": "extends: auth\n", "api.yaml": LOCAL_SPEC})
    found = rule_ids(findings(repo, "--pack", "tls"))
    assert found == {SERVER, LOOPBACK}


def test_extends_list_is_union(make_repo: Repo) -> None:
    repo = make_repo(
        {".apiguard.yaml": "extends: [auth, tls]\n", "api.yaml": LOCAL_SPEC}
    )
    found = rule_ids(findings(repo))
    assert {SERVER, LOOPBACK, "openapi-no-security-scheme"} <= found


def test_unknown_pack_in_config_exit_2(make_repo: Repo) -> None:
    repo = make_repo({".apiguard.yaml": "extends: nope\n", "api.yaml": LOCAL_SPEC})
    completed = run_cli("scan", cwd=repo)
    assert completed.returncode == 2
    assert ".apiguard.yaml: key 'extends': unknown pack nope" in completed.stderr


def test_unknown_pack_option_exit_2(make_repo: Repo) -> None:
    repo = make_repo({"api.yaml": LOCAL_SPEC})
    completed = run_cli("scan", "--pack", "nope", cwd=repo)
    assert completed.returncode == 2
    assert "--pack: unknown pack nope; known packs: auth," in completed.stderr


def test_user_pack_changes_severity(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": "extends: acme\nrule-dirs: [policies]\n",
            "policies/acme.pack.yaml": (
                "description: Acme.\nextends: recommended\n"
                f"rules:\n  {SERVER}: {{severity: critical}}\n"
                f"  {LOOPBACK}: {{enabled: true}}\n"
            ),
            "api.yaml": LOCAL_SPEC,
        }
    )
    found = findings(repo)
    assert (SERVER, "api.yaml", "critical") in found
    assert (LOOPBACK, "api.yaml", "low") in found


def test_pack_cycle_exit_2(make_repo: Repo) -> None:
    repo = make_repo(
        {
            "policies/a.pack.yaml": "description: A.\nextends: b\n",
            "policies/b.pack.yaml": "description: B.\nextends: a\n",
            "api.yaml": LOCAL_SPEC,
        }
    )
    completed = run_cli(
        "scan", "--rules", "policies", "--pack", "a", "api.yaml", cwd=repo
    )
    assert completed.returncode == 2
    assert "packs extend each other in a cycle (a -> b -> a)" in completed.stderr


def test_config_select_ignores_pack(make_repo: Repo) -> None:
    repo = make_repo(
        {".apiguard.yaml": f"select: [{LOOPBACK}]\n", "api.yaml": LOCAL_SPEC}
    )
    assert rule_ids(findings(repo)) == {LOOPBACK}


def test_select_option_ignores_pack(make_repo: Repo) -> None:
    repo = make_repo({"api.yaml": LOCAL_SPEC})
    assert rule_ids(findings(repo, "--select", LOOPBACK)) == {LOOPBACK}


def test_config_enables_rule_outside_pack(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": f"rules:\n  {LOOPBACK}: {{enabled: true}}\n",
            "api.yaml": LOCAL_SPEC,
        }
    )
    assert LOOPBACK in rule_ids(findings(repo))


def test_severity_alone_keeps_rule_off(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": f"rules:\n  {LOOPBACK}: {{severity: high}}\n",
            "api.yaml": LOCAL_SPEC,
        }
    )
    assert LOOPBACK not in rule_ids(findings(repo))


OVERRIDES = f"""\
overrides:
  - paths: [legacy/]
    rules:
      {CONFIG_URL}: {{enabled: false}}
  - paths: ["services/*/local.yaml"]
    rules:
      {LOOPBACK}: {{enabled: true, severity: medium}}
  - paths: [services/billing/]
    rules:
      {CONFIG_URL}: {{severity: critical}}
  - paths: [legacy/keep/]
    rules:
      {CONFIG_URL}: {{enabled: true}}
"""


def test_overrides_by_path(make_repo: Repo) -> None:
    repo = make_repo(
        {
            ".apiguard.yaml": OVERRIDES,
            "app.yaml": HTTP_CONFIG,
            "legacy/app.yaml": HTTP_CONFIG,
            "legacy/keep/app.yaml": HTTP_CONFIG,
            "services/billing/app.yaml": HTTP_CONFIG,
            "services/orders/local.yaml": LOCAL_SPEC,
            "services/orders/other.yaml": LOCAL_SPEC,
        }
    )
    found = findings(repo)
    urls = {
        (path, severity) for rule_id, path, severity in found if rule_id == CONFIG_URL
    }
    loopback = {(path, sev) for rule_id, path, sev in found if rule_id == LOOPBACK}
    assert urls == {
        ("app.yaml", "medium"),
        ("legacy/keep/app.yaml", "medium"),
        ("services/billing/app.yaml", "critical"),
    }
    assert loopback == {("services/orders/local.yaml", "medium")}


def test_override_unknown_rule_exit_2(make_repo: Repo) -> None:
    config = "overrides:\n  - paths: [a/]\n    rules:\n      nope: {enabled: false}\n"
    repo = make_repo({".apiguard.yaml": config, "api.yaml": LOCAL_SPEC})
    completed = run_cli("scan", cwd=repo)
    assert completed.returncode == 2
    assert "key 'overrides.0.rules': unknown rule id 'nope'" in completed.stderr


def test_override_negated_path_rejected(make_repo: Repo) -> None:
    config = f"overrides:\n  - paths: ['!a/']\n    rules:\n      {SERVER}: {{}}\n"
    repo = make_repo({".apiguard.yaml": config, "api.yaml": LOCAL_SPEC})
    completed = run_cli("scan", cwd=repo)
    assert completed.returncode == 2
    assert "key 'overrides.0." in completed.stderr


@pytest.mark.parametrize(
    ("glob", "inside", "outside"),
    [
        ("legacy/", "legacy/a/b.yaml", "new/legacy.yaml"),
        ("legacy", "x/legacy/b.yaml", "x/legacy2/b.yaml"),
        ("api/v1", "api/v1/a.yaml", "v1/a.yaml"),
        ("*.json", "d/c.json", "d/c.yaml"),
    ],
)
def test_negated_glob_takes_files_back(glob: str, inside: str, outside: str) -> None:
    spec = pathspec.GitIgnoreSpec.from_lines(["*", *negated(glob)])
    assert not spec.match_file(inside)
    assert spec.match_file(outside)


def test_switch_lines_off_everywhere() -> None:
    assert switch_lines(False, [(False, ("a/",))]) is None


def test_switch_lines_on_everywhere() -> None:
    assert switch_lines(True, []) == ()


def test_switch_lines_later_switch_wins() -> None:
    lines = switch_lines(True, [(False, ("legacy/",)), (True, ("legacy/keep/",))])
    assert lines is not None
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    assert spec.match_file("legacy/a.yaml")
    assert not spec.match_file("legacy/keep/a.yaml")
    assert not spec.match_file("app.yaml")
