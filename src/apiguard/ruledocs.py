"""Generate one Markdown page per built-in rule, and their index, README.md.

Run `python -m apiguard.ruledocs docs/rules` after changing a rule, a pack or
a rule's fixtures; a test fails while a page is stale. `apiguard rules show`
prints the same page for one rule.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from apiguard.findings import Finding
from apiguard.rulepacks import Pack, choose_rules
from apiguard.rules import Rule
from apiguard.ruleset import RuleSet, fixture_folder, load_rule_set
from apiguard.ruletest import EXPECT_SUFFIX, run_fixtures

INDEX_PAGE = "README.md"
# Flagged lines, and clean files, that a page lists from the fixtures.
MAX_EXAMPLES = 5
# Longer source lines are cut in the examples.
MAX_SNIPPET = 120

_EXPECT_MARKER = re.compile(r"expect:\s*[a-z0-9]+(?:-[a-z0-9]+)*(?:@[0-9]+)?")
_EMPTY_COMMENT = re.compile(r"\s*(?:#|//|<!--\s*-->|/\*\s*\*/)?\s*$")

_OWASP_TITLES = {
    "API1:2023": "Broken Object Level Authorization",
    "API2:2023": "Broken Authentication",
    "API3:2023": "Broken Object Property Level Authorization",
    "API4:2023": "Unrestricted Resource Consumption",
    "API5:2023": "Broken Function Level Authorization",
    "API6:2023": "Unrestricted Access to Sensitive Business Flows",
    "API7:2023": "Server Side Request Forgery",
    "API8:2023": "Security Misconfiguration",
    "API9:2023": "Improper Inventory Management",
    "API10:2023": "Unsafe Consumption of APIs",
}


@dataclass(frozen=True)
class Examples:
    """Findings of a rule in its fixture folder, and the files it leaves clean."""

    folder: str
    flagged: tuple[Finding, ...]
    more_flagged: int
    clean_files: tuple[str, ...]
    more_clean: int


def render_rule_page(
    rule: Rule, *, packs: Sequence[str] = (), examples: Examples | None = None
) -> str:
    """Return the Markdown page of one rule, naming the `packs` that include it."""
    lines = [
        f"# {rule.id}",
        "",
        f"**{rule.title}**",
        "",
        "| | |",
        "| --- | --- |",
        f"| Severity | {rule.severity} |",
        f"| Category | {rule.category} |",
        f"| Applies to | {', '.join(rule.kinds)} |",
        f"| Match type | {rule.match_type} |",
    ]
    if rule.cwe:
        links = ", ".join(
            f"[CWE-{n}](https://cwe.mitre.org/data/definitions/{n}.html)"
            for n in rule.cwe
        )
        lines.append(f"| CWE | {links} |")
    if rule.owasp:
        names = ", ".join(f"{i} {_OWASP_TITLES.get(i, '')}".strip() for i in rule.owasp)
        lines.append(f"| OWASP API Top 10 | {names} |")
    if rule.secret:
        lines.append("| Secret | yes: outputs show a redacted form only |")
    if packs:
        lines.append(f"| Packs | {', '.join(packs)} |")

    lines += ["", "## What it finds", "", rule.help.strip(), ""]
    lines += ["## How to fix it", "", rule.remediation.strip(), ""]
    if examples is not None:
        lines += _examples_section(examples)
    if rule.references:
        lines += ["## References", ""]
        lines += [f"- <{reference}>" for reference in rule.references]
        lines.append("")
    lines += [f"Rule file: `{_rule_file(rule)}`", ""]
    return "\n".join(lines)


def _rule_file(rule: Rule) -> str:
    if not rule.builtin:
        return rule.source.as_posix()
    return f"rules/{rule.source.parent.name}/{rule.source.name}"


def _examples_section(examples: Examples) -> list[str]:
    lines = ["## Examples", ""]
    if examples.flagged:
        lines += [f"In its fixtures (`{examples.folder}`) the rule flags:", ""]
        lines += ["```text", *_flagged_lines(examples.flagged), "```", ""]
    if examples.more_flagged:
        more = _count(examples.more_flagged, "line")
        lines += [f"and {more} more in those fixtures.", ""]
    if examples.clean_files:
        names = ", ".join(f"`{name}`" for name in examples.clean_files)
        if examples.more_clean:
            names += f" and {_count(examples.more_clean, 'file')}"
        lines += [f"It finds nothing in {names}.", ""]
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _flagged_lines(findings: Sequence[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        region = finding.region
        lines.append(
            f"{finding.path}:{region.start_line}:{region.start_column}: "
            f"{finding.message}"
        )
        lines.append(f"    {_clean_snippet(finding.snippet)}")
    return lines


def _clean_snippet(snippet: str) -> str:
    """Drop the fixture's `expect:` marker and cut a long line."""
    text = _EMPTY_COMMENT.sub("", _EXPECT_MARKER.sub("", snippet)).strip()
    if len(text) > MAX_SNIPPET:
        return text[: MAX_SNIPPET - 3] + "..."
    return text


def fixture_examples(rule: Rule) -> Examples | None:
    """Run `rule` on its fixture folder; return None when there is no folder."""
    folder = fixture_folder(rule)
    if not folder.is_dir():
        return None
    report = run_fixtures(rule, folder)
    findings = sorted(
        report.result.findings if report.result else [],
        key=lambda f: (f.path, f.region.start_line, f.region.start_column),
    )
    touched = {e.path for e in report.expected} | {f.path for f in findings}
    clean = sorted(set(_fixture_files(folder)) - touched)
    folder_text = f"tests/fixtures/rules/{rule.id}/" if rule.builtin else f"{folder}/"
    return Examples(
        folder=folder_text,
        flagged=tuple(findings[:MAX_EXAMPLES]),
        more_flagged=max(0, len(findings) - MAX_EXAMPLES),
        clean_files=tuple(clean[:MAX_EXAMPLES]),
        more_clean=max(0, len(clean) - MAX_EXAMPLES),
    )


def _fixture_files(folder: Path) -> list[str]:
    return [
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not path.name.endswith(EXPECT_SUFFIX)
    ]


def builtin_pack_names(rule_set: RuleSet) -> dict[str, list[str]]:
    """Return, for each rule id, the built-in packs that include the rule."""
    names: dict[str, list[str]] = {rule.id: [] for rule in rule_set.rules}
    for pack in _builtin_packs(rule_set.packs):
        for rule_id in choose_rules(rule_set.rules, rule_set.packs, [pack.name]):
            names[rule_id].append(pack.name)
    return names


def _builtin_packs(packs: Mapping[str, Pack]) -> list[Pack]:
    return sorted((pack for pack in packs.values() if pack.builtin), key=_pack_order)


def _pack_order(pack: Pack) -> tuple[int, str]:
    # recommended and strict first, then the category packs by name.
    leading = {"recommended": 0, "strict": 1}
    return leading.get(pack.name, 2), pack.name


def rule_page(rule: Rule, rule_set: RuleSet) -> str:
    """Return the page of `rule`, with its built-in packs and fixture examples."""
    packs = builtin_pack_names(rule_set).get(rule.id, []) if rule.builtin else []
    return render_rule_page(rule, packs=packs, examples=fixture_examples(rule))


def render_index(rule_set: RuleSet) -> str:
    """Return README.md: the built-in packs, then the rules by category."""
    lines = [
        "# Built-in rules",
        "",
        "Generated by `python -m apiguard.ruledocs docs/rules` from the rule and",
        "pack files; edit those, not this page.",
        "",
        "## Packs",
        "",
        "| pack | rules | what it includes |",
        "| --- | --- | --- |",
    ]
    members = builtin_pack_names(rule_set)
    for pack in _builtin_packs(rule_set.packs):
        count = sum(pack.name in names for names in members.values())
        lines.append(f"| `{pack.name}` | {count} | {pack.description} |")
    lines.append("")
    lines += _category_tables(rule_set.rules, members)
    return "\n".join(lines)


def _category_tables(
    rules: Sequence[Rule], members: Mapping[str, Sequence[str]]
) -> list[str]:
    lines = []
    for category in sorted({rule.category for rule in rules}):
        lines += [f"## {category}", ""]
        lines += [
            "| rule | severity | title | in recommended |",
            "| --- | --- | --- | --- |",
        ]
        for rule in sorted((r for r in rules if r.category == category), key=_rule_id):
            recommended = "yes" if "recommended" in members[rule.id] else "no"
            lines.append(
                f"| [{rule.id}]({rule.id}.md) | {rule.severity} | {rule.title} "
                f"| {recommended} |"
            )
        lines.append("")
    return lines


def _rule_id(rule: Rule) -> str:
    return rule.id


def expected_pages() -> dict[str, str]:
    """Return file name to content for the index and every built-in rule's page."""
    rule_set = load_rule_set([])
    pages = {f"{rule.id}.md": rule_page(rule, rule_set) for rule in rule_set.rules}
    pages[INDEX_PAGE] = render_index(rule_set)
    return pages


def write_pages(folder: Path) -> list[str]:
    """Write the pages into `folder`, remove pages of deleted rules, return names."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = expected_pages()
    for name, content in pages.items():
        (folder / name).write_text(content, encoding="utf-8")
    for stale in folder.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    return sorted(pages)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) != 1:
        print("usage: python -m apiguard.ruledocs FOLDER", file=sys.stderr)
        return 2
    names = write_pages(Path(arguments[0]))
    print(f"wrote {len(names)} rule pages to {arguments[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
