"""Data types of the sitemap library: entries, crawl events, limits, fetch protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from scanner.settings import FetchLimits

DEFAULT_MAX_SITEMAP_BYTES = 50 * 1024 * 1024
DEFAULT_WELL_KNOWN_PATHS = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/wp-sitemap.xml",
    "/sitemap.txt",
    "/sitemap-index.xml",
    "/sitemap.xml.gz",
)


class SitemapKind(StrEnum):
    """Format of a sitemap body, decided by the body itself."""

    URLSET = "urlset"
    INDEX = "index"
    RSS = "rss"
    ATOM = "atom"
    TEXT = "text"


class FailureReason(StrEnum):
    """Reason a sitemap was not read."""

    LOOP = "loop"
    DEPTH = "depth"
    BUDGET = "budget"
    NOT_FOUND = "not_found"
    HTTP_STATUS = "http_status"
    FETCH_FAILED = "fetch_failed"
    MALFORMED = "malformed"
    NOT_A_SITEMAP = "not_a_sitemap"
    TOO_LARGE = "too_large"


class DiscoverySource(StrEnum):
    """Document or probe that led to a sitemap reference."""

    ROBOTS = "robots"
    HOMEPAGE = "homepage"
    WELL_KNOWN = "well_known"
    INDEX = "index"


@dataclass(slots=True)
class SitemapEntry:
    """One `<url>`, `<sitemap>`, feed item or text line, with its loc resolved.

    In an index the entry names a child sitemap, elsewhere it names a page.
    `extensions` contains news, image, video and hreflang data in small capped
    lists, or is None when the entry has none.
    """

    url: str
    lastmod: datetime | None = None
    lastmod_raw: str | None = None
    changefreq: str | None = None
    priority: float | None = None
    extensions: dict[str, Any] | None = None


@dataclass(frozen=True)
class SitemapLimits:
    """Budgets of one domain's sitemap crawl. Sizes in bytes.

    Args:
        max_depth: deepest level fetched; a sitemap found directly is at depth 1.
        max_sitemaps: fetches of named sitemaps allowed per domain; the probes of
            `well_known_paths` do not count.
        max_urls: page URLs kept per domain; reading stops once it is reached.
        max_bytes: bytes one sitemap may take on the wire.
        max_decoded_bytes: bytes one sitemap may take after all decompression.
        max_robots_bytes: bytes of robots.txt read. RFC 9309 requires a parsing
            limit of at least 500 KiB.
        max_homepage_bytes: bytes of the homepage read when the caller has none.
        chunk_size: page entries per `UrlChunk` event.
        well_known_paths: paths probed on the domain; failures there are silent.
    """

    max_depth: int = 10
    max_sitemaps: int = 1000
    max_urls: int = 5_000_000
    max_bytes: int = DEFAULT_MAX_SITEMAP_BYTES
    max_decoded_bytes: int = DEFAULT_MAX_SITEMAP_BYTES
    max_robots_bytes: int = 512 * 1024
    max_homepage_bytes: int = 5 * 1024 * 1024
    chunk_size: int = 1000
    well_known_paths: tuple[str, ...] = DEFAULT_WELL_KNOWN_PATHS

    @classmethod
    def from_fetch_limits(cls, limits: FetchLimits) -> SitemapLimits:
        """Return limits whose sitemap size caps come from the scan's settings."""
        return cls(
            max_bytes=limits.max_sitemap_bytes,
            max_decoded_bytes=limits.max_sitemap_decoded_bytes,
        )


@dataclass(frozen=True)
class SitemapRead:
    """A sitemap was read; its page entries came before this in `UrlChunk` events.

    `partial` is true when the body broke off or failed to parse after at least
    one complete entry, or when a size or URL budget stopped the reading. `detail`
    then names the cause. `url_count` is the number of page entries kept, or
    for an index the number of child sitemaps it lists.
    """

    url: str
    final_url: str
    kind: SitemapKind
    depth: int
    partial: bool
    url_count: int
    invalid_url_count: int
    parent: str | None
    source: DiscoverySource
    detail: str | None = None


@dataclass(frozen=True)
class SitemapFailed:
    """A sitemap named by robots.txt, the homepage or an index was not read."""

    url: str
    reason: FailureReason
    detail: str
    depth: int
    parent: str | None
    source: DiscoverySource


@dataclass(frozen=True)
class UrlChunk:
    """Up to `SitemapLimits.chunk_size` page entries of one sitemap."""

    sitemap_url: str
    sitemap_final_url: str
    entries: list[SitemapEntry] = field(default_factory=list)


CrawlEvent = SitemapRead | SitemapFailed | UrlChunk


class StreamedBody(Protocol):
    """An HTTP response whose body is read in chunks.

    `iter_bytes` yields the body with any Content-Encoding already undone and
    raises `FetchError(kind=too_large)` once a byte cap is passed.
    """

    @property
    def final_url(self) -> str: ...

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def redirect_chain(self) -> list[str]: ...

    def iter_bytes(self) -> AsyncIterator[bytes]: ...


class SitemapSource(Protocol):
    """Source of sitemap bodies for the crawl, such as `scanner.net.fetcher.Fetcher`."""

    def open(
        self, url: str, *, max_bytes: int, max_decoded_bytes: int
    ) -> AbstractAsyncContextManager[StreamedBody]: ...
