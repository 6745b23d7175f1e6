"""An httpx transport that decides where each connection goes, and refuses some.

httpx resolves and connects inside httpcore's network backend, so the checks live
there: `GuardedBackend.connect_tcp` applies the connect-to override, or resolves the
host itself, rejects non-public addresses and connects to the address it checked.
Connecting to the checked address, not the name, means a DNS answer that changes
between the check and the connect (DNS rebinding) cannot slip through. The URL, the
`Host` header and TLS SNI and certificate checks keep the original host name.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from pathlib import Path

import certifi
import httpcore
import httpx

from scanner.errors import ConfigurationError, ErrorKind, FetchError
from scanner.net.addresses import is_public_address, parse_ip_literal
from scanner.net.failures import translate
from scanner.net.resolver import Resolver
from scanner.settings import ConnectToRule

logger = logging.getLogger(__name__)


def build_ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """Return a client context trusting certifi's CAs plus those in `ca_bundle`.

    Raises:
        ConfigurationError: `ca_bundle` contains no PEM certificate.
    """
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(ca_bundle))
        except ssl.SSLError as exc:
            raise ConfigurationError(
                f"SCANNER_CA_BUNDLE={str(ca_bundle)!r} has no usable PEM "
                f"certificate ({exc.reason}); point it at a PEM file of CA "
                "certificates"
            ) from exc
    return context


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Open TCP connections only to allowed addresses.

    Args:
        resolver: turns host names into addresses.
        connect_to: overrides, in order; the first rule matching host and port
            sends the connection to its target, which is trusted and not checked.
        allow_private_addresses: skip the public-address check.
        inner: the backend that opens sockets; tests pass a recording one.
    """

    def __init__(
        self,
        resolver: Resolver,
        *,
        connect_to: Iterable[ConnectToRule] = (),
        allow_private_addresses: bool = False,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.resolver = resolver
        self.connect_to = tuple(connect_to)
        self.allow_private_addresses = allow_private_addresses
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to `host`, or its override target, after checking its addresses.

        Raises:
            FetchError: kind `private_address` before any connection is opened,
                or kind `dns` when the name cannot be resolved.
            httpcore.ConnectError: no address accepted the connection.
        """
        for rule in self.connect_to:
            if rule.matches(host.rstrip("."), port):
                logger.debug(
                    "connecting %s:%s to %s:%s by override",
                    host,
                    port,
                    rule.target_host,
                    rule.target_port,
                )
                return await self.inner.connect_tcp(
                    rule.target_host,
                    rule.target_port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )

        addresses = await self._addresses(host, port, timeout)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError(
            f"Unix socket {path} is not a scan target", kind=ErrorKind.INVALID_URL
        )

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)

    async def _addresses(
        self, host: str, port: int, connect_timeout: float | None
    ) -> list[str]:
        literal = parse_ip_literal(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                async with asyncio.timeout(connect_timeout):
                    addresses = await self.resolver.resolve(host, port)
            except TimeoutError:
                raise httpcore.ConnectTimeout(
                    f"DNS lookup of {host} timed out"
                ) from None
        if not self.allow_private_addresses:
            for address in addresses:
                check_public(host, address)
        return addresses


def check_public(host: str, address: str) -> None:
    """Raise unless `address`, found for `host`, is a public address.

    Raises:
        FetchError: kind `private_address`, naming the host and the address.
    """
    if is_public_address(address):
        return
    raise FetchError(
        f"{host} resolves to {address}, which is not a public address; "
        "set SCANNER_ALLOW_PRIVATE_ADDRESSES=true to scan private networks",
        kind=ErrorKind.PRIVATE_ADDRESS,
        retryable=False,
    )


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool that uses a `GuardedBackend`.

    Exceptions leave it as `FetchError`, from the request and from the body
    stream alike.
    """

    def __init__(
        self,
        backend: httpcore.AsyncNetworkBackend,
        ssl_context: ssl.SSLContext,
        *,
        max_connections: int = 200,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 4,
            keepalive_expiry=keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through the pool and return the streamed response."""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        url = str(request.url)
        try:
            core_response = await self._pool.handle_async_request(core_request)
        except Exception as exc:
            error = translate(exc, url)
            if error is exc:
                raise
            raise error from exc
        assert isinstance(core_response.stream, AsyncIterable)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream, url),
            extensions=core_response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes], url: str) -> None:
        self._stream = stream
        self._url = url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            error = translate(exc, self._url)
            if error is exc:
                raise
            raise error from exc

    async def aclose(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            await closer()
