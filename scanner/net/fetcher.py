"""Fetch URLs with the scan's limits: redirects, deadlines, byte caps and checks.

One `Fetcher` is built per worker process and shared by its activities, so its
connection pool and per-host limits span every scan the process runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from scanner.errors import ErrorKind, FetchError
from scanner.net.addresses import is_public_address, parse_ip_literal
from scanner.net.failures import translate
from scanner.net.limiter import HostLimiter
from scanner.net.resolver import Resolver, SystemResolver
from scanner.net.responses import FetchResponse, StreamedResponse
from scanner.net.robots import RobotsTxt
from scanner.net.transport import GuardedBackend, GuardedTransport, build_ssl_context
from scanner.settings import Settings

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_LANGUAGE = "en;q=0.9,*;q=0.5"
# Only encodings `ContentDecoder` can undo under a size cap.
ACCEPT_ENCODING = "gzip, deflate"


class Fetcher:
    """Fetch pages for scans, with the limits and checks of `settings`.

    Args:
        settings: user agent, limits, schemes, trust and address settings.
        resolver: resolves host names; default the system resolver.
        network_backend: opens sockets under the address checks; tests pass a
            recording backend to prove that a refused address was never dialled.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.settings = settings
        self.limits = settings.limits
        self._host_limiter = HostLimiter(settings.limits.per_host_concurrency)
        backend = GuardedBackend(
            resolver or SystemResolver(),
            connect_to=settings.connect_to,
            allow_private_addresses=settings.allow_private_addresses,
            inner=network_backend,
        )
        transport = GuardedTransport(backend, build_ssl_context(settings.ca_bundle))
        self._client = httpx.AsyncClient(
            transport=transport,
            headers=self.request_headers,
            timeout=httpx.Timeout(
                connect=self.limits.connect_timeout,
                read=self.limits.read_timeout,
                write=self.limits.read_timeout,
                pool=self.limits.total_timeout,
            ),
            follow_redirects=False,
            trust_env=False,
        )

    @property
    def request_headers(self) -> dict[str, str]:
        """Headers sent with every request, the same for every step of a scan."""
        return {
            "User-Agent": self.settings.user_agent,
            "Accept": ACCEPT,
            "Accept-Language": ACCEPT_LANGUAGE,
            "Accept-Encoding": ACCEPT_ENCODING,
        }

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    @asynccontextmanager
    async def open(
        self, url: str, *, max_bytes: int, max_decoded_bytes: int
    ) -> AsyncIterator[StreamedResponse]:
        """Send GET `url`, follow redirects and yield the final response unread.

        The body is read from the yielded response inside the block, and the
        connection and the host's concurrency slot are released when it ends.
        The `limits.total_timeout` deadline starts when the first request gets
        its host slot and bounds every network wait, the body included. Time
        queued behind other requests to the same host is not counted.

        Raises:
            FetchError: kind `too_many_redirects`, `invalid_url`,
                `private_address`, `timeout`, `dns`, `connect`, `tls` or
                `protocol`; the response's `iter_bytes` raises `too_large`.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline: float | None = None
        chain: list[str] = []
        current = url
        async with AsyncExitStack() as hop:
            while True:
                self._check_url(current)
                await hop.enter_async_context(self._host_limiter.slot(_host(current)))
                if deadline is None:
                    # The deadline starts once the first request may go out, so
                    # time spent queued behind the same host does not count.
                    deadline = loop.time() + self.limits.total_timeout
                response = await self._send(current, deadline)
                hop.push_async_callback(response.aclose)
                target = _redirect_target(response, current)
                if target is None:
                    break
                await hop.aclose()
                chain.append(current)
                self._check_redirect(url, chain, target)
                current = target

            elapsed_ms = round((loop.time() - started) * 1000)
            logger.info(
                "fetched %s: HTTP %s, final URL %s, %d ms",
                url,
                response.status_code,
                current,
                elapsed_ms,
            )
            yield StreamedResponse(
                url=url,
                final_url=current,
                status_code=response.status_code,
                headers=response.headers,
                redirect_chain=chain,
                elapsed_ms=elapsed_ms,
                max_bytes=max_bytes,
                max_decoded_bytes=max_decoded_bytes,
                deadline=deadline,
                total_timeout=self.limits.total_timeout,
                _raw=response,
            )

    async def fetch(
        self,
        url: str,
        *,
        max_bytes: int | None = None,
        max_decoded_bytes: int | None = None,
    ) -> FetchResponse:
        """Fetch `url` and read the whole body, whatever the status.

        Raises:
            FetchError: as `open` and `StreamedResponse.iter_bytes` do.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with self.open(
            url,
            max_bytes=max_bytes or self.limits.max_body_bytes,
            max_decoded_bytes=max_decoded_bytes or self.limits.max_decoded_bytes,
        ) as response:
            body = await response.read()
        return FetchResponse(
            url=url,
            final_url=response.final_url,
            status_code=response.status_code,
            headers=response.headers,
            redirect_chain=response.redirect_chain,
            elapsed_ms=round((loop.time() - started) * 1000),
            body=body,
            content_type=response.content_type,
        )

    async def fetch_robots(self, origin: str) -> RobotsTxt:
        """Fetch and parse `{origin}/robots.txt`, as `scanner.net.homepage` does."""
        from scanner.net.homepage import fetch_robots

        return await fetch_robots(self, origin)

    async def fetch_homepage(self, domain: str) -> FetchResponse:
        """Fetch the homepage of a canonical domain, as `scanner.net.homepage` does."""
        from scanner.net.homepage import fetch_homepage

        return await fetch_homepage(self, domain)

    async def _send(self, url: str, deadline: float) -> httpx.Response:
        try:
            async with asyncio.timeout_at(deadline):
                request = self._client.build_request("GET", url)
                return await self._client.send(request, stream=True)
        except TimeoutError:
            raise FetchError(
                f"fetching {url} took longer than the total timeout of "
                f"{self.limits.total_timeout:g} s",
                kind=ErrorKind.TIMEOUT,
                url=url,
            ) from None
        except Exception as exc:
            error = translate(exc, url)
            if error is exc:
                raise
            raise error from exc

    def _check_url(self, url: str) -> None:
        """Raise unless `url` is http or https and its host is allowed."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
            raise FetchError(
                f"cannot fetch {url!r}: only http and https URLs with a host "
                "are scanned",
                kind=ErrorKind.INVALID_URL,
                url=url,
                retryable=False,
            )
        literal = parse_ip_literal(parts.hostname)
        if self.settings.allow_private_addresses or literal is None:
            return
        if not is_public_address(literal):
            raise FetchError(
                f"{url} names {literal}, which is not a public address; set "
                "SCANNER_ALLOW_PRIVATE_ADDRESSES=true to scan private networks",
                kind=ErrorKind.PRIVATE_ADDRESS,
                url=url,
                retryable=False,
            )

    def _check_redirect(self, url: str, chain: list[str], target: str) -> None:
        if target in chain:
            raise FetchError(
                f"redirect loop from {url}: {chain[-1]} redirects back to {target}",
                kind=ErrorKind.TOO_MANY_REDIRECTS,
                url=url,
                retryable=False,
            )
        if len(chain) > self.limits.max_redirects:
            raise FetchError(
                f"{url} redirected more than {self.limits.max_redirects} times",
                kind=ErrorKind.TOO_MANY_REDIRECTS,
                url=url,
                retryable=False,
            )


def _redirect_target(response: httpx.Response, url: str) -> str | None:
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = str(response.headers.get("location", "")).strip()
    if not location:
        return None
    target = urljoin(url, location)
    # A fragment never reaches the server, so it neither changes the target nor
    # makes a loop look new.
    return target.split("#", 1)[0]


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""
