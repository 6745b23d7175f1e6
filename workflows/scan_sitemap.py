"""The workflow that reads one domain's sitemaps into Postgres."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError
from temporalio.exceptions import TimeoutError as ActivityTimeoutError

with workflow.unsafe.imports_passed_through():
    from activities.batch import BatchActivities
    from activities.scan import ScanActivities
    from activities.sitemap import SitemapActivities
    from scanner.batch_payloads import CancelJobInput
    from scanner.errors import ErrorKind
    from scanner.payloads import (
        DomainLookupInput,
        DomainLookupResult,
        JobErrorInput,
        JobStatusInput,
        SaveSitemapSummaryInput,
        ScanSitemapInput,
        ScanSitemapResult,
        SitemapCrawlInput,
        SitemapSummary,
    )
    from scanner.status import JobKind, Status

from workflows.scan_domain import database_step

# A crawl that stops heartbeating for this long is on a dead worker. The
# activity heartbeats every 5 s on a timer, whatever the site is doing.
CRAWL_HEARTBEAT_TIMEOUT = timedelta(seconds=30)

__all__ = ["ScanSitemapInput", "ScanSitemapResult", "ScanSitemapWorkflow"]


@workflow.defn
class ScanSitemapWorkflow:
    """Read a domain's sitemaps: look it up, mark it running, crawl, store the summary.

    URLs go to Postgres from inside the crawl step, chunk by chunk, so history
    holds only ids and a summary of a few counts however large the site. The
    job always ends `completed`, `failed` or `cancelled`, as for domain scans.
    """

    def __init__(self) -> None:
        self._stage = "starting"

    @workflow.query
    def stage(self) -> str:
        """Return the step the scan is in."""
        return self._stage

    @workflow.run
    async def run(self, data: ScanSitemapInput) -> ScanSitemapResult:
        try:
            return await self._scan(data)
        except ActivityError as exc:
            if isinstance(exc.cause, CancelledError):
                await self._record_cancelled(data)
                raise CancelledError("sitemap scan cancelled") from exc
            error_type, message = _describe(exc)
        except (asyncio.CancelledError, CancelledError):
            await self._record_cancelled(data)
            raise
        await self._record_error(data, error_type, message)
        self._stage = "failed"
        raise ApplicationError(
            f"sitemap scan of {data.domain!r} failed: {message}",
            type=error_type,
            non_retryable=True,
        )

    async def _scan(self, data: ScanSitemapInput) -> ScanSitemapResult:
        self._stage = "domain_lookup"
        lookup: DomainLookupResult = await database_step(
            ScanActivities.get_or_create_domain,
            DomainLookupInput(
                tenant=data.tenant,
                domain=data.domain,
                job_id=data.job_id,
                workflow_id=workflow.info().workflow_id,
                batch_id=data.batch_id,
                kind=JobKind.SITEMAP.value,
            ),
        )

        self._stage = "running"
        await database_step(
            ScanActivities.update_job_status,
            JobStatusInput(job_id=data.job_id, status=Status.RUNNING.value),
        )

        self._stage = "crawling"
        summary = await self._crawl(data, lookup)

        self._stage = "saving"
        await database_step(
            SitemapActivities.save_sitemap_summary,
            SaveSitemapSummaryInput(
                job_id=data.job_id,
                tenant_id=lookup.tenant_id,
                domain_id=lookup.domain_id,
                summary=summary,
            ),
        )
        self._stage = "completed"
        return ScanSitemapResult(
            job_id=data.job_id,
            tenant=data.tenant,
            domain=lookup.domain,
            status=Status.COMPLETED.value,
            summary=summary,
        )

    async def _crawl(
        self, data: ScanSitemapInput, lookup: DomainLookupResult
    ) -> SitemapSummary:
        return await workflow.execute_activity_method(
            SitemapActivities.scan_sitemaps,
            SitemapCrawlInput(
                job_id=data.job_id,
                tenant_id=lookup.tenant_id,
                domain_id=lookup.domain_id,
                domain=lookup.domain,
                www_first=lookup.www_first,
            ),
            start_to_close_timeout=timedelta(seconds=data.crawl_timeout_seconds),
            heartbeat_timeout=CRAWL_HEARTBEAT_TIMEOUT,
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=5),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(minutes=1),
                maximum_attempts=data.crawl_max_attempts,
            ),
        )

    async def _record_error(
        self, data: ScanSitemapInput, error_type: str, message: str
    ) -> None:
        self._stage = "recording_error"
        await database_step(
            ScanActivities.update_job_with_error,
            JobErrorInput(
                job_id=data.job_id,
                tenant=data.tenant,
                requested_domain=data.domain,
                workflow_id=workflow.info().workflow_id,
                error_type=error_type,
                error_message=message,
                batch_id=data.batch_id,
                kind=JobKind.SITEMAP.value,
            ),
        )

    async def _record_cancelled(self, data: ScanSitemapInput) -> None:
        self._stage = "cancelled"
        await database_step(
            BatchActivities.mark_job_cancelled,
            CancelJobInput(
                job_id=data.job_id,
                tenant=data.tenant,
                requested_domain=data.domain,
                workflow_id=workflow.info().workflow_id,
                batch_id=data.batch_id,
                kind=JobKind.SITEMAP.value,
            ),
        )


def _describe(error: ActivityError) -> tuple[str, str]:
    """Return the error type and message a user should see for a failed step."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        return cause.type or ErrorKind.INTERNAL.value, cause.message
    if isinstance(cause, ActivityTimeoutError):
        return ErrorKind.TIMEOUT.value, f"step {error.activity_type} timed out"
    return ErrorKind.INTERNAL.value, str(cause or error)
