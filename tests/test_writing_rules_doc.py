"""docs/writing-rules.md works as written, in a new git repository.

A fenced block whose info string has `file=PATH` is written to PATH. A
`console` block holds one `$ apiguard ...` command: it runs in the repository
and must exit with the block's `exit=N`, and each other line of the block
must start a line of its output, in the same order. The `apiguard` steps of
the CI workflow that the document writes then run the same way.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from ci_support import PROJECT
from sarif_schema import validate_sarif
from test_cli import run_cli

Repo = Callable[[dict[str, str]], Path]
DOC = PROJECT / "docs" / "writing-rules.md"
BLOCK = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.DOTALL | re.M)
WORKFLOW = ".github/workflows/api-policy.yml"

# Exit code of each `apiguard` step of the workflow. The orders service of
# the document lists a vendor host, so the scan step fails the job.
WORKFLOW_EXIT = {
    "apiguard rules validate policies": 0,
    "apiguard rules test policies": 0,
    "apiguard scan -f sarif -o apiguard.sarif -f text": 1,
}


@dataclass(frozen=True)
class Step:
    """A file to write (`path`) or a command to run (`command`)."""

    path: str | None = None
    content: str = ""
    command: str | None = None
    exit_code: int = 0
    expected: tuple[str, ...] = ()


def attributes(info: str) -> dict[str, str]:
    return dict(word.split("=", 1) for word in info.split()[1:] if "=" in word)


def parse_step(info: str, body: str) -> Step | None:
    attrs = attributes(info)
    if "file" in attrs:
        return Step(path=attrs["file"], content=body)
    if not info.startswith("console"):
        return None
    first, *rest = body.splitlines()
    assert first.startswith("$ "), f"a console block starts with `$ `: {first}"
    return Step(
        command=first[2:],
        exit_code=int(attrs.get("exit", "0")),
        expected=tuple(line for line in rest if line.strip()),
    )


def doc_steps() -> list[Step]:
    text = DOC.read_text(encoding="utf-8")
    steps = [
        parse_step(match["info"].strip(), match["body"])
        for match in BLOCK.finditer(text)
    ]
    return [step for step in steps if step is not None]


def run_command(repo: Path, command: str) -> tuple[int, list[str]]:
    arguments = shlex.split(command)
    assert arguments[0] == "apiguard", command
    completed = run_cli(*arguments[1:], cwd=repo)
    output = (completed.stdout + completed.stderr).splitlines()
    return completed.returncode, output


def missing_lines(expected: tuple[str, ...], output: list[str]) -> list[str]:
    """Return the expected lines that do not start output lines in order."""
    remaining = iter(output)
    return [
        line
        for line in expected
        if not any(actual.startswith(line) for actual in remaining)
    ]


def test_doc_marks_files_and_commands() -> None:
    steps = doc_steps()
    commands = [step.command for step in steps if step.command]
    paths = {step.path for step in steps if step.path}
    assert any(command.startswith("apiguard rules validate") for command in commands)
    assert any(command.startswith("apiguard rules test") for command in commands)
    assert any(command.startswith("apiguard scan") for command in commands)
    assert "policies/rules/acme-server-domain.yaml" in paths
    assert ".apiguard.yaml" in paths
    assert WORKFLOW in paths


def test_doc_steps_run(make_repo: Repo) -> None:
    repo = make_repo({})
    for step in doc_steps():
        if step.path is not None:
            target = repo / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.content, encoding="utf-8")
            continue
        assert step.command is not None
        code, output = run_command(repo, step.command)
        output_text = "\n".join(output)
        assert code == step.exit_code, f"{step.command}\n{output_text}"
        assert missing_lines(step.expected, output) == [], (
            f"{step.command}\n{output_text}"
        )

    for command, exit_code in workflow_commands(repo / WORKFLOW).items():
        code, output = run_command(repo, command)
        assert code == exit_code, f"{command}\n" + "\n".join(output)
    validate_sarif((repo / "apiguard.sarif").read_text(encoding="utf-8"))


def workflow_commands(path: Path) -> dict[str, int]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["policy"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    commands = [run for run in runs if run.startswith("apiguard ")]
    assert commands == list(WORKFLOW_EXIT)
    return WORKFLOW_EXIT
