"""The workflow that scans one domain: a list of small, retryable steps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
)
from temporalio.exceptions import TimeoutError as ActivityTimeoutError

with workflow.unsafe.imports_passed_through():
    from activities.batch import BatchActivities
    from activities.scan import ScanActivities
    from scanner.batch_payloads import CancelJobInput
    from scanner.errors import ErrorKind
    from scanner.payloads import (
        DomainLookupInput,
        DomainLookupResult,
        JobErrorInput,
        JobStatusInput,
        SaveResultsInput,
        ScanDomainInput,
        ScanDomainResult,
        ScrapeInput,
        ScrapeResult,
    )
    from scanner.status import Status

# Database steps retry until the database is back (a restart, a failover), with
# backoff capped at 10 s. The whole step gives up after 10 minutes.
DATABASE_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    non_retryable_error_types=[ErrorKind.INVALID_DOMAIN.value],
)

SCRAPE_HEARTBEAT_TIMEOUT = timedelta(seconds=15)

ParamT = TypeVar("ParamT")
ReturnT = TypeVar("ReturnT")
ActivitiesT = TypeVar("ActivitiesT")


async def database_step(
    method: Callable[[ActivitiesT, ParamT], Awaitable[ReturnT]], arg: ParamT
) -> ReturnT:
    """Run a short database activity, as a local activity, with the database policy.

    A local activity runs in the worker that runs the workflow task, so a short
    write costs no task-queue round trip through the server and adds one marker
    event to history instead of three. Each attempt still opens its own
    session, and a retry after a worker crash runs the same idempotent write.
    """
    try:
        return await workflow.execute_local_activity_method(
            method,
            arg,
            start_to_close_timeout=timedelta(seconds=30),
            schedule_to_close_timeout=timedelta(minutes=10),
            retry_policy=DATABASE_RETRY,
        )
    except (ApplicationError, ActivityTimeoutError, CancelledError) as exc:
        # temporalio 1.35 can raise a local activity's failure without the
        # ActivityError wrapper that a regular activity's failure has. Wrapping
        # it lets callers handle both kinds of step alike.
        name = getattr(method, "__name__", "database_step")
        raise ActivityError(
            f"step {name} failed",
            scheduled_event_id=0,
            started_event_id=0,
            identity="",
            activity_type=name,
            activity_id="",
            retry_state=None,
        ) from exc


@workflow.defn
class ScanDomainWorkflow:
    """Scan one domain: look it up, mark it running, scrape, store or record the error.

    The job always ends `completed`, `failed` or `cancelled`. Every failure of
    a step, after its retries, is stored on the job with its type before the
    workflow fails. A cancelled scan marks its job `cancelled` before the
    workflow ends cancelled.
    """

    def __init__(self) -> None:
        self._stage = "starting"
        self._job_id = ""

    @workflow.query
    def stage(self) -> str:
        """Return the step the scan is in."""
        return self._stage

    @workflow.run
    async def run(self, data: ScanDomainInput) -> ScanDomainResult:
        self._job_id = str(data.job_id)
        try:
            return await self._scan(data)
        except ActivityError as exc:
            if isinstance(exc.cause, CancelledError):
                await self._record_cancelled(data)
                raise CancelledError("scan cancelled") from exc
            error_type, message = _describe(exc)
        except (asyncio.CancelledError, CancelledError):
            await self._record_cancelled(data)
            raise
        await self._record_error(data, error_type, message)
        self._stage = "failed"
        raise ApplicationError(
            f"scan of {data.domain!r} failed: {message}",
            type=error_type,
            non_retryable=True,
        )

    async def _scan(self, data: ScanDomainInput) -> ScanDomainResult:
        info = workflow.info()
        self._stage = "domain_lookup"
        lookup: DomainLookupResult = await database_step(
            ScanActivities.get_or_create_domain,
            DomainLookupInput(
                tenant=data.tenant,
                domain=data.domain,
                job_id=data.job_id,
                workflow_id=info.workflow_id,
                batch_id=data.batch_id,
            ),
        )

        self._stage = "running"
        await database_step(
            ScanActivities.update_job_status,
            JobStatusInput(job_id=data.job_id, status=Status.RUNNING.value),
        )

        self._stage = "scraping"
        scrape: ScrapeResult = await workflow.execute_activity_method(
            ScanActivities.scrape_domain,
            ScrapeInput(
                job_id=data.job_id,
                tenant=data.tenant,
                domain=lookup.domain,
                www_first=lookup.www_first,
            ),
            start_to_close_timeout=timedelta(seconds=data.scrape_timeout_seconds),
            # The scrape heartbeats, so a worker that dies mid-scrape is noticed
            # after this, not after the whole start-to-close timeout.
            heartbeat_timeout=SCRAPE_HEARTBEAT_TIMEOUT,
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(seconds=30),
                maximum_attempts=data.scrape_max_attempts,
            ),
        )

        self._stage = "saving"
        await database_step(
            ScanActivities.update_job_with_results,
            SaveResultsInput(
                job_id=data.job_id,
                tenant_id=lookup.tenant_id,
                domain_id=lookup.domain_id,
                result=scrape,
            ),
        )
        self._stage = "completed"
        return ScanDomainResult(
            job_id=data.job_id,
            tenant=data.tenant,
            domain=lookup.domain,
            status=Status.COMPLETED.value,
            result=scrape,
        )

    async def _record_error(
        self, data: ScanDomainInput, error_type: str, message: str
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
            ),
        )

    async def _record_cancelled(self, data: ScanDomainInput) -> None:
        # A cancelled step surfaces as an ActivityError whose cause is the
        # cancellation. Both paths end the job `cancelled`, never `failed`.
        self._stage = "cancelled"
        await database_step(
            BatchActivities.mark_job_cancelled,
            CancelJobInput(
                job_id=data.job_id,
                tenant=data.tenant,
                requested_domain=data.domain,
                workflow_id=workflow.info().workflow_id,
                batch_id=data.batch_id,
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
