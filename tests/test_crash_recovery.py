"""Scans survive killed workers, a drained worker and a Postgres restart."""

from __future__ import annotations

import asyncio
import socket
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle

from devstack.migrate import upgrade_database
from devstack.postgres import EmbeddedPostgres
from devstack.sites import SiteServer
from devstack.temporal import find_temporal_binary, free_port
from scanner.db import jobs
from scanner.db.engine import create_engine, create_session_factory
from scanner.payloads import ScanDomainResult
from scanner.settings import Settings, normalize_database_url
from tests.processes.scans import (
    add_drip_site,
    add_page_site,
    count_rows,
    start_raw_scan,
    started_activities,
    wait_for_activity,
    workflow_task_identities,
)
from tests.processes.workers import WorkerProcess, worker_env
from tests.temporal_helpers import running_worker
from workflows.reconcile import reconcile_schedule_id

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

WorkerFactory = Callable[..., WorkerProcess]


@pytest.fixture
async def workers(
    database_url: str,
    temporal_server: str,
    site_server: SiteServer,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[WorkerFactory]:
    """Return a factory of worker processes on this test's task queue."""
    started: list[WorkerProcess] = []

    def make(url: str = database_url, grace_seconds: float = 5.0) -> WorkerProcess:
        env = worker_env(
            database_url=url,
            temporal_address=temporal_server,
            task_queue=task_queue,
            site_server=site_server,
        )
        log = tmp_path / f"worker-{len(started)}.log"
        worker = WorkerProcess(env, log, grace_seconds=grace_seconds)
        worker.start()
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()


def _identity(worker: WorkerProcess) -> str:
    # The Python SDK names a worker `pid@hostname` unless an identity is set.
    return f"{worker.pid}@{socket.gethostname()}"


async def test_worker_killed_during_scrape(
    workers: WorkerFactory,
    temporal_client: Client,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    add_drip_site(site_server, "www.crash-scrape.test", seconds=2.5)
    first = workers()
    await first.wait_ready()
    # The scrape's start-to-close timeout is longer than the test may wait, so
    # only the missing heartbeats of the killed worker can start the retry.
    handle = await start_raw_scan(
        temporal_client,
        tenant,
        "crash-scrape.test",
        task_queue,
        scrape_timeout=300,
    )

    running = await wait_for_activity(handle, "scrape_domain")
    first.kill()
    second = workers()
    await second.wait_ready()
    result = await asyncio.wait_for(handle.result(), 60)

    history = await started_activities(handle)
    scrapes = [activity for activity in history if activity.name == "scrape_domain"]
    counts = await count_rows(sessions, tenant)
    assert running.worker_identity == _identity(first)
    assert result.status == "completed"
    assert scrapes[-1].attempt == 2
    assert scrapes[-1].worker_identity == _identity(second)
    assert counts.domains == 1
    assert counts.jobs == 1
    assert counts.results == 1
    assert counts.statuses == ["completed"]


async def _wait_for_lock_waiter(connection: asyncpg.Connection, table: str) -> int:
    """Wait until a backend waits for a row lock on `table`; return its pid.

    Run it outside a transaction: inside one, pg_stat_activity keeps the
    snapshot taken at its first read.
    """
    for _ in range(300):
        pid = await connection.fetchval(
            "SELECT pid FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            " AND query ILIKE $1",
            f"%UPDATE {table}%",
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no backend waited for a lock on {table}")


async def test_worker_killed_during_save(
    workers: WorkerFactory,
    temporal_client: Client,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    task_queue: str,
    tenant: str,
) -> None:
    add_drip_site(site_server, "www.crash-save.test", seconds=1.5)
    first = workers()
    await first.wait_ready()
    handle = await start_raw_scan(
        temporal_client, tenant, "crash-save.test", task_queue
    )
    await wait_for_activity(handle, "scrape_domain")
    job_id = (await handle.describe()).memo_value
    locker = await asyncpg.connect(database_url)
    watcher = await asyncpg.connect(database_url)

    # Holding the job row makes the save block inside its transaction, after
    # the result upsert and before the job is marked completed. NO KEY UPDATE
    # lets the result's foreign key check through, so the block is on the
    # job's status update.
    try:
        job = str(await job_id("job_id"))
        await locker.execute("BEGIN")
        await locker.execute(
            "SELECT 1 FROM scan_jobs WHERE id = $1 FOR NO KEY UPDATE", job
        )
        blocked = await _wait_for_lock_waiter(watcher, "scan_jobs")
        first.kill()
        await locker.execute("ROLLBACK")
    finally:
        await locker.close()
        await watcher.close()
    second = workers()
    await second.wait_ready()
    result = await asyncio.wait_for(handle.result(), 90)

    counts = await count_rows(sessions, tenant)
    assert blocked > 0
    assert result.status == "completed"
    assert counts.domains == 1
    assert counts.jobs == 1
    assert counts.results == 1
    assert counts.statuses == ["completed"]


async def test_sigterm_drains_running_scrape(
    workers: WorkerFactory,
    temporal_client: Client,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    add_drip_site(site_server, "www.drain.test", seconds=3)
    pair = [workers(grace_seconds=15), workers(grace_seconds=15)]
    for worker in pair:
        await worker.wait_ready()
    handle = await start_raw_scan(temporal_client, tenant, "drain.test", task_queue)

    running = await wait_for_activity(handle, "scrape_domain")
    draining = next(w for w in pair if _identity(w) == running.worker_identity)
    other = next(w for w in pair if w is not draining)
    draining.terminate()
    exit_code = await draining.wait()
    result = await asyncio.wait_for(handle.result(), 60)

    history = await started_activities(handle)
    scrapes = [activity for activity in history if activity.name == "scrape_domain"]
    finishing = await workflow_task_identities(handle)
    counts = await count_rows(sessions, tenant)
    schedule = temporal_client.get_schedule_handle(reconcile_schedule_id(task_queue))
    created = await schedule.describe()
    await schedule.delete()
    assert created.id == reconcile_schedule_id(task_queue)
    assert exit_code == 0
    assert "Worker stopped" in draining.log()
    assert result.status == "completed"
    assert [scrape.attempt for scrape in scrapes] == [1]
    assert scrapes[0].worker_identity == _identity(draining)
    assert finishing[-1] == _identity(other)
    assert counts.statuses == ["completed"]


async def test_sigterm_short_grace_retries_elsewhere(
    workers: WorkerFactory,
    temporal_client: Client,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    add_drip_site(site_server, "www.short-grace.test", seconds=4)
    pair = [workers(grace_seconds=0.5), workers(grace_seconds=0.5)]
    for worker in pair:
        await worker.wait_ready()
    handle = await start_raw_scan(
        temporal_client, tenant, "short-grace.test", task_queue
    )

    running = await wait_for_activity(handle, "scrape_domain")
    stopping = next(w for w in pair if _identity(w) == running.worker_identity)
    other = next(w for w in pair if w is not stopping)
    stopping.terminate()
    exit_code = await stopping.wait()
    result = await asyncio.wait_for(handle.result(), 60)

    history = await started_activities(handle)
    scrapes = [activity for activity in history if activity.name == "scrape_domain"]
    counts = await count_rows(sessions, tenant)
    assert exit_code == 0
    assert result.status == "completed"
    assert scrapes[-1].attempt >= 2
    assert scrapes[-1].worker_identity == _identity(other)
    assert counts.results == 1
    assert counts.statuses == ["completed"]


@pytest.fixture
def restartable_postgres() -> Iterator[EmbeddedPostgres]:
    """Run a Postgres of this test's own, so restarting it touches nothing else."""
    with tempfile.TemporaryDirectory(prefix="restart-pg-") as folder:
        # The server runs as another user when the tests run as root, and that
        # user must be able to enter this folder.
        Path(folder).chmod(0o755)
        server = EmbeddedPostgres(Path(folder) / "data", port=free_port())
        server.start()
        try:
            yield server
        finally:
            server.stop()


RESTART_SCANS = 50


async def test_postgres_restart_mid_scan(
    workers: WorkerFactory,
    restartable_postgres: EmbeddedPostgres,
    temporal_client: Client,
    site_server: SiteServer,
    base_settings: Settings,
    task_queue: str,
    tenant: str,
) -> None:
    url = restartable_postgres.url
    await asyncio.to_thread(upgrade_database, url)
    hosts = [f"www.restart-{index:02d}.test" for index in range(RESTART_SCANS)]
    for host in hosts:
        add_drip_site(site_server, host, seconds=2)
    worker = workers(url)
    await worker.wait_ready()
    handles = [
        await start_raw_scan(
            temporal_client, tenant, host.removeprefix("www."), task_queue
        )
        for host in hosts
    ]
    await wait_for_activity(handles[-1], "scrape_domain")

    await asyncio.to_thread(restartable_postgres.stop)
    await asyncio.sleep(3)
    await asyncio.to_thread(restartable_postgres.start)
    results = await asyncio.wait_for(
        asyncio.gather(*(handle.result() for handle in handles)), 120
    )

    engine = create_engine(
        base_settings.with_overrides(database_url=normalize_database_url(url))
    )
    try:
        counts = await count_rows(create_session_factory(engine), tenant)
    finally:
        await engine.dispose()
    assert [result.status for result in results] == ["completed"] * RESTART_SCANS
    assert counts.jobs == RESTART_SCANS
    assert counts.statuses == ["completed"] * RESTART_SCANS
    assert counts.results == RESTART_SCANS
    assert counts.domains == RESTART_SCANS


async def _reset_event_id(handle: WorkflowHandle[Any, Any]) -> int:
    """Return the workflow task to reset to so the run resumes after the lookup.

    As a regular activity the lookup is followed by its own workflow task. As a
    local activity it is recorded in the workflow task that also schedules the
    scrape, so the reset goes to the task that ran it, and the lookup runs
    again (it is an idempotent upsert).
    """
    events = [event async for event in handle.fetch_history_events()]
    lookup_scheduled = next(
        (
            event.event_id
            for event in events
            if event.HasField("activity_task_scheduled_event_attributes")
            and event.activity_task_scheduled_event_attributes.activity_type.name
            == "get_or_create_domain"
        ),
        None,
    )
    completed_tasks = [
        event.event_id
        for event in events
        if event.HasField("workflow_task_completed_event_attributes")
    ]
    if lookup_scheduled is not None:
        return next(task for task in completed_tasks if task > lookup_scheduled)
    first_marker = next(
        event.event_id
        for event in events
        if event.HasField("marker_recorded_event_attributes")
    )
    return max(task for task in completed_tasks if task < first_marker)


async def test_failed_scan_reset_completes_once(
    temporal_server: str,
    temporal_client: Client,
    base_settings: Settings,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    unavailable = {"/": {"status": 503, "body": "down for maintenance"}}
    site_server.add_site("reset.test", unavailable)
    site_server.add_site("www.reset.test", unavailable)
    async with running_worker(temporal_client, base_settings, task_queue):
        handle = await start_raw_scan(
            temporal_client, tenant, "reset.test", task_queue, scrape_attempts=1
        )
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        failed = await count_rows(sessions, tenant)
        add_page_site(site_server, "reset.test")
        event_id = await _reset_event_id(handle)
        reset = await asyncio.create_subprocess_exec(
            str(find_temporal_binary()),
            "workflow",
            "reset",
            "--address",
            temporal_server,
            "--namespace",
            "default",
            "--workflow-id",
            handle.id,
            "--event-id",
            str(event_id),
            "--reason",
            "the site is back",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await reset.communicate()
        latest = temporal_client.get_workflow_handle(
            handle.id, result_type=ScanDomainResult
        )
        result = await asyncio.wait_for(latest.result(), 60)

    counts = await count_rows(sessions, tenant)
    async with sessions() as session:
        job = await jobs.get_job(session, result.job_id)
    assert failed.statuses == ["failed"]
    assert reset.returncode == 0, output.decode()
    assert result.status == "completed"
    assert counts.domains == 1
    assert counts.jobs == 1
    assert counts.results == 1
    assert counts.statuses == ["completed"]
    assert job is not None
    assert job.error_type is None
    assert job.error_message is None
