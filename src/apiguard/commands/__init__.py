"""The subcommands of `apiguard`, one module each, listed in COMMANDS."""

from __future__ import annotations

import click

from apiguard.commands.baseline import baseline
from apiguard.commands.rules import rules
from apiguard.commands.scan import scan

COMMANDS: list[click.Command] = [scan, baseline, rules]
