"""Run one domain's sitemap crawl and store what it finds, chunk by chunk.

The crawl is a stream of events from `scanner.sitemaps.crawl_sitemaps`. Each
event is written in its own short transaction as it arrives, so memory and the
open transaction stay at one chunk however many URLs a site lists, and no
session is open while the crawl waits on the network.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanner.db import sitemaps as store
from scanner.errors import ErrorKind, FetchError
from scanner.net.failures import UnreachableError
from scanner.net.fetcher import Fetcher
from scanner.payloads import SitemapSummary
from scanner.scrape import candidate_hosts
from scanner.sitemaps import (
    CrawlEvent,
    SitemapFailed,
    SitemapKind,
    SitemapLimits,
    SitemapRead,
    UrlChunk,
    crawl_sitemaps,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteRoot:
    """The root URL a domain was reached at, with its homepage when one was read."""

    url: str
    homepage_html: bytes
    homepage_url: str | None


@dataclass
class ScanProgress:
    """Running counts of a sitemap scan, sent with each heartbeat."""

    files_read: int = 0
    files_failed: int = 0
    urls_stored: int = 0
    statements: int = 0
    current: str | None = None

    def details(self) -> dict[str, object]:
        """Return the counts as a small JSON-ready mapping."""
        return {
            "files_read": self.files_read,
            "files_failed": self.files_failed,
            "urls_stored": self.urls_stored,
            "current": self.current,
        }


async def find_site_root(
    fetcher: Fetcher, domain: str, *, www_first: bool = False
) -> SiteRoot:
    """Find the root of the first candidate host that responds, with its homepage.

    The canonical domain drops `www.`, and many sites respond on only one of the
    two names, so both are tried as the domain scan does. A host whose homepage
    fails with an HTTP error or a non-HTML body still responded, so its
    sitemaps are read without the homepage's links.

    Raises:
        FetchError: no candidate host could be reached (DNS, connect, TLS).
    """
    hosts = candidate_hosts(domain, www_first=www_first)
    last_error: FetchError | None = None
    for host in hosts:
        try:
            response = await fetcher.fetch_homepage(host)
        except FetchError as exc:
            if isinstance(exc, UnreachableError) or exc.kind is ErrorKind.DNS:
                logger.info("%s not reachable for its sitemaps: %s", host, exc)
                if last_error is None or last_error.kind is ErrorKind.DNS:
                    last_error = exc
                continue
            # NOTE: a robots.txt that disallows `/` also ends up here. Sitemap
            # fetches are not checked against robots.txt rules, so they run.
            logger.info("homepage of %s not read (%s); reading sitemaps", host, exc)
            root = _root_url(exc.url, host, hosts, fetcher.settings.schemes[0])
            return SiteRoot(root, b"", None)
        root = _root_url(response.final_url, host, hosts, "https")
        return SiteRoot(root, response.body, response.final_url)
    assert last_error is not None
    raise last_error


def _root_url(url: str | None, host: str, hosts: list[str], scheme: str) -> str:
    """Return the origin of `url` when it is on one of `hosts`, else that of `host`.

    A homepage that redirects from http to https, or from one name of the
    domain to the other, moves the root with it. A redirect to another site
    does not: that site's sitemaps belong to another domain.
    """
    if url is None:
        return f"{scheme}://{host}/"
    parts = urlsplit(url)
    if parts.hostname in hosts:
        return f"{parts.scheme}://{parts.netloc}/"
    return f"{parts.scheme or scheme}://{host}/"


@dataclass
class SitemapStore:
    """Write crawl events to sitemap_files and sitemap_urls, one transaction each."""

    sessions: async_sessionmaker[AsyncSession]
    tenant_id: int
    domain_id: int
    job_id: uuid.UUID
    progress: ScanProgress = field(default_factory=ScanProgress)
    summary: SitemapSummary = field(default_factory=SitemapSummary)
    # Ids of the rows of sitemaps whose URLs are being stored; at most one
    # sitemap is read at a time, so this stays tiny.
    _file_ids: dict[str, int] = field(default_factory=dict)
    _failures: Counter[str] = field(default_factory=Counter)

    async def handle(self, event: CrawlEvent) -> None:
        """Store one crawl event."""
        if isinstance(event, UrlChunk):
            await self._store_chunk(event)
        elif isinstance(event, SitemapRead):
            await self._store_read(event)
        else:
            await self._store_failed(event)

    async def _store_chunk(self, chunk: UrlChunk) -> None:
        self.progress.current = chunk.sitemap_final_url
        if not store.file_url_fits(chunk.sitemap_url):
            self.summary.skipped_urls += len(chunk.entries)
            return
        async with self.sessions() as session, session.begin():
            file_id = self._file_ids.get(chunk.sitemap_url)
            if file_id is None:
                file_id = await self._upsert(session, _started_record(chunk))
                self._file_ids[chunk.sitemap_url] = file_id
            written = await store.upsert_urls(
                session,
                tenant_id=self.tenant_id,
                sitemap_file_id=file_id,
                entries=chunk.entries,
            )
        self.summary.skipped_urls += written.skipped
        self.progress.urls_stored += written.stored
        self.progress.statements += written.statements

    async def _store_read(self, read: SitemapRead) -> None:
        self._file_ids.pop(read.url, None)
        if not store.file_url_fits(read.url):
            logger.warning("sitemap URL too long to store: %.200s", read.url)
            return
        async with self.sessions() as session, session.begin():
            await self._upsert(session, _read_record(read))
        self.progress.files_read += 1
        self.summary.files_read += 1
        self.summary.partial_files += int(read.partial)
        if read.kind is not SitemapKind.INDEX:
            self.summary.urls += read.url_count
            self.summary.invalid_urls += read.invalid_url_count

    async def _store_failed(self, failed: SitemapFailed) -> None:
        self._file_ids.pop(failed.url, None)
        self._failures[str(failed.reason)] += 1
        self.summary.files_failed += 1
        self.summary.failed_by_reason = dict(self._failures)
        self.progress.files_failed += 1
        if not store.file_url_fits(failed.url):
            logger.warning("sitemap URL too long to store: %.200s", failed.url)
            return
        async with self.sessions() as session, session.begin():
            await self._upsert(session, _failed_record(failed))

    async def _upsert(self, session: AsyncSession, record: store.FileRecord) -> int:
        return await store.upsert_file(
            session,
            tenant_id=self.tenant_id,
            domain_id=self.domain_id,
            job_id=self.job_id,
            record=record,
        )


def _started_record(chunk: UrlChunk) -> store.FileRecord:
    # The row exists before the sitemap's last byte is read, because its URLs
    # reference it. It reads as partial until the SitemapRead event arrives.
    return store.FileRecord(
        url=chunk.sitemap_url,
        final_url=chunk.sitemap_final_url,
        parent_url=None,
        status="read",
        depth=1,
        partial=True,
    )


def _read_record(read: SitemapRead) -> store.FileRecord:
    return store.FileRecord(
        url=read.url,
        final_url=read.final_url,
        parent_url=read.parent,
        status="read",
        depth=read.depth,
        detail=read.detail,
        format=str(read.kind),
        partial=read.partial,
        url_count=read.url_count,
        invalid_url_count=read.invalid_url_count,
    )


def _failed_record(failed: SitemapFailed) -> store.FileRecord:
    return store.FileRecord(
        url=failed.url,
        final_url=None,
        parent_url=failed.parent,
        status="failed",
        depth=failed.depth,
        reason=str(failed.reason),
        detail=failed.detail,
    )


async def scan_domain_sitemaps(
    fetcher: Fetcher, site: SiteRoot, sitemap_store: SitemapStore
) -> SitemapSummary:
    """Crawl the sitemaps under `site` and store every event as it arrives."""
    limits = SitemapLimits.from_fetch_limits(fetcher.limits)
    events = crawl_sitemaps(
        site.url,
        fetcher,
        homepage_html=site.homepage_html,
        homepage_url=site.homepage_url,
        limits=limits,
    )
    # NOTE: chunks are written while the sitemap's response is still open, so
    # the fetcher's total timeout for one body also covers those writes: about
    # 2 s for 50,000 URLs on a local Postgres, more on a slow database.
    async for event in events:
        await sitemap_store.handle(event)
    sitemap_store.summary.root_url = site.url
    return sitemap_store.summary
