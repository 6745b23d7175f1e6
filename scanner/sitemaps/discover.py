"""Find a domain's sitemaps: robots.txt, the homepage and well-known paths."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from scanner.errors import FetchError
from scanner.sitemaps.homepage import homepage_sitemap_links
from scanner.sitemaps.models import SitemapLimits, SitemapSource
from scanner.sitemaps.robots import is_html_body, parse_sitemap_lines

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NamedBy:
    """A document that names sitemaps: its URL, final URL and the URLs it names."""

    url: str
    final_url: str
    sitemaps: list[str] = field(default_factory=list)


async def read_robots(
    domain_url: str, source: SitemapSource, limits: SitemapLimits
) -> NamedBy:
    """Fetch robots.txt and return its `Sitemap:` URLs.

    A missing, failing or HTML robots.txt names nothing.
    """
    url = urljoin(domain_url, "/robots.txt")
    fetched = await _read_prefix(url, source, limits, limits.max_robots_bytes)
    if fetched is None:
        return NamedBy(url, url)
    final_url, content_type, body = fetched
    if is_html_body(body, content_type):
        logger.info("robots.txt of %s is an HTML page; treated as absent", url)
        return NamedBy(url, final_url)
    return NamedBy(url, final_url, parse_sitemap_lines(body, final_url))


async def read_homepage(
    domain_url: str,
    source: SitemapSource,
    limits: SitemapLimits,
    *,
    html: bytes | None = None,
    final_url: str | None = None,
) -> NamedBy:
    """Return the sitemaps and feeds linked from the homepage, fetching it if needed."""
    page_url = final_url or domain_url
    if html is None:
        fetched = await _read_prefix(
            domain_url, source, limits, limits.max_homepage_bytes
        )
        if fetched is None:
            return NamedBy(domain_url, page_url)
        page_url, _, html = fetched
    return NamedBy(domain_url, page_url, homepage_sitemap_links(html, page_url))


def well_known_urls(domain_url: str, limits: SitemapLimits) -> list[str]:
    """Return the well-known sitemap URLs probed on the domain."""
    return [urljoin(domain_url, path) for path in limits.well_known_paths]


async def _read_prefix(
    url: str, source: SitemapSource, limits: SitemapLimits, max_read: int
) -> tuple[str, str | None, bytes] | None:
    """Return final URL, Content-Type and up to `max_read` body bytes, or None."""
    chunks: list[bytes] = []
    size = 0
    try:
        async with source.open(
            url, max_bytes=limits.max_bytes, max_decoded_bytes=limits.max_decoded_bytes
        ) as body:
            if not 200 <= body.status_code < 300:
                logger.info(
                    "%s returned HTTP %s, so nothing was read", url, body.status_code
                )
                return None
            async for chunk in body.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= max_read:
                    break
            content_type = _header(body.headers, "content-type")
            return body.final_url, content_type, b"".join(chunks)[:max_read]
    except FetchError as exc:
        logger.info("%s could not be read: %s", url, exc)
        return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Return a header whether or not the mapping ignores case."""
    value = headers.get(name)
    if value is not None:
        return value
    for key, candidate in headers.items():
        if key.lower() == name:
            return candidate
    return None
