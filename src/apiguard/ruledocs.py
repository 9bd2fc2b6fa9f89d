"""Generate one Markdown page per built-in rule from its YAML file.

Run `python -m apiguard.ruledocs docs/rules` after changing a rule; a test
fails while a page is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from apiguard.rules import Rule, load_rules

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


def render_rule_page(rule: Rule) -> str:
    """Return the Markdown page of one rule."""
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
    lines += ["", "## What it finds", "", rule.help.strip(), ""]
    lines += ["## How to fix it", "", rule.remediation.strip(), ""]
    if rule.references:
        lines += ["## References", ""]
        lines += [f"- <{reference}>" for reference in rule.references]
        lines.append("")
    lines += [f"Rule file: `{_rule_file(rule)}`", ""]
    return "\n".join(lines)


def _rule_file(rule: Rule) -> str:
    return f"rules/{rule.source.parent.name}/{rule.source.name}"


def expected_pages() -> dict[str, str]:
    """Return file name to content for every built-in rule's page."""
    return {f"{rule.id}.md": render_rule_page(rule) for rule in load_rules([])}


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
