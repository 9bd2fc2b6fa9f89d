"""The scan step of the GitHub Action in action.yml: `python -m apiguard.action`.

It reads the action's inputs from APIGUARD_* environment variables, runs
`apiguard scan` with SARIF output, and then writes what GitHub reads: the
step outputs (GITHUB_OUTPUT), a job summary (GITHUB_STEP_SUMMARY) and
annotations for the top findings (workflow commands on stdout). It exits 0
whatever the scan found, and stores the scan's exit code in the `exit-code`
output, so that the SARIF upload step still runs and a later step decides
whether the job fails.

With APIGUARD_DIFF_ONLY=true on a pull_request event, the outputs, summary
and annotations cover only findings on lines that the pull request changed,
and a second, full scan writes the SARIF file for code scanning, which
compares whole analyses.
"""

from __future__ import annotations

import html
import json
import logging
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from apiguard.errors import EXIT_ERROR
from apiguard.findings import SEVERITIES, Region, severity_rank
from apiguard.report.github import ANNOTATION_LEVELS, annotation

log = logging.getLogger(__name__)

# Findings listed in the job summary and annotated in the log.
TOP_FINDINGS = 10
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


@dataclass(frozen=True)
class ActionInputs:
    paths: tuple[str, ...]
    fail_on: str
    diff_only: bool
    config: str
    rule_dirs: tuple[str, ...]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ActionInputs:
        return cls(
            paths=tuple(environ.get("APIGUARD_PATHS", "").split()) or (".",),
            fail_on=environ.get("APIGUARD_FAIL_ON", "").strip(),
            diff_only=environ.get("APIGUARD_DIFF_ONLY", "").strip() == "true",
            config=environ.get("APIGUARD_CONFIG", "").strip(),
            rule_dirs=tuple(environ.get("APIGUARD_RULES", "").split()),
        )

    def scan_arguments(self) -> list[str]:
        arguments = list(self.paths)
        if self.fail_on:
            arguments += ["--fail-on", self.fail_on]
        if self.config:
            arguments += ["--config", self.config]
        for folder in self.rule_dirs:
            arguments += ["--rules", folder]
        return arguments


@dataclass(frozen=True)
class SarifFinding:
    """A finding as read back from the SARIF file."""

    rule_id: str
    title: str
    category: str
    severity: str
    path: str
    region: Region
    message: str


@dataclass(frozen=True)
class ScanReport:
    findings: list[SarifFinding]
    problems: int
    complete: bool


def main(environ: Mapping[str, str] | None = None) -> int:
    """Run the scan step and return 0.

    When the step cannot run (an unreadable event file, say), it reports the
    error as an annotation and sets `exit-code` to 2, so the job fails in the
    action's last step.
    """
    environ = os.environ if environ is None else environ
    logging.basicConfig(format="apiguard action: %(levelname)s: %(message)s")
    try:
        _run(environ)
    except (OSError, KeyError, ValueError) as error:
        log.debug("the scan step failed", exc_info=True)
        message = f"the scan step failed: {type(error).__name__}: {error}"
        print(annotation("error", message, title="apiguard"))
        _write_outputs(
            environ, {"findings": "0", "sarif-path": "", "exit-code": str(EXIT_ERROR)}
        )
    return 0


def _run(environ: Mapping[str, str]) -> None:
    inputs = ActionInputs.from_environment(environ)
    workspace = Path(environ.get("GITHUB_WORKSPACE") or ".").resolve()
    output_dir = Path(environ.get("RUNNER_TEMP") or workspace)

    base = diff_base(environ, workspace) if inputs.diff_only else None
    gate_sarif = output_dir / ("apiguard-diff.sarif" if base else "apiguard.sarif")
    exit_code = run_scan(inputs, gate_sarif, workspace, base=base, show_text=True)
    sarif_path = gate_sarif
    if base is not None:
        sarif_path = output_dir / "apiguard.sarif"
        full_code = run_scan(inputs, sarif_path, workspace, show_text=False)
        if full_code == EXIT_ERROR:
            exit_code = EXIT_ERROR

    report = read_sarif(gate_sarif)
    _write_summary(environ, summary_markdown(report, exit_code, base))
    sys.stdout.write(
        "".join(f"{line}\n" for line in finding_annotations(report.findings))
    )
    _write_outputs(
        environ,
        {
            "findings": str(len(report.findings)),
            "sarif-path": str(sarif_path) if sarif_path.is_file() else "",
            "exit-code": str(exit_code),
        },
    )


def diff_base(environ: Mapping[str, str], workspace: Path) -> str | None:
    """Return the commit to diff against for a pull request event, else None."""
    event_name = environ.get("GITHUB_EVENT_NAME", "")
    if event_name not in PULL_REQUEST_EVENTS:
        print(
            f"::notice title=apiguard::diff-only applies to pull_request events; "
            f"this {event_name or 'unknown'} event gets a full scan"
        )
        return None
    event = json.loads(Path(environ["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    base_sha = str(event["pull_request"]["base"]["sha"])
    _ensure_commit(workspace, base_sha)
    return _merge_base(workspace, base_sha) or base_sha


def _git(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # The checkout's own config must not name a command for git to run.
        ["git", "-c", "core.fsmonitor=false", "-C", str(workspace), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _ensure_commit(workspace: Path, sha: str) -> None:
    """Fetch the base commit when a shallow checkout does not have it."""
    if _git(workspace, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0:
        return
    log.info("fetching the pull request's base commit %s", sha)
    fetched = _git(workspace, "fetch", "--no-tags", "--depth=1", "origin", sha)
    if fetched.returncode != 0:
        print(
            f"::warning title=apiguard::cannot fetch the base commit {sha}: "
            f"{fetched.stderr.strip()}; use actions/checkout with fetch-depth: 0"
        )


def _merge_base(workspace: Path, sha: str) -> str | None:
    """Return the merge base of `sha` and HEAD, so base-branch changes made
    after the pull request branched off do not count as its changes."""
    completed = _git(workspace, "merge-base", sha, "HEAD")
    if completed.returncode != 0:
        return None
    return completed.stdout.strip() or None


def run_scan(
    inputs: ActionInputs,
    sarif: Path,
    workspace: Path,
    *,
    base: str | None = None,
    show_text: bool,
) -> int:
    """Run `apiguard scan` writing SARIF; return its exit code."""
    arguments = [*inputs.scan_arguments(), "-f", "sarif", "-o", str(sarif)]
    if show_text:
        arguments += ["-f", "text"]
    if base is not None:
        arguments += ["--diff-base", base]
    command = [sys.executable, "-m", "apiguard", "scan", *arguments]
    log.info("running %s", " ".join(command))
    completed = subprocess.run(command, cwd=workspace, check=False)
    return completed.returncode


def read_sarif(path: Path) -> ScanReport:
    """Read the findings and the scan problems back from a SARIF file."""
    if not path.is_file():
        return ScanReport([], 0, complete=False)
    run = json.loads(path.read_text(encoding="utf-8"))["runs"][0]
    rules = run["tool"]["driver"].get("rules", [])
    findings = [
        _sarif_finding(result, rules)
        for result in run.get("results", [])
        if not result.get("suppressions")
    ]
    invocation = run.get("invocations", [{}])[0]
    problems = len(invocation.get("toolExecutionNotifications", []))
    complete = bool(invocation.get("executionSuccessful", False))
    return ScanReport(findings, problems, complete)


def _sarif_finding(result: dict[str, Any], rules: list[dict[str, Any]]) -> SarifFinding:
    rule = rules[result["ruleIndex"]] if "ruleIndex" in result else {}
    location = result["locations"][0]["physicalLocation"]
    region = location.get("region", {})
    start_line = int(region.get("startLine", 1))
    start_column = int(region.get("startColumn", 1))
    return SarifFinding(
        rule_id=result["ruleId"],
        title=rule.get("shortDescription", {}).get("text", result["ruleId"]),
        category=rule.get("properties", {}).get("category", "other"),
        severity=result.get("properties", {}).get("severity", "info"),
        path=unquote(location["artifactLocation"]["uri"]),
        region=Region(
            start_line,
            start_column,
            int(region.get("endLine", start_line)),
            int(region.get("endColumn", start_column)),
        ),
        message=result["message"]["text"],
    )


def top_findings(findings: Sequence[SarifFinding]) -> list[SarifFinding]:
    ordered = sorted(
        findings,
        key=lambda f: (-severity_rank(f.severity), f.path, f.region, f.rule_id),
    )
    return ordered[:TOP_FINDINGS]


def finding_annotations(findings: Sequence[SarifFinding]) -> list[str]:
    return [
        annotation(
            ANNOTATION_LEVELS[finding.severity],
            finding.message,
            path=finding.path,
            region=finding.region,
            title=f"{finding.title} ({finding.rule_id})",
        )
        for finding in top_findings(findings)
    ]


def summary_markdown(report: ScanReport, exit_code: int, base: str | None) -> str:
    """Return the job summary: counts by category and severity, top findings."""
    total = len(report.findings)
    scope = f"on lines changed since `{base[:12]}`" if base else "in the scanned files"
    lines = [
        "## apiguard",
        "",
        f"**{total} finding{'s' if total != 1 else ''}** {scope}; "
        f"`apiguard scan` exited with {exit_code}.",
    ]
    if not report.complete:
        lines += ["", "The scan is incomplete: see the errors in the step's log."]
    if report.problems:
        lines += ["", f"{report.problems} problem(s) with the scan are in the log."]
    if total:
        lines += ["", *_count_table(report.findings), "", "### Top findings", ""]
        lines += _top_table(report.findings)
    return "\n".join(lines) + "\n"


def _count_table(findings: Sequence[SarifFinding]) -> list[str]:
    severities = list(reversed(SEVERITIES))
    counts = Counter((finding.category, finding.severity) for finding in findings)
    categories = sorted({finding.category for finding in findings})
    rows = [
        "| Category | " + " | ".join(s.capitalize() for s in severities) + " | Total |",
        "|---" * (len(severities) + 2) + "|",
    ]
    for category in categories:
        cells = [str(counts[(category, severity)]) for severity in severities]
        row_total = sum(counts[(category, severity)] for severity in severities)
        rows.append(f"| {_cell(category)} | {' | '.join(cells)} | {row_total} |")
    return rows


def _top_table(findings: Sequence[SarifFinding]) -> list[str]:
    rows = ["| Severity | Rule | Location | Message |", "|---|---|---|---|"]
    for finding in top_findings(findings):
        where = f"{finding.path}:{finding.region.start_line}"
        rows.append(
            f"| {finding.severity} | {_cell(finding.rule_id)} | {_cell(where)} "
            f"| {_cell(finding.message)} |"
        )
    if len(findings) > TOP_FINDINGS:
        rows += ["", f"{len(findings) - TOP_FINDINGS} more findings are in the SARIF."]
    return rows


def _cell(text: str) -> str:
    """Escape text for a Markdown table cell; HTML in it is shown, not run."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    return escaped.replace("|", "\\|").replace("`", "\\`")


def _write_summary(environ: Mapping[str, str], markdown: str) -> None:
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        sys.stdout.write(markdown)
        return
    with open(summary, "a", encoding="utf-8") as stream:
        stream.write(markdown)


def _write_outputs(environ: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    """Append `name=value` lines to GITHUB_OUTPUT; the values have no newline."""
    target = environ.get("GITHUB_OUTPUT")
    lines = "".join(f"{name}={value}\n" for name, value in outputs.items())
    if not target:
        sys.stdout.write(lines)
        return
    with open(target, "a", encoding="utf-8") as stream:
        stream.write(lines)


if __name__ == "__main__":
    sys.exit(main())
