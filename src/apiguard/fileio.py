"""Write output files so an interrupted run never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from apiguard.errors import UsageError


def write_atomically(path: Path, content: str, *, what: str = "report") -> None:
    """Write to a temporary file beside `path`, then rename it over `path`.

    A device or pipe such as /dev/null is written in place: renaming a file
    over it would replace the device for every program on the machine.
    Raise UsageError, naming `what` was being written, when it fails.
    """
    if path.exists() and not path.is_file():
        _write_in_place(path, content, what)
        return

    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise UsageError(
            f"{path}: cannot write {what}: {error.strerror}; "
            "check that the folder exists and is writable"
        ) from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write {what}: {error.strerror}") from error


def _write_in_place(path: Path, content: str, what: str) -> None:
    try:
        with path.open("w", encoding="utf-8") as stream:
            stream.write(content)
    except OSError as error:
        raise UsageError(f"{path}: cannot write {what}: {error.strerror}") from error
