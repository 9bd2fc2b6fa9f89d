"""Hostile rules and configuration: catastrophic patterns, JSONPath over bombs.

Rule and configuration files are data: no tag constructs an object, no
environment variable is expanded, and every pattern is RE2, so matching time
stays linear in the input. A pattern that RE2 rejects stops the scan with
exit code 2 and a message that names the rule file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from hostile.support import (
    CLEAN_FINDING,
    CLEAN_NAME,
    CLEAN_TEXT,
    Case,
    ScanRun,
    check_run,
    run_case,
    run_cli,
    scan_args,
    write_files,
)

RULE_ID = "hostile-rule"
# 220 KB of text on which a backtracking engine would never finish: the
# patterns below already take exponential time on 30 characters.
RUNAWAY_INPUT = ("a" * 20_000 + "!\n") * 10 + "a" * 20_000

# Patterns that take exponential time in a backtracking engine. RE2 runs
# them in linear time.
RUNAWAY_PATTERNS = [
    "(a+)+$",
    "(a|a)*$",
    "(a*)*b",
    "(a|aa)+$",
    "((a+)+)+$",
    "(x+x+)+y",
    "(\\w+\\s?)*$",
    "^(([a-z])+.)+[A-Z]([a-z])+$",
    "^(a?){25}a{25}$",
    "(.*a){12}",
]

# Patterns outside RE2's syntax or limits: backreferences, lookaround, more
# than 1000 repetitions, and a program over the 64 MiB memory budget.
REJECTED_PATTERNS = {
    "backreference": "(a)\\1",
    "named-backreference": "(?P<x>a)(?P=x)",
    "lookahead": "a(?=b)",
    "lookbehind": "(?<=a)b",
    "repeat-1001": "a{1001}",
    "nested-repeats": "((a{1000}){1000}){1000}",
    "possessive": "a++",
}


def _rule_text(match: str, *, kinds: str = "[text]", message: str = "found") -> str:
    return (
        f"id: {RULE_ID}\ntitle: Hostile rule\nseverity: low\ncategory: tls\n"
        f"kinds: {kinds}\nmatch:\n{match}message: {message}\nhelp: h\n"
        "remediation: r\n"
    )


def _quoted(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


PLACES = {
    "text-pattern": lambda p: f"  type: text\n  pattern: {_quoted(p)}\n",
    "text-allow": lambda p: f"  type: text\n  pattern: 'a+'\n  allow: [{_quoted(p)}]\n",
    "detector-candidates": lambda p: (
        f"  type: detector\n  plugin: KeywordDetector\n  candidates: {_quoted(p)}\n"
    ),
    "query-where": lambda p: (
        f"  type: query\n  select: '$.*'\n  where:\n    - pattern: {_quoted(p)}\n"
    ),
    "query-assert": lambda p: (
        f"  type: query\n  select: '$.*'\n  assert:\n    - not-pattern: {_quoted(p)}\n"
    ),
}


def _rules_run(
    rule: str, files: Mapping[str, bytes], tmp_path: Path, timeout: float = 30
) -> ScanRun:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / f"{RULE_ID}.yaml").write_text(rule)
    folder = tmp_path / "scan"
    folder.mkdir()
    write_files(folder, {CLEAN_NAME: CLEAN_TEXT.encode(), **files})
    out = tmp_path / "out"
    out.mkdir()
    args = scan_args(folder, out, "--rules", str(rules))
    return run_cli(args, cwd=tmp_path, out=out, timeout=timeout)


def _runaway_files(place: str) -> dict[str, bytes]:
    if place.startswith("query"):
        values = [RUNAWAY_INPUT[:20_000] + "!", RUNAWAY_INPUT[:20_000]]
        text = "\n".join(f"- {value}" for value in values) + "\n"
        return {"hostile.yaml": text.encode()}
    return {"hostile.yaml": RUNAWAY_INPUT.encode()}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("pattern", RUNAWAY_PATTERNS)
def test_runaway_pattern_linear(place: str, pattern: str, tmp_path: Path) -> None:
    kinds = "[yaml]" if place.startswith("query") else "[text]"
    rule = _rule_text(PLACES[place](pattern), kinds=kinds)

    run = _rules_run(rule, _runaway_files(place), tmp_path, timeout=30)

    check_run(run, Case(pattern, {}))
    assert run.seconds < 30


@pytest.mark.parametrize("name", sorted(REJECTED_PATTERNS))
def test_rejected_pattern_exit_2(name: str, tmp_path: Path) -> None:
    rule = _rule_text(PLACES["text-pattern"](REJECTED_PATTERNS[name]))

    run = _rules_run(rule, {"hostile.yaml": b"a: 1\n"}, tmp_path)

    assert run.exit_code == 2
    assert "Traceback" not in run.stderr
    assert f"{RULE_ID}.yaml" in run.stderr
    assert "invalid RE2 pattern" in run.stderr
    assert run.stdout == ""


def _laughs(fanout: int, depth: int) -> str:
    lines = ["l0: &l0 [" + ", ".join(["lol"] * fanout) + "]"]
    for level in range(1, depth + 1):
        aliases = ", ".join([f"*l{level - 1}"] * fanout)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


EVERY_NODE = "  type: query\n  select: '$..*'\n"
NO_NODE_PASSES = EVERY_NODE + "  where:\n    - pattern: '^never-matches$'\n"

# (files, match, expected codes on hostile.yaml, untrusted)
SELECT_ALL = {
    # 9**5 leaves: under the alias budget, so the rule visits ~66,000 nodes.
    "small-bomb": ({"hostile.yaml": _laughs(9, 5)}, NO_NODE_PASSES, frozenset(), False),
    "small-bomb-findings": (
        {"hostile.yaml": _laughs(9, 2)},
        EVERY_NODE,
        frozenset(),
        False,
    ),
    "big-bomb": (
        {"hostile.yaml": _laughs(9, 9)},
        EVERY_NODE,
        frozenset({"parse-error"}),
        False,
    ),
    "wide": (
        {"hostile.yaml": "".join(f"k{i}: v\n" for i in range(20_000))},
        NO_NODE_PASSES,
        frozenset(),
        False,
    ),
    # The JSONPath library stops a descent at 100 levels, so on a tree 150
    # levels deep (within apiguard's limit of 200) the rule fails on that
    # file, which is exit code 2.
    "deep-yaml": (
        {"hostile.yaml": "a: " + "[" * 150 + "]" * 150 + "\n"},
        NO_NODE_PASSES,
        frozenset({"rule-failed"}),
        True,
    ),
    "deep-json": (
        {"hostile.json": '{"a": ' * 800 + "1" + "}" * 800},
        NO_NODE_PASSES,
        frozenset({"rule-failed"}),
        True,
    ),
    "too-deep": (
        {"hostile.yaml": "a: " + "[" * 10_000 + "]" * 10_000 + "\n"},
        EVERY_NODE,
        frozenset({"parse-error"}),
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(SELECT_ALL))
def test_select_every_node(name: str, tmp_path: Path) -> None:
    files, match, codes, untrusted = SELECT_ALL[name]
    path = next(iter(files))
    rule = _rule_text(match, kinds="[yaml, json]")

    run = _rules_run(rule, {k: v.encode() for k, v in files.items()}, tmp_path)

    check_run(run, Case(name, {}, path=path, codes=codes, untrusted=untrusted))
    if "rule-failed" in codes:
        assert f"rule {RULE_ID} failed on this file" in run.stdout


def test_message_not_expanded(tmp_path: Path) -> None:
    message = "'seen ${HOME} $HOME $(id) `id` %HOME% {HOME} {{HOME}} ~'"
    rule = _rule_text("  type: text\n  pattern: 'a+$'\n", message=message)
    env = {"HOME": "/home/expanded-marker"}

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / f"{RULE_ID}.yaml").write_text(rule)
    folder = tmp_path / "scan"
    write_files(folder, {CLEAN_NAME: CLEAN_TEXT.encode(), "hostile.txt": b"aaa"})
    out = tmp_path / "out"
    out.mkdir()
    args = scan_args(folder, out, "--rules", str(rules))

    run = run_cli(args, cwd=tmp_path, out=out, env=env)

    check_run(run, Case("message", {}))
    assert "seen ${HOME} $HOME $(id) `id` %HOME% {HOME} {{HOME}} ~" in run.stdout
    assert "expanded-marker" not in run.stdout
    assert "uid=" not in run.stdout


CONFIGS = {
    "exclude": "exclude: ['${TARGET}', '$TARGET', '~/$TARGET']\n",
    "rule-exclude": "rules:\n  config-http-url:\n    exclude: ['${TARGET}']\n",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_not_expanded(name: str, tmp_path: Path) -> None:
    # Were ${TARGET} expanded, hostile.yaml would be excluded.
    files = {
        ".apiguard.yaml": CONFIGS[name].encode(),
        "hostile.yaml": b"url: http://orders.acme-corp.io\n",
    }
    case = Case(name, files, env={"TARGET": "hostile.yaml"})

    run = run_case(case, tmp_path)

    check_run(run, case)
    assert (1, 6, "config-http-url") in run.finding_places("hostile.yaml")


def test_config_select_not_expanded(tmp_path: Path) -> None:
    folder = tmp_path / "scan"
    files = {".apiguard.yaml": b"select: ['${RULE}']\n"}
    write_files(folder, {CLEAN_NAME: CLEAN_TEXT.encode(), **files})
    out = tmp_path / "out"
    out.mkdir()
    env = {"RULE": "config-http-url"}

    run = run_cli(scan_args(folder, out), cwd=tmp_path, out=out, env=env)

    # No rule is called ${RULE}, so the configuration is rejected.
    assert run.exit_code == 2
    assert "'${RULE}'" in run.stderr
    assert "Traceback" not in run.stderr


def test_config_rule_dirs_not_expanded(tmp_path: Path) -> None:
    files = {".apiguard.yaml": b"rule-dirs: ['${HOME}/rules']\n"}
    folder = tmp_path / "scan"
    write_files(folder, {CLEAN_NAME: CLEAN_TEXT.encode(), **files})
    out = tmp_path / "out"
    out.mkdir()

    run = run_cli(scan_args(folder, out), cwd=tmp_path, out=out, env={"HOME": "/"})

    assert run.exit_code == 2
    assert "${HOME}/rules: rule directory not found" in run.stderr
    assert "Traceback" not in run.stderr


TAGGED_FIELDS = {
    "message": "message: !!python/object/apply:os.system ['touch {marker}']\n",
    "title": "title: !!python/object/apply:builtins.open ['{marker}', 'w']\n",
    "pattern": (
        "match:\n  type: text\n"
        "  pattern: !!python/object/apply:os.system ['touch {marker}']\n"
    ),
}


@pytest.mark.parametrize("field", sorted(TAGGED_FIELDS))
def test_rule_tag_runs_nothing(field: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    base = {
        "title": "title: Hostile rule\n",
        "message": "message: found\n",
        "pattern": "match:\n  type: text\n  pattern: 'a'\n",
    }
    base[field] = TAGGED_FIELDS[field].format(marker=marker)
    rule = (
        f"id: {RULE_ID}\n{base['title']}severity: low\ncategory: tls\n"
        f"kinds: [text]\n{base['pattern']}{base['message']}help: h\nremediation: r\n"
    )

    run = _rules_run(rule, {"hostile.yaml": b"a: 1\n"}, tmp_path)

    assert run.exit_code == 2
    assert "Traceback" not in run.stderr
    assert f"{RULE_ID}.yaml" in run.stderr
    assert not marker.exists()


def test_config_tag_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    config = f"fail-on: !!python/object/apply:os.system ['touch {marker}']\n"
    folder = tmp_path / "scan"
    write_files(
        folder, {CLEAN_NAME: CLEAN_TEXT.encode(), ".apiguard.yaml": config.encode()}
    )
    out = tmp_path / "out"
    out.mkdir()

    run = run_cli(scan_args(folder, out), cwd=tmp_path, out=out)

    assert run.exit_code == 2
    assert ".apiguard.yaml" in run.stderr
    assert "Traceback" not in run.stderr
    assert not marker.exists()


# JSONPath filter functions run RE2, so a crafted value cannot keep them
# busy. JSON Schema `pattern` uses Python's backtracking `re`.
RUNAWAY_VALUE = "a" * 60 + "!"
JSONPATH_PLACES = {
    "jsonpath-match": "  type: query\n  select: \"$[?match(@, '(a|aa)+')]\"\n",
    "jsonpath-search": "  type: query\n  select: \"$[?search(@, '^(a|aa)+$')]\"\n",
}
SCHEMA_PATTERN = (
    "  type: query\n  select: '$.*'\n  where:\n"
    "    - schema: {type: string, pattern: '^(a|aa)+$'}\n"
)


def _runaway_query(match: str, tmp_path: Path) -> None:
    rule = _rule_text(match, kinds="[yaml]")
    files = {"hostile.yaml": f"- {RUNAWAY_VALUE}\n".encode()}

    run = _rules_run(rule, files, tmp_path, timeout=2)

    assert not run.timed_out
    assert CLEAN_FINDING in run.stdout


@pytest.mark.parametrize("place", sorted(JSONPATH_PLACES))
def test_jsonpath_regex_linear(place: str, tmp_path: Path) -> None:
    _runaway_query(JSONPATH_PLACES[place], tmp_path)


@pytest.mark.xfail(
    strict=True,
    reason="JSON Schema `pattern` in query rules runs Python's backtracking re "
    "on document values: jsonschema compiles it with re, not RE2",
)
def test_schema_pattern_linear(tmp_path: Path) -> None:
    _runaway_query(SCHEMA_PATTERN, tmp_path)
