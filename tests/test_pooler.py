"""Scans through a real PgBouncer in transaction mode, and the control without it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities.scan import ScanActivities
from cli.scan import start_scan, wait_for_scan
from devstack.pgbouncer import PgBouncer
from devstack.sites import SiteServer
from scanner.db.engine import create_engine, create_session_factory
from scanner.db.models import ScanJob, Tenant
from scanner.net.fetcher import Fetcher
from scanner.payloads import DomainLookupInput, JobStatusInput
from scanner.settings import Settings
from tests.conftest import require_pgbouncer
from tests.processes.scans import add_page_site
from tests.processes.workers import (
    PREPARED_STATEMENT_ERROR,
    WorkerProcess,
    worker_env,
)

pytestmark = [pytest.mark.pgbouncer, pytest.mark.temporal]
logger = logging.getLogger(__name__)

SCANS = 300
CONTROL_CALLS = 60
WORKERS = 2


@pytest.fixture(scope="module")
def pool_hosts(site_server: SiteServer) -> list[str]:
    """Serve one small page on each of SCANS distinct hosts."""
    hosts = [f"pool-{index:03d}.test" for index in range(SCANS)]
    for host in hosts:
        add_page_site(site_server, host)
    return hosts


@pytest.fixture
async def pooled_workers(
    pgbouncer_url: str,
    temporal_server: str,
    site_server: SiteServer,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[list[WorkerProcess]]:
    """Run two worker processes that reach Postgres only through PgBouncer."""
    env = worker_env(
        database_url=pgbouncer_url,
        temporal_address=temporal_server,
        task_queue=task_queue,
        site_server=site_server,
        pool_mode="transaction",
    )
    workers = [
        WorkerProcess(env, tmp_path / f"worker-{index}.log") for index in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            await worker.wait_ready()
        yield workers
    finally:
        for worker in workers:
            worker.stop()


async def _scan_all(
    client: Client, settings: Settings, tenant: str, hosts: list[str], queue: str
) -> list[dict[str, Any]]:
    limit = asyncio.Semaphore(25)

    async def one(host: str) -> dict[str, Any]:
        async with limit:
            started = await start_scan(client, settings, tenant, host, task_queue=queue)
        return await wait_for_scan(started)

    return await asyncio.gather(*(one(host) for host in hosts))


async def _job_rows(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> list[ScanJob]:
    tenant_ids = select(Tenant.id).where(Tenant.name == tenant)
    async with sessions() as session:
        found = await session.scalars(
            select(ScanJob).where(ScanJob.tenant_id.in_(tenant_ids))
        )
        return list(found.all())


async def _server_prepared_statements(
    bouncer: PgBouncer, url: str
) -> tuple[set[int], set[int], int]:
    """Count prepared statements on every server backend of the pool.

    pg_prepared_statements shows only its own session, so the query must run on
    each backend PgBouncer holds. One open transaction pins one backend, so
    `pool_size` transactions at once cover them all; SHOW SERVERS names the
    backends to compare with.

    Returns:
        The backend pids PgBouncer reports, the pids the query ran on, and the
        number of prepared statements found on them.
    """
    database = make_url(url).database
    servers = {
        int(row["remote_pid"])
        for row in bouncer.admin_rows("SHOW SERVERS")
        if row["database"] == database
    }
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    connections = [
        await asyncpg.connect(dsn, statement_cache_size=0)
        for _ in range(bouncer.pool_size)
    ]
    try:
        for connection in connections:
            await connection.execute("BEGIN")
        rows = [
            await connection.fetchrow(
                "SELECT pg_backend_pid() AS pid, count(*) AS statements"
                " FROM pg_prepared_statements"
            )
            for connection in connections
        ]
        for connection in connections:
            await connection.execute("ROLLBACK")
    finally:
        for connection in connections:
            await connection.close()
    seen = {int(row["pid"]) for row in rows if row is not None}
    total = sum(int(row["statements"]) for row in rows if row is not None)
    return servers, seen, total


@pytest.mark.slow
async def test_pooler_transaction_mode_scans_without_errors(
    pooled_workers: list[WorkerProcess],
    pgbouncer: PgBouncer,
    pgbouncer_url: str,
    temporal_client: Client,
    base_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    pool_hosts: list[str],
    task_queue: str,
    tenant: str,
) -> None:
    rows = await _scan_all(
        temporal_client, base_settings, tenant, pool_hosts, task_queue
    )
    for worker in pooled_workers:
        worker.stop()

    log_errors = sum(worker.prepared_statement_errors() for worker in pooled_workers)
    jobs = await _job_rows(sessions, tenant)
    job_errors = [
        job
        for job in jobs
        if PREPARED_STATEMENT_ERROR.search(job.error_message or "") is not None
    ]
    servers, seen, leftover = await _server_prepared_statements(
        pgbouncer, pgbouncer_url
    )
    logger.warning(
        "pooler, transaction mode: %s scans, %s statement errors in logs, "
        "%s in jobs, %s prepared statements left on backends %s",
        len(rows),
        log_errors,
        len(job_errors),
        leftover,
        sorted(seen),
    )
    assert [row["status"] for row in rows] == ["completed"] * SCANS
    assert all("Domain " in worker.log() for worker in pooled_workers)
    assert len(jobs) == SCANS
    assert {job.status for job in jobs} == {"completed"}
    assert log_errors == 0
    assert job_errors == []
    assert servers
    assert servers <= seen
    assert leftover == 0


@pytest.fixture
def control_bouncer(server_url: str) -> Iterator[PgBouncer]:
    """Run a PgBouncer of its own, so the control's leftovers touch no other test."""
    require_pgbouncer()
    bouncer = PgBouncer(server_url, pool_size=3, pool_mode="transaction")
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


async def _concurrent_lookups(
    settings: Settings, tenant: str, calls: int
) -> list[BaseException | None]:
    """Run the lookup and mark-running activities `calls` times at once."""
    engine = create_engine(settings)
    fetcher = Fetcher(settings)
    activities = ScanActivities(create_session_factory(engine), fetcher, settings)
    environment = ActivityEnvironment()

    async def one(index: int) -> None:
        job_id = uuid.uuid4()
        await environment.run(
            activities.get_or_create_domain,
            DomainLookupInput(
                tenant=tenant,
                domain=f"control-{index}.test",
                job_id=job_id,
                workflow_id=f"control/{job_id}",
            ),
        )
        await environment.run(
            activities.update_job_status,
            JobStatusInput(job_id=job_id, status="running"),
        )

    try:
        outcomes = await asyncio.gather(
            *(one(index) for index in range(calls)), return_exceptions=True
        )
    finally:
        await fetcher.aclose()
        await engine.dispose()
    return [
        outcome if isinstance(outcome, BaseException) else None for outcome in outcomes
    ]


def _statement_errors(outcomes: list[BaseException | None]) -> int:
    return sum(
        1
        for outcome in outcomes
        if outcome is not None and PREPARED_STATEMENT_ERROR.search(repr(outcome))
    )


@pytest.mark.slow
async def test_pooler_direct_mode_breaks_prepared_statements(
    control_bouncer: PgBouncer,
    database_url: str,
    base_settings: Settings,
    tenant: str,
) -> None:
    url = control_bouncer.url_for(database_url)
    settings = base_settings.with_overrides(
        database_url=url.replace("postgresql://", "postgresql+asyncpg://"),
        database_pool_size=20,
        database_max_overflow=20,
    )

    pooled = await _concurrent_lookups(
        settings.with_overrides(database_pool_mode="transaction"),
        f"{tenant}-transaction",
        CONTROL_CALLS,
    )
    direct = await _concurrent_lookups(
        settings.with_overrides(database_pool_mode="direct"),
        f"{tenant}-direct",
        CONTROL_CALLS,
    )
    _, _, leftover = await _server_prepared_statements(control_bouncer, url)

    logger.warning(
        "pooler control: %s of %s call pairs failed on prepared statements in "
        "direct mode, %s in transaction mode; %s statements left on backends",
        _statement_errors(direct),
        CONTROL_CALLS,
        _statement_errors(pooled),
        leftover,
    )
    assert _statement_errors(pooled) == 0
    assert _statement_errors(direct) > 0
    assert leftover > 0
