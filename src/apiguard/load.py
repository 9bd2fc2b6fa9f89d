"""Parse YAML and JSON into plain data that remembers where each node stands.

A document's data is made of dicts, lists, str, int, float, bool and None.
Every node is addressed by a pointer: the tuple of keys and indexes that leads
to it from the root. `Document.locate` turns a pointer into a region.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from apiguard.findings import Region
from apiguard.text import LineIndex

Pointer = tuple[str | int, ...]

# Nodes a document may expand into, aliases counted each time they are used:
# a fixed allowance plus two per character of the stream, since a document
# without aliases has fewer nodes than characters. A YAML alias bomb stops
# here instead of filling the memory.
BASE_NODE_BUDGET = 100_000
# Nesting deeper than this is reported instead of converted. Conversion
# takes three Python frames per level, and the matchers and the OpenAPI
# validator recurse over the same data, so the limit stays far below Python's
# default recursion limit of 1000 frames.
MAX_DEPTH = 200
# Integers with more bits than this keep their source text. Python 3.11
# refuses to convert an int of more than 4300 decimal digits to text
# (sys.get_int_max_str_digits), and 3 bits are less than one digit.
MAX_INT_BITS = 4300 * 3

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
JSON_SUFFIXES = frozenset({".json"})

_MERGE_TAG = "tag:yaml.org,2002:merge"
# Scalars of these tags become Python values. Every other scalar keeps its
# source text: a JSON-like tree has no dates, bytes or sets, and tags such as
# `!!python/object/apply` construct nothing.
_CONSTRUCTED_TAGS = frozenset(
    {
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
    }
)
# YAML 1.1 also ends a line at these characters, but editors and LineIndex
# do not, so marks in a text that has one are converted by character index.
_YAML_ONLY_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


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
    locator: Callable[[Pointer], NodeSpan | None] | None = None
    """Finds a node's span on request; when set, `spans` is not used."""

    def span(self, pointer: Pointer) -> NodeSpan | None:
        if self.locator is not None:
            return self.locator(pointer)
        return self.spans.get(pointer)

    def locate(self, pointer: Pointer, *, key: bool = True) -> Region:
        """Return the region of a node, or of its nearest existing ancestor.

        With `key`, a mapping value is located at its key, which is where a
        reader looks for `servers:` or `security:`.
        """
        for length in range(len(pointer), -1, -1):
            span = self.span(pointer[:length])
            if span is None:
                continue
            if key and span.key is not None:
                return span.key
            return span.value
        return self.start


class _Marks:
    """Turn the parser's marks into 1-based lines and columns of the text."""

    def __init__(self, text: str) -> None:
        self.lines: LineIndex | None = None
        # The parser leaves a leading byte order mark out of its indexes.
        self.offset = 1 if text.startswith("\ufeff") else 0
        if self.offset or any(char in text for char in _YAML_ONLY_LINE_BREAKS):
            self.lines = LineIndex(text)

    def position(self, mark: yaml.Mark) -> tuple[int, int]:
        if self.lines is None:
            return mark.line + 1, mark.column + 1
        return self.lines.position(mark.index + self.offset)

    def region(self, node: yaml.Node) -> Region:
        start_line, start_column = self.position(node.start_mark)
        end_line, end_column = self.position(node.end_mark)
        return Region(start_line, start_column, end_line, end_column)


class _Converter:
    """Convert a composed YAML node graph into plain data and spans.

    Every node converted, merge-key pair read and character of a mapping key
    serialized costs one unit of the budget, so the work stays linear in the
    budget however the aliases multiply.
    """

    def __init__(self, budget: int, marks: _Marks) -> None:
        self.budget = self.limit = budget
        self.marks = marks
        self.spans: dict[Pointer, NodeSpan] = {}
        self.duplicates: list[tuple[str, Region]] = []
        self._constructor = yaml.constructor.SafeConstructor()
        # Serialized mapping keys that are collections, by node identity.
        self._key_texts: dict[int, str] = {}

    def convert(self, node: yaml.Node, pointer: Pointer, key: Region | None) -> Any:
        self._spend(1, node)
        if len(pointer) > MAX_DEPTH:
            raise ParseProblem(
                f"nesting deeper than {MAX_DEPTH} levels",
                *self.marks.position(node.start_mark),
            )
        if pointer not in self.spans:
            self.spans[pointer] = NodeSpan(self.marks.region(node), key)

        value = self._convert_untagged(node, pointer)
        return _apply_local_tag(node.tag, value)

    def _spend(self, amount: int, node: yaml.Node) -> None:
        self.budget -= amount
        if self.budget < 0:
            raise ParseProblem(
                f"the document expands to more than {self.limit} nodes through "
                "aliases; expand the anchors by hand or split the document",
                *self.marks.position(node.start_mark),
            )

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
        if node.tag not in _CONSTRUCTED_TAGS:
            return node.value
        try:
            value = self._constructor.construct_object(node)
        except (yaml.YAMLError, ArithmeticError, LookupError, ValueError):
            # PyYAML's constructors fail on text that does not fit the tag:
            # `!!int abc`, an empty `!!float`, `!!bool maybe`, or an int of
            # more than 4300 digits.
            return node.value
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            return node.value
        return value

    def _mapping(self, node: yaml.MappingNode, pointer: Pointer) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merge_values: list[yaml.Node] = []

        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merge_values.append(value_node)
                continue
            key = self._key_text(key_node)
            if key in result:
                self.duplicates.append((key, self.marks.region(key_node)))
            child = (*pointer, key)
            self.spans.pop(child, None)
            result[key] = self.convert(value_node, child, self.marks.region(key_node))

        # Keys written in the mapping itself win over merged ones.
        for key_node, value_node in self._merged_pairs(node, merge_values):
            key = self._key_text(key_node)
            if key not in result:
                child = (*pointer, key)
                region = self.marks.region(key_node)
                result[key] = self.convert(value_node, child, region)
        return result

    def _merged_pairs(
        self, node: yaml.MappingNode, merge_values: list[yaml.Node]
    ) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        """Yield the pairs that merge keys bring into `node`, the winning ones first.

        As in PyYAML, the first mapping of a merge list wins, and a merged
        mapping's own keys win over those that its own merge keys bring. A
        mapping is read once per merge, however often its alias is listed.
        """
        pending = [source for value in merge_values for source in _mappings(value)]
        pending.reverse()
        seen = {id(node)}
        while pending:
            source = pending.pop()
            self._spend(1, source)
            if id(source) in seen:
                continue
            seen.add(id(source))
            nested: list[yaml.MappingNode] = []
            for key_node, value_node in source.value:
                self._spend(1, key_node)
                if key_node.tag == _MERGE_TAG:
                    nested.extend(_mappings(value_node))
                else:
                    yield key_node, value_node
            pending.extend(reversed(nested))

    def _key_text(self, node: yaml.Node) -> str:
        """Return a mapping key as its source text (`on` stays `on`, not True).

        A key that is a mapping or a sequence is serialized once per node,
        and each character costs one unit of the budget.
        """
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        text = self._key_texts.get(id(node))
        if text is None:
            try:
                text = yaml.serialize(node, Dumper=yaml.SafeDumper).strip()
            except RecursionError:
                raise ParseProblem(
                    f"a mapping key nests deeper than {MAX_DEPTH} levels",
                    *self.marks.position(node.start_mark),
                ) from None
            self._spend(len(text), node)
            self._key_texts[id(node)] = text
        return text


def _mappings(node: yaml.Node) -> list[yaml.MappingNode]:
    """Return the mappings that a merge key's value names."""
    if isinstance(node, yaml.MappingNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [item for item in node.value if isinstance(item, yaml.MappingNode)]
    return []


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
    marks = _Marks(text)
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            converter = _Converter(BASE_NODE_BUDGET + 2 * len(text), marks)
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
                start=marks.region(node),
                duplicate_keys=converter.duplicates,
            )
            index += 1
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part)
        if mark is None:
            yield ParseProblem(message or str(error))
        else:
            yield ParseProblem(message, *marks.position(mark))
    except (yaml.YAMLError, RecursionError) as error:
        yield ParseProblem(str(error) or type(error).__name__)
    finally:
        loader.dispose()


def parse_json(text: str) -> Document | ParseProblem:
    """Parse a JSON document whose node positions are found on request.

    A document with duplicate keys, or with an int too long to convert, takes
    its positions from a YAML pass over the text instead. That pass also
    locates each duplicate: JSON is close enough to YAML flow style that the
    C YAML parser gives the positions. Where it cannot, nodes are located at
    the document start.
    """
    duplicates: list[str] = []
    oversized: list[str] = []

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    def parse_int(digits: str) -> int | str:
        # An int too long to convert keeps its text, as in parse_yaml.
        try:
            return int(digits)
        except ValueError:
            oversized.append(digits)
            return digits

    try:
        data = json.loads(text, object_pairs_hook=keep_pairs, parse_int=parse_int)
    except json.JSONDecodeError as error:
        return ParseProblem(error.msg, error.lineno, error.colno)
    except RecursionError:
        return ParseProblem("nesting too deep to parse")

    document = Document(data=data)
    # JsonPositions decodes values with the standard int parser, which
    # raises on an oversized int, so such a text is positioned by YAML.
    if not duplicates and not oversized:
        from apiguard.json_positions import JsonPositions

        positions = JsonPositions(text)
        document.locator = positions.span
        document.start = positions.root_region()
        return document

    positioned = next(iter(parse_yaml(text)), None)
    if isinstance(positioned, Document):
        document.spans = positioned.spans
        document.start = positioned.start
        document.duplicate_keys = positioned.duplicate_keys
    elif duplicates:
        document.duplicate_keys = [(key, document.start) for key in duplicates]
    return document
