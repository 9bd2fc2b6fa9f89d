"""The exceptions that carry a message for the user, and the exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class ApiguardError(Exception):
    """An error whose message is written for the user; the CLI exits with 2."""

    exit_code = EXIT_ERROR


class UsageError(ApiguardError):
    """A command line that cannot run: a missing path, a bad option value."""


class RuleError(ApiguardError):
    """A rule file that is not valid: the scan does not start."""


class ConfigError(ApiguardError):
    """A configuration file that is not valid: the scan does not start."""
