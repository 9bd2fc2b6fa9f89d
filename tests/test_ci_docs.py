"""Every `apiguard` command line in docs/ci.md runs as the document states.

The commands are taken from the document's fenced code blocks and run in
document order on one small git repository: its base commit has a medium
finding, and HEAD adds a second one. Each command's exit code is checked,
and each file it writes with `-o` is parsed as its format.
"""

from __future__ import annotations

import json
import re
import shlex
import string
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from ci_support import PROJECT
from sarif_schema import validate_sarif
from test_cli import run_cli
from tests_support import git

Repo = Callable[[dict[str, str]], Path]
DOC = PROJECT / "docs" / "ci.md"
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
# A command starts at `apiguard scan` or `apiguard baseline`, with or without
# a folder before `apiguard`, and ends at the line's end or at a single quote
# (the end of a Jenkins `sh '...'` step).
COMMAND = re.compile(r"(?:[\w./-]*/)?apiguard (?:scan|baseline) [^'\n]*")

# Exit code per command, in document order. A command added to the document
# fails the test until it is listed here.
EXPECTED_EXIT = {
    "apiguard baseline create . -o apiguard-baseline.json": 0,
    "apiguard scan . --baseline apiguard-baseline.json -f text": 0,
    "apiguard baseline update apiguard-baseline.json . --no-new": 0,
    "apiguard scan . --cache-dir .apiguard-cache -f text": 1,
    "apiguard scan . --fail-on high -f gitlab-sast -o gl-sast-report.json "
    "-f gitlab-codequality -o gl-code-quality-report.json "
    "-f junit -o apiguard-junit.xml -f text": 0,
    'apiguard scan . --diff-base "$CI_MERGE_REQUEST_DIFF_BASE_SHA" -f text': 1,
    'apiguard scan . --commits "$CI_MERGE_REQUEST_DIFF_BASE_SHA..HEAD" '
    "-f junit -o apiguard-history.xml": 0,
    ".venv/bin/apiguard scan . --fail-on high -f junit -o apiguard-junit.xml "
    "-f sarif -o apiguard.sarif -f text": 0,
    "apiguard scan . --fail-on high -f sarif -o apiguard.sarif "
    "-f junit -o apiguard-junit.xml -f text": 0,
}


def doc_commands() -> list[str]:
    commands: list[str] = []
    for block in FENCE.findall(DOC.read_text(encoding="utf-8")):
        commands.extend(match.strip() for match in COMMAND.findall(block))
    return commands


def output_files(arguments: list[str]) -> list[str]:
    return [
        arguments[index + 1]
        for index, argument in enumerate(arguments[:-1])
        if argument in ("-o", "--output")
    ]


def check_output(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name.endswith(".sarif"):
        validate_sarif(text)
    elif path.suffix == ".xml":
        assert ET.fromstring(text.encode()).tag == "testsuites"
    elif path.name == "gl-sast-report.json":
        assert json.loads(text)["scan"]["type"] == "sast"
    elif path.name == "gl-code-quality-report.json":
        assert isinstance(json.loads(text), list)
    else:
        assert json.loads(text)["version"] == 1


def test_doc_lists_expected_commands() -> None:
    assert doc_commands() == list(EXPECTED_EXIT)


def test_doc_commands_run(make_repo: Repo) -> None:
    repo = make_repo(
        {"deploy/app.yaml": "svc:\n  billing: http://billing.acme-corp.io\n"}
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    with (repo / "deploy" / "app.yaml").open("a") as stream:
        stream.write("  orders: http://orders.acme-corp.io\n")
    git(repo, "commit", "-q", "-am", "add orders")
    variables = {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base}

    for command in doc_commands():
        expanded = string.Template(command).substitute(variables)
        arguments = shlex.split(expanded)[1:]
        for output in output_files(arguments):
            (repo / output).unlink(missing_ok=True)
        completed = run_cli(*arguments, cwd=repo)
        assert completed.returncode == EXPECTED_EXIT[command], (
            f"{command}\n{completed.stdout}\n{completed.stderr}"
        )
        for output in output_files(arguments):
            check_output(repo / output)
