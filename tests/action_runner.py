"""Run a composite action's steps as GitHub's runner does, for tests.

It covers what action.yml uses: `${{ }}` expressions over the inputs, the
step outputs, `github.*` and `runner.*`, the operators `==`, `!=`, `&&`,
`||`, `!` and parentheses, and the status functions always() and success().
`run` steps run in bash with the step's env and a GITHUB_OUTPUT file of their
own. `uses` steps are recorded with their evaluated `with` values and not
run, because they would reach GitHub.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|&&|\|\||[!()])|'(?P<string>(?:[^']|'')*)'"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.-]*(?:\(\))?))"
)
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STATUS_FUNCTION = re.compile(r"\b(?:always|success|failure|cancelled)\(\)")


@dataclass
class StepRecord:
    id: str
    name: str
    ran: bool
    exit_code: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    uses: str | None = None
    with_values: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    steps: list[StepRecord]
    outputs: dict[str, str]

    def step(self, step_id: str) -> StepRecord:
        return next(record for record in self.steps if record.id == step_id)


class _Parser:
    """A recursive-descent parser that evaluates an expression as it reads it."""

    def __init__(self, text: str, lookup: Any) -> None:
        self.tokens = self._tokenize(text)
        self.position = 0
        self.lookup = lookup

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text.rstrip()):
            match = _TOKEN.match(text, position)
            if match is None:
                raise ValueError(f"invalid expression at {text[position:]!r}")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            position = match.end()
        return tokens

    def parse(self) -> Any:
        value = self._or()
        if self.position != len(self.tokens):
            raise ValueError(f"unexpected token {self.tokens[self.position]}")
        return value

    def _peek(self) -> str | None:
        if self.position < len(self.tokens) and self.tokens[self.position][0] == "op":
            return self.tokens[self.position][1]
        return None

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self.position += 1
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._not()
        while self._peek() == "&&":
            self.position += 1
            right = self._not()
            value = right if truthy(value) else value
        return value

    def _not(self) -> Any:
        if self._peek() == "!":
            self.position += 1
            return not truthy(self._not())
        return self._comparison()

    def _comparison(self) -> Any:
        left = self._primary()
        operator = self._peek()
        if operator not in ("==", "!="):
            return left
        self.position += 1
        right = self._primary()
        equal = str(left).lower() == str(right).lower()
        return equal if operator == "==" else not equal

    def _primary(self) -> Any:
        kind, text = self.tokens[self.position]
        self.position += 1
        if kind == "op" and text == "(":
            value = self._or()
            self.position += 1
            return value
        if kind == "string":
            return text.replace("''", "'")
        return self.lookup(text)


def truthy(value: Any) -> bool:
    return value not in ("", None, False, 0)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class CompositeRunner:
    """Runs the steps of one composite action.yml."""

    def __init__(
        self,
        action_file: Path,
        inputs: Mapping[str, str],
        github: Mapping[str, str],
        env: Mapping[str, str],
        workspace: Path,
    ) -> None:
        self.action = yaml.safe_load(action_file.read_text(encoding="utf-8"))
        defaults = {
            name: str(spec.get("default", ""))
            for name, spec in self.action.get("inputs", {}).items()
        }
        self.inputs = {**defaults, **inputs}
        self.github = dict(github)
        self.env = dict(env)
        self.workspace = workspace
        self.step_outputs: dict[str, dict[str, str]] = {}
        self.failed = False

    def _lookup(self, name: str) -> Any:
        if name == "always()":
            return True
        if name == "success()":
            return not self.failed
        if name in ("true", "false"):
            return name == "true"
        parts = name.split(".")
        if parts[0] == "inputs":
            return self.inputs.get(parts[1], "")
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.step_outputs.get(parts[1], {}).get(parts[3], "")
        if parts[0] == "github":
            return self.github.get(parts[1], "")
        if parts[0] == "runner":
            return self.env.get(f"RUNNER_{parts[1].upper()}", "")
        raise ValueError(f"unsupported context {name!r}")

    def evaluate(self, expression: str) -> Any:
        return _Parser(expression, self._lookup).parse()

    def substitute(self, text: str) -> str:
        return _EXPRESSION.sub(lambda m: _as_text(self.evaluate(m.group(1))), text)

    def run(self) -> ActionRun:
        records = [
            self._step(index, step)
            for index, step in enumerate(self.action["runs"]["steps"])
        ]
        outputs = {
            name: self.substitute(str(spec["value"]))
            for name, spec in self.action.get("outputs", {}).items()
        }
        return ActionRun(records, outputs)

    def _step(self, index: int, step: Mapping[str, Any]) -> StepRecord:
        step_id = str(step.get("id", f"step{index}"))
        condition = str(step.get("if", "success()")).strip()
        condition = _EXPRESSION.sub(lambda m: m.group(1), condition)
        if not _STATUS_FUNCTION.search(condition):
            # GitHub runs a step whose `if` names no status function only
            # while the earlier steps succeed.
            condition = f"success() && ({condition})"
        record = StepRecord(step_id, str(step.get("name", step_id)), ran=False)
        if not truthy(self.evaluate(condition)):
            return record
        record.ran = True
        if "uses" in step:
            record.uses = str(step["uses"])
            record.with_values = {
                key: self.substitute(str(value))
                for key, value in step.get("with", {}).items()
            }
            return record
        self._run_shell(step, record)
        return record

    def _run_shell(self, step: Mapping[str, Any], record: StepRecord) -> None:
        output_file = self.workspace.parent / f"github-output-{record.id}"
        output_file.write_text("")
        step_env = {
            key: self.substitute(str(value))
            for key, value in step.get("env", {}).items()
        }
        env = {**os.environ, **self.env, **step_env, "GITHUB_OUTPUT": str(output_file)}
        completed = subprocess.run(
            ["bash", "-e", "-c", self.substitute(str(step["run"]))],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        record.exit_code = completed.returncode
        record.stdout = completed.stdout
        record.stderr = completed.stderr
        record.outputs = dict(
            line.split("=", 1)
            for line in output_file.read_text().splitlines()
            if "=" in line
        )
        self.step_outputs[record.id] = record.outputs
        if completed.returncode != 0:
            self.failed = True
