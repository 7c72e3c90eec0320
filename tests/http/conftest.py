"""Fixtures for the aggregator's tests against real HTTP servers on the loopback interface.

Every server listens on 127.0.0.1 with a port the kernel picks, so tests run in
parallel (xdist) without clashing, and nothing leaves the machine.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aggregator_fixtures import Aggregation, RawServer

Handler = Callable[[socket.socket, threading.Event], None]


@pytest.fixture
def setup(tmp_path: Path) -> Aggregation:
    return Aggregation(tmp_path)


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    # Loopback only, and a port of the kernel's choosing for each xdist worker.
    return "127.0.0.1", 0


@pytest.fixture
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    """Start raw servers with a connection handler; all are closed after the test."""
    servers: list[RawServer] = []

    def start(handle: Handler) -> RawServer:
        server = RawServer(handle)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
