"""The normalized models, one builder per document kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from apiguard.cache import reference_hash
from apiguard.load import JSON_SUFFIXES, Document, ParseProblem, parse_json, parse_yaml
from apiguard.target import ParsedDocument, ScanTarget
from apiguard.text import decode

NoteAdder = Callable[..., None]
ModelBuilder = Callable[[ParsedDocument, ScanTarget, Path, NoteAdder], dict[str, Any]]

# Files a $ref may pull in are read whole; larger ones are refused.
MAX_REFERENCED_FILE_SIZE = 10 * 1024 * 1024


def load_referenced_file(path: Path) -> Any:
    """Parse a file that a $ref points at; raise OSError or ValueError."""
    if path.stat().st_size > MAX_REFERENCED_FILE_SIZE:
        raise ValueError(f"{path} is larger than {MAX_REFERENCED_FILE_SIZE} bytes")
    text = decode(path.read_bytes()).text
    parsed: Document | ParseProblem | None
    if path.suffix.lower() in JSON_SUFFIXES:
        parsed = parse_json(text)
    else:
        parsed = next(iter(parse_yaml(text)), None)
    if not isinstance(parsed, Document):
        reason = parsed.message if parsed is not None else "empty file"
        raise ValueError(f"cannot parse {path}: {reason}")
    return parsed.data


def build_openapi(
    parsed: ParsedDocument, target: ScanTarget, root: Path, note: NoteAdder
) -> dict[str, Any]:
    from apiguard.models.openapi import build_model

    def load_file(path: Path) -> Any:
        target.references.append(
            (path.relative_to(root).as_posix(), reference_hash(path))
        )
        return load_referenced_file(path)

    model, problems = build_model(
        parsed.document.data,
        path=target.path,
        root=root,
        load_file=load_file,
    )
    for problem in problems:
        region = parsed.document.locate(problem.pointer)
        note("openapi-ref", problem.level, problem.message, region)
    return model


def build_routes(
    parsed: ParsedDocument, target: ScanTarget, root: Path, note: NoteAdder
) -> dict[str, Any]:
    from apiguard.models.routes import build_route_model

    siblings = target.data_of_kind(parsed.kind)
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
