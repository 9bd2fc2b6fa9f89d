"""Parse YAML and JSON into plain data that remembers where each node stands.

A document's data is made of dicts, lists, str, int, float, bool and None.
Every node is addressed by a pointer: the tuple of keys and indexes that leads
to it from the root. `Document.locate` turns a pointer into a region.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from apiguard.findings import Region

Pointer = tuple[str | int, ...]

# Nodes a document may expand into, aliases counted each time they are used:
# a fixed allowance plus two per character of the stream, since a document
# without aliases has fewer nodes than characters. A YAML alias bomb stops
# here instead of filling the memory.
BASE_NODE_BUDGET = 100_000
# Nesting deeper than this is reported instead of converted.
MAX_DEPTH = 500

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
JSON_SUFFIXES = frozenset({".json"})

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Scalars of these tags keep their source text: a JSON-like tree has no
# dates or bytes.
_TEXT_TAGS = frozenset(
    {_STR_TAG, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}
)


class ParseProblem(Exception):
    """A document that could not be parsed; line and column are 1-based."""

    def __init__(self, message: str, line: int | None = None, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class NodeSpan:
    value: Region
    key: Region | None = None
    """The key's region, for a node that is a mapping value."""


@dataclass
class Document:
    """One parsed YAML or JSON document."""

    data: Any
    index: int = 0
    """The document's position in a multi-document YAML stream."""
    spans: dict[Pointer, NodeSpan] = field(default_factory=dict)
    start: Region = field(default_factory=lambda: Region(1, 1, 1, 1))
    duplicate_keys: list[tuple[str, Region]] = field(default_factory=list)

    def span(self, pointer: Pointer) -> NodeSpan | None:
        return self.spans.get(pointer)

    def locate(self, pointer: Pointer, *, key: bool = True) -> Region:
        """Return the region of a node, or of its nearest existing ancestor.

        With `key`, a mapping value is located at its key, which is where a
        reader looks for `servers:` or `security:`.
        """
        for length in range(len(pointer), -1, -1):
            span = self.spans.get(pointer[:length])
            if span is None:
                continue
            if key and span.key is not None:
                return span.key
            return span.value
        return self.start


def _region(node: yaml.Node) -> Region:
    start, end = node.start_mark, node.end_mark
    return Region(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Converter:
    """Convert a composed YAML node graph into plain data and spans."""

    def __init__(self, budget: int) -> None:
        self.budget = self.limit = budget
        self.spans: dict[Pointer, NodeSpan] = {}
        self.duplicates: list[tuple[str, Region]] = []
        self._constructor = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, pointer: Pointer, key: Region | None) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise ParseProblem(
                f"the document expands to more than {self.limit} nodes through "
                "aliases; expand the anchors by hand or split the document",
                node.start_mark.line + 1,
            )
        if len(pointer) > MAX_DEPTH:
            raise ParseProblem(
                f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1
            )
        if pointer not in self.spans:
            self.spans[pointer] = NodeSpan(_region(node), key)

        value = self._convert_untagged(node, pointer)
        return _apply_local_tag(node.tag, value)

    def _convert_untagged(self, node: yaml.Node, pointer: Pointer) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pointer)
        if isinstance(node, yaml.SequenceNode):
            return [
                self.convert(item, (*pointer, index), None)
                for index, item in enumerate(node.value)
            ]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag in _TEXT_TAGS or not node.tag.startswith("tag:yaml.org,2002:"):
            return node.value
        try:
            return self._constructor.construct_object(node)
        except yaml.YAMLError:
            return node.value

    def _mapping(self, node: yaml.MappingNode, pointer: Pointer) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []

        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(_merge_sources(value_node))
                continue
            key = _key_text(key_node)
            if key in result:
                self.duplicates.append((key, _region(key_node)))
            child = (*pointer, key)
            self.spans.pop(child, None)
            result[key] = self.convert(value_node, child, _region(key_node))

        # Keys written in the mapping itself win over merged ones.
        for key_node, value_node in merged:
            key = _key_text(key_node)
            if key not in result:
                child = (*pointer, key)
                result[key] = self.convert(value_node, child, _region(key_node))
        return result


def _key_text(node: yaml.Node) -> str:
    """Return a mapping key as its source text (`on` stays `on`, not True)."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return yaml.serialize(node, Dumper=yaml.SafeDumper).strip()


def _merge_sources(node: yaml.Node) -> Iterator[tuple[yaml.Node, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        yield from node.value
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.MappingNode):
                yield from item.value


def _apply_local_tag(tag: str, value: Any) -> Any:
    """Turn a local tag such as CloudFormation's `!Ref x` into `{"Ref": x}`.

    Short-form intrinsic functions become their long form (`!Sub` is
    `Fn::Sub`); other local tags are kept the same way under their name.
    """
    if not tag.startswith("!") or tag == "!":
        return value
    name = tag[1:]
    if name in ("Ref", "Condition"):
        return {name: value}
    return {f"Fn::{name}": value}


def parse_yaml(text: str) -> Iterator[Document | ParseProblem]:
    """Yield each document of a YAML stream, then a problem if one stops it."""
    loader = yaml.CSafeLoader(text)
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            converter = _Converter(BASE_NODE_BUDGET + 2 * len(text))
            try:
                data = converter.convert(node, (), None)
            except ParseProblem as problem:
                yield problem
                index += 1
                continue
            yield Document(
                data=data,
                index=index,
                spans=converter.spans,
                start=_region(node),
                duplicate_keys=converter.duplicates,
            )
            index += 1
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part)
        if mark is None:
            yield ParseProblem(message or str(error))
        else:
            yield ParseProblem(message, mark.line + 1, mark.column + 1)
    except (yaml.YAMLError, RecursionError) as error:
        yield ParseProblem(str(error) or type(error).__name__)
    finally:
        loader.dispose()


def parse_json(text: str) -> Document | ParseProblem:
    """Parse a JSON document; its spans come from a YAML pass over the text.

    JSON is close enough to YAML flow style that the C YAML parser gives the
    positions; where it cannot, nodes are located at the document start.
    """
    duplicates: list[str] = []

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=keep_pairs)
    except json.JSONDecodeError as error:
        return ParseProblem(error.msg, error.lineno, error.colno)
    except RecursionError:
        return ParseProblem("nesting too deep to parse")

    document = Document(data=data)
    positioned = next(iter(parse_yaml(text)), None)
    if isinstance(positioned, Document):
        document.spans = positioned.spans
        document.start = positioned.start
        document.duplicate_keys = positioned.duplicate_keys
    elif duplicates:
        document.duplicate_keys = [(key, document.start) for key in duplicates]
    return document
