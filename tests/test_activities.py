"""The database activities against a real Postgres: races, retries, transitions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.scan import ScanActivities
from scanner.db.models import Domain, ScanJob, ScanResult, Tenant
from scanner.net.fetcher import Fetcher
from scanner.payloads import (
    DomainLookupInput,
    JobErrorInput,
    JobStatusInput,
    PageData,
    SaveResultsInput,
    ScrapeResult,
)
from scanner.settings import Settings


@pytest.fixture
async def activities(
    sessions: async_sessionmaker[AsyncSession], base_settings: Settings
) -> AsyncIterator[ScanActivities]:
    fetcher = Fetcher(base_settings)
    yield ScanActivities(sessions, fetcher, base_settings)
    await fetcher.aclose()


def _lookup(
    tenant: str, domain: str, job_id: uuid.UUID | None = None
) -> DomainLookupInput:
    job_id = job_id or uuid.uuid4()
    return DomainLookupInput(
        tenant=tenant, domain=domain, job_id=job_id, workflow_id=f"wf-{job_id}"
    )


def _scrape_result(title: str) -> ScrapeResult:
    return ScrapeResult(
        requested_url="https://example.com/",
        final_url="https://example.com/",
        http_status=200,
        content_type="text/html",
        body_bytes=100,
        page=PageData(title=title, emails=["info@example.com"]),
    )


async def _count(
    sessions: async_sessionmaker[AsyncSession], model: type, *conditions: object
) -> int:
    async with sessions() as session:
        statement = select(func.count()).select_from(model).where(*conditions)  # type: ignore[arg-type]
        return int(await session.scalar(statement) or 0)


async def test_domain_lookup_20_concurrent_calls_one_row(
    activities: ScanActivities,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    env = ActivityEnvironment()
    forms = ["Example.com", "https://www.example.com/x", "example.com."]
    calls = [
        env.run(activities.get_or_create_domain, _lookup(tenant, forms[index % 3]))
        for index in range(20)
    ]

    results = await asyncio.gather(*calls)

    assert len({result.domain_id for result in results}) == 1
    assert {result.domain for result in results} == {"example.com"}
    tenant_filter = Domain.tenant_id.in_(select(Tenant.id).where(Tenant.name == tenant))
    assert await _count(sessions, Domain, tenant_filter) == 1
    assert await _count(sessions, Tenant, Tenant.name == tenant) == 1
    assert (
        await _count(
            sessions,
            ScanJob,
            ScanJob.tenant_id.in_(select(Tenant.id).where(Tenant.name == tenant)),
        )
        == 20
    )


async def test_domain_lookup_retry_keeps_one_job(
    activities: ScanActivities,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    env = ActivityEnvironment()
    data = _lookup(tenant, "retry.example")

    first = await env.run(activities.get_or_create_domain, data)
    second = await env.run(activities.get_or_create_domain, data)

    assert first == second
    assert await _count(sessions, ScanJob, ScanJob.id == data.job_id) == 1


async def test_domain_lookup_tenants_get_separate_rows(
    activities: ScanActivities, tenant: str
) -> None:
    env = ActivityEnvironment()

    first = await env.run(activities.get_or_create_domain, _lookup(tenant, "a.example"))
    other = await env.run(
        activities.get_or_create_domain, _lookup(tenant + "-other", "a.example")
    )

    assert first.domain_id != other.domain_id
    assert first.tenant_id != other.tenant_id


async def test_domain_lookup_invalid_is_non_retryable(
    activities: ScanActivities,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    env = ActivityEnvironment()

    with pytest.raises(ApplicationError) as caught:
        await env.run(activities.get_or_create_domain, _lookup(tenant, "not a domain"))

    assert caught.value.type == "invalid_domain"
    assert caught.value.non_retryable
    assert "not a domain" in caught.value.message
    assert await _count(sessions, Tenant, Tenant.name == tenant) == 0


async def test_status_never_moves_backwards(
    activities: ScanActivities, tenant: str
) -> None:
    env = ActivityEnvironment()
    data = _lookup(tenant, "status.example")
    lookup = await env.run(activities.get_or_create_domain, data)

    running = await env.run(
        activities.update_job_status,
        JobStatusInput(job_id=data.job_id, status="running"),
    )
    saved = await env.run(
        activities.update_job_with_results,
        SaveResultsInput(
            job_id=data.job_id,
            tenant_id=lookup.tenant_id,
            domain_id=lookup.domain_id,
            result=_scrape_result("Home"),
        ),
    )
    late_running = await env.run(
        activities.update_job_status,
        JobStatusInput(job_id=data.job_id, status="running"),
    )
    late_error = await env.run(
        activities.update_job_with_error,
        JobErrorInput(
            job_id=data.job_id,
            tenant=tenant,
            requested_domain="status.example",
            workflow_id=data.workflow_id,
            error_type="timeout",
            error_message="late retry",
        ),
    )

    assert running.status == "running"
    assert running.changed
    assert saved.status == "completed"
    assert late_running.status == "completed"
    assert not late_running.changed
    assert late_error.status == "completed"
    assert not late_error.changed


async def test_running_twice_counts_one_attempt(
    activities: ScanActivities,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    env = ActivityEnvironment()
    data = _lookup(tenant, "attempts.example")
    await env.run(activities.get_or_create_domain, data)
    status = JobStatusInput(job_id=data.job_id, status="running")

    await env.run(activities.update_job_status, status)
    await env.run(activities.update_job_status, status)

    async with sessions() as session:
        job = await session.get(ScanJob, data.job_id)
    assert job is not None
    assert job.attempts == 1
    assert job.started_at is not None
    assert job.started_at.tzinfo is not None


async def test_results_written_twice_leave_one_row(
    activities: ScanActivities,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    env = ActivityEnvironment()
    data = _lookup(tenant, "twice.example")
    lookup = await env.run(activities.get_or_create_domain, data)
    await env.run(
        activities.update_job_status,
        JobStatusInput(job_id=data.job_id, status="running"),
    )

    for title in ("First", "Second"):
        await env.run(
            activities.update_job_with_results,
            SaveResultsInput(
                job_id=data.job_id,
                tenant_id=lookup.tenant_id,
                domain_id=lookup.domain_id,
                result=_scrape_result(title),
            ),
        )

    assert await _count(sessions, ScanResult, ScanResult.job_id == data.job_id) == 1
    async with sessions() as session:
        result = await session.get(ScanResult, data.job_id)
        domain = await session.get(Domain, lookup.domain_id)
    assert result is not None
    assert result.title == "Second"
    assert result.emails == ["info@example.com"]
    assert domain is not None
    assert domain.last_scanned_at is not None


async def test_error_write_after_failed_session(
    activities: ScanActivities,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    env = ActivityEnvironment()
    data = _lookup(tenant, "broken-session.example")
    await env.run(activities.get_or_create_domain, data)

    # A step whose transaction breaks: the session is unusable afterwards.
    async with sessions() as session:
        with pytest.raises(DBAPIError):
            async with session.begin():
                await session.execute(text("SELECT 1/0"))

    result = await env.run(
        activities.update_job_with_error,
        JobErrorInput(
            job_id=data.job_id,
            tenant=tenant,
            requested_domain="broken-session.example",
            workflow_id=data.workflow_id,
            error_type="internal",
            error_message="division by zero in a previous step",
        ),
    )

    assert result.status == "failed"
    async with sessions() as session:
        job = await session.get(ScanJob, data.job_id)
    assert job is not None
    assert job.status == "failed"
    assert job.error_type == "internal"
    assert job.finished_at is not None


async def test_error_write_creates_missing_job(
    activities: ScanActivities,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    env = ActivityEnvironment()
    job_id = uuid.uuid4()

    await env.run(
        activities.update_job_with_error,
        JobErrorInput(
            job_id=job_id,
            tenant=tenant,
            requested_domain="bad input",
            workflow_id="wf-bad",
            error_type="invalid_domain",
            error_message="invalid domain 'bad input'",
        ),
    )

    async with sessions() as session:
        job = await session.get(ScanJob, job_id)
    assert job is not None
    assert job.status == "failed"
    assert job.domain_id is None
    assert job.requested_domain == "bad input"
    assert (
        await _count(
            sessions,
            Domain,
            Domain.tenant_id.in_(select(Tenant.id).where(Tenant.name == tenant)),
        )
        == 0
    )
