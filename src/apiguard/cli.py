"""The `apiguard` command line: a click group of the commands in COMMANDS."""

from __future__ import annotations

import click

from apiguard import __version__
from apiguard.commands import COMMANDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="apiguard")
def cli() -> None:
    """Find API security gaps: secrets, plain HTTP, auth, rate limits, logging."""


for command in COMMANDS:
    cli.add_command(command)


def main() -> None:
    cli(prog_name="apiguard")
