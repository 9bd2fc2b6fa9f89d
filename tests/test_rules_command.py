"""`apiguard rules list|show|validate|test`, run as a user runs them."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

from ci_support import PROJECT
from test_cli import run_cli

Repo = Callable[[dict[str, str]], Path]

RULE = """\
id: acme-owner
title: Operation without an owner
severity: medium
category: governance
kinds: [openapi]
match:
  type: query
  select: "$.paths[*]['get','post']"
  assert:
    - field: x-owner
      truthy: true
message: "Operation has no x-owner"
help: Every operation names its owning team.
remediation: Add `x-owner`.
"""

FLAGGED = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:  # expect: acme-owner
      responses: {"200": {description: ok}}
    post:
      x-owner: payments
      responses: {"200": {description: ok}}
"""

CLEAN = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
"""


def policy_repo(make_repo: Repo, extra: dict[str, str] | None = None) -> Path:
    """Return a repository with one rule, its fixtures and the `extra` files."""
    files = {
        "policies/rules/acme-owner.yaml": RULE,
        "policies/fixtures/acme-owner/api.yaml": FLAGGED,
        "policies/fixtures/acme-owner/clean.yaml": CLEAN,
    }
    return make_repo({**files, **(extra or {})})


def lines_of(text: str) -> list[str]:
    return text.splitlines()


# rules list


def test_list_filters_by_category_and_kind(tmp_path: Path) -> None:
    completed = run_cli(
        "rules", "list", "--category", "tls", "--kind", "openapi", cwd=tmp_path
    )
    assert completed.returncode == 0
    ids = [line.split()[0] for line in lines_of(completed.stdout)[1:-1]]
    assert "openapi-server-http" in ids
    assert "config-http-url" not in ids
    assert all(line.split()[2] == "tls" for line in lines_of(completed.stdout)[1:-1])


def test_list_filters_by_severity(tmp_path: Path) -> None:
    completed = run_cli("rules", "list", "--severity", "info", cwd=tmp_path)
    assert completed.returncode == 0
    rows = lines_of(completed.stdout)[1:-1]
    assert rows
    assert all(row.split()[1] == "info" for row in rows)
    assert lines_of(completed.stdout)[-1] == f"{len(rows)} rule" + (
        "" if len(rows) == 1 else "s"
    )


def test_list_pack_leaves_out_excluded_rules(tmp_path: Path) -> None:
    recommended = run_cli("rules", "list", "--pack", "recommended", cwd=tmp_path)
    strict = run_cli("rules", "list", "--pack", "strict", cwd=tmp_path)
    assert "openapi-server-http-loopback" not in recommended.stdout
    assert "openapi-no-rate-limit-headers" not in recommended.stdout
    assert "openapi-server-http-loopback" in strict.stdout
    assert "openapi-no-rate-limit-headers" in strict.stdout


def test_list_json_has_metadata(make_repo: Repo) -> None:
    repo = policy_repo(make_repo)
    completed = run_cli(
        "rules", "list", "--format", "json", "--rules", "policies/rules", cwd=repo
    )
    assert completed.returncode == 0
    rules = {rule["id"]: rule for rule in json.loads(completed.stdout)}
    server = rules["openapi-server-http"]
    assert server["cwe"] == [319]
    assert server["owasp"] == ["API8:2023"]
    assert server["packs"] == ["recommended", "strict", "tls"]
    assert server["builtin"] is True
    assert rules["acme-owner"]["builtin"] is False
    assert rules["acme-owner"]["source"] == "policies/rules/acme-owner.yaml"
    assert "recommended" in rules["acme-owner"]["packs"]


def test_list_unknown_pack_exit_2(tmp_path: Path) -> None:
    completed = run_cli("rules", "list", "--pack", "nope", cwd=tmp_path)
    assert completed.returncode == 2
    assert "unknown pack nope" in completed.stderr


# rules show


def test_show_builtin_rule(tmp_path: Path) -> None:
    completed = run_cli("rules", "show", "openapi-server-http", cwd=tmp_path)
    assert completed.returncode == 0
    out = completed.stdout
    assert out.startswith("# openapi-server-http\n\n**API server URL uses plain HTTP**")
    assert "| Severity | high |" in out
    assert "| Category | tls |" in out
    assert "| Applies to | openapi |" in out
    assert "[CWE-319]" in out
    assert "API8:2023 Security Misconfiguration" in out
    assert "## What it finds" in out
    assert "## How to fix it" in out
    assert "## Examples" in out


def test_show_user_rule_with_examples(make_repo: Repo) -> None:
    repo = policy_repo(make_repo)
    completed = run_cli(
        "rules", "show", "acme-owner", "--rules", "policies/rules", cwd=repo
    )
    assert completed.returncode == 0
    assert "| Category | governance |" in completed.stdout
    assert "In its fixtures (`policies/fixtures/acme-owner/`)" in completed.stdout
    assert "api.yaml:5:5: Operation has no x-owner" in completed.stdout
    assert "It finds nothing in `clean.yaml`." in completed.stdout
    assert "Rule file: `policies/rules/acme-owner.yaml`" in completed.stdout
    assert "| Packs |" not in completed.stdout


def test_show_unknown_rule_exit_2(tmp_path: Path) -> None:
    completed = run_cli("rules", "show", "no-such-rule", cwd=tmp_path)
    assert completed.returncode == 2
    assert "rule 'no-such-rule' not found" in completed.stderr


# rules validate


def test_validate_valid_folder(make_repo: Repo) -> None:
    repo = policy_repo(make_repo)
    completed = run_cli("rules", "validate", "policies", cwd=repo)
    assert completed.returncode == 0
    assert (
        completed.stdout
        == "1 rule file and 0 pack files checked: no errors, 0 warnings\n"
    )


def test_validate_reports_every_bad_file(make_repo: Repo) -> None:
    bad_severity = RULE.replace("acme-owner", "bad-severity").replace(
        "severity: medium", "severity: urgent"
    )
    bad_pattern = RULE.replace("acme-owner", "bad-pattern").replace(
        "      truthy: true", "      pattern: '(?<=x)y'"
    )
    bad_select = RULE.replace("acme-owner", "bad-select").replace(
        "select: \"$.paths[*]['get','post']\"", 'select: "$.paths[?"'
    )
    bad_plugin = textwrap.dedent(
        """\
        id: bad-plugin
        title: Unknown plugin
        severity: high
        category: governance
        kinds: [text]
        match:
          type: detector
          plugin: NoSuchDetector
        message: m
        help: h
        remediation: r
        """
    )
    wrong_name = RULE.replace("id: acme-owner", "id: other-name")
    bad = {
        "bad-severity": bad_severity,
        "bad-pattern": bad_pattern,
        "bad-select": bad_select,
        "bad-plugin": bad_plugin,
        "wrong-name": wrong_name,
    }
    repo = policy_repo(
        make_repo, {f"policies/rules/{name}.yaml": text for name, text in bad.items()}
    )

    completed = run_cli("rules", "validate", "policies", cwd=repo)

    assert completed.returncode == 1
    out = lines_of(completed.stdout)
    expected = [
        "bad-severity.yaml: rule 'bad-severity': field 'severity': 'urgent' is "
        "not one of",
        "bad-pattern.yaml: rule 'bad-pattern': field 'match/pattern': invalid RE2 "
        "pattern",
        "bad-select.yaml: rule 'bad-select': field 'match/select': invalid JSONPath",
        "bad-plugin.yaml: rule 'bad-plugin': field 'match/plugin': unknown "
        "detect-secrets plugin 'NoSuchDetector'",
        "wrong-name.yaml: rule 'other-name': field 'id' must equal the file name",
    ]
    for text in expected:
        assert any(text in line for line in out), text
    assert all(line.startswith("error: policies/rules/") for line in out[:-1])
    assert out[-1] == "5 errors and 0 warnings in 6 rule files and 0 pack files"


def test_validate_lists_all_schema_errors(make_repo: Repo) -> None:
    broken = RULE.replace("severity: medium", "severity: urgent").replace(
        "kinds: [openapi]", "kinds: []"
    )
    repo = policy_repo(make_repo, {"policies/rules/acme-owner.yaml": broken})
    completed = run_cli("rules", "validate", "policies/rules/acme-owner.yaml", cwd=repo)
    assert completed.returncode == 1
    errors = [line for line in lines_of(completed.stdout) if line.startswith("error:")]
    assert len(errors) == 2
    assert "field 'kinds'" in errors[0]
    assert "field 'severity'" in errors[1]


def test_validate_missing_fixture_folder(make_repo: Repo) -> None:
    repo = make_repo({"policies/rules/acme-owner.yaml": RULE})
    completed = run_cli("rules", "validate", "policies", cwd=repo)
    assert completed.returncode == 1
    assert (
        "error: policies/rules/acme-owner.yaml: rule 'acme-owner': fixture folder "
        "policies/fixtures/acme-owner not found"
    ) in completed.stdout


def test_validate_warns_security_rule_without_cwe(make_repo: Repo) -> None:
    security = RULE.replace("category: governance", "category: auth")
    repo = policy_repo(make_repo, {"policies/rules/acme-owner.yaml": security})
    completed = run_cli("rules", "validate", "policies", cwd=repo)
    assert completed.returncode == 0
    out = lines_of(completed.stdout)
    prefix = "warning: policies/rules/acme-owner.yaml: rule 'acme-owner': field"
    assert out[0].startswith(f"{prefix} 'cwe': missing")
    assert out[1].startswith(f"{prefix} 'owasp': missing")
    assert out[2] == "1 rule file and 0 pack files checked: no errors, 2 warnings"


def test_validate_pack_files(make_repo: Repo) -> None:
    packs = {
        "good": "description: Acme.\nextends: recommended\n"
        "rules:\n  acme-owner: {severity: high}\n",
        "unknown": "description: Bad.\nextends: [nope]\n"
        "rules:\n  no-such-rule: {enabled: true}\n",
        "loop-a": "description: A.\nextends: loop-b\n",
        "loop-b": "description: B.\nextends: loop-a\n",
        "schema": "description: S.\ninclude: {categories: [Bad Name]}\n",
    }
    repo = policy_repo(
        make_repo,
        {f"policies/rules/{name}.pack.yaml": text for name, text in packs.items()},
    )

    completed = run_cli("rules", "validate", "policies", cwd=repo)

    assert completed.returncode == 1
    out = completed.stdout
    assert "good.pack.yaml" not in out
    assert (
        "unknown.pack.yaml: pack 'unknown': field 'extends': unknown pack 'nope'" in out
    )
    assert (
        "unknown.pack.yaml: pack 'unknown': field 'rules/no-such-rule': "
        "unknown rule id 'no-such-rule'"
    ) in out
    assert "packs extend each other in a cycle (loop-a -> loop-b -> loop-a)" in out
    assert "schema.pack.yaml: pack 'schema': field 'include/categories/0'" in out
    assert "in 1 rule file and 5 pack files" in out


def test_validate_missing_path_exit_2(tmp_path: Path) -> None:
    completed = run_cli("rules", "validate", "nowhere", cwd=tmp_path)
    assert completed.returncode == 2
    assert "nowhere: no such file or directory" in completed.stderr


def test_validate_builtin_rules_and_packs(tmp_path: Path) -> None:
    completed = run_cli("rules", "validate", "--builtin", cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout
    assert "7 pack files checked: no errors, 0 warnings" in completed.stdout


# rules test


def test_test_passing_rule(make_repo: Repo) -> None:
    repo = policy_repo(make_repo)
    completed = run_cli("rules", "test", "policies", cwd=repo)
    assert completed.returncode == 0
    assert lines_of(completed.stdout) == [
        "PASS acme-owner (1 expected findings in 2 fixture files)",
        "1 rule passed, 0 failed",
    ]


def test_test_failure_shows_expected_and_found(make_repo: Repo) -> None:
    # The marker sits on the post operation, which has an owner, instead of
    # on the get operation, which has none.
    moved = FLAGGED.replace("    get:  # expect: acme-owner\n", "    get:\n").replace(
        "    post:\n", "    post:  # expect: acme-owner\n"
    )
    repo = policy_repo(make_repo, {"policies/fixtures/acme-owner/api.yaml": moved})
    completed = run_cli("rules", "test", "policies", cwd=repo)
    assert completed.returncode == 1
    assert lines_of(completed.stdout) == [
        "FAIL acme-owner (policies/rules/acme-owner.yaml)",
        "  policies/fixtures/acme-owner/api.yaml: expected acme-owner on lines 7, "
        "found on lines 5",
        "  policies/fixtures/acme-owner/api.yaml:7: expected acme-owner, not found",
        "  policies/fixtures/acme-owner/api.yaml:5: found acme-owner@5, not expected",
        "0 rules passed, 1 failed",
    ]


def test_test_keeps_going_after_bad_rule(make_repo: Repo) -> None:
    broken = RULE.replace("acme-owner", "broken")
    repo = policy_repo(make_repo, {"policies/rules/broken.yaml": broken})
    completed = run_cli("rules", "test", "policies", cwd=repo)
    assert completed.returncode == 1
    out = lines_of(completed.stdout)
    assert "PASS acme-owner (1 expected findings in 2 fixture files)" in out
    assert "FAIL broken (policies/rules/broken.yaml)" in out
    assert (
        "  policies/rules/broken.yaml: rule 'broken': fixture folder "
        "policies/fixtures/broken not found"
    ) in out
    assert out[-1] == "1 rule passed, 1 failed"


def test_test_builtin_rules(tmp_path: Path) -> None:
    completed = run_cli("rules", "test", "--builtin", cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout
    assert "PASS openapi-server-http (" in completed.stdout
    assert ", 0 failed" in completed.stdout


# examples/policies


def test_example_policies_pass(tmp_path: Path) -> None:
    policies = PROJECT / "examples" / "policies"
    completed = run_cli("rules", "test", str(policies), cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout
    passed = [line for line in lines_of(completed.stdout) if line.startswith("PASS ")]
    assert len(passed) >= 5
    assert lines_of(completed.stdout)[-1] == f"{len(passed)} rules passed, 0 failed"


def test_example_policies_validate(tmp_path: Path) -> None:
    policies = PROJECT / "examples" / "policies"
    completed = run_cli("rules", "validate", str(policies), cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout
    assert completed.stdout.endswith("checked: no errors, 0 warnings\n")
