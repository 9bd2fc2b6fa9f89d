"""Helpers that every command shares: logging set-up, errors, file output."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable

import click

from apiguard.errors import EXIT_ERROR, EXIT_INTERRUPTED, ApiguardError

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
    except Exception as error:
        # A crash must not exit with 1, which reads as findings. The error's
        # text is left out because it can quote a scanned value.
        log.debug(
            "internal error (%s):\n%s",
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        click.echo(
            f"apiguard: internal error ({type(error).__name__}): the scan cannot "
            "be trusted; rerun with -vv for the traceback and report it",
            err=True,
        )
        return EXIT_ERROR
