"""The activity that fails jobs whose workflow run ended without finishing them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from scanner.db.reconcile import UnfinishedJob, fail_abandoned_job, find_unfinished_jobs
from scanner.settings import Settings

# At most this many job ids are listed in a result; Temporal stores it in history.
MAX_LISTED_JOBS = 100


class ReconcileInput(BaseModel):
    """Look at unfinished jobs older than `older_than_seconds`, at most `limit`."""

    older_than_seconds: float = 900.0
    limit: int = 500


class ReconcileResult(BaseModel):
    """How many unfinished jobs were checked and which were marked failed."""

    checked: int = 0
    failed: int = 0
    failed_job_ids: list[uuid.UUID] = Field(default_factory=list)


class ReconcileActivities:
    """The activity of `ReconcileJobsWorkflow`, with the Temporal client injected.

    `worker.py` passes the session factory and the client it polls with, so the
    activity can ask Temporal whether each job's workflow run still runs.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: Client,
        settings: Settings,
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._settings = settings

    @activity.defn
    async def fail_abandoned_jobs(self, data: ReconcileInput) -> ReconcileResult:
        """Mark `failed` every unfinished job whose workflow run is over.

        Safe to retry: each update is guarded by the job's unfinished status,
        so a second run changes only jobs the first did not reach.
        """
        async with self._sessions() as session:
            found = await find_unfinished_jobs(
                session, timedelta(seconds=data.older_than_seconds), data.limit
            )
        result = ReconcileResult(checked=len(found))
        for job in found:
            activity.heartbeat(str(job.id))
            reason = await self._ended_run(job)
            if reason is None:
                continue
            async with self._sessions() as session, session.begin():
                changed = await fail_abandoned_job(session, job.id, reason)
            if changed:
                activity.logger.warning(
                    "Job %s left %s: %s", job.id, job.status, reason
                )
                result.failed += 1
                if len(result.failed_job_ids) < MAX_LISTED_JOBS:
                    result.failed_job_ids.append(job.id)
        return result

    async def _ended_run(self, job: UnfinishedJob) -> str | None:
        """Return why the job's workflow run no longer runs, or None if it runs."""
        handle = self._client.get_workflow_handle(job.workflow_id)
        try:
            description = await handle.describe()
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            return f"workflow {job.workflow_id} not found"
        status = description.status
        if status != WorkflowExecutionStatus.RUNNING:
            state = status.name.lower() if status is not None else "unknown"
            return f"workflow {job.workflow_id} ended {state} before the job"
        # The workflow id belongs to a tenant and domain, so a later scan of the
        # same domain runs under it with a job of its own.
        running_job = await description.memo_value("job_id", "")
        if running_job and running_job != str(job.id):
            return (
                f"workflow {job.workflow_id} now runs job {running_job}; "
                "this job's run ended before the job"
            )
        return None

    def all(self) -> list[object]:
        """Return the bound activity methods to register on a worker."""
        return [self.fail_abandoned_jobs]
