"""Parse an nginx configuration with crossplane into plain data with spans.

The data is crossplane's list of directives, each a mapping with
`directive`, `args`, `line` and, for a block, `block` (the nested list).
Every file is parsed alone (`single=True`), so `include` is not followed, and
without context checks, so a `conf.d` snippet whose `server` blocks belong to
an `http` block elsewhere parses too.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from apiguard.findings import Region
from apiguard.load import Document, NodeSpan, ParseProblem, Pointer


def parse_nginx(text: str) -> list[Document | ParseProblem]:
    """Parse one nginx file; return its document, or each problem crossplane reported.

    A file with a syntax error gives no document, because crossplane may read
    the directives after the error into the wrong block.
    """
    payload = _crossplane_parse(text)
    config = payload["config"][0] if payload.get("config") else {}
    errors = config.get("errors", [])
    if errors:
        return [ParseProblem(_message(error), error.get("line")) for error in errors]
    directives = _plain(config.get("parsed", []))
    spans: dict[Pointer, NodeSpan] = {(): NodeSpan(Region(1, 1, 1, 1))}
    _record(directives, (), text.splitlines(), spans)
    return [Document(data=directives, spans=spans)]


def _message(error: dict[str, Any]) -> str:
    """Return crossplane's message without the file name and line it appends."""
    message = str(error.get("error", "syntax error"))
    return message.split(" in /", 1)[0]


def _crossplane_parse(text: str) -> dict[str, Any]:
    """Run crossplane on `text` in a temporary file, since crossplane reads files."""
    import crossplane  # type: ignore[import-untyped]

    handle, path = tempfile.mkstemp(prefix="apiguard-", suffix=".conf")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        payload: dict[str, Any] = crossplane.parse(
            path, single=True, check_ctx=False, check_args=False, catch_errors=True
        )
    finally:
        os.unlink(path)
    return payload


def _plain(directives: list[Any]) -> list[dict[str, Any]]:
    plain: list[dict[str, Any]] = []
    for directive in directives:
        entry: dict[str, Any] = {
            "directive": str(directive.get("directive", "")),
            "args": [str(arg) for arg in directive.get("args", [])],
            "line": int(directive.get("line", 1)),
        }
        if "block" in directive:
            entry["block"] = _plain(directive["block"])
        plain.append(entry)
    return plain


def _record(
    directives: list[dict[str, Any]],
    base: Pointer,
    lines: list[str],
    spans: dict[Pointer, NodeSpan],
) -> None:
    for index, directive in enumerate(directives):
        region = _directive_region(directive, lines)
        spans[(*base, index)] = NodeSpan(region)
        for arg_index in range(len(directive["args"])):
            spans[(*base, index, "args", arg_index)] = NodeSpan(region)
        if "block" in directive:
            _record(directive["block"], (*base, index, "block"), lines, spans)


def _directive_region(directive: dict[str, Any], lines: list[str]) -> Region:
    line = directive["line"]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    column = source.find(directive["directive"]) + 1 or 1
    return Region(line, column, line, len(source) + 1)
