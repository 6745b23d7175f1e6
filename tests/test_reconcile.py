"""ReconcileJobsWorkflow fails jobs whose workflow was terminated or timed out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import (
    Client,
    ScheduleActionStartWorkflow,
    WorkflowFailureError,
)

from activities import ReconcileActivities, build_activities
from activities.reconcile import ReconcileInput, ReconcileResult
from devstack.sites import SiteServer
from scanner.db import jobs
from scanner.db.engine import create_engine, create_session_factory
from scanner.net.fetcher import Fetcher
from scanner.settings import Settings
from tests.processes.scans import add_drip_site, start_raw_scan, wait_for_activity
from worker import build_worker, ensure_reconcile_schedule
from workflows import ReconcileJobsWorkflow

pytestmark = pytest.mark.temporal


@asynccontextmanager
async def reconcile_worker(
    client: Client, settings: Settings, task_queue: str
) -> AsyncIterator[None]:
    """Run a worker with the scan and the reconcile activities, as worker.py does."""
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    fetcher = Fetcher(settings)
    activities = [
        *build_activities(sessions, fetcher, settings),
        *ReconcileActivities(sessions, client, settings).all(),
    ]
    worker = build_worker(client, settings, activities, task_queue=task_queue)
    try:
        async with worker:
            yield
    finally:
        await fetcher.aclose()
        await engine.dispose()


async def _reconcile(client: Client, task_queue: str) -> ReconcileResult:
    return await client.execute_workflow(
        ReconcileJobsWorkflow.run,
        # Other tests leave unfinished jobs in the shared database, and the
        # oldest are checked first, so the limit must reach this test's jobs.
        ReconcileInput(older_than_seconds=0, limit=5000),
        id=f"reconcile-test/{uuid.uuid4().hex[:8]}",
        task_queue=task_queue,
    )


async def _job(sessions: async_sessionmaker[AsyncSession], job_id: str) -> jobs.JobRow:
    async with sessions() as session:
        job = await jobs.get_job(session, uuid.UUID(job_id))
    assert job is not None
    return job


async def test_reconcile_fails_terminated_scan(
    temporal_client: Client,
    base_settings: Settings,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    add_drip_site(site_server, "www.terminated.test", seconds=3)
    add_drip_site(site_server, "www.still-scanning.test", seconds=3)
    async with reconcile_worker(temporal_client, base_settings, task_queue):
        ended = await start_raw_scan(
            temporal_client, tenant, "terminated.test", task_queue
        )
        await wait_for_activity(ended, "scrape_domain")
        await ended.terminate(reason="stopped by an operator")
        alive = await start_raw_scan(
            temporal_client, tenant, "still-scanning.test", task_queue
        )
        await wait_for_activity(alive, "scrape_domain")
        ended_job = await (await ended.describe()).memo_value("job_id")
        alive_job = await (await alive.describe()).memo_value("job_id")
        before = await _job(sessions, str(ended_job))
        result = await _reconcile(temporal_client, task_queue)
        alive_during = await _job(sessions, str(alive_job))
        alive_outcome = await alive.result()

    after = await _job(sessions, str(ended_job))
    assert before.status == "running"
    assert result.failed >= 1
    assert after.status == "failed"
    assert after.error_type == "workflow_terminated"
    assert "terminated" in (after.error_message or "")
    assert after.finished_at is not None
    assert alive_during.status == "running"
    assert alive_outcome.status == "completed"


async def test_reconcile_fails_timed_out_scan(
    temporal_client: Client,
    base_settings: Settings,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    add_drip_site(site_server, "www.timed-out.test", seconds=3)
    async with reconcile_worker(temporal_client, base_settings, task_queue):
        handle = await start_raw_scan(
            temporal_client, tenant, "timed-out.test", task_queue, run_timeout=1.5
        )
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        job_id = str(await (await handle.describe()).memo_value("job_id"))
        before = await _job(sessions, job_id)
        first = await _reconcile(temporal_client, task_queue)
        after = await _job(sessions, job_id)
        await _reconcile(temporal_client, task_queue)
        again = await _job(sessions, job_id)

    assert before.status == "running"
    assert first.failed >= 1
    assert after.status == "failed"
    assert after.error_type == "workflow_terminated"
    assert "timed_out" in (after.error_message or "")
    assert again.finished_at == after.finished_at


async def test_reconcile_schedule_created_once(
    temporal_client: Client, base_settings: Settings, task_queue: str
) -> None:
    settings = base_settings.with_overrides(reconcile_interval_seconds=120.0)

    first = await ensure_reconcile_schedule(
        temporal_client, settings, task_queue=task_queue
    )
    second = await ensure_reconcile_schedule(
        temporal_client, settings, task_queue=task_queue
    )
    handle = temporal_client.get_schedule_handle(first)
    description = await handle.describe()
    await handle.delete()

    action = description.schedule.action
    assert second == first
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == "ReconcileJobsWorkflow"
    assert action.task_queue == task_queue
    assert description.schedule.spec.intervals[0].every == timedelta(seconds=120)
