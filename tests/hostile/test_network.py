"""The session's socket guard: only loopback addresses may be connected to."""

from __future__ import annotations

import socket

import pytest

from hostile.support import LoopbackServer

OTHER_ADDRESSES = [
    ("192.0.2.1", 80),
    ("198.51.100.7", 443),
    ("8.8.8.8", 53),
    ("example.com", 80),
    ("::ffff:192.0.2.1", 80),
]


@pytest.mark.parametrize("address", OTHER_ADDRESSES, ids=str)
def test_create_connection_blocked(address: tuple[str, int]) -> None:
    with pytest.raises(RuntimeError, match="may not connect"):
        socket.create_connection(address, timeout=1)


def test_socket_connect_blocked() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(RuntimeError, match="may not connect"):
            sock.connect(("192.0.2.1", 80))
        with pytest.raises(RuntimeError, match="may not connect"):
            sock.connect_ex(("192.0.2.1", 80))


def test_ipv6_connect_blocked() -> None:
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock,
        pytest.raises(RuntimeError, match="may not connect"),
    ):
        sock.connect(("2001:db8::1", 443, 0, 0))


def test_loopback_allowed() -> None:
    server = LoopbackServer()
    with server.running():
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        connection.sendall(b"GET /probe HTTP/1.0\r\n\r\n")
        connection.recv(1024)
        connection.close()

    assert len(server.connections) == 1
    assert server.requests == ["/probe"]
