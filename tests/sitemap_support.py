"""Test helpers for the sitemap library: a local-site source and event summaries."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from devstack.sites import SiteServer
from scanner.errors import ErrorKind, FetchError
from scanner.sitemaps.models import CrawlEvent, SitemapFailed, SitemapRead, UrlChunk

MAX_REDIRECTS = 10


class LocalBody:
    """A streamed response of the local site server, with byte caps enforced."""

    def __init__(
        self,
        final_url: str,
        response: httpx.Response,
        redirect_chain: list[str],
        *,
        max_bytes: int,
        max_decoded_bytes: int,
    ) -> None:
        self.final_url = final_url
        self.status_code = response.status_code
        self.headers: Mapping[str, str] = response.headers
        self.redirect_chain = redirect_chain
        self._response = response
        self._max_bytes = max_bytes
        self._max_decoded_bytes = max_decoded_bytes

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield the decoded body; raise `FetchError(too_large)` past a cap."""
        decoded = 0
        try:
            async for chunk in self._response.aiter_bytes():
                decoded += len(chunk)
                if self._response.num_bytes_downloaded > self._max_bytes:
                    raise self._too_large("downloaded", self._max_bytes)
                if decoded > self._max_decoded_bytes:
                    raise self._too_large("decoded", self._max_decoded_bytes)
                yield chunk
        except httpx.HTTPError as exc:
            raise FetchError(
                str(exc), kind=ErrorKind.PROTOCOL, url=self.final_url
            ) from exc

    def _too_large(self, stage: str, cap: int) -> FetchError:
        return FetchError(
            f"{self.final_url} is larger than {cap} bytes {stage}",
            kind=ErrorKind.TOO_LARGE,
            url=self.final_url,
        )


class LocalSiteSource:
    """A `SitemapSource` that sends every host to a `SiteServer` on 127.0.0.1.

    The URL keeps its host for the `Host` header and for TLS SNI and certificate
    checks. Only the connection goes to the server's port for the scheme.
    Redirects are followed here so that the chain and final URL are recorded.
    """

    def __init__(self, server: SiteServer) -> None:
        context = ssl.create_default_context(cafile=server.ca_pem_path)
        self._server = server
        self._client = httpx.AsyncClient(verify=context, timeout=10.0)
        self.opened: list[str] = []
        self.requested: list[str] = []

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    @asynccontextmanager
    async def open(
        self, url: str, *, max_bytes: int, max_decoded_bytes: int
    ) -> AsyncIterator[LocalBody]:
        """Fetch `url`, following redirects, and yield the streamed body."""
        self.opened.append(url)
        chain: list[str] = []
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self.requested.append(current)
            response = await self._send(current)
            location = response.headers.get("location")
            if response.is_redirect and location:
                await response.aclose()
                chain.append(current)
                current = urljoin(current, location)
                continue
            try:
                yield LocalBody(
                    current,
                    response,
                    chain,
                    max_bytes=max_bytes,
                    max_decoded_bytes=max_decoded_bytes,
                )
            finally:
                await response.aclose()
            return
        raise FetchError(
            f"{url} redirects more than {MAX_REDIRECTS} times",
            kind=ErrorKind.TOO_MANY_REDIRECTS,
            url=url,
        )

    async def _send(self, url: str) -> httpx.Response:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = (
            self._server.https_port
            if parts.scheme == "https"
            else self._server.http_port
        )
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        request = self._client.build_request(
            "GET",
            f"{parts.scheme}://127.0.0.1:{port}{target}",
            headers={"Host": host},
            extensions={"sni_hostname": host},
        )
        try:
            return await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise FetchError(str(exc), kind=ErrorKind.CONNECT, url=url) from exc


@dataclass
class CrawlSummary:
    """What a crawl recorded, in the shape of `expected.sitemaps`."""

    sitemap_files: set[str] = field(default_factory=set)
    page_urls: set[str] = field(default_factory=set)
    invalid: dict[str, str] = field(default_factory=dict)
    reads: list[SitemapRead] = field(default_factory=list)
    failures: list[SitemapFailed] = field(default_factory=list)


async def summarize(events: AsyncIterator[CrawlEvent]) -> CrawlSummary:
    """Collect crawl events into sets comparable with the fixture expectations."""
    summary = CrawlSummary()
    async for event in events:
        if isinstance(event, UrlChunk):
            summary.page_urls.update(entry.url for entry in event.entries)
        elif isinstance(event, SitemapRead):
            summary.sitemap_files.add(event.final_url)
            summary.reads.append(event)
        else:
            summary.invalid[event.url] = str(event.reason)
            summary.failures.append(event)
    return summary
