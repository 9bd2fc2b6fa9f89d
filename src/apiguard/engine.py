"""Run the stages in order: discover, load, classify, evaluate."""

from __future__ import annotations

import logging
import os
import posixpath
import stat
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import pathspec

from apiguard.cache import CACHE_FORMAT, CachedOutcome, Reference, ScanCache
from apiguard.classify import TEXT_KIND, classify
from apiguard.discover import (
    Candidate,
    Excludes,
    choose_root,
    discover,
    has_tracked_files,
    text_path,
)
from apiguard.errors import UsageError
from apiguard.findings import Finding, Notification, Region
from apiguard.load import (
    JSON_SUFFIXES,
    YAML_SUFFIXES,
    Document,
    ParseProblem,
    parse_json,
    parse_yaml,
)
from apiguard.load_config import (
    CONFIG_KINDS,
    SYNTAX_NAMES,
    config_syntax,
    parse_config,
)
from apiguard.result import ScanResult
from apiguard.rules import Rule
from apiguard.secrets import redact_in
from apiguard.suppress import apply_suppressions, find_suppressions
from apiguard.target import ParsedDocument, ScanTarget, redact_snippets
from apiguard.text import BinaryContent, decode

if TYPE_CHECKING:
    from apiguard.models.routes.shared import SharedDocument

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
# Below this many files one process is faster than starting workers.
PARALLEL_THRESHOLD = 64
# ... or than this many bytes, where parsing and spec validation dominate.
PARALLEL_BYTES_THRESHOLD = 4 * 1024 * 1024
# Problems reported per file and code; the rest are counted in one message.
MAX_REPEATED_PROBLEMS = 5


@dataclass(frozen=True)
class ScanOptions:
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    jobs: int = 0
    """Worker processes; 0 picks one per CPU for large trees."""
    exclude: tuple[str, ...] = ()
    """Gitignore-style patterns of files not to scan, relative to the scan root."""
    validate_specs: bool = True
    config_exclude: tuple[str, ...] = ()
    """The configuration file's exclude patterns, relative to `config_dir`."""
    config_dir: Path | None = None
    cache_dir: Path | None = None
    """Folder of the content cache; None scans every file."""
    shared: tuple[SharedDocument, ...] | None = None
    """Documents that set defaults for other files' routes; None collects
    them from the scanned files."""


@dataclass
class FileOutcome:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    scanned: bool = False
    cache_key: str | None = None
    references: list[Reference] = field(default_factory=list)
    """Files that `$ref`s read, for the cache to check."""


ProgressCallback = Callable[[int, int], None]


def scan(
    paths: Sequence[Path],
    rules: Sequence[Rule],
    *,
    root: Path | None = None,
    options: ScanOptions | None = None,
    progress: ProgressCallback | None = None,
) -> ScanResult:
    """Scan `paths` with `rules` and return every finding and problem."""
    options = options or ScanOptions()
    started = time.perf_counter()
    root = (root or choose_root(paths)).resolve()
    discovery = discover(paths, root, excludes=_excludes(options, root))
    result = ScanResult(root=root, rules=list(rules))
    result.notifications.extend(discovery.notifications)
    candidates = discovery.candidates
    if options.shared is None and len(candidates) > 1 and _needs_shared(rules):
        options = replace(options, shared=_shared_documents(candidates, root, options))
    if options.cache_dir is None:
        outcomes = _scan_all(candidates, rules, root, options, None, progress)
        return _collect(result, outcomes, started)

    if has_tracked_files(options.cache_dir):
        raise UsageError(
            f"--cache-dir {options.cache_dir}: git tracks files in this folder, "
            "so a commit could plant scan results there; use a folder that git "
            "does not track, such as one outside the repository"
        )
    settings = {
        "max_file_size": options.max_file_size,
        "validate_specs": options.validate_specs,
        "shared": options.shared,
    }
    cache = ScanCache.open(options.cache_dir, rules, settings)
    hits, misses = _look_up(candidates, cache, root, options)
    log.info("cache: %d of %d files unchanged", len(hits), len(candidates))
    scanned = _scan_all(misses, rules, root, options, cache, progress)
    return _collect(result, chain(hits, _stored(scanned, cache)), started)


def with_shared_documents(
    paths: Sequence[Path], rules: Sequence[Rule], root: Path, options: ScanOptions
) -> ScanOptions:
    """Return `options` with the shared documents of every file below `paths`.

    A scan of the changed files only (`--diff-base`, `--staged`) reads the
    global settings of the unchanged files too, as a full scan would.
    """
    if not _needs_shared(rules):
        return options
    root = root.resolve()
    candidates = discover(paths, root, excludes=_excludes(options, root)).candidates
    return replace(options, shared=_shared_documents(candidates, root, options))


def _needs_shared(rules: Sequence[Rule]) -> bool:
    return any(kind in ("kong", "kubernetes") for rule in rules for kind in rule.kinds)


def _shared_documents(
    candidates: list[Candidate], root: Path, options: ScanOptions
) -> tuple[SharedDocument, ...]:
    """Collect the documents that set defaults for other files' routes.

    A file that cannot be read or parsed here adds nothing; its own scan
    reports the problem.
    """
    from apiguard.models.routes.shared import may_share, shared_part

    found: list[SharedDocument] = []
    for candidate in candidates:
        suffix = candidate.path.suffix.lower()
        if suffix not in YAML_SUFFIXES | JSON_SUFFIXES:
            continue
        data = _read_bytes(candidate, root, options, _ignore_note)
        if data is None or not may_share(data):
            continue
        try:
            text = decode(data).text
        except BinaryContent:
            continue
        target = ScanTarget(candidate.path, candidate.relpath, text)
        folder = posixpath.dirname(candidate.relpath)
        for parsed in _parse(target, suffix, _ignore_note):
            part = shared_part(parsed.kind, parsed.document.data)
            if part is not None:
                found.append((folder, candidate.relpath, parsed.kind, part))
    return tuple(found)


def _look_up(
    candidates: list[Candidate], cache: ScanCache, root: Path, options: ScanOptions
) -> tuple[list[FileOutcome], list[Candidate]]:
    """Split candidates into outcomes found in the cache and files to scan.

    A file that cannot be read here is left to the scan, which reports it.
    """
    hits: list[FileOutcome] = []
    misses: list[Candidate] = []
    for candidate in candidates:
        data = _read_bytes(candidate, root, options, _ignore_note)
        found = None
        if data is not None:
            found = cache.load(cache.key(candidate.relpath, data), root)
        if found is None:
            misses.append(candidate)
            continue
        hits.append(
            FileOutcome(found.findings, found.suppressed, found.notifications, True)
        )
    return hits, misses


def _ignore_note(*args: object, **kwargs: object) -> None:
    return None


def _stored(outcomes: Iterable[FileOutcome], cache: ScanCache) -> Iterator[FileOutcome]:
    """Store each complete outcome in the cache as it passes."""
    for outcome in outcomes:
        complete = outcome.scanned and not any(
            note.level == "error" for note in outcome.notifications
        )
        if complete and outcome.cache_key is not None:
            cached = CachedOutcome(
                outcome.findings, outcome.suppressed, outcome.notifications
            )
            cache.store(outcome.cache_key, cached, outcome.references)
        yield outcome


def scan_contents(
    contents: Sequence[tuple[str, str | bytes]],
    rules: Sequence[Rule],
    *,
    root: Path,
    options: ScanOptions | None = None,
) -> ScanResult:
    """Scan (relpath, content) pairs that are not read from the work tree.

    The content is, for example, a file's staged blob or its version in a
    commit. Bytes are decoded as files are, and `options.exclude` applies as
    in `scan`. Paths are relative to `root`, with forward slashes; `$ref`s to
    other files are read from the work tree below `root`.
    """
    options = options or ScanOptions()
    started = time.perf_counter()
    root = root.resolve()
    result = ScanResult(root=root, rules=list(rules))
    excludes = _excludes(options, root)
    outcomes = (
        scan_content(relpath, content, rules, root, options)
        for relpath, content in contents
        if not excludes.match(root / relpath)
    )
    return _collect(result, outcomes, started)


def _excludes(options: ScanOptions, root: Path) -> Excludes:
    groups = [
        (root, options.exclude),
        (options.config_dir or root, options.config_exclude),
    ]
    if options.cache_dir is not None:
        # A cache folder inside the scanned tree contains results, not sources.
        entries = options.cache_dir / f"v{CACHE_FORMAT}"
        groups.append((entries, ("*",)))
        groups.append((entries.resolve(), ("*",)))
    return Excludes(groups)


def _collect(
    result: ScanResult, outcomes: Iterable[FileOutcome], started: float
) -> ScanResult:
    for outcome in outcomes:
        result.findings.extend(outcome.findings)
        result.suppressed.extend(outcome.suppressed)
        result.notifications.extend(outcome.notifications)
        result.files_scanned += outcome.scanned

    result.findings.sort(key=lambda f: (f.path, f.region, f.rule_id))
    result.suppressed.sort(key=lambda f: (f.path, f.region, f.rule_id))
    result.duration_seconds = time.perf_counter() - started
    log.info(
        "scanned %d files in %.2fs: %d findings, %d problems",
        result.files_scanned,
        result.duration_seconds,
        len(result.findings),
        len(result.notifications),
    )
    return result


def _scan_all(
    candidates: list[Candidate],
    rules: Sequence[Rule],
    root: Path,
    options: ScanOptions,
    cache: ScanCache | None,
    progress: ProgressCallback | None,
) -> Iterator[FileOutcome]:
    jobs = options.jobs or (os.cpu_count() or 1)
    total = len(candidates)
    if jobs == 1 or total < 2 or not _worth_workers(candidates):
        for done, candidate in enumerate(candidates, 1):
            yield scan_file(candidate, rules, root, options, cache)
            if progress:
                progress(done, total)
        return

    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(64, total // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        outcomes = pool.map(
            _scan_file_star,
            [(candidate, rules, root, options, cache) for candidate in candidates],
            chunksize=chunk,
        )
        for done, outcome in enumerate(outcomes, 1):
            yield outcome
            if progress:
                progress(done, total)


def _worth_workers(candidates: list[Candidate]) -> bool:
    if len(candidates) >= PARALLEL_THRESHOLD:
        return True
    size = 0
    for candidate in candidates:
        try:
            size += candidate.path.stat().st_size
        except OSError:
            continue
        if size >= PARALLEL_BYTES_THRESHOLD:
            return True
    return False


def _scan_file_star(
    arguments: tuple[Candidate, Sequence[Rule], Path, ScanOptions, ScanCache | None],
) -> FileOutcome:
    return scan_file(*arguments)


def scan_file(
    candidate: Candidate,
    rules: Sequence[Rule],
    root: Path,
    options: ScanOptions,
    cache: ScanCache | None = None,
) -> FileOutcome:
    """Read, parse, classify and evaluate one file.

    With a cache, the outcome carries the key of the bytes read here, so
    that a file changed since the look-up is stored under its new content.
    """
    outcome = FileOutcome()
    note = _note_adder(outcome, candidate.relpath)

    data = _read_bytes(candidate, root, options, note)
    if data is None:
        return outcome
    if cache is not None:
        outcome.cache_key = cache.key(candidate.relpath, data)
    text = _decode_bytes(data, note)
    if text is None:
        return outcome
    target = ScanTarget(candidate.path, candidate.relpath, text)
    _evaluate(target, rules, root, options, outcome, note)
    outcome.references = target.references
    return outcome


def scan_content(
    relpath: str,
    content: str | bytes,
    rules: Sequence[Rule],
    root: Path,
    options: ScanOptions,
) -> FileOutcome:
    """Parse, classify and evaluate one file's content given in memory."""
    outcome = FileOutcome()
    note = _note_adder(outcome, relpath)

    data = content.encode("utf-8") if isinstance(content, str) else content
    if not _size_allowed(len(data), options, note):
        return outcome
    text = content if isinstance(content, str) else _decode_bytes(content, note)
    if text is None:
        return outcome
    target = ScanTarget(root / relpath, relpath, text)
    _evaluate(target, rules, root, options, outcome, note)
    return outcome


def _evaluate(
    target: ScanTarget,
    rules: Sequence[Rule],
    root: Path,
    options: ScanOptions,
    outcome: FileOutcome,
    note: NoteAdder,
) -> None:
    """Run the rules that apply to `target` and store the result in `outcome`."""
    applicable = [rule for rule in rules if _path_applies(rule, target.relpath)]
    target.shared = options.shared or ()

    suffix = target.path.suffix.lower()
    config = config_syntax(target.relpath, target.text)
    if config is not None and _needs_kind(applicable, config):
        target.documents = _parse(target, config, note)
        _add_models(target, applicable, root, options, note)
    elif suffix in YAML_SUFFIXES | JSON_SUFFIXES and _needs_parsing(applicable):
        target.documents = _parse(target, suffix, note)
        _add_models(target, applicable, root, options, note)

    kinds = target.kinds | {TEXT_KIND}
    ran = [
        rule
        for rule in applicable
        if not kinds.isdisjoint(rule.kinds) and kinds.isdisjoint(rule.exclude_kinds)
    ]
    findings: list[Finding] = []
    for rule in ran:
        findings.extend(_run_rule(rule, target, note))
    findings = redact_snippets(target, findings)

    suppressions = find_suppressions(target)
    if suppressions:
        ran_ids = {rule.id for rule in ran}
        split = apply_suppressions(findings, suppressions, target.relpath, ran_ids)
        findings = split.kept
        outcome.suppressed = split.suppressed
        outcome.notifications.extend(split.notifications)
    outcome.findings = findings
    _hide_found_secrets(target, outcome)
    outcome.scanned = True


def _hide_found_secrets(target: ScanTarget, outcome: FileOutcome) -> None:
    """Redact every secret that a rule found in the file from every message.

    Snippets hide them already, but messages quote values too: a server URL
    with a password in it, a duplicate key, a rule's error, a suppression's
    reason.
    """
    if not target.secrets:
        return
    secrets = sorted({secret for _, secret in target.secrets}, key=len, reverse=True)

    def hide(text: str) -> str:
        for secret in secrets:
            text = redact_in(text, secret)
        return text

    def hide_in_finding(finding: Finding) -> Finding:
        reason = None if finding.suppression is None else hide(finding.suppression)
        return replace(finding, message=hide(finding.message), suppression=reason)

    outcome.findings = [hide_in_finding(finding) for finding in outcome.findings]
    outcome.suppressed = [hide_in_finding(finding) for finding in outcome.suppressed]
    outcome.notifications = [
        replace(notification, message=hide(notification.message))
        for notification in outcome.notifications
    ]


NoteAdder = Callable[..., None]


def _note_adder(outcome: FileOutcome, relpath: str) -> NoteAdder:
    counts: dict[str, int] = {}

    def add(code: str, level: str, message: str, region: Region | None = None) -> None:
        counts[code] = counts.get(code, 0) + 1
        if counts[code] > MAX_REPEATED_PROBLEMS:
            return
        if counts[code] == MAX_REPEATED_PROBLEMS:
            message += f" (further {code} problems in this file are not listed)"
        outcome.notifications.append(
            Notification(code, level, message, relpath, region)  # type: ignore[arg-type]
        )

    return add


def _read_bytes(
    candidate: Candidate, root: Path, options: ScanOptions, note: NoteAdder
) -> bytes | None:
    path = candidate.path
    try:
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                note("broken-symlink", "warning", "not scanned: broken symbolic link")
                return None
            if not target.is_relative_to(root):
                note(
                    "symlink-outside-root",
                    "warning",
                    f"not scanned: symbolic link to {text_path(str(target))}, "
                    "outside the scan root",
                )
                return None
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            note("not-a-file", "warning", "not scanned: not a regular file")
            return None
        if not _size_allowed(status.st_size, options, note):
            return None
        return path.read_bytes()
    except (OSError, RuntimeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        note("unreadable-file", "error", f"cannot read file: {reason}")
        return None


def _size_allowed(size: int, options: ScanOptions, note: NoteAdder) -> bool:
    if size <= options.max_file_size:
        return True
    note(
        "file-too-large",
        "warning",
        f"not scanned: {size} bytes is over the {options.max_file_size}-byte "
        "limit; raise --max-file-size to scan it",
    )
    return False


def _decode_bytes(data: bytes, note: NoteAdder) -> str | None:
    try:
        decoded = decode(data)
    except BinaryContent:
        note("binary-file", "note", "not scanned: binary file (contains NUL bytes)")
        return None
    if decoded.replaced:
        note(
            "invalid-encoding",
            "warning",
            f"invalid {decoded.encoding} byte sequences were replaced; "
            "findings on those lines may be missed",
        )
    return decoded.text


@cache
def _compiled_globs(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _path_applies(rule: Rule, relpath: str) -> bool:
    if rule.paths and not _compiled_globs(rule.paths).match_file(relpath):
        return False
    return not (
        rule.exclude_paths and _compiled_globs(rule.exclude_paths).match_file(relpath)
    )


def _needs_parsing(rules: Sequence[Rule]) -> bool:
    """Return whether some rule depends on the file's documents or their kinds."""
    return any(
        rule.match_type == "query"
        or rule.exclude_kinds
        or set(rule.kinds) - {TEXT_KIND}
        for rule in rules
    )


def _needs_kind(rules: Sequence[Rule], kind: str) -> bool:
    """Return whether some rule runs on, or skips, documents of `kind`."""
    return any(kind in rule.kinds or kind in rule.exclude_kinds for rule in rules)


def _parse(target: ScanTarget, suffix: str, note: NoteAdder) -> list[ParsedDocument]:
    """Parse by suffix (`.json`, else YAML), or as the config kind `suffix` names."""
    syntax = "json" if suffix in JSON_SUFFIXES else "yaml"
    if suffix in CONFIG_KINDS:
        syntax = suffix
        results: list[Document | ParseProblem] = parse_config(suffix, target.text)
    elif syntax == "json":
        results = [parse_json(target.text)]
    else:
        results = list(parse_yaml(target.text))

    parsed: list[ParsedDocument] = []
    for item in results:
        if isinstance(item, ParseProblem):
            region = None
            if item.line is not None:
                region = Region(item.line, item.column, item.line, item.column)
            note(
                "parse-error",
                "warning",
                f"invalid {SYNTAX_NAMES[syntax]}: {item.message}; only text rules ran "
                "on this file",
                region,
            )
            continue
        for key, region in item.duplicate_keys:
            note(
                "duplicate-key",
                "warning",
                f"duplicate key {key!r}: the last value is used; remove the others",
                region,
            )
        parsed.append(ParsedDocument(item, classify(item.data, syntax)))
    return parsed


def _add_models(
    target: ScanTarget,
    rules: Sequence[Rule],
    root: Path,
    options: ScanOptions,
    note: NoteAdder,
) -> None:
    from apiguard.models.registry import MODELS

    wanted = {
        kind
        for rule in rules
        if rule.match_type == "query" and rule.match.get("on") == "model"
        for kind in rule.kinds
    }
    for parsed in target.documents:
        builder = MODELS.get(parsed.kind)
        if builder is None:
            continue
        if parsed.kind == "openapi" and options.validate_specs:
            _validate_spec(parsed, note)
        if parsed.kind in wanted:
            parsed.model = builder(parsed, target, root, note)


def _validate_spec(parsed: ParsedDocument, note: NoteAdder) -> None:
    from apiguard.validate_openapi import validate_openapi

    for error in validate_openapi(parsed.document.data):
        region = parsed.document.locate(error.pointer)
        note(
            "invalid-openapi",
            "warning",
            f"OpenAPI document is not valid: {error.message}; it was scanned anyway",
            region,
        )


def _run_rule(rule: Rule, target: ScanTarget, note: NoteAdder) -> list[Finding]:
    from apiguard.matchers import MATCHERS

    try:
        return list(MATCHERS[rule.match_type].run(rule, target))
    except (ValueError, TypeError, KeyError, IndexError, RecursionError) as error:
        # The traceback goes without the error's text, which can quote the
        # file; the notification's text is redacted once all rules ran.
        log.debug(
            "rule %s failed on %s (%s):\n%s",
            rule.id,
            target.relpath,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        note(
            "rule-failed",
            "error",
            f"rule {rule.id} failed on this file ({type(error).__name__}: {error}); "
            "its findings here are missing",
        )
        return []
