"""Parse Terraform (HCL2) with python-hcl2 into plain data with spans.

The data is python-hcl2's dictionary form: every block type maps to a list of
blocks, and a labelled block nests one mapping per label
(`resource: [{aws_api_gateway_stage: {prod: {...}}}]`). Expressions are text
such as `${var.name}`. python-hcl2 7.x gives line numbers for blocks only, so
the spans of attributes come from a walk over its Lark parse tree.
"""

from __future__ import annotations

from typing import Any

import re2

from apiguard.findings import Region
from apiguard.load import Document, NodeSpan, ParseProblem, Pointer

_TRAILING_BLANKS = re2.compile(r"(?m)[ \t]+$")


def parse_hcl(text: str) -> Document | ParseProblem:
    """Parse one Terraform file; return its document or the problem that stops it."""
    from hcl2.parser import parser
    from hcl2.transformer import DictTransformer
    from lark.exceptions import LarkError, UnexpectedInput

    # python-hcl2 7.3's grammar rejects a heredoc whose closing marker has
    # trailing blanks, which Terraform accepts. Removing trailing blanks moves
    # no line or column of the content that rules read.
    text = _TRAILING_BLANKS.sub("", text)
    try:
        # python-hcl2 appends a newline too: its grammar needs one at the end.
        tree = parser().parse(text + "\n")
        data = DictTransformer(with_meta=False).transform(tree)
    except UnexpectedInput as error:
        return ParseProblem(_describe(error), error.line, max(error.column, 1))
    except (LarkError, RecursionError) as error:
        return ParseProblem(_first_line(str(error)) or type(error).__name__)

    spans: dict[Pointer, NodeSpan] = {}
    start = _meta_region(tree) or Region(1, 1, 1, 1)
    spans[()] = NodeSpan(start)
    body = next((child for child in tree.children if _is(child, "body")), None)
    if body is not None:
        _walk_body(body, (), spans)
    return Document(data=data, spans=spans, start=start)


def _describe(error: Any) -> str:
    token = getattr(error, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return "unexpected end of file"
    if token is not None:
        return f"unexpected {str(token)[:40]!r}"
    character = getattr(error, "char", None)
    if character:
        return f"unexpected character {character!r}"
    return "syntax error"


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def _is(node: Any, name: str) -> bool:
    return getattr(node, "data", None) == name


def _meta_region(node: Any) -> Region | None:
    meta = getattr(node, "meta", None)
    if meta is None or getattr(meta, "empty", True):
        return None
    return Region(meta.line, meta.column, meta.end_line, meta.end_column)


def _walk_body(body: Any, base: Pointer, spans: dict[Pointer, NodeSpan]) -> None:
    """Record the span of each attribute and block, keyed as the dict form names it."""
    counts: dict[str, int] = {}
    for child in body.children:
        if _is(child, "attribute"):
            _record_attribute(child, base, spans)
        elif _is(child, "block"):
            block_type = _identifier(child.children[0])
            index = counts.get(block_type, 0)
            counts[block_type] = index + 1
            region = _meta_region(child)
            if index == 0 and region is not None:
                key = _meta_region(child.children[0])
                spans[(*base, block_type)] = NodeSpan(region, key)
            _record_block(child, (*base, block_type, index), spans)


def _record_attribute(node: Any, base: Pointer, spans: dict[Pointer, NodeSpan]) -> None:
    name_node, value_node = node.children[0], node.children[-1]
    key = _identifier(name_node)
    if key.startswith('"') and key.endswith('"'):
        key = key[1:-1]
    value = _meta_region(value_node) or _meta_region(node)
    if value is not None:
        spans[(*base, key)] = NodeSpan(value, _meta_region(name_node))


def _record_block(node: Any, base: Pointer, spans: dict[Pointer, NodeSpan]) -> None:
    *head, body = node.children
    region = _meta_region(node)
    key = _meta_region(head[0])
    pointer: Pointer = base
    if region is not None:
        spans[pointer] = NodeSpan(region, key)
    for label in head[1:]:
        pointer = (*pointer, _label(label))
        if region is not None:
            spans[pointer] = NodeSpan(region, _meta_region(label))
    _walk_body(body, pointer, spans)


def _identifier(node: Any) -> str:
    return "".join(str(token) for token in _tokens(node))


def _label(node: Any) -> str:
    text = _identifier(node)
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def _tokens(node: Any) -> list[Any]:
    children = getattr(node, "children", None)
    if children is None:
        return [node]
    found: list[Any] = []
    for child in children:
        found.extend(_tokens(child))
    return found
