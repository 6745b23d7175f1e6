"""Activities of a batch: its domain list, its derived totals and cancellation.

Each opens its own short session and commits, and none keeps a session open while
it waits on anything else.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import CancelledError as TemporalCancelledError

from scanner.batch_input import BatchLine
from scanner.batch_payloads import (
    AttachScanInput,
    AttachScanResult,
    BatchEntry,
    BatchPage,
    BatchPageInput,
    BatchProgress,
    CancelJobInput,
    RefreshBatchInput,
    RegisterBatchInput,
)
from scanner.db import batches, jobs
from scanner.db.batches import BatchDomain
from scanner.settings import Settings
from scanner.status import Status

ATTACH_HEARTBEAT_SECONDS = 10.0


class BatchActivities:
    """The activities of `ScanBatchWorkflow`, sharing the worker's session factory."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        self._sessions = sessions
        self._settings = settings

    @activity.defn
    async def register_batch(self, data: RegisterBatchInput) -> int:
        """Store a batch given as a short list, unless the starter stored it.

        Safe to retry: the batch and its lines are inserted with ON CONFLICT DO
        NOTHING on their keys. Returns the number of domains.
        """
        lines = [
            BatchLine(entry.position + 1, entry.domain, entry.domain, entry.host)
            for entry in data.domains
        ]
        async with self._sessions() as session, session.begin():
            tenant_id = await jobs.ensure_tenant(session, data.tenant)
            return await batches.create_batch(
                session,
                batch_id=data.batch_id,
                tenant_id=tenant_id,
                workflow_id=data.workflow_id,
                options=dict(data.options),
                lines=lines,
            )

    @activity.defn
    async def load_batch_page(self, data: BatchPageInput) -> BatchPage:
        """Return the next page of the batch's domains and the batch's size.

        Safe to retry: it only reads.
        """
        async with self._sessions() as session:
            items = await batches.load_page(
                session, data.batch_id, data.start, data.limit
            )
            total = await session.scalar(
                select(func.count())
                .select_from(BatchDomain)
                .where(
                    BatchDomain.batch_id == data.batch_id,
                    BatchDomain.position.is_not(None),
                )
            )
        entries = [
            BatchEntry(
                position=item.position,
                domain=item.domain,
                host=item.host,
                www_first=item.www_first,
            )
            for item in items
        ]
        return BatchPage(entries=entries, total=int(total or 0))

    @activity.defn
    async def refresh_batch(self, data: RefreshBatchInput) -> BatchProgress:
        """Record which job scans each started domain, then recount the batch.

        Safe to retry: the job ids are written by position and the totals are
        recounted from the jobs, never incremented.
        """
        assignments = [(item.position, str(item.job_id)) for item in data.assignments]
        async with self._sessions() as session, session.begin():
            await batches.assign_jobs(session, data.batch_id, assignments)
            counts = await batches.refresh_counts(
                session, data.batch_id, Status(data.status)
            )
        if counts is None:
            return BatchProgress(batch_id=data.batch_id, status=data.status)
        return BatchProgress(
            batch_id=data.batch_id,
            status=counts.status,
            total=counts.total,
            pending=counts.pending,
            running=counts.running,
            completed=counts.completed,
            failed=counts.failed,
            cancelled=counts.cancelled,
        )

    @activity.defn
    async def attach_running_scan(self, data: AttachScanInput) -> AttachScanResult:
        """Wait for a scan that was already running when the batch reached it.

        Safe to retry: it only watches the other workflow, heartbeating so a
        lost worker is noticed and another attempt takes over.
        """
        handle = activity.client().get_workflow_handle(data.workflow_id)
        description = await handle.describe()
        job_id = await description.memo_value("job_id", None)
        waiting = asyncio.ensure_future(handle.result())
        try:
            while not waiting.done():
                activity.heartbeat()
                await asyncio.wait({waiting}, timeout=ATTACH_HEARTBEAT_SECONDS)
        finally:
            waiting.cancel()
        return AttachScanResult(job_id=job_id, status=_outcome(waiting))

    @activity.defn
    async def mark_job_cancelled(self, data: CancelJobInput) -> str:
        """Mark a scan job `cancelled`, creating its row if the scan had none yet.

        Safe to retry: an upsert keyed by job id that leaves an ended job alone.
        """
        async with self._sessions() as session, session.begin():
            tenant_id = await jobs.ensure_tenant(session, data.tenant)
            return await batches.mark_job_cancelled(
                session,
                job_id=data.job_id,
                tenant_id=tenant_id,
                requested_domain=data.requested_domain,
                workflow_id=data.workflow_id,
                kind=data.kind,
                batch_id=data.batch_id,
            )

    def all(self) -> list[Any]:
        """Return the bound activity methods to register on a worker."""
        return [
            self.register_batch,
            self.load_batch_page,
            self.refresh_batch,
            self.attach_running_scan,
            self.mark_job_cancelled,
        ]


def _outcome(waiting: asyncio.Future[Any]) -> str:
    error = waiting.exception() if not waiting.cancelled() else None
    if error is None:
        return Status.COMPLETED.value
    if isinstance(error, WorkflowFailureError) and isinstance(
        error.cause, TemporalCancelledError
    ):
        return Status.CANCELLED.value
    return Status.FAILED.value
