"""Activities of a domain scan. Each opens its own short session and commits."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.errors import to_application_error
from activities.heartbeat import with_heartbeats
from scanner.db import jobs
from scanner.domains import canonicalize_domain, starts_with_www
from scanner.errors import ScannerError
from scanner.extract import HomepageData, extract_homepage
from scanner.net.fetcher import Fetcher
from scanner.payloads import (
    DomainLookupInput,
    DomainLookupResult,
    JobErrorInput,
    JobStatusInput,
    JobStatusResult,
    PageData,
    SaveResultsInput,
    ScrapeInput,
    ScrapeResult,
)
from scanner.scrape import fetch_site_homepage
from scanner.settings import Settings
from scanner.status import Status


class ScanActivities:
    """The activities of `ScanDomainWorkflow`, sharing resources built once.

    The session factory and the fetcher are injected by `worker.py`. No
    activity keeps a session open across network I/O.
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
    async def get_or_create_domain(self, data: DomainLookupInput) -> DomainLookupResult:
        """Canonicalize the domain, upsert tenant and domain, and create the job.

        Safe to retry: the tenant and domain are upserts on their unique keys and
        the job insert is keyed by the job id chosen by the workflow.
        """
        try:
            domain = canonicalize_domain(data.domain)
        except ScannerError as exc:
            raise to_application_error(exc) from exc
        async with self._sessions() as session, session.begin():
            tenant_id = await jobs.ensure_tenant(session, data.tenant)
            domain_id = await jobs.ensure_domain(session, tenant_id, domain)
            await jobs.create_job(
                session,
                job_id=data.job_id,
                tenant_id=tenant_id,
                domain_id=domain_id,
                requested_domain=data.domain,
                workflow_id=data.workflow_id,
                kind=data.kind,
                batch_id=data.batch_id,
            )
        activity.logger.info(
            "Domain %s is id %s for tenant %s", domain, domain_id, data.tenant
        )
        return DomainLookupResult(
            tenant_id=tenant_id,
            domain_id=domain_id,
            domain=domain,
            www_first=starts_with_www(data.domain),
        )

    @activity.defn
    async def update_job_status(self, data: JobStatusInput) -> JobStatusResult:
        """Move the job to a new status if allowed from the current one.

        Safe to retry: the update is guarded by the current status, so a retry of
        `running` after the job completed changes nothing.
        """
        async with self._sessions() as session, session.begin():
            status, changed = await jobs.set_job_status(
                session, data.job_id, Status(data.status)
            )
        return JobStatusResult(job_id=data.job_id, status=status, changed=changed)

    @activity.defn
    async def scrape_domain(self, data: ScrapeInput) -> ScrapeResult:
        """Fetch the homepage and extract its fields; touches no database.

        Safe to retry: it only reads the remote site. Permanent failures (404,
        not HTML, private address) are raised as non-retryable errors.
        """
        started = time.perf_counter()
        try:
            response = await with_heartbeats(
                fetch_site_homepage(
                    self._fetcher, data.domain, www_first=data.www_first
                )
            )
        except ScannerError as exc:
            activity.logger.info(
                "Fetch of %s failed: %s (%s)", data.domain, exc.message, exc.kind
            )
            raise to_application_error(exc) from exc
        fetch_ms = (time.perf_counter() - started) * 1000
        extract_started = time.perf_counter()
        # BeautifulSoup parsing is CPU work that would block the event loop and
        # with it every other activity and heartbeat of this worker.
        page = await with_heartbeats(
            asyncio.to_thread(
                extract_homepage,
                response.body,
                final_url=response.final_url,
                content_type=response.content_type,
            )
        )
        extract_ms = (time.perf_counter() - extract_started) * 1000
        return ScrapeResult(
            requested_url=response.url,
            final_url=response.final_url,
            http_status=response.status_code,
            content_type=response.content_type,
            charset=page.charset,
            body_bytes=len(response.body),
            fetch_ms=round(fetch_ms, 1),
            extract_ms=round(extract_ms, 1),
            redirect_chain=list(response.redirect_chain),
            page=_page_data(page),
        )

    @activity.defn
    async def update_job_with_results(self, data: SaveResultsInput) -> JobStatusResult:
        """Store the scan result and mark the job `completed` in one transaction.

        Safe to retry: the result row is keyed by job id and upserted.
        """
        async with self._sessions() as session, session.begin():
            status, changed = await jobs.save_results(
                session,
                job_id=data.job_id,
                tenant_id=data.tenant_id,
                domain_id=data.domain_id,
                result=data.result,
            )
        return JobStatusResult(job_id=data.job_id, status=status, changed=changed)

    @activity.defn
    async def update_job_with_error(self, data: JobErrorInput) -> JobStatusResult:
        """Mark the job `failed` with the error type and message.

        Safe to retry: an upsert keyed by job id. It opens a fresh session, so it
        works after another step's session failed, and creates the job row when
        the scan failed before one existed (an invalid domain).
        """
        async with self._sessions() as session, session.begin():
            tenant_id = await jobs.ensure_tenant(session, data.tenant)
            status, changed = await jobs.record_error(
                session,
                job_id=data.job_id,
                tenant_id=tenant_id,
                requested_domain=data.requested_domain,
                workflow_id=data.workflow_id,
                error_type=data.error_type,
                error_message=data.error_message,
                kind=data.kind,
                batch_id=data.batch_id,
            )
        activity.logger.info(
            "Job %s failed with %s: %s",
            data.job_id,
            data.error_type,
            data.error_message,
        )
        return JobStatusResult(job_id=data.job_id, status=status, changed=changed)

    def all(self) -> list[object]:
        """Return the bound activity methods to register on a worker."""
        return [
            self.get_or_create_domain,
            self.update_job_status,
            self.scrape_domain,
            self.update_job_with_results,
            self.update_job_with_error,
        ]


def _page_data(page: HomepageData) -> PageData:
    return PageData(
        title=page.title,
        description=page.description,
        language=page.language,
        canonical=page.canonical,
        emails=list(page.emails),
        phones=list(page.phones),
        social=dict(page.social),
        cms=page.cms,
        feeds=list(page.feeds),
    )
