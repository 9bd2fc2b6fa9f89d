"""Hostile file contents: bombs, deep nesting, bad encodings, tags, big numbers.

Every case is scanned beside clean.yaml, and `check_run` asserts the shared
promises: no traceback, an exit within the time limit, the problem named in
the text report and in SARIF, clean.yaml still scanned, and exit code 2 only
for an error-level problem.
"""

from __future__ import annotations

import codecs
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostile.support import Case, check_run, run_case

PARSE_ERROR = frozenset({"parse-error"})
# A line that config-http-url flags at column 6 wherever it is.
URL_LINE = "url: http://orders.acme-corp.io"


def _case(case_id: str, name: str, content: bytes | str, **values: object) -> Case:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return Case(case_id, {name: data}, path=name, **values)  # type: ignore[arg-type]


# Alias bombs


def _laughs(fanout: int, depth: int) -> str:
    """Return a "billion laughs" stream: each level lists the one below it."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * fanout) + "]"]
    for level in range(1, depth + 1):
        aliases = ", ".join([f"*l{level - 1}"] * fanout)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def _mapping_bomb(fanout: int, depth: int) -> str:
    lines = ["m0: &m0 {" + ", ".join(f"k{i}: lol" for i in range(fanout)) + "}"]
    for level in range(1, depth + 1):
        items = ", ".join(f"k{i}: *m{level - 1}" for i in range(fanout))
        lines.append(f"m{level}: &m{level} {{{items}}}")
    return "\n".join(lines) + "\n"


def _mixed_bomb(depth: int) -> str:
    lines = ["x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, depth + 1):
        previous = f"*x{level - 1}"
        if level % 2:
            body = "[" + ", ".join([previous] * 8) + "]"
        else:
            body = "{" + ", ".join(f"k{i}: {previous}" for i in range(8)) + "}"
        lines.append(f"x{level}: &x{level} {body}")
    return "\n".join(lines) + "\n"


def _block_bomb(fanout: int, depth: int) -> str:
    """Return a bomb written in block style, one alias per line."""
    lines = ["b0: &b0", *["  - lol"] * fanout]
    for level in range(1, depth + 1):
        lines.append(f"b{level}: &b{level}")
        lines.extend([f"  - *b{level - 1}"] * fanout)
    return "\n".join(lines) + "\n"


def _merge_of_bomb() -> str:
    return _mapping_bomb(9, 8) + "victim:\n  <<: *m8\n  own: 1\n"


def _merge_chain_bomb(depth: int) -> str:
    """Return mappings that each merge the one below many times over."""
    lines = ["c0: &c0 {a: 1, b: 2, c: 3}"]
    for level in range(1, depth + 1):
        merged = ", ".join([f"*c{level - 1}"] * 20)
        lines.append(f"c{level}: &c{level} {{<<: [{merged}], k{level}: {level}}}")
    use = ", ".join([f"*c{depth}"] * 2000)
    return "\n".join(lines) + f"\nuse: [{use}]\n"


def _quadratic_merge(size: int) -> str:
    """Return one mapping of `size` keys merged `size` times into another."""
    keys = "".join(f"  k{i}: {i}\n" for i in range(size))
    aliases = ", ".join(["*base"] * size)
    return f"base: &base\n{keys}copy:\n  <<: [{aliases}]\n"


def _key_bomb(size: int) -> str:
    """Return a mapping whose key is a large mapping, used `size` times."""
    big = "{" + ", ".join(f"k{i}: {i}" for i in range(size)) + "}"
    uses = ", ".join(["*keyed"] * size)
    return f"big: &big {big}\nkeyed: &keyed {{? *big : 1}}\nuses: [{uses}]\n"


def _distinct_key_bomb(size: int, keys: int) -> str:
    big = "{" + ", ".join(f"k{i}: {i}" for i in range(size)) + "}"
    entries = ", ".join(f"? [*big] : {i}" for i in range(keys))
    return f"big: &big {big}\nm: {{{entries}}}\n"


def _openapi_with(body: str) -> str:
    return (
        "openapi: 3.0.3\ninfo: {title: Bomb, version: '1'}\npaths: {}\n"
        "servers:\n  - url: https://api.acme-corp.io\n" + body
    )


def _bomb_cases() -> Iterator[Case]:
    over = {"codes": PARSE_ERROR}
    for fanout, depth in [(9, 9), (10, 8), (2, 40), (3, 25), (100, 4), (30, 5)]:
        yield _case(
            f"laughs-{fanout}x{depth}", "hostile.yaml", _laughs(fanout, depth), **over
        )
    yield _case("laughs-yml", "hostile.yml", _laughs(9, 9), **over)
    for fanout, depth in [(9, 9), (2, 40), (50, 5)]:
        text = _mapping_bomb(fanout, depth)
        yield _case(f"mapping-{fanout}x{depth}", "hostile.yaml", text, **over)

    yield _case("mixed-12", "hostile.yaml", _mixed_bomb(12), **over)
    yield _case("block-9x9", "hostile.yaml", _block_bomb(9, 9), **over)
    yield _case("merge-of-bomb", "hostile.yaml", _merge_of_bomb(), **over)
    yield _case("merge-chain-bomb", "hostile.yaml", _merge_chain_bomb(6), **over)
    yield _case("quadratic-merge", "hostile.yaml", _quadratic_merge(20_000))
    yield _case("key-bomb", "hostile.yaml", _key_bomb(20_000))
    yield _case(
        "distinct-keys", "hostile.yaml", _distinct_key_bomb(20_000, 2000), **over
    )

    yield _case("self-alias-list", "hostile.yaml", "a: &a [*a]\n", **over)
    yield _case("self-alias-map", "hostile.yaml", "a: &a {k: *a}\n", **over)
    yield _case("self-merge", "hostile.yaml", "a: &a {<<: *a, k: 1}\n")

    stream = "first: 1\n---\n" + _laughs(9, 9) + "---\n" + URL_LINE + "\n"
    yield _case(
        "multi-document",
        "hostile.yaml",
        stream,
        codes=PARSE_ERROR,
        extra={"findings": {(14, 6, "config-http-url")}},
    )
    bomb = _laughs(9, 9).replace("\n", "\n  ").rstrip() + "\n"
    yield _case(
        "openapi-bomb",
        "hostile.yaml",
        _openapi_with("x-bomb:\n  " + bomb),
        codes=PARSE_ERROR,
    )
    yield _case(
        "tagged-aliases",
        "hostile.yaml",
        _laughs(9, 9).replace("[*", "!!seq [*"),
        **over,
    )


# Deep nesting


def _deep(shape: str, depth: int) -> tuple[str, str]:
    """Return a file name and a document nested `depth` levels deep."""
    if shape == "yaml-flow-list":
        return "hostile.yaml", "a: " + "[" * depth + "]" * depth + "\n"
    if shape == "yaml-flow-map":
        return "hostile.yaml", "a: " + "{a: " * depth + "1" + "}" * depth + "\n"
    if shape == "yaml-block-map":
        lines = "".join(" " * level + "a:\n" for level in range(depth))
        return "hostile.yaml", lines + " " * depth + "leaf\n"
    if shape == "yaml-block-list":
        return "hostile.yaml", "- " * depth + "leaf\n"
    if shape == "yaml-mixed":
        return "hostile.yaml", "a: " + "[{a: " * (depth // 2) + "1" + "}]" * (
            depth // 2
        )
    if shape == "json-array":
        return "hostile.json", "[" * depth + "]" * depth
    if shape == "json-object":
        return "hostile.json", '{"a": ' * depth + "1" + "}" * depth
    return "hostile.json", '{"a": [' * (depth // 2) + "1" + "]}" * (depth // 2)


DEEP_SHAPES = [
    "yaml-flow-list",
    "yaml-flow-map",
    "yaml-block-map",
    "yaml-block-list",
    "yaml-mixed",
    "json-array",
    "json-object",
    "json-mixed",
]


def _deep_cases() -> Iterator[Case]:
    for shape in DEEP_SHAPES:
        for depth in (150, 250, 1000, 10_000):
            if shape == "yaml-block-map" and depth > 1000:
                continue  # its indentation grows with the square of the depth
            name, text = _deep(shape, depth)
            # YAML stops at apiguard's limit of 200 levels. JSON goes as deep as
            # Python's json module (about 990 levels at the default recursion
            # limit).
            limit = 200 if name.endswith(".yaml") else 900
            codes = PARSE_ERROR if depth > limit else frozenset()
            yield _case(f"{shape}-{depth}", name, text, codes=codes)


# Binary data, encodings, NUL bytes and line breaks


def _binary_cases() -> Iterator[Case]:
    binary = frozenset({"binary-file"})
    for seed in range(4):
        data = random.Random(seed).randbytes(4096) + b"\0"
        for name in ("hostile.yaml", "hostile.json", "hostile.yml"):
            yield _case(f"random-{seed}-{name}", name, data, codes=binary)
    headers = {
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
        "elf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8,
        "sqlite": b"SQLite format 3\x00",
    }
    for kind, header in headers.items():
        yield _case(f"{kind}-header", "hostile.yaml", header + b"a: 1\n", codes=binary)


INVALID_UTF8 = {
    "ff": b"\xff",
    "overlong-slash": b"\xc0\xaf",
    "surrogate": b"\xed\xa0\x80",
    "above-max": b"\xf4\x90\x80\x80",
    "continuation": b"\x80",
    "truncated": b"\xe2\x82",
    "fe-fe": b"\xfe\xfe",
    "five-bytes": b"\xf8\x88\x80\x80\x80",
}


def _invalid_utf8_cases() -> Iterator[Case]:
    invalid = frozenset({"invalid-encoding"})
    url = URL_LINE.encode()
    # The finding on the line after the bad bytes must stay at line 2, column 6.
    expected = {(2, 6, "config-http-url")}
    for label, bad in INVALID_UTF8.items():
        places = {
            "value": b"name: caf" + bad + b"\n" + url + b"\n",
            "key": b"k" + bad + b"y: 1\n" + url + b"\n",
            "comment": b"# note " + bad + b"\n" + url + b"\n",
        }
        for place, data in places.items():
            yield _case(
                f"utf8-{label}-{place}",
                "hostile.yaml",
                data,
                codes=invalid,
                extra={"findings": expected},
            )
        json_data = (
            b'{"name": "caf' + bad + b'",\n "url": "http://orders.acme-corp.io"}'
        )
        yield _case(
            f"utf8-{label}-json",
            "hostile.json",
            json_data,
            codes=invalid,
            extra={"findings": {(2, 10, "config-http-url")}},
        )


UNICODE_ENCODINGS = ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"]
BOMS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
    "utf-8": codecs.BOM_UTF8,
}


def _bom_cases() -> Iterator[Case]:
    yaml_text = "name: caf\u00e9 \U0001f600\n" + URL_LINE + "\n"
    json_text = '{"name": "caf\u00e9",\n "url": "http://orders.acme-corp.io"}'
    for encoding in UNICODE_ENCODINGS:
        for name, text, place in (
            ("hostile.yaml", yaml_text, (2, 6, "config-http-url")),
            ("hostile.json", json_text, (2, 10, "config-http-url")),
        ):
            data = BOMS[encoding] + text.encode(encoding)
            yield _case(
                f"bom-{encoding}-{name}",
                name,
                data,
                extra={"findings": {place}},
            )
            if encoding != "utf-8":
                # An odd number of bytes leaves a partial code unit at the end.
                yield _case(
                    f"bom-{encoding}-cut-{name}",
                    name,
                    data + b"\x41",
                    codes=frozenset({"invalid-encoding"}),
                    extra={"findings": {place}},
                )
    for encoding in ("utf-16-le", "utf-16-be", "utf-32-le"):
        # Without a byte order mark, the NUL bytes make the file binary.
        data = yaml_text.encode(encoding)
        yield _case(
            f"no-bom-{encoding}",
            "hostile.yaml",
            data,
            codes=frozenset({"binary-file"}),
        )


def _nul_cases() -> Iterator[Case]:
    url = URL_LINE.encode() + b"\n"
    padding = b"# " + b"x" * 97 + b"\n"
    binary = frozenset({"binary-file"})
    yield _case("nul-first", "hostile.yaml", b"\0" + url, codes=binary)
    yield _case("nul-middle", "hostile.yaml", url + b"a: b\0c\n", codes=binary)
    near_end = padding * 81 + b"#" * 90 + b"\0"  # the NUL is byte 8191
    yield _case(
        "nul-last-sniffed", "hostile.yaml", near_end + b"\n" + url, codes=binary
    )

    # A NUL after the first 8 KiB is not looked for: the file is text that
    # YAML and JSON reject, and the text rules still run.
    late = padding * 82 + b"a: b\0c\n" + url
    yield _case(
        "nul-after-sniff",
        "hostile.yaml",
        late,
        codes=PARSE_ERROR,
        extra={"findings": {(84, 6, "config-http-url")}},
    )
    late_json = (
        b"[\n" + b'"pad",\n' * 1200 + b'"a\0b",\n"http://orders.acme-corp.io"\n]'
    )
    yield _case(
        "nul-after-sniff-json",
        "hostile.json",
        late_json,
        codes=PARSE_ERROR,
        extra={"findings": {(1203, 2, "config-http-url")}},
    )

    yield _case(
        "nul-escaped-json",
        "hostile.json",
        b'{"a": "x\\u0000y",\n "url": "http://orders.acme-corp.io"}',
        extra={"findings": {(2, 10, "config-http-url")}},
    )
    for name in ("hostile.yml", "hostile.json"):
        yield _case(f"nul-only-{name}", name, b"\0" * 64, codes=binary)


def _openapi_lines(separator: str) -> str:
    lines = [
        "openapi: 3.0.3",
        "info: {title: Lines, version: '1'}",
        "# a comment",
        "servers:",
        "  - url: http://api.acme-corp.io",
        "paths: {}",
    ]
    return separator.join(lines) + separator


def _line_break_cases() -> Iterator[Case]:
    server = {(5, 5, "openapi-server-http")}
    for label, separator in (("cr", "\r"), ("crlf", "\r\n"), ("lf", "\n")):
        yield _case(
            f"openapi-{label}",
            "hostile.yaml",
            _openapi_lines(separator),
            extra={"findings": server},
        )
        text = f"a: 1{separator}b: 2{separator}{URL_LINE}{separator}"
        yield _case(
            f"text-{label}",
            "hostile.yaml",
            text,
            extra={"findings": {(3, 6, "config-http-url")}},
        )

    mixed = "a: 1\rb: 2\r\nc: 3\n" + URL_LINE + "\r"
    yield _case(
        "mixed-breaks",
        "hostile.yaml",
        mixed,
        extra={"findings": {(4, 6, "config-http-url")}},
    )

    # YAML also ends lines at NEL, LS and PS, which editors and apiguard's
    # line numbers do not: positions must still agree with the text rules.
    for label, char in (("nel", "\x85"), ("ls", "\u2028"), ("ps", "\u2029")):
        text = _openapi_lines("\n").replace("title: Lines", f'title: "Li{char}nes"')
        yield _case(
            f"openapi-{label}-in-title",
            "hostile.yaml",
            text,
            extra={"findings": server},
        )
        quoted = f'name: "a{char}b"\n' + URL_LINE + "\n"
        yield _case(
            f"{label}-in-quoted",
            "hostile.yaml",
            quoted,
            extra={"findings": {(2, 6, "config-http-url")}},
        )

    # decode() removes one byte order mark; the parser skips the second but
    # columns on line 1 count it.
    flow = (
        "\ufeff{openapi: 3.0.3, info: {title: t, version: '1'}, paths: {}, "
        "servers: [{url: http://api.acme-corp.io}]}\n"
    )
    yield _case(
        "second-bom",
        "hostile.yaml",
        codecs.BOM_UTF8 + flow.encode(),
        extra={"findings": {(1, flow.index("{url") + 1, "openapi-server-http")}},
    )

    json_cr = '{"openapi": "3.0.3",\r"info": {"title": "t", "version": "1"},\r'
    json_cr += '"paths": {},\r"servers": [{"url": "http://api.acme-corp.io"}]}'
    yield _case(
        "json-cr",
        "hostile.json",
        json_cr,
        extra={"findings": {(4, 13, "openapi-server-http")}},
    )


# Duplicate keys


def _duplicate_cases() -> Iterator[Case]:
    duplicate = frozenset({"duplicate-key"})
    yield _case("dup-top", "hostile.yaml", "a: 1\na: 2\n", codes=duplicate)
    yield _case("dup-nested", "hostile.yaml", "a:\n  b: 1\n  b: 2\n", codes=duplicate)
    yield _case("dup-flow", "hostile.yaml", "a: {b: 1, b: 2}\n", codes=duplicate)
    yield _case(
        "dup-types", "hostile.yaml", "a: [1]\na: {b: 1}\na: x\n", codes=duplicate
    )

    many = "".join(f"k: {i}\n" for i in range(1000))
    yield _case(
        "dup-many", "hostile.yaml", many, codes=duplicate, extra={"capped": True}
    )
    yield _case(
        "dup-merge-keys",
        "hostile.yaml",
        "base: &b {x: 1}\nm:\n  <<: *b\n  <<: *b\n  y: 2\n",
    )

    yield _case("dup-json-top", "hostile.json", '{"a": 1, "a": 2}', codes=duplicate)
    yield _case(
        "dup-json-nested",
        "hostile.json",
        '{"a": {"b": 1,\n "b": 2}}',
        codes=duplicate,
    )
    many_json = "{" + ", ".join(f'"k": {i}' for i in range(1000)) + "}"
    yield _case(
        "dup-json-many",
        "hostile.json",
        many_json,
        codes=duplicate,
        extra={"capped": True},
    )
    spec = _openapi_lines("\n") + "paths: {}\n"
    yield _case(
        "dup-openapi-paths",
        "hostile.yaml",
        spec,
        codes=duplicate,
        extra={"findings": {(5, 5, "openapi-server-http")}},
    )


# Tags that construct Python objects in an unsafe loader


def _python_tag_documents(marker: Path) -> dict[str, str]:
    """Return documents whose tags would create `marker` if a loader ran them."""
    touch = f'["touch {marker}"]'
    return {
        "apply-system": f"a: !!python/object/apply:os.system {touch}\n",
        "apply-open": f'a: !!python/object/apply:builtins.open ["{marker}", "w"]\n',
        "apply-call": f"a: !!python/object/apply:subprocess.call [[touch, {marker}]]\n",
        "new-system": f"a: !!python/object/new:os.system {touch}\n",
        "object-state": (
            f"a: !!python/object:subprocess.Popen\n  args: [touch, {marker}]\n"
        ),
        "name": "a: !!python/name:os.system\n",
        "module": "a: !!python/module:os\n",
        "verbatim": (
            f"a: !<tag:yaml.org,2002:python/object/apply:os.system> {touch}\n"
        ),
        "key": f"? !!python/object/apply:os.system {touch}\n: 1\n",
        "list-item": f"- !!python/object/apply:os.system {touch}\n",
        "anchor": f"a: &x !!python/object/apply:os.system {touch}\nb: *x\n",
        "merge": f"a: &x !!python/object/apply:os.system {touch}\nb:\n  <<: *x\n",
        "exec": f"a: !!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]\n",
        "eval": f"a: !!python/object/apply:builtins.eval [\"open('{marker}', 'w')\"]\n",
        "custom-handle": (
            "%TAG !p! tag:yaml.org,2002:python/object/apply:\n---\n"
            f"a: !p!os.system {touch}\n"
        ),
        "openapi": (
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
            f"x-run: !!python/object/apply:os.system {touch}\n"
        ),
    }


PYTHON_TAG_NAMES = sorted(_python_tag_documents(Path("/marker")))


# Merge keys


def _merge_cases() -> Iterator[Case]:
    yield _case("merge-basic", "hostile.yaml", "b: &b {x: 1}\nm: {<<: *b, y: 2}\n")
    yield _case(
        "merge-list",
        "hostile.yaml",
        "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nm: {<<: [*a, *b]}\n",
    )
    yield _case(
        "merge-chain",
        "hostile.yaml",
        "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: &c {<<: *b, z: 3}\nm: {<<: *c}\n",
    )
    yield _case("merge-scalar", "hostile.yaml", "a: &a 1\nm: {<<: *a, y: 2}\n")
    yield _case("merge-scalars", "hostile.yaml", "m: {<<: [1, 2, x], y: 2}\n")
    yield _case("merge-cycle", "hostile.yaml", "a: &a {<<: *a}\nb: &b {<<: [*b, *b]}\n")
    yield _case(
        "merge-server",
        "hostile.yaml",
        "base: &base\n  url: http://api.acme-corp.io\n"
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "servers:\n  - <<: *base\n    description: merged\n",
        extra={"findings": {(7, 5, "openapi-server-http")}},
    )


# Huge numbers


def _number_cases() -> Iterator[Case]:
    digits = "9" * 100_000
    yaml_numbers = {
        "exponent": "1e999999",
        "negative-exponent": "-1e999999",
        "float-exponent": "1.0e+999999",
        "int": digits,
        "negative-int": "-" + digits,
        "underscored-int": "1_" + "000_" * 5000 + "000",
        "hex": "0x" + "f" * 100_000,
        "octal": "0" + "7" * 100_000,
        "binary": "0b" + "1" * 100_000,
        "sexagesimal": "1" + ":59" * 20_000,
        "tagged-int": "!!int " + digits,
        "tagged-float": "!!float 1e999999",
        "tagged-bad-int": "!!int not-a-number",
        "tagged-bad-bool": "!!bool maybe",
        "tagged-empty-int": "!!int ''",
        "tagged-empty-float": "!!float ''",
    }
    for label, number in yaml_numbers.items():
        yield _case(
            f"yaml-{label}",
            "hostile.yaml",
            f"n: {number}\n{URL_LINE}\n",
            extra={"findings": {(2, 6, "config-http-url")}},
        )
        yield _case(
            f"openapi-yaml-{label}",
            "hostile.yaml",
            "openapi: 3.0.3\n"
            f"info: {{title: t, version: {number}}}\n"
            "paths: {}\nservers:\n  - url: http://api.acme-corp.io\n"
            f"x-number: {number}\n",
            extra={"findings": {(5, 5, "openapi-server-http")}},
        )
    json_numbers = {
        "exponent": "1e999999",
        "negative-exponent": "-1e999999",
        "tiny": "1.0e-999999",
        "int": digits,
        "negative-int": "-" + digits,
        "fraction": "0." + digits,
        "big-exponent": "1E400",
    }
    for label, number in json_numbers.items():
        yield _case(
            f"json-{label}",
            "hostile.json",
            f'{{"n": {number},\n "url": "http://orders.acme-corp.io"}}',
            extra={"findings": {(2, 10, "config-http-url")}},
        )
        spec = (
            '{"openapi": "3.0.3", "info": {"title": "t", "version": '
            f'{number}}}, "paths": {{}},\n'
            f'"x-n": [{number}], "servers": [{{"url": "http://api.acme-corp.io"}}]}}'
        )
        column = spec.split("\n")[1].index('{"url"') + 1
        yield _case(
            f"openapi-json-{label}",
            "hostile.json",
            spec,
            extra={"findings": {(2, column, "openapi-server-http")}},
        )


def _content_cases() -> list[Case]:
    groups = [
        _bomb_cases(),
        _deep_cases(),
        _binary_cases(),
        _invalid_utf8_cases(),
        _bom_cases(),
        _nul_cases(),
        _line_break_cases(),
        _duplicate_cases(),
        _merge_cases(),
        _number_cases(),
    ]
    return [case for group in groups for case in group]


CASES = _content_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_content(case: Case, tmp_path: Path) -> None:
    run = run_case(case, tmp_path)

    check_run(run, case)
    for place in case.extra.get("findings", ()):
        assert place in run.finding_places(case.path)
    if case.extra.get("capped"):
        notes = [n for n in run.notifications() if n["code"] == "duplicate-key"]
        assert len(notes) == 5
        assert "further duplicate-key problems" in notes[-1]["message"]


@pytest.mark.parametrize("name", PYTHON_TAG_NAMES)
def test_python_tag_runs_nothing(name: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    document = _python_tag_documents(marker)[name]
    case = Case(f"python-{name}", {"hostile.yaml": document.encode()})

    run = run_case(case, tmp_path)

    check_run(run, case)
    assert not marker.exists()


def test_duplicate_key_message_names_key(tmp_path: Path) -> None:
    case = Case("dup", {"hostile.yaml": b"svc:\n  port: 1\n  port: 2\n"})

    run = run_case(case, tmp_path)

    check_run(run, case)
    assert "hostile.yaml:3:3 warning [duplicate-key]" in run.stdout
    assert "duplicate key 'port'" in run.stdout


def test_merge_order_follows_yaml(tmp_path: Path) -> None:
    # The first mapping of a merge list wins, and keys written in the
    # mapping win over merged ones; the server URL proves which one won.
    spec = (
        "a: &a {url: http://first.acme-corp.io}\n"
        "b: &b {url: http://second.acme-corp.io}\n"
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "servers:\n  - {<<: [*a, *b]}\n"
    )
    case = Case("merge-order", {"hostile.yaml": spec.encode()})

    run = run_case(case, tmp_path)

    check_run(run, case)
    assert run.report is not None
    messages = [f["message"] for f in run.report["findings"] if f["path"] == case.path]
    server = [m for m in messages if m.startswith("Server URL")]
    assert len(server) == 1
    assert "first.acme-corp.io" in server[0]


def test_case_count() -> None:
    assert len(CASES) + len(PYTHON_TAG_NAMES) >= 200
    assert len({case.id for case in CASES}) == len(CASES)
