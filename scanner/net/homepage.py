"""Fetch a domain's homepage: scheme fallback, robots.txt, status and type checks."""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing
from typing import TYPE_CHECKING

from scanner.errors import ErrorKind, FetchError
from scanner.net.failures import UnreachableError
from scanner.net.responses import FetchResponse, StreamedResponse
from scanner.net.robots import MAX_ROBOTS_BYTES, RobotsTxt

if TYPE_CHECKING:
    from scanner.net.fetcher import Fetcher

logger = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Types that give no information about the content, so the body is sniffed.
_UNDECLARED_TYPES = frozenset({"", "application/octet-stream"})
# These failures hit the homepage request in the same way, so they end the scan
# instead of being read as "no robots.txt".
_FATAL_ROBOTS_KINDS = frozenset({ErrorKind.DNS, ErrorKind.PRIVATE_ADDRESS})


async def fetch_homepage(fetcher: Fetcher, domain: str) -> FetchResponse:
    """Fetch `{scheme}://{domain}/` for each configured scheme until one connects.

    The next scheme is tried only when a connection cannot be set up (refused,
    TLS handshake failed, connect timed out), never after an HTTP response.

    Raises:
        FetchError: kind `blocked_by_robots`, `http_status` (retryable for 5xx,
            408 and 429), `not_html`, `too_large` or any transport kind.
    """
    schemes = fetcher.settings.schemes
    for index, scheme in enumerate(schemes):
        origin = f"{scheme}://{domain}"
        try:
            return await _fetch_from_origin(fetcher, origin)
        except UnreachableError as exc:
            if index == len(schemes) - 1:
                raise
            logger.info(
                "cannot connect to %s (%s), trying %s", origin, exc, schemes[index + 1]
            )
    raise AssertionError("Settings.schemes is never empty")


async def fetch_robots(fetcher: Fetcher, origin: str) -> RobotsTxt:
    """Fetch and parse `{origin}/robots.txt`, empty when there is none to obey.

    RFC 9309 allows everything when robots.txt returns 4xx. For a 5xx status or
    a broken download it requires crawlers to assume a full disallow. The scanner
    makes one page request per domain and a failing homepage fails the scan on
    its own, so it treats those cases as allow-all and logs a warning. An HTML
    response is a soft 404 page, not a robots file.

    Raises:
        FetchError: the origin cannot be reached at all (connect, TLS, DNS or
            a private address), because the homepage would fail the same way.
    """
    url = f"{origin}/robots.txt"
    limits = fetcher.limits
    try:
        async with fetcher.open(
            url,
            max_bytes=limits.max_body_bytes,
            max_decoded_bytes=limits.max_decoded_bytes,
        ) as response:
            if response.status_code >= 500:
                logger.warning(
                    "%s returned HTTP %s, so robots.txt is treated as absent",
                    url,
                    response.status_code,
                )
            if not 200 <= response.status_code < 300 or _is_html_type(response):
                return RobotsTxt()
            body = await _read_prefix(response, MAX_ROBOTS_BYTES)
    except UnreachableError:
        raise
    except FetchError as exc:
        if exc.kind in _FATAL_ROBOTS_KINDS:
            raise
        logger.warning(
            "fetching %s failed, so robots.txt is treated as absent: %s", url, exc
        )
        return RobotsTxt()
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return RobotsTxt()
    return RobotsTxt.parse(body)


async def _fetch_from_origin(fetcher: Fetcher, origin: str) -> FetchResponse:
    # NOTE: only the origin's robots.txt is checked. When `/` redirects to another
    # host, that host's robots.txt is not read.
    if fetcher.settings.respect_robots:
        robots = await fetch_robots(fetcher, origin)
        if not robots.is_allowed(fetcher.settings.user_agent, "/"):
            raise FetchError(
                f"robots.txt of {origin} disallows / for this user agent; set "
                "SCANNER_RESPECT_ROBOTS=false to scan it anyway",
                kind=ErrorKind.BLOCKED_BY_ROBOTS,
                url=f"{origin}/",
                retryable=False,
            )
    return await _fetch_page(fetcher, f"{origin}/")


async def _fetch_page(fetcher: Fetcher, url: str) -> FetchResponse:
    """Fetch `url`, checking status and declared type before reading the body."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    limits = fetcher.limits
    async with fetcher.open(
        url,
        max_bytes=limits.max_body_bytes,
        max_decoded_bytes=limits.max_decoded_bytes,
    ) as response:
        _check_status(response)
        media_type = _media_type(response.content_type)
        declared_html = media_type in HTML_TYPES
        if not declared_html and media_type not in _UNDECLARED_TYPES:
            raise _not_html(response.final_url, media_type)
        body = await response.read()
    if not declared_html and not _looks_like_html(body):
        raise _not_html(response.final_url, media_type)
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


def _not_html(url: str, media_type: str) -> FetchError:
    return FetchError(
        f"{url} is {media_type or 'of an undeclared type'}, not HTML",
        kind=ErrorKind.NOT_HTML,
        url=url,
        retryable=False,
    )


def _check_status(response: StreamedResponse) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    retryable = status >= 500 or status in {408, 429}
    raise FetchError(
        f"{response.final_url} returned HTTP {status}",
        kind=ErrorKind.HTTP_STATUS,
        url=response.final_url,
        retryable=retryable,
        status_code=status,
    )


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_html_type(response: StreamedResponse) -> bool:
    return _media_type(response.content_type) in HTML_TYPES


def _looks_like_html(body: bytes) -> bool:
    """Sniff an undeclared body: empty or starting with `<` counts as HTML."""
    start = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x0c")
    return not start or start.startswith(b"<")


async def _read_prefix(response: StreamedResponse, limit: int) -> bytes:
    """Return at most `limit` decoded bytes and stop reading there."""
    pieces: list[bytes] = []
    size = 0
    async with aclosing(response.iter_bytes()) as pieces_iter:
        async for piece in pieces_iter:
            pieces.append(piece)
            size += len(piece)
            if size >= limit:
                break
    return b"".join(pieces)[:limit]
