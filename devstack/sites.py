"""Serve the fixture sites over HTTP and HTTPS on 127.0.0.1, one virtual host each.

Each site is a `site.json` route table (format in tests/fixtures/README.md). The
`Host` header picks the site. Over TLS, a certificate for the SNI name is issued on
first use from a throwaway `trustme` CA, so any host name verifies against
`ca_pem_path`. Every response closes its connection, which keeps the server simple
and lets a client see hostile behaviours (endless bodies, resets) one request at a
time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import tempfile
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import trustme

from devstack.site_responses import reset_connection, send_route, send_simple

logger = logging.getLogger(__name__)

DEFAULT_SITES_DIR = Path(__file__).resolve().parent.parent / "tests/fixtures/sites"
_MAX_REQUEST_HEAD = 64 * 1024
_DISCONNECTS = (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError)


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request head."""

    method: str
    target: str
    host: str
    headers: Mapping[str, str]

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass
class Site:
    """One virtual host: its routes and the folder its `file` entries live in."""

    host: str
    routes: dict[str, dict[str, Any]]
    files_dir: Path | None = None
    _cache: dict[str, bytes] = field(default_factory=dict)

    def route_for(self, target: str) -> dict[str, Any] | None:
        """Return the route for `target`, matched with its query string first."""
        route = self.routes.get(target)
        if route is None:
            route = self.routes.get(target.split("?", 1)[0])
        return route

    def body_of(self, route: Mapping[str, Any]) -> bytes:
        """Return the stored body of a route: inline `body`, then `file`, else empty."""
        inline = route.get("body")
        if isinstance(inline, str):
            return inline.encode("utf-8")
        if isinstance(inline, bytes):
            return inline
        name = route.get("file")
        if not name:
            return b""
        if name not in self._cache:
            path = Path(name)
            if not path.is_absolute() and self.files_dir is not None:
                path = self.files_dir / name
            self._cache[name] = path.read_bytes()
        return self._cache[name]


class SiteServer:
    """Serve fixture sites on ephemeral 127.0.0.1 ports, HTTP and HTTPS.

    A request for a host without a site gets 421 Misdirected Request, and a path
    without a route gets 404 with an empty body.

    Args:
        sites_dir: folder of `<host>/site.json` sites; default the test fixtures.
            A folder that does not exist gives a server with no sites.
        latency: seconds to wait before each response, as simulated network delay.
    """

    def __init__(self, sites_dir: Path | None = None, *, latency: float = 0.0) -> None:
        self.latency = latency
        self._sites: dict[str, Site] = {}
        self._counts: Counter[str] = Counter()
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._host_contexts: dict[str, ssl.SSLContext] = {}
        self._ca = trustme.CA()
        self._tempdir = tempfile.TemporaryDirectory(prefix="sites-ca-")
        self._ca_pem = Path(self._tempdir.name) / "ca.pem"
        self._ca.cert_pem.write_to_path(str(self._ca_pem))
        self._http_port: int | None = None
        self._https_port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._load_dir(DEFAULT_SITES_DIR if sites_dir is None else sites_dir)

    @property
    def http_port(self) -> int:
        return _started(self._http_port)

    @property
    def https_port(self) -> int:
        return _started(self._https_port)

    @property
    def ca_pem_path(self) -> str:
        """Path of the PEM file of the CA that signs every site certificate."""
        return str(self._ca_pem)

    @property
    def connect_to(self) -> str:
        """Override in curl `--connect-to` form that sends ports 443 and 80 here."""
        return f":443:127.0.0.1:{self.https_port};:80:127.0.0.1:{self.http_port}"

    @property
    def hosts(self) -> list[str]:
        return sorted(self._sites)

    def add_site(
        self,
        host: str,
        routes: Mapping[str, Mapping[str, Any]],
        *,
        files_dir: Path | None = None,
    ) -> None:
        """Add or replace a site; `file` entries resolve against `files_dir`."""
        key = _normalize_host(host)
        table = {path: dict(route) for path, route in routes.items()}
        self._sites[key] = Site(key, table, files_dir)

    def request_count(self, host: str) -> int:
        """Return how many requests reached `host` since the server was built."""
        return self._counts[_normalize_host(host)]

    async def start(self) -> None:
        """Listen on two ephemeral ports of 127.0.0.1, plain HTTP and HTTPS."""
        plain = await asyncio.start_server(
            self._plain_connection, "127.0.0.1", 0, backlog=1024
        )
        tls = await asyncio.start_server(
            self._tls_connection,
            "127.0.0.1",
            0,
            ssl=self._server_context(),
            backlog=1024,
        )
        self._servers = [plain, tls]
        self._http_port = plain.sockets[0].getsockname()[1]
        self._https_port = tls.sockets[0].getsockname()[1]
        logger.info(
            "site server listening on http %s and https %s with %s sites",
            self._http_port,
            self._https_port,
            len(self._sites),
        )

    async def stop(self) -> None:
        """Stop listening and end every open connection."""
        self._stopping = True
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers = []
        self._stopping = False

    async def __aenter__(self) -> SiteServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def start_in_thread(self) -> None:
        """Run the server on its own event loop in a daemon thread."""
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="site-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    def stop_thread(self) -> None:
        """Stop a server started with `start_in_thread` and wait for its thread."""
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop = None
        self._thread = None

    def _load_dir(self, sites_dir: Path) -> None:
        if not sites_dir.is_dir():
            return
        for site_file in sorted(sites_dir.glob("*/site.json")):
            spec = json.loads(site_file.read_text(encoding="utf-8"))
            host = spec.get("host") or site_file.parent.name
            self.add_site(host, spec["routes"], files_dir=site_file.parent / "files")

    def _server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        context.sni_callback = self._select_certificate
        return context

    def _select_certificate(
        self, connection: ssl.SSLObject, server_name: str | None, _: ssl.SSLContext
    ) -> None:
        # trustme issues ECDSA leaves, which are cheap enough to create inside the
        # handshake on the event loop of a test server.
        if not server_name:
            return
        name = server_name.lower()
        context = self._host_contexts.get(name)
        if context is None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            try:
                self._ca.issue_cert(name).configure_cert(context)
            except ValueError as exc:
                # Keep the default localhost certificate, which the client rejects.
                logger.warning("cannot issue a certificate for %r: %s", name, exc)
                return
            self._host_contexts[name] = context
        connection.context = context

    async def _plain_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await self._serve(reader, writer)

    async def _tls_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await self._serve(reader, writer)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            request = await _read_request(reader)
            if request is not None:
                await self._respond(request, reader, writer)
        except _DISCONNECTS:
            logger.debug("client closed the connection early")
        except asyncio.CancelledError:
            # Python 3.11's stream callback calls task.exception() on its handler
            # task, which raises for a cancelled task, so a handler ended by
            # stop() returns normally instead.
            if not self._stopping:
                raise
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _respond(
        self,
        request: Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self._counts[request.host] += 1
        if self.latency > 0:
            await asyncio.sleep(self.latency)

        site = self._sites.get(request.host)
        if site is None:
            await send_simple(writer, request, 421, b"unknown host\n")
            return
        route = site.route_for(request.target)
        if route is None:
            await send_simple(writer, request, 404, b"")
            return
        behavior = route.get("behavior")
        if behavior == "hang":
            await reader.read()
        elif behavior == "reset":
            reset_connection(writer)
        else:
            await send_route(writer, request, route, site.body_of(route))


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    if len(head) > _MAX_REQUEST_HEAD:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    method, target, _ = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "0")
    if length.isdigit() and int(length) > 0:
        await reader.readexactly(int(length))
    if target.startswith(("http://", "https://")):
        # Absolute-form target (a proxy-style request): the authority names the host.
        authority = target.split("/", 3)[2]
        headers.setdefault("host", authority)
        target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
    host = _normalize_host(headers.get("host", ""))
    return Request(method.upper(), target, host, headers)


def _normalize_host(value: str) -> str:
    host = value.strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _started(port: int | None) -> int:
    if port is None:
        raise RuntimeError("SiteServer is not started; call start() first")
    return port
