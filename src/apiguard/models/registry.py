"""The normalized models, one builder per document kind."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apiguard.load import JSON_SUFFIXES, Document, ParseProblem, parse_json, parse_yaml
from apiguard.target import ParsedDocument, ScanTarget
from apiguard.text import decode

NoteAdder = Callable[..., None]
ModelBuilder = Callable[[ParsedDocument, ScanTarget, Path, NoteAdder], dict[str, Any]]

# Files a $ref may pull in are read whole; larger ones are refused.
MAX_REFERENCED_FILE_SIZE = 10 * 1024 * 1024


def load_referenced_file(path: Path, shown: str | None = None) -> Any:
    """Parse a file that a $ref points at; raise OSError or ValueError.

    Messages name the file as `shown`, by default its full path.
    """
    shown = str(path) if shown is None else shown
    if path.stat().st_size > MAX_REFERENCED_FILE_SIZE:
        raise ValueError(f"{shown} is larger than {MAX_REFERENCED_FILE_SIZE} bytes")
    text = decode(path.read_bytes()).text
    parsed: Document | ParseProblem | None
    if path.suffix.lower() in JSON_SUFFIXES:
        parsed = parse_json(text)
    else:
        parsed = next(iter(parse_yaml(text)), None)
    if not isinstance(parsed, Document):
        reason = parsed.message if parsed is not None else "empty file"
        raise ValueError(f"cannot parse {shown}: {reason}")
    return parsed.data


def reference_state(path: Path, root: Path) -> str:
    """Describe what a `$ref` to `path` finds, for the cache to compare.

    The description names the file that symbolic links lead to, relative to
    `root`, and its type, size or content hash, so that any change that can
    change the model changes it. A file over the size limit is not read.
    """
    try:
        real = os.path.relpath(os.path.realpath(path), root)
        status = os.stat(path)
    except (OSError, ValueError) as error:
        return f"missing:{type(error).__name__}:{getattr(error, 'errno', None)}"
    kind = stat.S_IFMT(status.st_mode)
    if kind != stat.S_IFREG:
        return f"{real}:type:{kind}"
    if status.st_size > MAX_REFERENCED_FILE_SIZE:
        return f"{real}:size:{status.st_size}"
    try:
        data = path.read_bytes()
    except OSError as error:
        return f"{real}:unreadable:{error.errno}"
    return f"{real}:{hashlib.sha256(data).hexdigest()}"


def build_openapi(
    parsed: ParsedDocument, target: ScanTarget, root: Path, note: NoteAdder
) -> dict[str, Any]:
    from apiguard.models.openapi import build_model

    def load_file(path: Path) -> Any:
        # Messages name the file relative to the root: a report and a cached
        # result must not depend on where the tree is checked out.
        shown = os.path.relpath(path, root)
        try:
            return load_referenced_file(path, shown)
        except OSError as error:
            raise ValueError(f"{shown}: {error.strerror or error}") from error

    def watch_file(path: Path) -> None:
        shown = os.path.relpath(path, root)
        target.references.append((shown, reference_state(path, root)))

    model, problems = build_model(
        parsed.document.data,
        path=target.path,
        root=root,
        load_file=load_file,
        watch_file=watch_file,
    )
    for problem in problems:
        region = parsed.document.locate(problem.pointer)
        note("openapi-ref", problem.level, problem.message, region)
    return model


def build_routes(
    parsed: ParsedDocument, target: ScanTarget, root: Path, note: NoteAdder
) -> dict[str, Any]:
    from apiguard.models.routes import build_route_model
    from apiguard.models.routes.shared import shared_for

    siblings = target.data_of_kind(parsed.kind)
    shared = shared_for(target.relpath, parsed.kind, target.shared)
    if shared:
        siblings = [*siblings, *shared]
    return build_route_model(parsed.kind, parsed.document.data, siblings)


MODELS: dict[str, ModelBuilder] = {
    "openapi": build_openapi,
    "kubernetes": build_routes,
    "kong": build_routes,
    "cloudformation": build_routes,
    "terraform": build_routes,
    "serverless": build_routes,
    "nginx": build_routes,
    "compose": build_routes,
    "envoy": build_routes,
    "traefik": build_routes,
}
