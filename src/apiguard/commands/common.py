"""Helpers that every command shares: logging set-up, errors, file output."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from apiguard.errors import EXIT_INTERRUPTED, ApiguardError, UsageError

log = logging.getLogger(__name__)


def configure_logging(verbosity: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("apiguard: %(levelname)s: %(message)s"))
    package_logger = logging.getLogger("apiguard")
    package_logger.addHandler(handler)
    package_logger.setLevel(level)


def guarded(run: Callable[[], int], verbose: int) -> int:
    """Run a command body; turn apiguard's errors into messages and exit codes."""
    try:
        return run()
    except ApiguardError as error:
        if verbose:
            log.exception("stopped")
        click.echo(f"apiguard: error: {error}", err=True)
        return error.exit_code
    except KeyboardInterrupt:
        click.echo("apiguard: interrupted", err=True)
        return EXIT_INTERRUPTED


def write_atomically(path: Path, content: str) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{path.name}.", suffix=".tmp"
        )
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except OSError as error:
        raise UsageError(f"{path}: cannot write report: {error.strerror}") from error
