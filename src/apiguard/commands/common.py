"""Helpers that every command shares: logging set-up, errors, file output."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import click

from apiguard.errors import EXIT_INTERRUPTED, ApiguardError

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
