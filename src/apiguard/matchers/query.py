"""The `query` match: JSONPath selects nodes, conditions test them.

`select` is an RFC 9535 JSONPath over the raw document (`on: document`) or
over the document's normalized model (`on: model`). `where` conditions narrow
the selected nodes; each `assert` condition must hold, and a node where one
does not is a finding. Without `assert`, every node left by `where` is one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from apiguard.findings import Finding, Region
from apiguard.load import Document, Pointer
from apiguard.matchers.text import compile_re2
from apiguard.rules import Rule
from apiguard.secrets import is_placeholder
from apiguard.target import ParsedDocument, ScanTarget, format_message, make_finding

_OPERATORS = (
    "defined",
    "undefined",
    "truthy",
    "falsy",
    "pattern",
    "not-pattern",
    "one-of",
    "schema",
)
_MISSING = object()


@dataclass(frozen=True)
class Condition:
    field: tuple[str, ...]
    from_root: bool
    operator: str
    argument: Any

    def holds(self, node: Any, root: Any) -> bool:
        value = resolve_field(root if self.from_root else node, self.field)
        return _test(self.operator, self.argument, value)


@dataclass(frozen=True)
class CompiledQuery:
    path: Any
    on: str
    where: tuple[Condition, ...]
    checks: tuple[Condition, ...]


def parse_field(text: str) -> tuple[tuple[str, ...], bool]:
    """Split a field such as `responses.429` or `$.kind` into its keys.

    A field starting with `$.` is read from the document root instead of the
    selected node; a field starting with `/` is a JSON Pointer.
    """
    if not text:
        return (), False
    if text.startswith("/"):
        parts = text[1:].split("/")
        return tuple(
            part.replace("~1", "/").replace("~0", "~") for part in parts
        ), False
    if text == "$":
        return (), True
    if text.startswith("$."):
        return tuple(text[2:].split(".")), True
    return tuple(text.split(".")), False


def resolve_field(node: Any, field: Sequence[str]) -> Any:
    """Return the value at `field` below `node`, or _MISSING."""
    value = node
    for part in field:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _test(operator: str, argument: Any, value: Any) -> bool:
    defined = value is not _MISSING
    if operator == "defined":
        return defined is bool(argument)
    if operator == "undefined":
        return (not defined) is bool(argument)
    if operator == "truthy":
        return (defined and bool(value)) is bool(argument)
    if operator == "falsy":
        return (not defined or not value) is bool(argument)
    if operator == "one-of":
        return defined and any(value == option for option in argument)
    if not defined:
        # A missing value matches no pattern and no schema.
        return operator == "not-pattern"
    if operator == "pattern":
        return _search(argument, value)
    if operator == "not-pattern":
        return not _search(argument, value)
    return bool(argument.is_valid(value))


def _search(pattern: Any, value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        text = {True: "true", False: "false", None: "null"}[value]
    else:
        text = str(value)
    return pattern.search(text) is not None


def _compile_condition(raw: Mapping[str, Any], where: str) -> Condition:
    field, from_root = parse_field(str(raw.get("field", "")))
    operator = next(name for name in _OPERATORS if name in raw)
    argument = raw[operator]
    if operator in ("pattern", "not-pattern"):
        argument = compile_re2(str(argument))
    elif operator == "schema":
        import jsonschema

        try:
            jsonschema.Draft202012Validator.check_schema(argument)
        except jsonschema.SchemaError as error:
            raise ValueError(
                f"field '{where}/schema': invalid JSON Schema: {error.message}"
            ) from error
        argument = jsonschema.Draft202012Validator(argument)
    return Condition(field, from_root, operator, argument)


def _compile(rule: Rule) -> CompiledQuery:
    from jsonpath_rfc9535 import JSONPathError

    match = rule.match
    try:
        path = _environment().compile(match["select"])
    except JSONPathError as error:
        raise ValueError(f"field 'match/select': invalid JSONPath: {error}") from error
    where = tuple(
        _compile_condition(raw, f"match/where/{index}")
        for index, raw in enumerate(match.get("where", ()))
    )
    checks = tuple(
        _compile_condition(raw, f"match/assert/{index}")
        for index, raw in enumerate(match.get("assert", ()))
    )
    return CompiledQuery(path, str(match.get("on", "document")), where, checks)


class QueryMatcher:
    def __init__(self) -> None:
        self._compiled: dict[tuple[str, str], CompiledQuery] = {}

    def prepare(self, rule: Rule) -> None:
        self._compiled[(str(rule.source), rule.id)] = _compile(rule)

    def run(self, rule: Rule, target: ScanTarget) -> Iterator[Finding]:
        key = (str(rule.source), rule.id)
        if key not in self._compiled:
            self.prepare(rule)
        query = self._compiled[key]

        for parsed in target.documents:
            if parsed.kind not in rule.kinds:
                continue
            tree = parsed.model if query.on == "model" else parsed.document.data
            if tree is None:
                continue
            yield from self._run_on_tree(rule, query, target, parsed, tree)

    def _run_on_tree(
        self,
        rule: Rule,
        query: CompiledQuery,
        target: ScanTarget,
        parsed: ParsedDocument,
        tree: Any,
    ) -> Iterator[Finding]:
        # A condition on the root has one result for the whole tree, so test
        # it once, not once per selected node.
        where = _bind_root(query.where, tree)
        checks = _bind_root(query.checks, tree)
        if any(isinstance(c, _Constant) and not c.result for c in where):
            return
        for match in _select(query.path, tree):
            node = match.value
            if not all(condition.holds(node, tree) for condition in where):
                continue
            failed = _first_failed(checks, node, tree)
            if query.checks and failed is None:
                continue
            secret = _secret_value(node) if rule.secret else None
            if rule.secret and (secret is None or is_placeholder(secret)):
                continue
            parts = tuple(match.location)
            if failed is not None and not failed.from_root:
                value = resolve_field(node, failed.field)
                if value is not _MISSING:
                    parts = (*parts, *failed.field)
            yield self._finding(rule, query, target, parsed, node, parts, secret)

    @staticmethod
    def _finding(
        rule: Rule,
        query: CompiledQuery,
        target: ScanTarget,
        parsed: ParsedDocument,
        node: Any,
        parts: tuple[Any, ...],
        secret: str | None,
    ) -> Finding:
        if query.on == "model":
            pointer = source_pointer(parsed.model, parts)
        else:
            pointer = tuple(parts)
        region = locate(parsed.document, pointer)
        values = node if isinstance(node, dict) else {"value": node}
        matched = f"{parsed.document.index}:{_pointer_text(pointer)}"
        return make_finding(
            rule,
            target,
            region,
            message=format_message(rule.message, values),
            matched=matched,
            secret=secret,
        )


def _select(path: Any, tree: Any) -> Iterator[Any]:
    """Yield the nodes that a compiled JSONPath selects in `tree`.

    The library's errors at run time (a descent deeper than its recursion
    limit) become ValueError, which fails the rule on this file only.
    """
    from jsonpath_rfc9535 import JSONPathError

    try:
        yield from path.finditer(tree)
    except JSONPathError as error:
        raise ValueError(f"JSONPath {path}: {error}") from error


@cache
def _environment() -> Any:
    """Return a JSONPath environment whose match() and search() use RE2.

    The library's own functions run a backtracking engine on document
    values, which a crafted value can keep busy for hours.
    """
    from iregexp_check import check
    from jsonpath_rfc9535 import JSONPathEnvironment, JSONPathTypeError
    from jsonpath_rfc9535.filter_expressions import StringLiteral
    from jsonpath_rfc9535.function_extensions import ExpressionType, FilterFunction

    @cache
    def compiled(pattern: str) -> Any:
        if not check(pattern):
            return None
        try:
            return compile_re2(_iregexp_to_re2(pattern))
        except ValueError:
            return None

    class Re2Function(FilterFunction):
        arg_types = [ExpressionType.VALUE, ExpressionType.VALUE]  # noqa: RUF012
        return_type = ExpressionType.LOGICAL

        def __init__(self, whole: bool) -> None:
            self.whole = whole

        def __call__(self, value: object, pattern: object) -> bool:
            if not isinstance(value, str) or not isinstance(pattern, str):
                return False
            regex = compiled(pattern)
            if regex is None:
                return False
            found = regex.fullmatch(value) if self.whole else regex.search(value)
            return found is not None

    class Environment(JSONPathEnvironment):
        def setup_function_extensions(self) -> None:
            super().setup_function_extensions()
            self.function_extensions["match"] = Re2Function(whole=True)
            self.function_extensions["search"] = Re2Function(whole=False)

        def validate_function_extension_signature(
            self, token: Any, args: list[Any]
        ) -> list[Any]:
            # RFC 9535 makes an invalid pattern match nothing, so a rule with
            # one would never fire. A literal pattern is checked when the
            # rule is loaded instead.
            args = super().validate_function_extension_signature(token, args)
            if token.value in ("match", "search") and isinstance(
                args[1], StringLiteral
            ):
                pattern = args[1].value
                if not check(pattern) or compiled(pattern) is None:
                    raise JSONPathTypeError(
                        f"{token.value}(): {pattern!r} is not a valid I-Regexp "
                        "(RFC 9485); it has no anchors, \\d, flags or "
                        "look-arounds",
                        token=token,
                    )
            return args

    return Environment()


def _iregexp_to_re2(pattern: str) -> str:
    """Translate an I-Regexp (RFC 9485) into RE2 syntax.

    The two differ outside character classes only. There, `.` in an I-Regexp
    matches any character except CR and LF (RE2's `.` excludes only LF), and
    `^` and `$` are ordinary characters (anchors in RE2).
    """
    parts: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif not in_class and char == ".":
            parts.append("[^\\n\\r]")
            continue
        elif not in_class and char in "^$":
            parts.append("\\" + char)
            continue
        parts.append(char)
    return "".join(parts)


def _secret_value(node: Any) -> str | None:
    """Return a secret rule's value: the node itself, or its `secret` field."""
    if isinstance(node, dict):
        node = node.get("secret")
    return node if isinstance(node, str) else None


@dataclass(frozen=True)
class _Constant:
    """A root condition already tested against one tree."""

    result: bool
    condition: Condition

    @property
    def from_root(self) -> bool:
        return True

    @property
    def field(self) -> tuple[str, ...]:
        return self.condition.field

    def holds(self, node: Any, root: Any) -> bool:
        return self.result


def _bind_root(
    conditions: Sequence[Condition], tree: Any
) -> list[Condition | _Constant]:
    """Replace each root condition with its result for `tree`."""
    bound: list[Condition | _Constant] = []
    for condition in conditions:
        if condition.from_root:
            bound.append(_Constant(condition.holds(tree, tree), condition))
        else:
            bound.append(condition)
    return bound


def _first_failed(
    checks: Sequence[Condition | _Constant], node: Any, root: Any
) -> Condition | _Constant | None:
    for condition in checks:
        if not condition.holds(node, root):
            return condition
    return None


def source_pointer(model: Any, parts: Sequence[Any]) -> Pointer:
    """Return the document pointer of the deepest model object on `parts`.

    Each model object names its source node in `$source`, a JSON Pointer.
    """
    source = ""
    value = model
    if isinstance(value, dict) and isinstance(value.get("$source"), str):
        source = value["$source"]
    for part in parts:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(value, dict) and isinstance(value.get("$source"), str):
            source = value["$source"]
    return parse_pointer(source)


def parse_pointer(text: str) -> Pointer:
    if not text:
        return ()
    parts: list[str | int] = []
    for raw in text.lstrip("/").split("/"):
        parts.append(raw.replace("~1", "/").replace("~0", "~"))
    return tuple(parts)


def locate(document: Document, pointer: Pointer) -> Region:
    """Return the region of a node: its value when scalar, else its key.

    Pointers from a model hold list indexes as strings; both forms work.
    """
    pointer = _normalize(document.data, pointer)
    node = resolve_field(document.data, [str(part) for part in pointer])
    span = document.span(pointer)
    if span is not None and node is not _MISSING and not isinstance(node, dict | list):
        return span.value
    return document.locate(pointer)


def _normalize(data: Any, pointer: Pointer) -> Pointer:
    normalized: list[str | int] = []
    value = data
    for part in pointer:
        if isinstance(value, list) and str(part).isdigit():
            index = int(part)
            normalized.append(index)
            value = value[index] if index < len(value) else None
        else:
            normalized.append(str(part))
            value = value.get(str(part)) if isinstance(value, dict) else None
    return tuple(normalized)


def _pointer_text(pointer: Pointer) -> str:
    return "/" + "/".join(
        str(part).replace("~", "~0").replace("/", "~1") for part in pointer
    )
