"""`starter.py cancel JOB_ID` cancels that job's scan and no other."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from cli.scan import start_scan
from devstack.sites import SiteServer
from scanner.db import jobs
from scanner.settings import Settings
from tests.temporal_helpers import host_rules, running_worker, settings_for_hosts

ROOT = Path(__file__).resolve().parent.parent
HOST = "cancel-once.test"


async def _cancel(env: dict[str, str], job_id: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "starter.py"),
        "cancel",
        job_id,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode() + stderr.decode()


async def _status(sessions: async_sessionmaker[AsyncSession], job_id: str) -> str:
    async with sessions() as session:
        job = await jobs.get_job(session, uuid.UUID(job_id))
    assert job is not None
    return job.status


async def _wait_running(
    sessions: async_sessionmaker[AsyncSession], job_id: str
) -> None:
    for _ in range(200):
        async with sessions() as session:
            job = await jobs.get_job(session, uuid.UUID(job_id))
        if job is not None and job.status == "running":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never started running")


async def test_cancel_ended_job_leaves_newer_scan(
    temporal_client: Client,
    temporal_server: str,
    database_url: str,
    base_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    site_server: SiteServer,
    task_queue: str,
    tenant: str,
) -> None:
    site_server.add_site(HOST, {"/": {"status": 200, "behavior": "hang"}})
    settings = settings_for_hosts(base_settings, site_server, [HOST])
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        TEMPORAL_ADDRESS=temporal_server,
        TEMPORAL_TASK_QUEUE=task_queue,
        SCANNER_TENANT=tenant,
        SCANNER_CONNECT_TO=host_rules(site_server, [HOST]),
    )
    async with running_worker(temporal_client, settings, task_queue):
        first = await start_scan(
            temporal_client, settings, tenant, HOST, task_queue=task_queue
        )
        await _wait_running(sessions, first.job_id)
        first_code, _ = await _cancel(env, first.job_id)
        for _ in range(200):
            if await _status(sessions, first.job_id) == "cancelled":
                break
            await asyncio.sleep(0.05)

        second = await start_scan(
            temporal_client, settings, tenant, HOST, task_queue=task_queue
        )
        await _wait_running(sessions, second.job_id)
        again_code, again_output = await _cancel(env, first.job_id)
        await asyncio.sleep(1)
        second_status = await _status(sessions, second.job_id)
        await second.handle.cancel()

    assert first_code == 0
    assert second_status == "running"
    assert again_code == 0
    assert "nothing to cancel" in again_output
