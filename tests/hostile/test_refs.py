"""Hostile `$ref`s: cycles, references that leave the scan root, remote ones.

A loopback HTTP server runs for the whole module and records every
connection. No case may reach it: apiguard never fetches a remote `$ref`,
neither in the model nor in the OpenAPI validation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hostile.support import (
    Case,
    LoopbackServer,
    check_run,
    run_case,
    run_process,
    scan_args,
    write_files,
)

REF = frozenset({"openapi-ref"})
REF_AND_SPEC = frozenset({"openapi-ref", "invalid-openapi"})
SPEC = frozenset({"invalid-openapi"})


def _spec(version: str, body: str) -> bytes:
    """Return an OpenAPI document with one operation and `body` appended."""
    head = f"openapi: {version}\n" if version != "2.0" else 'swagger: "2.0"\n'
    return (
        head + "info: {title: Refs, version: '1'}\n"
        "security: []\n"
        "paths:\n"
        "  /pets:\n"
        "    get:\n"
        "      responses:\n"
        "        '200':\n"
        "          $ref: RESPONSE\n" + body
    ).encode()


def _response_ref(target: str, body: str = "", version: str = "3.0.3") -> bytes:
    # A JSON string is a YAML double-quoted scalar, escapes included.
    return _spec(version, body).replace(b"RESPONSE", json.dumps(target).encode())


CycleCase = tuple[str, dict[str, bytes], frozenset[str]]


def _cycle_cases() -> Iterator[CycleCase]:
    direct = (
        "components:\n  responses:\n    A:\n      $ref: '#/components/responses/A'\n"
    )
    yield (
        "direct",
        {"openapi.yaml": _response_ref("#/components/responses/A", direct)},
        REF,
    )
    indirect = (
        "components:\n  responses:\n"
        "    A:\n      $ref: '#/components/responses/B'\n"
        "    B:\n      $ref: '#/components/responses/A'\n"
    )
    yield (
        "indirect",
        {"openapi.yaml": _response_ref("#/components/responses/A", indirect)},
        REF,
    )

    self_named = (
        "components:\n  responses:\n"
        "    A:\n      $ref: 'openapi.yaml#/components/responses/A'\n"
    )
    yield (
        "through-own-name",
        {"openapi.yaml": _response_ref("#/components/responses/A", self_named)},
        REF,
    )

    two_files = {
        "openapi.yaml": _response_ref(
            "other.yaml#/R",
            "components:\n  responses:\n    X:\n      $ref: 'other.yaml#/R'\n",
        ),
        "other.yaml": b"R:\n  $ref: 'openapi.yaml#/components/responses/X'\n",
    }
    yield "two-files", two_files, REF
    three_files = {
        "openapi.yaml": _response_ref("a.yaml#/R"),
        "a.yaml": b"R:\n  $ref: 'b.yaml#/R'\n",
        "b.yaml": b"R:\n  $ref: 'a.yaml#/R'\n",
    }
    yield "three-files", three_files, REF

    paths = (
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /a:\n    $ref: '#/paths/~1b'\n  /b:\n    $ref: '#/paths/~1a'\n"
    )
    yield "path-items", {"openapi.yaml": paths.encode()}, REF
    parameters = (
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /a:\n    get:\n      parameters:\n"
        "        - $ref: '#/components/parameters/P'\n"
        "      responses: {'200': {description: ok}}\n"
        "components:\n  parameters:\n    P:\n      $ref: '#/components/parameters/P'\n"
    )
    yield "parameter", {"openapi.yaml": parameters.encode()}, REF
    schemes = (
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "components:\n  securitySchemes:\n"
        "    k:\n      $ref: '#/components/securitySchemes/j'\n"
        "    j:\n      $ref: '#/components/securitySchemes/k'\n"
    )
    yield "security-scheme", {"openapi.yaml": schemes.encode()}, REF

    schema = (
        "components:\n  responses: {}\n  schemas:\n"
        "    A:\n      $ref: '#/components/schemas/B'\n"
        "    B:\n      $ref: '#/components/schemas/A'\n"
    )
    yield (
        "schema",
        {"openapi.yaml": _response_ref("#/components/schemas/A", schema)},
        frozenset(),
    )

    chain = "components:\n  responses:\n" + "".join(
        f"    R{i}:\n      $ref: '#/components/responses/R{i + 1}'\n"
        for i in range(12_000)
    )
    yield (
        "long-chain",
        {"openapi.yaml": _response_ref("#/components/responses/R0", chain)},
        REF,
    )

    for version in ("3.0.3", "3.1.0", "2.0"):
        dangling = _response_ref("#/components/responses/missing", version=version)
        yield f"dangling-{version}", {"openapi.yaml": dangling}, REF_AND_SPEC


CYCLES = list(_cycle_cases())


@pytest.mark.parametrize(
    ("files", "codes"),
    [(files, codes) for _, files, codes in CYCLES],
    ids=[name for name, _, _ in CYCLES],
)
def test_ref_cycle(
    files: dict[str, bytes], codes: frozenset[str], tmp_path: Path
) -> None:
    case = Case("cycle", files, path="openapi.yaml", codes=codes)

    run = run_case(case, tmp_path)

    check_run(run, case)


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer().running() as running:
        yield running


def _escape_refs(url: str, port: int, outside: Path) -> dict[str, str]:
    return {
        "parent-parent": "../../etc/passwd",
        "deep-parents": "../" * 30 + "etc/passwd",
        "absolute": "/etc/passwd",
        "absolute-outside": str(outside / "secret.yaml") + "#/R",
        "file-uri": "file:///etc/passwd",
        "percent-dots": "%2e%2e/%2e%2e/etc/passwd",
        "percent-slashes": "..%2F..%2Fetc%2Fpasswd",
        "backslashes": "..\\..\\etc\\passwd",
        "nul": "./a\u0000b.yaml#/R",
        "http": f"{url}/spec.yaml#/R",
        "https": f"https://127.0.0.1:{port}/spec.yaml#/R",
        "upper-scheme": f"HTTP://127.0.0.1:{port}/spec.yaml#/R",
        "protocol-relative": f"//127.0.0.1:{port}/spec.yaml#/R",
        "localhost": f"http://localhost:{port}/spec.yaml#/R",
        "userinfo": f"http://user:pw@127.0.0.1:{port}/spec.yaml#/R",
    }


ESCAPE_NAMES = sorted(_escape_refs("http://127.0.0.1:1", 1, Path("/outside")))


@pytest.mark.parametrize("name", ESCAPE_NAMES)
@pytest.mark.parametrize("version", ["3.0.3", "3.1.0", "2.0"])
def test_ref_leaving_root(
    name: str, version: str, server: LoopbackServer, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("R:\n  description: outside the root\n")
    ref = _escape_refs(server.url, server.port, outside)[name]
    files = {"openapi.yaml": _response_ref(ref, version=version)}
    case = Case(name, files, path="openapi.yaml", codes=REF_AND_SPEC)
    before = len(server.connections)

    run = run_case(case, tmp_path)

    check_run(run, case)
    assert len(server.connections) == before
    assert "outside the root" not in run.stdout


def _schema_urls(url: str) -> dict[str, str]:
    """Return OpenAPI 3.1 bodies that name the loopback server outside a $ref."""
    return {
        "id-base": (
            "components:\n  schemas:\n    A:\n"
            f"      $id: '{url}/base/'\n"
            "      properties:\n        x: {$ref: '#/$defs/y'}\n"
            "      $defs:\n        y: {type: string}\n"
        ),
        "schema-dialect": (
            f"components:\n  schemas:\n    A:\n      $schema: '{url}/meta'\n"
        ),
        "document-dialect": f"jsonSchemaDialect: '{url}/dialect'\n",
        "dynamic-ref": (
            f"components:\n  schemas:\n    A:\n      $dynamicRef: '{url}/d#x'\n"
        ),
        "external-value": (
            "components:\n  examples:\n    E:\n"
            f"      externalValue: '{url}/example.json'\n"
        ),
        "server": f"servers:\n  - url: '{url}/v1'\n",
        "oauth": (
            "components:\n  securitySchemes:\n    o:\n      type: oauth2\n"
            "      flows:\n        clientCredentials:\n"
            f"          tokenUrl: '{url}/token'\n          scopes: {{}}\n"
        ),
        "openid": (
            "components:\n  securitySchemes:\n    o:\n"
            f"      type: openIdConnect\n      openIdConnectUrl: '{url}/.well-known'\n"
        ),
    }


SCHEMA_URL_NAMES = sorted(_schema_urls("http://127.0.0.1:1"))


@pytest.mark.parametrize("name", SCHEMA_URL_NAMES)
def test_url_in_spec_not_fetched(
    name: str, server: LoopbackServer, tmp_path: Path
) -> None:
    body = _schema_urls(server.url)[name]
    spec = (
        "openapi: 3.1.0\ninfo: {title: Urls, version: '1'}\npaths: {}\n" + body
    ).encode()
    case = Case(name, {"openapi.yaml": spec}, path="openapi.yaml")
    before = len(server.connections)

    run = run_case(case, tmp_path)

    check_run(run, case)
    assert len(server.connections) == before


def test_subprocess_fetches_nothing(server: LoopbackServer, tmp_path: Path) -> None:
    # A new process has no socket guard: only the server can tell that no
    # request was sent, from the model or from spec validation.
    folder = tmp_path / "scan"
    refs = _escape_refs(server.url, server.port, tmp_path)
    files = {
        f"{name}-{version}.yaml": _response_ref(ref, version=version)
        for name, ref in refs.items()
        for version in ("3.0.3", "3.1.0", "2.0")
    }
    for name, body in _schema_urls(server.url).items():
        files[f"url-{name}.yaml"] = (
            "openapi: 3.1.0\ninfo: {title: Urls, version: '1'}\npaths: {}\n" + body
        ).encode()
    write_files(folder, files)
    out = tmp_path / "out"
    out.mkdir()

    run = run_process(scan_args(folder, out), cwd=tmp_path, out=out, timeout=120)

    assert run.exit_code in (0, 1)
    assert "Traceback" not in run.stderr
    assert server.connections == []
    assert run.report is not None
    assert run.report["filesScanned"] == len(files)


def _special_targets(tmp_path: Path) -> dict[str, Callable[[Path], None]]:
    """Return ways to make `folder/target.yaml` something other than a YAML file."""

    def fifo(folder: Path) -> None:
        os.mkfifo(folder / "target.yaml")

    def directory(folder: Path) -> None:
        (folder / "target.yaml").mkdir()

    def binary(folder: Path) -> None:
        (folder / "target.yaml").write_bytes(b"\x00\x01\x02R: 1\n")

    def bomb(folder: Path) -> None:
        levels = ["l0: &l0 [" + ", ".join(["x"] * 9) + "]"]
        for level in range(1, 10):
            aliases = ", ".join([f"*l{level - 1}"] * 9)
            levels.append(f"l{level}: &l{level} [{aliases}]")
        text = "\n".join(levels) + "\nR: {description: x}\n"
        (folder / "target.yaml").write_text(text)

    def invalid(folder: Path) -> None:
        (folder / "target.yaml").write_text("R: [unclosed\n")

    def link_out(folder: Path) -> None:
        (folder / "target.yaml").symlink_to(tmp_path / "outside.yaml")

    def link_dev(folder: Path) -> None:
        (folder / "target.yaml").symlink_to("/dev/zero")

    def link_loop(folder: Path) -> None:
        (folder / "target.yaml").symlink_to(folder / "target.yaml")

    def missing(folder: Path) -> None:
        return

    return {
        "fifo": fifo,
        "directory": directory,
        "binary": binary,
        "bomb": bomb,
        "invalid": invalid,
        "link-outside": link_out,
        "link-dev-zero": link_dev,
        "link-loop": link_loop,
        "missing": missing,
    }


SPECIAL_NAMES = sorted(_special_targets(Path("/unused")))


@pytest.mark.parametrize("name", SPECIAL_NAMES)
def test_ref_to_special_file(name: str, tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("R:\n  description: outside the root\n")
    files = {"openapi.yaml": _response_ref("target.yaml#/R")}
    case = Case(name, files, path="openapi.yaml", codes=REF, timeout=20)

    run = run_case(case, tmp_path, prepare=_special_targets(tmp_path)[name])

    check_run(run, case)
    assert "outside the root" not in run.stdout
