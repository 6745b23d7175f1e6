"""The `scan`, `status` and `results` commands of the starter."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from cli.common import add_common_options
from cli.sitemap import show_sitemap_summary
from scanner.db import jobs
from scanner.db.engine import create_engine, create_session_factory
from scanner.domains import canonicalize_domain
from scanner.errors import ErrorKind, InvalidDomainError
from scanner.payloads import ScanDomainInput, ScanDomainResult
from scanner.report import format_record, format_table, json_line, result_row
from scanner.settings import Settings
from temporal_client import connect_client
from workflows.ids import invalid_input_workflow_id, scan_workflow_id
from workflows.scan_domain import ScanDomainWorkflow
from workflows.search import scan_attributes

SUMMARY_COLUMNS = ("domain", "status", "title", "emails", "phones", "cms", "error_type")


@dataclass
class StartedScan:
    requested: str
    domain: str
    job_id: str
    handle: WorkflowHandle[Any, ScanDomainResult]
    attached: bool


def scan_input(settings: Settings, tenant: str, raw: str) -> tuple[str, str, str]:
    """Return (domain, workflow id, note) for a requested domain.

    Input that is not a valid domain still gets a workflow, so the failed job is
    recorded with its error like any other scan.
    """
    try:
        domain = canonicalize_domain(raw)
    except InvalidDomainError as exc:
        return raw, invalid_input_workflow_id(tenant, raw), exc.message
    return domain, scan_workflow_id(tenant, domain), ""


def scrape_timeout(settings: Settings) -> float:
    """Return the scrape step's timeout: robots.txt and homepage on each scheme."""
    per_request = settings.limits.total_timeout
    return per_request * 2 * len(settings.schemes) + 15


async def start_scan(
    client: Client,
    settings: Settings,
    tenant: str,
    raw: str,
    *,
    task_queue: str | None = None,
    batch_id: uuid.UUID | None = None,
) -> StartedScan:
    """Start a scan, or attach to the one already running for the same domain."""
    domain, workflow_id, _ = scan_input(settings, tenant, raw)
    job_id = uuid.uuid4()
    handle = await client.start_workflow(
        ScanDomainWorkflow.run,
        ScanDomainInput(
            tenant=tenant,
            domain=raw,
            job_id=job_id,
            batch_id=batch_id,
            scrape_timeout_seconds=scrape_timeout(settings),
            scrape_max_attempts=settings.scrape_max_attempts,
        ),
        id=workflow_id,
        task_queue=task_queue or settings.temporal_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        memo={"job_id": str(job_id)},
        search_attributes=scan_attributes(tenant, domain, batch_id),
    )
    running_job = await _job_id_of(handle)
    attached = running_job != str(job_id)
    return StartedScan(raw, domain, running_job, handle, attached)


async def _job_id_of(handle: WorkflowHandle[Any, Any]) -> str:
    description = await handle.describe()
    return str(await description.memo_value("job_id", ""))


async def wait_for_scan(scan: StartedScan) -> dict[str, Any]:
    """Wait for a scan to end and return its result row."""
    try:
        outcome = await scan.handle.result()
    except WorkflowFailureError as exc:
        cause = exc.cause
        error_type = ErrorKind.INTERNAL.value
        message = str(cause or exc)
        if isinstance(cause, ApplicationError):
            error_type = cause.type or error_type
            message = cause.message
        return result_row(
            domain=scan.domain,
            job_id=scan.job_id,
            status="failed",
            error_type=error_type,
            error_message=message,
        )
    return result_row(
        domain=outcome.domain,
        job_id=str(outcome.job_id),
        status=outcome.status,
        error_type=outcome.error_type,
        error_message=outcome.error_message,
        result=outcome.result,
    )


async def command_scan(args: argparse.Namespace, settings: Settings) -> int:
    client = await connect_client(settings)
    scans = []
    for raw in args.domains:
        _, _, note = scan_input(settings, args.tenant, raw)
        if note:
            print(
                f"warning: {note}; the scan will be recorded as failed", file=sys.stderr
            )
        scans.append(await start_scan(client, settings, args.tenant, raw))
    if not args.wait:
        for scan in scans:
            verb = "attached to running scan" if scan.attached else "started"
            if args.json:
                print(
                    json_line(
                        {
                            "domain": scan.domain,
                            "job_id": scan.job_id,
                            "workflow_id": scan.handle.id,
                            "status": "pending",
                        }
                    )
                )
            else:
                print(f"{scan.domain}: {verb}, job {scan.job_id}")
                print(f"  workflow {scan.handle.id}")
        return 0
    rows = []
    for done in asyncio.as_completed([wait_for_scan(scan) for scan in scans]):
        row = await done
        rows.append(row)
        if args.json:
            print(json_line(row), flush=True)
    if not args.json:
        print(format_table(rows, SUMMARY_COLUMNS))
    return 0 if all(row["status"] == "completed" for row in rows) else 1


async def command_status(args: argparse.Namespace, settings: Settings) -> int:
    try:
        job_id = uuid.UUID(args.job_id)
    except ValueError:
        print(
            f"error: {args.job_id!r} is not a job id; job ids are UUIDs "
            "as printed by `starter.py scan`",
            file=sys.stderr,
        )
        return 2
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            job = await jobs.get_job(session, job_id)
    finally:
        await engine.dispose()
    if job is None or job.tenant != args.tenant:
        print(
            f"error: job {job_id} not found for tenant {args.tenant!r}", file=sys.stderr
        )
        return 1
    row = {
        "job_id": str(job.id),
        "tenant": job.tenant,
        "domain": job.domain or job.requested_domain,
        "kind": job.kind,
        "status": job.status,
        "error_type": job.error_type,
        "error_message": job.error_message,
        "attempts": job.attempts,
        "workflow_id": job.workflow_id,
        "batch_id": str(job.batch_id) if job.batch_id else None,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
    print(json_line(row) if args.json else format_record(row))
    return 0


async def command_results(args: argparse.Namespace, settings: Settings) -> int:
    try:
        domain = canonicalize_domain(args.domain)
    except InvalidDomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            found = await jobs.latest_result(session, args.tenant, domain)
    finally:
        await engine.dispose()
    if found is None:
        if await show_sitemap_summary(settings, args.tenant, domain, as_json=args.json):
            return 0
        print(
            f"error: no scan of {domain} for tenant {args.tenant!r}; "
            f"run `python starter.py scan {domain}` first",
            file=sys.stderr,
        )
        return 1
    job, stored = found
    result = jobs.stored_scrape_result(stored) if stored is not None else None
    row = result_row(
        domain=domain,
        job_id=str(job.id),
        status=job.status,
        error_type=job.error_type,
        error_message=job.error_message,
        result=result,
    )
    row["scanned_at"] = (job.finished_at or job.created_at).isoformat()
    print(json_line(row) if args.json else format_record(row))
    await show_sitemap_summary(settings, args.tenant, domain, as_json=args.json)
    return 0


def register(commands: Any, settings: Settings) -> None:
    """Add the scan, status and results commands to the starter's parser."""
    scan = commands.add_parser("scan", help="scan one or more domains")
    scan.add_argument("domains", nargs="+", metavar="DOMAIN")
    scan.add_argument("--wait", action="store_true", help="wait and print results")
    add_common_options(scan, settings)
    scan.set_defaults(handler=command_scan)

    status = commands.add_parser("status", help="show a scan job")
    status.add_argument("job_id", metavar="JOB_ID")
    add_common_options(status, settings)
    status.set_defaults(handler=command_status)

    results = commands.add_parser("results", help="show a domain's latest result")
    results.add_argument("domain", metavar="DOMAIN")
    add_common_options(results, settings)
    results.set_defaults(handler=command_results)
