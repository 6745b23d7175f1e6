"""Crawl a domain's sitemaps: discovery, index following, loops and budgets."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from scanner.errors import ErrorKind, FetchError
from scanner.sitemaps.discover import (
    NamedBy,
    read_homepage,
    read_robots,
    well_known_urls,
)
from scanner.sitemaps.models import (
    CrawlEvent,
    DiscoverySource,
    FailureReason,
    SitemapEntry,
    SitemapFailed,
    SitemapKind,
    SitemapLimits,
    SitemapRead,
    SitemapSource,
    UrlChunk,
)
from scanner.sitemaps.parser import SitemapParser, iter_sitemap_entries

logger = logging.getLogger(__name__)

_GONE = frozenset({404, 410})
# Failures of a well-known path that mean a sitemap is there but unreadable.
_REPORTED_PROBE_FAILURES = frozenset({FailureReason.MALFORMED, FailureReason.TOO_LARGE})


@dataclass(frozen=True)
class _Reference:
    """A sitemap URL waiting to be read, with the chain of documents naming it."""

    url: str
    depth: int
    parent: str | None
    ancestors: frozenset[str]
    source: DiscoverySource


@dataclass(frozen=True)
class _Failure:
    reason: FailureReason
    detail: str


async def crawl_sitemaps(
    domain_url: str,
    source: SitemapSource,
    *,
    homepage_html: bytes | None = None,
    homepage_url: str | None = None,
    limits: SitemapLimits | None = None,
) -> AsyncIterator[CrawlEvent]:
    """Discover and read every sitemap of a domain, yielding events as it goes.

    Page entries come in `UrlChunk` events before the `SitemapRead` of their
    sitemap, so a caller can store them in batches. Memory stays flat in the
    number of URLs. Sitemaps are read one at a time, breadth first.

    Args:
        domain_url: the site root, such as `https://example.com/`.
        source: opens URLs; follows redirects and undoes Content-Encoding.
        homepage_html: the homepage body if the caller has it; fetched if None.
        homepage_url: the final URL of `homepage_html`, for relative links.
        limits: depth, size and count budgets.
    """
    crawler = _Crawler(domain_url, source, limits or SitemapLimits())
    robots = await read_robots(domain_url, source, crawler.limits)
    homepage = await read_homepage(
        domain_url,
        source,
        crawler.limits,
        html=homepage_html,
        final_url=homepage_url,
    )
    crawler.add_named(robots, DiscoverySource.ROBOTS)
    crawler.add_named(homepage, DiscoverySource.HOMEPAGE)
    for url in well_known_urls(domain_url, crawler.limits):
        crawler.add(_Reference(url, 1, None, frozenset(), DiscoverySource.WELL_KNOWN))
    async for event in crawler.run():
        yield event


class _Crawler:
    """State of one domain's crawl: the queue, what was read and what failed."""

    def __init__(
        self, domain_url: str, source: SitemapSource, limits: SitemapLimits
    ) -> None:
        self.domain_url = domain_url
        self.source = source
        self.limits = limits
        self._queue: deque[str] = deque()
        self._pending: dict[str, _Reference] = {}
        # Requested and final URLs of every sitemap read, so a reference to
        # either is skipped without a request.
        self._read: set[str] = set()
        self._failed: dict[str, _Failure] = {}
        self._reported: set[str] = set()
        self._fetches = 0
        self._page_urls = 0

    def add_named(self, named: NamedBy, source: DiscoverySource) -> None:
        """Queue the sitemaps named by robots.txt or the homepage at depth 1."""
        ancestors = frozenset({named.url, named.final_url})
        for url in named.sitemaps:
            self.add(_Reference(url, 1, named.final_url, ancestors, source))

    def add(self, reference: _Reference) -> None:
        """Queue a reference unless the same URL is already waiting.

        A named reference takes the place of a waiting probe of the same URL,
        so a failure there is reported for the document that named it.
        """
        waiting = self._pending.get(reference.url)
        if waiting is None:
            self._pending[reference.url] = reference
            self._queue.append(reference.url)
        elif waiting.source is DiscoverySource.WELL_KNOWN:
            self._pending[reference.url] = reference

    async def run(self) -> AsyncIterator[CrawlEvent]:
        """Read queued sitemaps until the queue is empty."""
        while self._queue:
            reference = self._pending.pop(self._queue.popleft())
            async for event in self._visit(reference):
                yield event

    async def _visit(self, reference: _Reference) -> AsyncIterator[CrawlEvent]:
        url = reference.url
        if url in self._read:
            return
        if url in self._failed:
            reported = self._report(reference, self._failed[url])
            if reported is not None:
                yield reported
            return
        failure = self._check_before_fetch(reference)
        if failure is not None:
            failed = self._record_failure(reference, failure)
            if failed is not None:
                yield failed
            return
        async for event in self._fetch_and_read(reference):
            yield event

    def _check_before_fetch(self, reference: _Reference) -> _Failure | None:
        if reference.url in reference.ancestors:
            return _Failure(FailureReason.LOOP, "sitemap names one of its ancestors")
        if reference.depth > self.limits.max_depth:
            return _Failure(
                FailureReason.DEPTH,
                f"depth {reference.depth} is deeper than {self.limits.max_depth}",
            )
        if (
            reference.source is not DiscoverySource.WELL_KNOWN
            and self._fetches >= self.limits.max_sitemaps
        ):
            return _Failure(
                FailureReason.BUDGET,
                f"limit of {self.limits.max_sitemaps} sitemap fetches reached",
            )
        if self._page_urls >= self.limits.max_urls:
            return _Failure(
                FailureReason.BUDGET,
                f"limit of {self.limits.max_urls} page URLs reached",
            )
        return None

    async def _fetch_and_read(self, reference: _Reference) -> AsyncIterator[CrawlEvent]:
        # Probes of well-known paths are few and fixed, so only named sitemaps
        # count against the fetch budget.
        if reference.source is not DiscoverySource.WELL_KNOWN:
            self._fetches += 1
        reader = _SitemapReader(self, reference)
        try:
            async with self.source.open(
                reference.url,
                max_bytes=self.limits.max_bytes,
                max_decoded_bytes=self.limits.max_decoded_bytes,
            ) as body:
                failure = self._check_response(reference, body.status_code)
                if failure is None:
                    failure = self._check_final_url(reference, body.final_url)
                if failure is not None:
                    failed = self._record_failure(reference, failure)
                    if failed is not None:
                        yield failed
                    return
                if body.final_url in self._read:
                    logger.info(
                        "%s redirects to %s, already read",
                        reference.url,
                        body.final_url,
                    )
                    self._read.add(reference.url)
                    return
                async for event in reader.read(body.final_url, body.iter_bytes()):
                    yield event
        except FetchError as exc:
            if reader.started:
                # The body broke off after reading began; what was read stays.
                async for event in reader.finish_after_error(exc):
                    yield event
                return
            failed = self._record_failure(reference, _fetch_failure(exc))
            if failed is not None:
                yield failed

    def _check_response(self, reference: _Reference, status: int) -> _Failure | None:
        if 200 <= status < 300:
            return None
        reason = (
            FailureReason.NOT_FOUND if status in _GONE else FailureReason.HTTP_STATUS
        )
        return _Failure(reason, f"HTTP status {status}")

    def _check_final_url(
        self, reference: _Reference, final_url: str
    ) -> _Failure | None:
        if final_url != reference.url and final_url in reference.ancestors:
            return _Failure(
                FailureReason.LOOP, f"redirects to {final_url}, one of its ancestors"
            )
        return None

    def mark_read(self, reference: _Reference, final_url: str) -> None:
        """Remember a sitemap as read under its requested and final URLs."""
        self._read.add(reference.url)
        self._read.add(final_url)

    def unmark_read(self, reference: _Reference, final_url: str) -> None:
        """Forget a sitemap whose body turned out not to be readable."""
        self._read.discard(reference.url)
        self._read.discard(final_url)

    def add_children(
        self, reference: _Reference, final_url: str, entries: list[SitemapEntry]
    ) -> None:
        """Queue the child sitemaps listed by an index."""
        ancestors = reference.ancestors | {reference.url, final_url}
        for entry in entries:
            self.add(
                _Reference(
                    entry.url,
                    reference.depth + 1,
                    final_url,
                    ancestors,
                    DiscoverySource.INDEX,
                )
            )

    def take_url_budget(self, count: int) -> int:
        """Return how many of `count` page URLs may still be kept, and take them."""
        allowed = max(0, min(count, self.limits.max_urls - self._page_urls))
        self._page_urls += allowed
        return allowed

    def _record_failure(
        self, reference: _Reference, failure: _Failure
    ) -> SitemapFailed | None:
        self._failed[reference.url] = failure
        return self._report(reference, failure)

    def record_parse_failure(
        self, reference: _Reference, failure: _Failure
    ) -> SitemapFailed | None:
        """Record a sitemap whose body could not be read as a sitemap."""
        return self._record_failure(reference, failure)

    def _report(self, reference: _Reference, failure: _Failure) -> SitemapFailed | None:
        """Return the event for a failure, once, and only for a named sitemap.

        Well-known paths are guesses: a 404 or a soft-404 page there is no
        failure of the site, but a sitemap there that is malformed or too large
        is. If an index or robots.txt names the same URL later, the stored
        failure is reported then without a new request.
        """
        if (
            reference.source is DiscoverySource.WELL_KNOWN
            and failure.reason not in _REPORTED_PROBE_FAILURES
        ):
            logger.info(
                "well-known path %s not read: %s", reference.url, failure.detail
            )
            return None
        if reference.url in self._reported:
            return None
        self._reported.add(reference.url)
        logger.info(
            "sitemap %s failed: %s (%s)", reference.url, failure.reason, failure.detail
        )
        return SitemapFailed(
            url=reference.url,
            reason=failure.reason,
            detail=failure.detail,
            depth=reference.depth,
            parent=reference.parent,
            source=reference.source,
        )


def _fetch_failure(exc: FetchError) -> _Failure:
    if exc.kind is ErrorKind.TOO_LARGE:
        return _Failure(FailureReason.TOO_LARGE, exc.message)
    if exc.kind is ErrorKind.HTTP_STATUS:
        gone = exc.status_code in _GONE
        reason = FailureReason.NOT_FOUND if gone else FailureReason.HTTP_STATUS
        return _Failure(reason, exc.message)
    return _Failure(FailureReason.FETCH_FAILED, f"{exc.kind}: {exc.message}")


class _SitemapReader:
    """Read one fetched sitemap body into chunk, child and summary events."""

    def __init__(self, crawler: _Crawler, reference: _Reference) -> None:
        self.crawler = crawler
        self.reference = reference
        self.started = False
        self._final_url = reference.url
        self._parser = SitemapParser(
            reference.url, max_decoded_bytes=crawler.limits.max_decoded_bytes
        )
        self._chunk: list[SitemapEntry] = []
        self._kept = 0

    async def read(
        self, final_url: str, chunks: AsyncIterator[bytes]
    ) -> AsyncIterator[CrawlEvent]:
        """Parse the body, yielding URL chunks, then the outcome."""
        self.started = True
        self._final_url = final_url
        # Entries resolve against the URL the body came from, after redirects.
        self._parser = SitemapParser(
            final_url, max_decoded_bytes=self.crawler.limits.max_decoded_bytes
        )
        self.crawler.mark_read(self.reference, final_url)
        async for entries in iter_sitemap_entries(self._parser, chunks):
            for event in self._take(entries):
                yield event
        for event in self._finish():
            yield event

    async def finish_after_error(self, exc: FetchError) -> AsyncIterator[CrawlEvent]:
        """Close the sitemap after the body broke off with `exc`."""
        failure = _fetch_failure(exc)
        self._parser.fail(failure.reason, failure.detail)
        for event in self._finish():
            yield event

    def _take(self, entries: list[SitemapEntry]) -> list[CrawlEvent]:
        if self._parser.kind is SitemapKind.INDEX:
            self.crawler.add_children(self.reference, self._final_url, entries)
            self._kept += len(entries)
            return []
        allowed = self.crawler.take_url_budget(len(entries))
        if allowed < len(entries):
            entries = entries[:allowed]
            self._parser.fail(FailureReason.BUDGET, "page URL budget reached")
        self._chunk.extend(entries)
        self._kept += len(entries)
        events: list[CrawlEvent] = []
        size = self.crawler.limits.chunk_size
        while len(self._chunk) >= size:
            events.append(self._chunk_event(self._chunk[:size]))
            self._chunk = self._chunk[size:]
        return events

    def _finish(self) -> list[CrawlEvent]:
        parser = self._parser
        if parser.failure is not None or parser.kind is None:
            self.crawler.unmark_read(self.reference, self._final_url)
            reason = parser.failure or FailureReason.MALFORMED
            failure = _Failure(
                reason, parser.detail or "body ended before its format showed"
            )
            event = self.crawler.record_parse_failure(self.reference, failure)
            return [] if event is None else [event]
        events: list[CrawlEvent] = []
        if self._chunk:
            events.append(self._chunk_event(self._chunk))
            self._chunk = []
        events.append(
            SitemapRead(
                url=self.reference.url,
                final_url=self._final_url,
                kind=parser.kind,
                depth=self.reference.depth,
                partial=parser.partial,
                url_count=self._kept,
                invalid_url_count=parser.invalid_count,
                parent=self.reference.parent,
                source=self.reference.source,
                detail=parser.detail,
            )
        )
        return events

    def _chunk_event(self, entries: list[SitemapEntry]) -> UrlChunk:
        return UrlChunk(self.reference.url, self._final_url, entries)
