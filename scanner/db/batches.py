"""Queries behind batches: the domain list, derived totals, export and retry.

The totals of a batch are never incremented. `refresh_counts` recounts them
from the jobs its domains point at, so a retried refresh writes the same
numbers again.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    Text,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from scanner.batch_input import BatchLine
from scanner.db.jobs import MAX_ERROR_MESSAGE, storable_text
from scanner.db.models import Base, Batch, ScanJob, ScanResult, Tenant
from scanner.domains import starts_with_www
from scanner.status import ALLOWED_FROM, Status

# Rows per INSERT: 9 columns each stays far below asyncpg's 32,767 parameters.
INSERT_CHUNK = 1000
# Longer lines are invalid anyway (domains.py accepts at most 2,048 characters),
# so the stored copy only has to be long enough to recognise the line.
MAX_LINE_INPUT = 4096


class BatchDomain(Base):
    """One input line of a batch: a domain to scan, or a rejected value.

    `position` orders the unique valid domains from 0, and rejected lines have
    none. `job_id` points at the scan that counts for
    the domain, which may be a scan another request had already started.
    The table is created by migration 0003.
    """

    __tablename__ = "batch_domains"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("batches.id"), primary_key=True
    )
    line_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenants.id"))
    position: Mapped[int | None] = mapped_column(Integer)
    input: Mapped[str] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


@dataclass(frozen=True)
class BatchItem:
    position: int
    domain: str
    host: str
    www_first: bool = False


@dataclass(frozen=True)
class BatchCounts:
    status: str
    total: int
    pending: int
    running: int
    completed: int
    failed: int
    cancelled: int

    @property
    def done(self) -> int:
        return self.completed + self.failed + self.cancelled


@dataclass(frozen=True)
class BatchRow:
    id: uuid.UUID
    tenant: str
    tenant_id: int
    workflow_id: str | None
    counts: BatchCounts
    options: dict[str, Any]
    invalid: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


async def create_batch(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID,
    tenant_id: int,
    workflow_id: str,
    options: dict[str, Any],
    lines: Sequence[BatchLine],
) -> int:
    """Insert the batch and its lines, leaving rows that a first call inserted.

    Valid domains get positions in line order. Returns the number of domains
    to scan.
    """
    total = sum(1 for line in lines if line.domain is not None)
    await session.execute(
        insert(Batch)
        .values(
            id=batch_id,
            tenant_id=tenant_id,
            workflow_id=workflow_id,
            status=Status.PENDING.value,
            total=total,
            pending=total,
            options=options,
        )
        .on_conflict_do_nothing(index_elements=[Batch.id])
    )
    rows = _line_rows(batch_id, tenant_id, lines)
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        await session.execute(
            insert(BatchDomain).values(chunk).on_conflict_do_nothing()
        )
    return total


def _line_rows(
    batch_id: uuid.UUID, tenant_id: int, lines: Sequence[BatchLine]
) -> list[dict[str, Any]]:
    rows = []
    position = 0
    for line in sorted(lines, key=lambda item: item.line_number):
        row: dict[str, Any] = {
            "batch_id": batch_id,
            "tenant_id": tenant_id,
            "line_number": line.line_number,
            "input": storable_text(line.input, MAX_LINE_INPUT),
            "domain": line.domain,
            "host": line.host,
            "reason": None
            if line.reason is None
            else storable_text(line.reason, MAX_ERROR_MESSAGE),
            "position": None,
        }
        if line.domain is not None:
            row["position"] = position
            position += 1
        rows.append(row)
    return rows


async def load_page(
    session: AsyncSession, batch_id: uuid.UUID, start: int, limit: int
) -> list[BatchItem]:
    """Return up to `limit` domains from position `start` on, in order."""
    statement = (
        select(
            BatchDomain.position,
            BatchDomain.domain,
            BatchDomain.host,
            BatchDomain.input,
        )
        .where(BatchDomain.batch_id == batch_id)
        .where(BatchDomain.position >= start)
        .order_by(BatchDomain.position)
        .limit(limit)
    )
    rows = (await session.execute(statement)).all()
    return [
        BatchItem(int(p or 0), str(d), str(h or d), starts_with_www(i))
        for p, d, h, i in rows
    ]


async def assign_jobs(
    session: AsyncSession, batch_id: uuid.UUID, assignments: Sequence[tuple[int, str]]
) -> None:
    """Point domains at the jobs that scan them: (position, job id) pairs."""
    if not assignments:
        return
    statement = text(
        "UPDATE batch_domains AS d SET job_id = v.job_id"
        " FROM unnest(:positions, :job_ids) AS v(position, job_id)"
        " WHERE d.batch_id = :batch_id AND d.position = v.position"
    ).bindparams(
        bindparam("positions", type_=ARRAY(Integer)),
        bindparam("job_ids", type_=ARRAY(UUID(as_uuid=True))),
    )
    await session.execute(
        statement,
        {
            "batch_id": batch_id,
            "positions": [position for position, _ in assignments],
            "job_ids": [uuid.UUID(job_id) for _, job_id in assignments],
        },
    )


_REFRESH = text(
    "WITH counts AS ("
    " SELECT count(*) AS total,"
    " count(*) FILTER (WHERE j.status = 'running') AS running,"
    " count(*) FILTER (WHERE j.status = 'completed') AS completed,"
    " count(*) FILTER (WHERE j.status = 'failed') AS failed,"
    " count(*) FILTER (WHERE j.status = 'cancelled') AS cancelled,"
    " count(*) FILTER (WHERE j.id IS NULL OR j.status = 'pending') AS waiting"
    " FROM batch_domains d LEFT JOIN scan_jobs j ON j.id = d.job_id"
    " WHERE d.batch_id = :batch_id AND d.position IS NOT NULL)"
    " UPDATE batches AS b SET"
    " total = c.total, running = c.running, completed = c.completed,"
    " failed = c.failed,"
    " cancelled = c.cancelled"
    "  + CASE WHEN :status = 'cancelled' THEN c.waiting ELSE 0 END,"
    " pending = CASE WHEN :status = 'cancelled' THEN 0 ELSE c.waiting END,"
    " status = CASE WHEN b.status IN ('completed', 'cancelled') THEN b.status"
    "  ELSE :status END,"
    " finished_at = CASE WHEN :status IN ('completed', 'cancelled')"
    "  THEN coalesce(b.finished_at, now()) ELSE b.finished_at END,"
    " updated_at = now()"
    " FROM counts AS c WHERE b.id = :batch_id"
    " RETURNING b.status, b.total, b.pending, b.running, b.completed,"
    " b.failed, b.cancelled"
)


async def refresh_counts(
    session: AsyncSession, batch_id: uuid.UUID, status: Status
) -> BatchCounts | None:
    """Recount the batch from its jobs and store the totals with `status`.

    Domains whose scan has not started count as pending, or as cancelled once
    the batch is cancelled. A batch that ended keeps its final status. Returns
    None when the batch has no row.
    """
    row = (
        await session.execute(_REFRESH, {"batch_id": batch_id, "status": status.value})
    ).first()
    if row is None:
        return None
    return BatchCounts(str(row[0]), *(int(value) for value in row[1:]))


async def get_batch(session: AsyncSession, batch_id: uuid.UUID) -> BatchRow | None:
    """Return a batch with its tenant name and stored totals."""
    statement = (
        select(Batch, Tenant.name)
        .join(Tenant, Tenant.id == Batch.tenant_id)
        .where(Batch.id == batch_id)
    )
    found = (await session.execute(statement)).first()
    if found is None:
        return None
    batch, tenant = found
    invalid = await session.scalar(
        select(func.count())
        .select_from(BatchDomain)
        .where(BatchDomain.batch_id == batch_id, BatchDomain.position.is_(None))
    )
    counts = BatchCounts(
        batch.status,
        batch.total,
        batch.pending,
        batch.running,
        batch.completed,
        batch.failed,
        batch.cancelled,
    )
    return BatchRow(
        id=batch.id,
        tenant=tenant,
        tenant_id=batch.tenant_id,
        workflow_id=batch.workflow_id,
        counts=counts,
        options=dict(batch.options),
        invalid=int(invalid or 0),
        created_at=batch.created_at,
        updated_at=batch.updated_at,
        finished_at=batch.finished_at,
    )


async def export_rows(
    session: AsyncSession, batch_id: uuid.UUID, batch_status: str
) -> AsyncIterator[tuple[BatchDomain, ScanJob | None, ScanResult | None, str]]:
    """Yield every domain of the batch in order with its job, result and status.

    A domain whose scan never started is `pending`, or `cancelled` when the
    batch was cancelled.
    """
    statement = (
        select(BatchDomain, ScanJob, ScanResult)
        .outerjoin(ScanJob, ScanJob.id == BatchDomain.job_id)
        .outerjoin(ScanResult, ScanResult.job_id == ScanJob.id)
        .where(BatchDomain.batch_id == batch_id, BatchDomain.position.is_not(None))
        .order_by(BatchDomain.position)
        .execution_options(yield_per=500)
    )
    waiting = Status.CANCELLED.value if batch_status == "cancelled" else "pending"
    result = await session.stream(statement)
    async for line, job, stored in result:
        status = job.status if job is not None else waiting
        if status == Status.PENDING.value and batch_status == "cancelled":
            status = Status.CANCELLED.value
        yield line, job, stored, status


async def unfinished_lines(
    session: AsyncSession, batch_id: uuid.UUID, statuses: Sequence[str]
) -> list[BatchDomain]:
    """Return the domains of a batch whose job ended in one of `statuses`."""
    statement = (
        select(BatchDomain)
        .join(ScanJob, ScanJob.id == BatchDomain.job_id)
        .where(BatchDomain.batch_id == batch_id, ScanJob.status.in_(statuses))
        .order_by(BatchDomain.position)
    )
    return list((await session.scalars(statement)).all())


async def mark_job_cancelled(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    tenant_id: int,
    requested_domain: str,
    workflow_id: str,
    kind: str = "domain",
    batch_id: uuid.UUID | None = None,
) -> str:
    """Mark a job `cancelled`, creating the row if the scan was cancelled early.

    A job that already ended keeps its status. Returns the job's status.
    """
    statement = insert(ScanJob).values(
        id=job_id,
        tenant_id=tenant_id,
        requested_domain=requested_domain,
        workflow_id=workflow_id,
        kind=kind,
        batch_id=batch_id,
        status=Status.CANCELLED.value,
        error_type="cancelled",
        error_message="scan cancelled",
        finished_at=func.now(),
    )
    allowed = [value.value for value in ALLOWED_FROM[Status.CANCELLED]]
    upsert = statement.on_conflict_do_update(
        index_elements=[ScanJob.id],
        set_={
            "status": Status.CANCELLED.value,
            "error_type": "cancelled",
            "error_message": "scan cancelled",
            "finished_at": func.now(),
        },
        where=ScanJob.status.in_(allowed),
    ).returning(ScanJob.status)
    changed = (await session.execute(upsert)).scalar()
    if changed is not None:
        return str(changed)
    current = await session.scalar(select(ScanJob.status).where(ScanJob.id == job_id))
    return str(current)
