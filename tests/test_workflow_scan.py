"""ScanDomainWorkflow on the real Temporal dev server, against local sites."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities import build_activities
from devstack.sites import SiteServer
from devstack.temporal import free_port
from scanner.db.models import Domain, ScanJob, ScanResult, Tenant
from scanner.net.fetcher import Fetcher
from scanner.settings import Settings
from tests.temporal_helpers import running_worker, scan, settings_for_hosts
from workflows import ALL_WORKFLOWS

BOOKSHOP = "www.bluebell-bookshop.test"
ERROR_SITES = [
    "www.hang.test",
    "www.redirect-loop.test",
    "www.huge-page.test",
    "www.pdf-home.test",
    "www.unavailable.test",
    "www.missing-home.test",
]


@pytest.fixture(scope="module")
def scan_settings(base_settings: Settings, site_server: SiteServer) -> Settings:
    site_server.add_site("www.missing-home.test", {"/": {"status": 404}})
    site_server.add_site(
        "www.http-only.test",
        {
            "/": {
                "status": 200,
                "body": "<html lang='en'><title>Plain http</title></html>",
                "headers": {"Content-Type": "text/html"},
            }
        },
    )
    closed_port = free_port()
    hosts = [BOOKSHOP, "www.http-only.test", *ERROR_SITES]
    return settings_for_hosts(
        base_settings,
        site_server,
        hosts,
        extra_rules=f"www.http-only.test:443:127.0.0.1:{closed_port}",
    ).with_overrides(scrape_max_attempts=2)


async def _rows(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> tuple[list[Domain], list[ScanJob], list[ScanResult]]:
    tenant_ids = select(Tenant.id).where(Tenant.name == tenant)
    async with sessions() as session:
        domains = (
            await session.scalars(
                select(Domain).where(Domain.tenant_id.in_(tenant_ids))
            )
        ).all()
        jobs = (
            await session.scalars(
                select(ScanJob).where(ScanJob.tenant_id.in_(tenant_ids))
            )
        ).all()
        results = (
            await session.scalars(
                select(ScanResult).where(ScanResult.tenant_id.in_(tenant_ids))
            )
        ).all()
    return list(domains), list(jobs), list(results)


async def test_worker_builds_with_real_workflows(
    temporal_client: Client,
    base_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    fetcher = Fetcher(base_settings)
    try:
        worker = Worker(
            temporal_client,
            task_queue=f"validate-{uuid.uuid4().hex[:8]}",
            workflows=ALL_WORKFLOWS,
            activities=build_activities(sessions, fetcher, base_settings),  # type: ignore[arg-type]
        )
    finally:
        await fetcher.aclose()

    assert worker.task_queue.startswith("validate-")


async def test_scan_https_site_end_to_end(
    temporal_client: Client,
    scan_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    async with running_worker(temporal_client, scan_settings, task_queue):
        row = await scan(temporal_client, scan_settings, tenant, BOOKSHOP, task_queue)

    assert row["status"] == "completed"
    assert row["domain"] == "bluebell-bookshop.test"
    assert row["final_url"] == "https://www.bluebell-bookshop.test/"
    assert row["emails"] == ["shop@bluebell-bookshop.test"]
    assert row["phones"] == ["+441144960101"]
    assert row["cms"] == "wordpress"
    domains, jobs, results = await _rows(sessions, tenant)
    assert [domain.domain for domain in domains] == ["bluebell-bookshop.test"]
    assert [job.status for job in jobs] == ["completed"]
    assert jobs[0].attempts == 1
    assert jobs[0].finished_at is not None
    assert len(results) == 1
    assert results[0].title == "Bluebell Books – Independent bookshop in Sheffield"
    assert results[0].social["twitter"] == "https://x.com/bluebellbooks_s"
    assert str(results[0].job_id) == row["job_id"]


async def test_scan_falls_back_to_http(
    temporal_client: Client,
    scan_settings: Settings,
    task_queue: str,
    tenant: str,
) -> None:
    async with running_worker(temporal_client, scan_settings, task_queue):
        row = await scan(
            temporal_client, scan_settings, tenant, "www.http-only.test", task_queue
        )

    assert row["status"] == "completed"
    assert row["final_url"] == "http://www.http-only.test/"
    assert row["title"] == "Plain http"


@pytest.mark.parametrize(
    ("domain", "error_type"),
    [
        ("not a domain", "invalid_domain"),
        ("unknown-host.test", "dns"),
        ("www.missing-home.test", "http_status"),
        ("www.hang.test", "timeout"),
        ("www.redirect-loop.test", "too_many_redirects"),
        ("www.huge-page.test", "too_large"),
        ("www.pdf-home.test", "not_html"),
        ("www.unavailable.test", "http_status"),
    ],
)
async def test_scan_failure_recorded(
    temporal_client: Client,
    scan_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
    domain: str,
    error_type: str,
) -> None:
    async with running_worker(temporal_client, scan_settings, task_queue):
        row = await scan(temporal_client, scan_settings, tenant, domain, task_queue)

    assert row["status"] == "failed"
    assert row["error_type"] == error_type
    assert row["error_message"]
    _, jobs, results = await _rows(sessions, tenant)
    assert len(jobs) == 1
    assert jobs[0].status == "failed"
    assert jobs[0].error_type == error_type
    assert jobs[0].finished_at is not None
    assert results == []


async def test_scan_invalid_domain_writes_only_failed_job(
    temporal_client: Client,
    scan_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    async with running_worker(temporal_client, scan_settings, task_queue):
        row = await scan(
            temporal_client, scan_settings, tenant, "https://u:p@x.com", task_queue
        )

    domains, jobs, _ = await _rows(sessions, tenant)
    assert row["error_type"] == "invalid_domain"
    assert "https://u:p@x.com" in (jobs[0].error_message or "")
    assert domains == []
    assert jobs[0].domain_id is None
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(ScanJob).where(ScanJob.id == jobs[0].id)
        )
    assert count == 1
