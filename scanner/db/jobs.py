"""Queries behind the scan activities. Each is safe to run twice.

Every function takes an open session inside a transaction and leaves the commit
to the caller, so an activity decides where its one transaction ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scanner.db.models import Domain, ScanJob, ScanResult, Tenant
from scanner.errors import ScannerError
from scanner.payloads import PageData, ScrapeResult
from scanner.status import ALLOWED_FROM, Status

MAX_ERROR_MESSAGE = 2000
MAX_REQUESTED_DOMAIN = 1000


def storable_text(value: str, limit: int) -> str:
    """Return `value` cut to `limit` characters, with NUL characters escaped.

    Postgres `text` cannot hold U+0000, and user input may contain it; without
    this the error record of such input would fail on every retry.
    """
    return value.replace("\x00", "\\x00")[:limit]


class JobNotFoundError(ScannerError):
    """A job id that has no row: the workflow must create the job first."""


@dataclass(frozen=True)
class JobRow:
    id: uuid.UUID
    tenant: str
    requested_domain: str
    domain: str | None
    kind: str
    status: str
    error_type: str | None
    error_message: str | None
    attempts: int
    workflow_id: str
    batch_id: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


async def ensure_tenant(session: AsyncSession, name: str) -> int:
    """Return the id of tenant `name`, creating it if needed."""
    statement = text(
        "WITH inserted AS ("
        " INSERT INTO tenants (name) VALUES (:name)"
        " ON CONFLICT (name) DO NOTHING RETURNING id)"
        " SELECT id FROM inserted"
        " UNION ALL SELECT id FROM tenants WHERE name = :name"
        " LIMIT 1"
    )
    return await _upsert_returning_id(session, statement, {"name": name})


async def ensure_domain(session: AsyncSession, tenant_id: int, domain: str) -> int:
    """Return the id of `domain` for the tenant, creating it if needed.

    The unique key (tenant_id, domain) decides the race between concurrent
    first scans: ON CONFLICT DO NOTHING never raises, and the loop in
    `_upsert_returning_id` reads the row a concurrent transaction committed.
    """
    statement = text(
        "WITH inserted AS ("
        " INSERT INTO domains (tenant_id, domain) VALUES (:tenant_id, :domain)"
        " ON CONFLICT (tenant_id, domain) DO NOTHING RETURNING id)"
        " SELECT id FROM inserted"
        " UNION ALL SELECT id FROM domains"
        " WHERE tenant_id = :tenant_id AND domain = :domain"
        " LIMIT 1"
    )
    return await _upsert_returning_id(
        session, statement, {"tenant_id": tenant_id, "domain": domain}
    )


async def _upsert_returning_id(
    session: AsyncSession, statement: object, params: dict[str, object]
) -> int:
    # In READ COMMITTED the SELECT branch reads the snapshot taken when the
    # statement started, so it can miss a row that a concurrent insert committed
    # while ON CONFLICT waited for it. The next statement gets a new snapshot.
    for _ in range(5):
        row_id = (await session.execute(statement, params)).scalar()  # type: ignore[call-overload]
        if row_id is not None:
            return int(row_id)
    raise ScannerError(f"could not insert or read the row for {params!r}")


async def create_job(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    tenant_id: int,
    domain_id: int | None,
    requested_domain: str,
    workflow_id: str,
    kind: str = "domain",
    batch_id: uuid.UUID | None = None,
) -> None:
    """Insert the job row as `pending`; a second call leaves the first row as is.

    A job created without a domain (invalid input) gets its domain filled in if
    a later call has one.
    """
    statement = (
        insert(ScanJob)
        .values(
            id=job_id,
            tenant_id=tenant_id,
            domain_id=domain_id,
            requested_domain=storable_text(requested_domain, MAX_REQUESTED_DOMAIN),
            workflow_id=workflow_id,
            kind=kind,
            batch_id=batch_id,
            status=Status.PENDING.value,
        )
        .on_conflict_do_update(
            index_elements=[ScanJob.id],
            set_={"domain_id": func.coalesce(ScanJob.domain_id, domain_id)},
        )
    )
    await session.execute(statement)


async def set_job_status(
    session: AsyncSession, job_id: uuid.UUID, status: Status
) -> tuple[str, bool]:
    """Move a job to `status` if the move is allowed from its current status.

    Returns:
        The job's status after the call, and whether this call changed it. A
        move that is not allowed (`completed` back to `running`) changes nothing.

    Raises:
        JobNotFoundError: no job has this id.
    """
    allowed = [value.value for value in ALLOWED_FROM[status]]
    values: dict[str, object] = {"status": status.value}
    if status is Status.RUNNING:
        values["started_at"] = func.coalesce(ScanJob.started_at, func.now())
        values["finished_at"] = None
        values["attempts"] = ScanJob.attempts + 1
    elif status in {Status.COMPLETED, Status.FAILED, Status.CANCELLED}:
        values["finished_at"] = func.now()
    if status in {Status.RUNNING, Status.COMPLETED}:
        # A reset workflow runs a failed job again; its old error no longer applies.
        values["error_type"] = None
        values["error_message"] = None
    statement = (
        update(ScanJob)
        .where(ScanJob.id == job_id, ScanJob.status.in_(allowed))
        .where(ScanJob.status != status.value)
        .values(**values)
        .returning(ScanJob.status)
    )
    changed = (await session.execute(statement)).scalar()
    if changed is not None:
        return str(changed), True
    current = await session.scalar(select(ScanJob.status).where(ScanJob.id == job_id))
    if current is None:
        raise JobNotFoundError(f"scan job {job_id} not found")
    return str(current), False


async def save_results(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    tenant_id: int,
    domain_id: int,
    result: ScrapeResult,
) -> tuple[str, bool]:
    """Upsert the result row of a job and mark the job `completed`.

    The result is keyed by job id, so a retried call rewrites the same row.
    """
    page = result.page
    values = {
        "job_id": job_id,
        "tenant_id": tenant_id,
        "domain_id": domain_id,
        "requested_url": result.requested_url,
        "final_url": result.final_url,
        "http_status": result.http_status,
        "content_type": result.content_type,
        "charset": result.charset,
        "body_bytes": result.body_bytes,
        "fetch_ms": result.fetch_ms,
        "extract_ms": result.extract_ms,
        "redirect_chain": result.redirect_chain,
        "title": page.title,
        "description": page.description,
        "language": page.language,
        "canonical": page.canonical,
        "emails": page.emails,
        "phones": page.phones,
        "social": page.social,
        "cms": page.cms,
        "feeds": page.feeds,
    }
    await upsert_by_job(session, ScanResult, values)
    await session.execute(
        update(Domain)
        .where(Domain.id == domain_id, Domain.tenant_id == tenant_id)
        .values(last_scanned_at=func.now())
    )
    return await set_job_status(session, job_id, Status.COMPLETED)


async def upsert_by_job(
    session: AsyncSession, model: type[Any], values: dict[str, Any]
) -> None:
    """Insert a row keyed by `job_id`, or update every column but the keys.

    A result belongs to exactly one job, so a retried write rewrites the same
    row instead of adding one.
    """
    statement = insert(model).values(**values)
    updates: dict[str, Any] = {
        key: statement.excluded[key]
        for key in values
        if key not in {"job_id", "tenant_id", "domain_id"}
    }
    updates["updated_at"] = func.now()
    await session.execute(
        statement.on_conflict_do_update(index_elements=[model.job_id], set_=updates)
    )


async def record_error(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    tenant_id: int,
    requested_domain: str,
    workflow_id: str,
    error_type: str,
    error_message: str,
    kind: str = "domain",
    batch_id: uuid.UUID | None = None,
) -> tuple[str, bool]:
    """Mark a job `failed` with the error, creating the job row if it is missing.

    A job that already ended `completed` or `cancelled` keeps its status.
    """
    message = storable_text(error_message, MAX_ERROR_MESSAGE)
    statement = insert(ScanJob).values(
        id=job_id,
        tenant_id=tenant_id,
        requested_domain=storable_text(requested_domain, MAX_REQUESTED_DOMAIN),
        workflow_id=workflow_id,
        kind=kind,
        batch_id=batch_id,
        status=Status.FAILED.value,
        error_type=error_type,
        error_message=message,
        finished_at=func.now(),
    )
    allowed = [value.value for value in ALLOWED_FROM[Status.FAILED]]
    upsert = statement.on_conflict_do_update(
        index_elements=[ScanJob.id],
        set_={
            "status": Status.FAILED.value,
            "error_type": error_type,
            "error_message": message,
            "finished_at": func.now(),
        },
        where=ScanJob.status.in_(allowed),
    ).returning(ScanJob.status)
    changed = (await session.execute(upsert)).scalar()
    if changed is not None:
        return str(changed), True
    current = await session.scalar(select(ScanJob.status).where(ScanJob.id == job_id))
    return str(current), False


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> JobRow | None:
    """Return a job with its tenant and domain names."""
    statement = (
        select(ScanJob, Tenant.name, Domain.domain)
        .join(Tenant, Tenant.id == ScanJob.tenant_id)
        .outerjoin(Domain, Domain.id == ScanJob.domain_id)
        .where(ScanJob.id == job_id)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    job, tenant, domain = row
    return JobRow(
        id=job.id,
        tenant=tenant,
        requested_domain=job.requested_domain,
        domain=domain,
        kind=job.kind,
        status=job.status,
        error_type=job.error_type,
        error_message=job.error_message,
        attempts=job.attempts,
        workflow_id=job.workflow_id,
        batch_id=job.batch_id,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


async def latest_result(
    session: AsyncSession, tenant: str, domain: str
) -> tuple[JobRow, ScanResult | None] | None:
    """Return the newest job of a tenant's domain and its result, if any."""
    statement = (
        select(ScanJob.id)
        .join(Tenant, Tenant.id == ScanJob.tenant_id)
        .join(Domain, Domain.id == ScanJob.domain_id)
        .where(Tenant.name == tenant, Domain.domain == domain)
        .where(ScanJob.kind == "domain")
        .order_by(ScanJob.created_at.desc())
        .limit(1)
    )
    job_id = await session.scalar(statement)
    if job_id is None:
        return None
    job = await get_job(session, job_id)
    assert job is not None
    result = await session.get(ScanResult, job_id)
    return job, result


def stored_scrape_result(stored: ScanResult) -> ScrapeResult:
    """Rebuild the scrape result payload from its stored row."""
    return ScrapeResult(
        requested_url=stored.requested_url,
        final_url=stored.final_url,
        http_status=stored.http_status,
        content_type=stored.content_type,
        charset=stored.charset,
        body_bytes=stored.body_bytes,
        fetch_ms=stored.fetch_ms,
        extract_ms=stored.extract_ms,
        redirect_chain=stored.redirect_chain,
        page=PageData(
            title=stored.title,
            description=stored.description,
            language=stored.language,
            canonical=stored.canonical,
            emails=stored.emails,
            phones=stored.phones,
            social=stored.social,
            cms=stored.cms,
            feeds=stored.feeds,
        ),
    )
