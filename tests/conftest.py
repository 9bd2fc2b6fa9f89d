"""Shared fixtures: real git repositories made in temporary folders.

Every test runs with outgoing connections limited to loopback addresses.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests_support import git


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Return a function that writes files into a new git repository."""

    def make(files: dict[str, str]) -> Path:
        repo = tmp_path / "repo"
        repo.mkdir(exist_ok=True)
        git(repo, "init", "-q", "-b", "main")
        for name, content in files.items():
            path = repo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        return repo

    return make


class NetworkBlocked(RuntimeError):
    """Raised for a connection to an address that is not loopback.

    It is not an OSError, so code that handles network errors cannot hide it.
    """


def is_loopback(address: Any) -> bool:
    """Return whether a socket address is loopback; a Unix socket path is local."""
    if not isinstance(address, tuple):
        return True
    host = str(address[0]).strip("[]")
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture(autouse=True, scope="session")
def loopback_only() -> Iterator[None]:
    """Make connections to addresses other than loopback raise NetworkBlocked."""
    connect = socket.socket.connect
    connect_ex = socket.socket.connect_ex
    create_connection = socket.create_connection

    def check(address: Any) -> None:
        if not is_loopback(address):
            raise NetworkBlocked(f"tests may not connect to {address!r}")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        check(address)
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return connect_ex(self, address)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        check(address)
        return create_connection(address, *args, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(socket.socket, "connect", guarded_connect)
    patch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    patch.setattr(socket, "create_connection", guarded_create_connection)
    yield
    patch.undo()
