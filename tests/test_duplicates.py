"""The same scan started many times at once, domain spellings and tenant isolation."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import ActivityEnvironment

from activities.scan import ScanActivities
from cli.scan import start_scan, wait_for_scan
from devstack.sites import SiteServer
from scanner.net.fetcher import Fetcher
from scanner.payloads import DomainLookupInput, ScanDomainInput, ScanDomainResult
from scanner.settings import Settings
from tests.processes.scans import add_page_site, count_rows
from tests.temporal_helpers import running_worker
from workflows.ids import scan_workflow_id
from workflows.scan_domain import ScanDomainWorkflow

pytestmark = pytest.mark.temporal

ROOT = Path(__file__).resolve().parent.parent
COPIES = 20
# Spellings of one domain; not example.com, whose fixture site other tests read.
SPELLINGS = [
    "Spelling-Example.com",
    "https://www.spelling-example.com/x",
    "spelling-example.com.",
]


async def test_same_scan_started_twenty_times(
    temporal_client: Client,
    base_settings: Settings,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    add_page_site(site_server, "twenty.test")
    async with running_worker(temporal_client, base_settings, task_queue):
        started = await asyncio.gather(
            *(
                start_scan(
                    temporal_client,
                    base_settings,
                    tenant,
                    "twenty.test",
                    task_queue=task_queue,
                )
                for _ in range(COPIES)
            )
        )
        rows = await asyncio.gather(*(wait_for_scan(scan) for scan in started))

    run_ids = {(await scan.handle.describe()).run_id for scan in started}
    counts = await count_rows(sessions, tenant)
    assert len(run_ids) == 1
    assert len({scan.job_id for scan in started}) == 1
    assert sum(not scan.attached for scan in started) == 1
    assert {row["status"] for row in rows} == {"completed"}
    assert counts.domains == 1
    assert counts.jobs == 1
    assert counts.results == 1


async def _start_raw(
    client: Client, tenant: str, domain: str, task_queue: str
) -> WorkflowHandle[ScanDomainWorkflow, ScanDomainResult]:
    return await client.start_workflow(
        ScanDomainWorkflow.run,
        ScanDomainInput(tenant=tenant, domain=domain, job_id=uuid.uuid4()),
        id=scan_workflow_id(tenant, domain),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )


async def test_raw_client_starts_one_workflow(
    temporal_client: Client,
    base_settings: Settings,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    add_page_site(site_server, "raw-twenty.test")
    async with running_worker(temporal_client, base_settings, task_queue):
        outcomes = await asyncio.gather(
            *(
                _start_raw(temporal_client, tenant, "raw-twenty.test", task_queue)
                for _ in range(COPIES)
            ),
            return_exceptions=True,
        )
        handles = [item for item in outcomes if isinstance(item, WorkflowHandle)]
        result = await handles[0].result()

    refused = [o for o in outcomes if isinstance(o, WorkflowAlreadyStartedError)]
    counts = await count_rows(sessions, tenant)
    assert len(handles) == 1
    assert len(refused) == COPIES - 1
    assert result.status == "completed"
    assert counts.domains == 1
    assert counts.jobs == 1
    assert counts.results == 1


async def test_domain_spellings_share_one_scan(
    temporal_client: Client,
    base_settings: Settings,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    add_page_site(site_server, "spelling-example.com")
    async with running_worker(temporal_client, base_settings, task_queue):
        started = await asyncio.gather(
            *(
                start_scan(
                    temporal_client, base_settings, tenant, raw, task_queue=task_queue
                )
                for raw in SPELLINGS
            )
        )
        rows = await asyncio.gather(*(wait_for_scan(scan) for scan in started))

    counts = await count_rows(sessions, tenant)
    assert {scan.domain for scan in started} == {"spelling-example.com"}
    assert {scan.handle.id for scan in started} == {
        scan_workflow_id(tenant, "spelling-example.com")
    }
    assert {row["status"] for row in rows} == {"completed"}
    assert counts.domains == 1
    assert counts.jobs == 1


async def test_concurrent_lookups_of_spellings(
    base_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    fetcher = Fetcher(base_settings)
    activities = ScanActivities(sessions, fetcher, base_settings)
    environment = ActivityEnvironment()
    lookups = [
        DomainLookupInput(
            tenant=tenant,
            domain=SPELLINGS[index % len(SPELLINGS)],
            job_id=uuid.uuid4(),
            workflow_id=f"lookup-race/{index}",
        )
        for index in range(COPIES)
    ]
    try:
        found = await asyncio.gather(
            *(
                environment.run(activities.get_or_create_domain, lookup)
                for lookup in lookups
            )
        )
    finally:
        await fetcher.aclose()

    counts = await count_rows(sessions, tenant)
    assert {item.domain for item in found} == {"spelling-example.com"}
    assert len({item.domain_id for item in found}) == 1
    assert counts.domains == 1
    assert counts.jobs == COPIES


async def _starter(database_url: str, *args: str) -> tuple[int, str]:
    """Run `python starter.py ARGS` against the test database."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "starter.py"),
        *args,
        cwd=ROOT,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await process.communicate()
    return int(process.returncode or 0), (output + errors).decode()


async def test_tenants_see_only_their_scans(
    temporal_client: Client,
    base_settings: Settings,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    task_queue: str,
    tenant: str,
) -> None:
    add_page_site(site_server, "shared.test")
    first, second, outsider = f"{tenant}-a", f"{tenant}-b", f"{tenant}-c"
    async with running_worker(temporal_client, base_settings, task_queue):
        started = [
            await start_scan(
                temporal_client,
                base_settings,
                name,
                "shared.test",
                task_queue=task_queue,
            )
            for name in (first, second)
        ]
        await asyncio.gather(*(wait_for_scan(scan) for scan in started))

    first_code, first_output = await _starter(
        database_url, "results", "shared.test", "--tenant", first, "--json"
    )
    second_code, second_output = await _starter(
        database_url, "results", "shared.test", "--tenant", second, "--json"
    )
    outsider_code, outsider_output = await _starter(
        database_url, "results", "shared.test", "--tenant", outsider
    )
    status_code, status_output = await _starter(
        database_url, "status", started[0].job_id, "--tenant", second
    )
    first_counts = await count_rows(sessions, first)
    second_counts = await count_rows(sessions, second)
    assert first_counts.domains == 1
    assert second_counts.domains == 1
    assert started[0].job_id != started[1].job_id
    assert first_code == 0, first_output
    assert json.loads(first_output)["job_id"] == started[0].job_id
    assert second_code == 0, second_output
    assert json.loads(second_output)["job_id"] == started[1].job_id
    assert outsider_code == 1
    assert "no scan of shared.test" in outsider_output
    assert status_code == 1
    assert "not found" in status_output
