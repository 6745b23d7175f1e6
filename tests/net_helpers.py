"""Servers, backends and settings shared by the fetching tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import httpcore

from devstack.sites import SiteServer
from scanner.settings import FetchLimits, Settings, parse_connect_to

FAST_LIMITS = FetchLimits(
    connect_timeout=2.0,
    read_timeout=1.0,
    total_timeout=2.0,
    max_redirects=10,
    max_body_bytes=1024 * 1024,
    max_decoded_bytes=2 * 1024 * 1024,
)


def local_settings(server: SiteServer, **overrides: Any) -> Settings:
    """Return settings that reach `server` for every host, private addresses on."""
    values: dict[str, Any] = {
        "limits": FAST_LIMITS,
        "allow_private_addresses": True,
        "connect_to": parse_connect_to(server.connect_to),
        "ca_bundle": Path(server.ca_pem_path),
    }
    values.update(overrides)
    return Settings().with_overrides(**values)


def plain_settings(port: int, **overrides: Any) -> Settings:
    """Return settings that send every plain-HTTP host to 127.0.0.1:`port`."""
    values: dict[str, Any] = {
        "limits": FAST_LIMITS,
        "allow_private_addresses": True,
        "connect_to": parse_connect_to(f":80:127.0.0.1:{port}"),
        "schemes": ("http",),
    }
    values.update(overrides)
    return Settings().with_overrides(**values)


def closed_port() -> int:
    """Return a loopback port that nothing listens on, so connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Record every connect call; open real sockets only to loopback addresses.

    A call for any other address fails without sending a packet, so a test can
    prove which address the fetcher chose without touching the network.
    """

    LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.calls.append((host, port))
        if host not in self.LOOPBACK:
            raise httpcore.ConnectError(f"test backend does not dial {host}")
        return await self._real.connect_tcp(
            host,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class RawServer:
    """A plain TCP server on 127.0.0.1 that records connections and request heads.

    `respond` writes the response to each request head. Without one, a
    connection is accepted and closed at once, which is enough to count accepts.
    """

    def __init__(
        self,
        respond: Callable[[bytes, asyncio.StreamWriter], Awaitable[None]] | None = None,
    ) -> None:
        self.accepts = 0
        self.heads: list[bytes] = []
        self.active = 0
        self.max_active = 0
        self._respond = respond
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.accepts += 1
        try:
            if self._respond is not None:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                await self._respond(head, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def html_response(body: bytes = b"<html><title>ok</title></html>") -> bytes:
    """Return a complete HTTP/1.1 200 text/html response that closes the connection."""
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def header_value(head: bytes, name: str) -> str | None:
    """Return the value of header `name` in a raw request head, or None."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name.lower():
            return value.strip()
    return None
