"""Find where a node of a JSON document is, only on request.

Positions are found container by container: the first request below an
object or array reads the offsets of all its members, skipping each value
with the C JSON decoder, and keeps them for later requests. A scan that
reports nothing in a JSON file never pays for positions, and one that does
pays for the containers on the paths it reports, not for every node.

Regions are the same as PyYAML marks give for JSON read as YAML flow style: a
value from its first character to just after its last, a key with its quotes.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]

from apiguard.findings import Region
from apiguard.load import NodeSpan, Pointer
from apiguard.text import LineIndex

# JSON's four white-space characters (RFC 8259, section 2).
_WHITESPACE = re.compile(r"[ \t\n\r]*")

# (key start, key end, value start, value end) as character offsets; the key
# offsets are -1 for an array item.
_Member = tuple[int, int, int, int]


class JsonPositions:
    """Locate nodes of one JSON text that `json.loads` accepted."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._decoder = json.JSONDecoder()
        self._lines = LineIndex(text)
        self._members: dict[Pointer, dict[str | int, _Member]] = {}
        self._root_start = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
        self._root_end = len(text.rstrip(" \t\n\r"))

    def root_region(self) -> Region:
        return self._lines.region(self._root_start, self._root_end)

    def span(self, pointer: Pointer) -> NodeSpan | None:
        """Return the regions of the node at `pointer`, or None if there is none."""
        if not pointer:
            return NodeSpan(self.root_region())
        members = self._container_members(pointer[:-1])
        member = None if members is None else members.get(pointer[-1])
        if member is None:
            return None
        key_start, key_end, value_start, value_end = member
        key = None
        if key_start >= 0:
            key = self._lines.region(key_start, key_end)
        return NodeSpan(self._lines.region(value_start, value_end), key)

    def _container_members(self, pointer: Pointer) -> dict[str | int, _Member] | None:
        if pointer in self._members:
            return self._members[pointer]
        if pointer:
            parent = self._container_members(pointer[:-1])
            member = None if parent is None else parent.get(pointer[-1])
            if member is None:
                return None
            start = member[2]
        else:
            start = self._root_start
        members = self._read_members(start)
        self._members[pointer] = members
        return members

    def _read_members(self, start: int) -> dict[str | int, _Member]:
        """Return the member offsets of the object or array that starts at `start`."""
        opening = self._text[start : start + 1]
        if opening == "{":
            return self._object_members(start)
        if opening == "[":
            return self._array_members(start)
        return {}

    def _object_members(self, start: int) -> dict[str | int, _Member]:
        text = self._text
        members: dict[str | int, _Member] = {}
        index = self._skip_whitespace(start + 1)
        if text[index] == "}":
            return members
        while True:
            key_start = index
            key, key_end = scanstring(text, key_start + 1)
            index = self._skip_whitespace(key_end)
            # text[index] is the colon.
            value_start = self._skip_whitespace(index + 1)
            value_end = self._value_end(value_start)
            members[key] = (key_start, key_end, value_start, value_end)
            index = self._skip_whitespace(value_end)
            if text[index] == "}":
                return members
            index = self._skip_whitespace(index + 1)

    def _array_members(self, start: int) -> dict[str | int, _Member]:
        text = self._text
        members: dict[str | int, _Member] = {}
        index = self._skip_whitespace(start + 1)
        if text[index] == "]":
            return members
        position = 0
        while True:
            value_end = self._value_end(index)
            members[position] = (-1, -1, index, value_end)
            position += 1
            index = self._skip_whitespace(value_end)
            if text[index] == "]":
                return members
            index = self._skip_whitespace(index + 1)

    def _value_end(self, start: int) -> int:
        _, end = self._decoder.raw_decode(self._text, start)
        return int(end)

    def _skip_whitespace(self, index: int) -> int:
        return _WHITESPACE.match(self._text, index).end()  # type: ignore[union-attr]
