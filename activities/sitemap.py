"""Activities of a sitemap scan: the long crawl step and the summary write."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.errors import to_application_error
from scanner.db import sitemaps
from scanner.errors import ScannerError
from scanner.net.fetcher import Fetcher
from scanner.payloads import (
    JobStatusResult,
    SaveSitemapSummaryInput,
    SitemapCrawlInput,
    SitemapSummary,
)
from scanner.settings import Settings
from scanner.sitemap_scan import (
    SitemapStore,
    find_site_root,
    scan_domain_sitemaps,
)

ResultT = TypeVar("ResultT")

# Well under the crawl's heartbeat timeout, because the SDK throttles
# heartbeats to at most one per 80 % of that timeout.
HEARTBEAT_INTERVAL_SECONDS = 5.0


class SitemapActivities:
    """The activities of `ScanSitemapWorkflow`, sharing resources built once.

    The session factory and the fetcher are injected by `worker.py`. The crawl
    opens a short session per chunk and keeps none open while it waits
    on a site.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        fetcher: Fetcher,
        settings: Settings,
    ) -> None:
        self._sessions = sessions
        self._fetcher = fetcher
        self._settings = settings

    @activity.defn
    async def scan_sitemaps(self, data: SitemapCrawlInput) -> SitemapSummary:
        """Discover and read the domain's sitemaps, storing URLs as they arrive.

        Safe to retry: every row is an upsert on its unique key, so a retried
        attempt reads the sitemaps again and rewrites the same rows. The
        heartbeat details of the failed attempt only go to the log.
        """
        info = activity.info()
        if info.heartbeat_details:
            activity.logger.info(
                "Sitemap scan of %s restarts at attempt %s; the last attempt "
                "reached %s",
                data.domain,
                info.attempt,
                info.heartbeat_details[0],
            )
        store = SitemapStore(
            self._sessions,
            tenant_id=data.tenant_id,
            domain_id=data.domain_id,
            job_id=data.job_id,
        )
        try:
            site = await run_with_progress(
                find_site_root(self._fetcher, data.domain, www_first=data.www_first),
                store.progress.details,
            )
        except ScannerError as exc:
            raise to_application_error(exc) from exc
        summary = await run_with_progress(
            scan_domain_sitemaps(self._fetcher, site, store),
            store.progress.details,
        )
        activity.logger.info(
            "Sitemaps of %s: %s read, %s failed, %s URLs in %s statements",
            data.domain,
            summary.files_read,
            summary.files_failed,
            summary.urls,
            store.progress.statements,
        )
        return summary

    @activity.defn
    async def save_sitemap_summary(
        self, data: SaveSitemapSummaryInput
    ) -> JobStatusResult:
        """Store the scan summary and mark the job `completed` in one transaction.

        Safe to retry: the summary row is keyed by job id and upserted, and the
        status move is guarded by the current status.
        """
        async with self._sessions() as session, session.begin():
            status, changed = await sitemaps.save_summary(
                session,
                job_id=data.job_id,
                tenant_id=data.tenant_id,
                domain_id=data.domain_id,
                summary=data.summary,
            )
        return JobStatusResult(job_id=data.job_id, status=status, changed=changed)

    def all(self) -> list[object]:
        """Return the bound activity methods to register on a worker."""
        return [self.scan_sitemaps, self.save_sitemap_summary]


async def run_with_progress(
    step: Awaitable[ResultT],
    details: Callable[[], dict[str, object]],
    interval: float = HEARTBEAT_INTERVAL_SECONDS,
) -> ResultT:
    """Await `step`, heartbeating its progress every `interval` seconds.

    A single fetch can wait for the fetcher's whole total timeout without
    producing an event, so the heartbeat runs on a timer, not per event. A
    worker that dies stops heartbeating, and Temporal retries the step after
    the heartbeat timeout. Cancelling the activity cancels `step`.
    """
    task = asyncio.ensure_future(step)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=interval)
            if done:
                return task.result()
            activity.heartbeat(details())
    finally:
        if not task.done():
            task.cancel()
