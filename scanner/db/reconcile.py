"""Queries that find jobs left unfinished by a workflow that ended without them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scanner.db import jobs
from scanner.db.models import ScanJob
from scanner.errors import ErrorKind
from scanner.status import Status

UNFINISHED = (Status.PENDING.value, Status.RUNNING.value)


@dataclass(frozen=True)
class UnfinishedJob:
    """A job still `pending` or `running`, and the workflow that runs it."""

    id: uuid.UUID
    workflow_id: str
    status: str


async def find_unfinished_jobs(
    session: AsyncSession, older_than: timedelta, limit: int
) -> list[UnfinishedJob]:
    """Return up to `limit` unfinished jobs created more than `older_than` ago.

    The oldest come first, so a backlog larger than `limit` drains over
    several runs.
    """
    statement = (
        select(ScanJob)
        .where(ScanJob.status.in_(UNFINISHED))
        .where(ScanJob.created_at < func.now() - older_than)
        .order_by(ScanJob.created_at)
        .limit(limit)
    )
    rows = await session.scalars(statement)
    return [
        UnfinishedJob(id=row.id, workflow_id=row.workflow_id, status=row.status)
        for row in rows
    ]


async def fail_abandoned_job(
    session: AsyncSession, job_id: uuid.UUID, message: str
) -> bool:
    """Mark a job whose workflow run has ended `failed`, type `workflow_terminated`.

    The update is guarded by the status the job was found in: a job that its
    workflow ended `completed` or `failed` with its own error type since it was
    read keeps that status and error. `failed` is an allowed move from both
    in `scanner.status.ALLOWED_FROM`, so a reset run can still take the job back.

    Returns:
        Whether this call changed the job.
    """
    statement = (
        update(ScanJob)
        .where(ScanJob.id == job_id, ScanJob.status.in_(UNFINISHED))
        .values(
            status=Status.FAILED.value,
            error_type=ErrorKind.WORKFLOW_TERMINATED.value,
            error_message=message[: jobs.MAX_ERROR_MESSAGE],
            finished_at=func.now(),
        )
        .returning(ScanJob.id)
    )
    return (await session.execute(statement)).scalar() is not None
