"""Start scans with test timeouts, watch their activities and count their rows."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from devstack.sites import SiteServer
from scanner.db.models import Domain, ScanJob, ScanResult, Tenant
from scanner.payloads import ScanDomainInput, ScanDomainResult
from workflows.ids import scan_workflow_id
from workflows.scan_domain import ScanDomainWorkflow
from workflows.search import scan_attributes


def add_drip_site(server: SiteServer, host: str, seconds: float) -> None:
    """Serve a homepage on `host` that takes about `seconds` to download."""
    body = f"<html lang='en'><title>Slow {host}</title></html>".encode()
    _add_both_names(
        server,
        host,
        {
            "/": {
                "status": 200,
                "body": body,
                "headers": {"Content-Type": "text/html; charset=utf-8"},
                "behavior": "drip",
                "bytes_per_second": max(10, int(len(body) / seconds)),
            }
        },
    )


def add_page_site(server: SiteServer, host: str) -> None:
    """Serve a small homepage on `host`."""
    _add_both_names(
        server,
        host,
        {
            "/": {
                "status": 200,
                "body": f"<html lang='en'><title>Page of {host}</title></html>",
                "headers": {"Content-Type": "text/html; charset=utf-8"},
            }
        },
    )


def _add_both_names(
    server: SiteServer, host: str, routes: dict[str, dict[str, Any]]
) -> None:
    # A scan fetches the canonical name, which has no `www.`, and may be
    # redirected to the `www.` name, so both serve the same page.
    bare = host.removeprefix("www.")
    server.add_site(bare, routes)
    server.add_site(f"www.{bare}", routes)


async def start_raw_scan(
    client: Client,
    tenant: str,
    domain: str,
    task_queue: str,
    *,
    scrape_timeout: float = 20.0,
    scrape_attempts: int = 3,
    run_timeout: float | None = None,
) -> WorkflowHandle[Any, ScanDomainResult]:
    """Start a scan as the starter does, with the scrape timeout given here.

    A short scrape timeout lets Temporal retry a scrape whose worker died
    within seconds instead of the starter's default.
    """
    job_id = uuid.uuid4()
    return await client.start_workflow(
        ScanDomainWorkflow.run,
        ScanDomainInput(
            tenant=tenant,
            domain=domain,
            job_id=job_id,
            scrape_timeout_seconds=scrape_timeout,
            scrape_max_attempts=scrape_attempts,
        ),
        id=scan_workflow_id(tenant, domain),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        memo={"job_id": str(job_id)},
        search_attributes=scan_attributes(tenant, domain),
        run_timeout=timedelta(seconds=run_timeout) if run_timeout else None,
    )


@dataclass(frozen=True)
class RunningActivity:
    name: str
    attempt: int
    worker_identity: str


async def wait_for_activity(
    handle: WorkflowHandle[Any, Any], name: str, *, seconds: float = 30.0
) -> RunningActivity:
    """Wait until a worker has started activity `name` of the workflow."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        description = await handle.describe()
        for pending in description.raw_description.pending_activities:
            started = (
                pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            )
            if pending.activity_type.name == name and started:
                return RunningActivity(
                    name, pending.attempt, pending.last_worker_identity
                )
        await asyncio.sleep(0.1)
    raise TimeoutError(f"activity {name} of {handle.id} did not start in {seconds} s")


async def started_activities(
    handle: WorkflowHandle[Any, Any],
) -> list[RunningActivity]:
    """Return every activity start recorded in the run's history, in order."""
    names: dict[int, str] = {}
    started: list[RunningActivity] = []
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            attributes = event.activity_task_scheduled_event_attributes
            names[event.event_id] = attributes.activity_type.name
        if event.HasField("activity_task_started_event_attributes"):
            start = event.activity_task_started_event_attributes
            name = names.get(start.scheduled_event_id, "")
            started.append(RunningActivity(name, start.attempt, start.identity))
    return started


async def workflow_task_identities(handle: WorkflowHandle[Any, Any]) -> list[str]:
    """Return the identity of the worker that completed each workflow task."""
    identities: list[str] = []
    async for event in handle.fetch_history_events():
        if event.HasField("workflow_task_completed_event_attributes"):
            identities.append(event.workflow_task_completed_event_attributes.identity)
    return identities


@dataclass(frozen=True)
class RowCounts:
    domains: int
    jobs: int
    results: int
    statuses: list[str]


async def count_rows(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> RowCounts:
    """Count the domain, job and result rows of a tenant; list job statuses."""
    tenant_ids = select(Tenant.id).where(Tenant.name == tenant)
    async with sessions() as session:
        domains = await session.scalar(
            select(func.count())
            .select_from(Domain)
            .where(Domain.tenant_id.in_(tenant_ids))
        )
        results = await session.scalar(
            select(func.count())
            .select_from(ScanResult)
            .where(ScanResult.tenant_id.in_(tenant_ids))
        )
        statuses = await session.scalars(
            select(ScanJob.status).where(ScanJob.tenant_id.in_(tenant_ids))
        )
        status_list = sorted(statuses.all())
    return RowCounts(
        int(domains or 0), len(status_list), int(results or 0), status_list
    )
