"""The `batch-status`, `cancel`, `retry` and `export` commands of the starter."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError

from cli.batch import (
    BatchOptions,
    progress_from_row,
    run_batch,
)
from cli.batch_export import FORMATS, export_records, write_records
from cli.common import add_common_options
from cli.scan import start_scan, wait_for_scan
from scanner.batch_input import parse_values
from scanner.db import batches, jobs
from scanner.db.engine import create_engine, create_session_factory
from scanner.domains import starts_with_www
from scanner.report import format_record, json_line
from scanner.settings import Settings
from temporal_client import connect_client
from workflows.scan_batch import ScanBatchWorkflow

RETRIED_STATUSES = ("failed",)


def _uuid(value: str, what: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        print(f"error: {value!r} is not a {what} id; ids are UUIDs", file=sys.stderr)
        return None


async def _load_batch(
    sessions: async_sessionmaker[AsyncSession], batch_id: uuid.UUID, tenant: str
) -> batches.BatchRow | None:
    async with sessions() as session:
        row = await batches.get_batch(session, batch_id)
    if row is None or row.tenant != tenant:
        print(
            f"error: batch {batch_id} not found for tenant {tenant!r}", file=sys.stderr
        )
        return None
    return row


async def command_batch_status(args: argparse.Namespace, settings: Settings) -> int:
    batch_id = _uuid(args.batch_id, "batch")
    if batch_id is None:
        return 2
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    try:
        row = await _load_batch(sessions, batch_id, args.tenant)
        if row is None:
            return 1
        progress = progress_from_row(row)
        source = "database"
        if row.workflow_id and row.finished_at is None:
            client = await connect_client(settings)
            handle = client.get_workflow_handle(row.workflow_id)
            try:
                progress = await handle.query(ScanBatchWorkflow.progress)
                source = "workflow"
            except (RPCError, WorkflowQueryFailedError) as exc:
                # The row's totals are at most a few seconds old, so they do.
                print(f"note: live progress unavailable: {exc}", file=sys.stderr)
    finally:
        await engine.dispose()
    record: dict[str, Any] = {
        "batch_id": str(row.id),
        "tenant": row.tenant,
        **progress.model_dump(mode="json", exclude={"batch_id"}),
        "done": progress.done,
        "invalid_lines": row.invalid,
        "options": row.options,
        "workflow_id": row.workflow_id,
        "counts_from": source,
        "created_at": row.created_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
    }
    print(json_line(record) if args.json else format_record(record))
    return 0


async def command_cancel(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    try:
        workflow_id = await _workflow_to_cancel(args, sessions)
    finally:
        await engine.dispose()
    if workflow_id is None:
        return 1
    client = await connect_client(settings)
    handle = client.get_workflow_handle(workflow_id)
    try:
        ended = await _ended_reason(handle, args.job_id if args.batch is None else None)
        if ended is not None:
            print(f"{ended}; nothing to cancel")
            return 0
        await handle.cancel()
    except RPCError as exc:
        print(f"error: cannot cancel {workflow_id}: {exc.message}", file=sys.stderr)
        return 1
    print(f"cancellation requested for {workflow_id}")
    return 0


async def _ended_reason(
    handle: WorkflowHandle[Any, Any], job_id: str | None
) -> str | None:
    """Return why there is nothing to cancel, or None when the target still runs.

    A scan's workflow id is shared by every scan of the same domain, so the
    run that is going now may belong to a newer job than `job_id`.
    """
    description = await handle.describe()
    if description.status != WorkflowExecutionStatus.RUNNING:
        state = description.status.name.lower() if description.status else "unknown"
        return f"{handle.id} already ended {state}"
    if job_id is None:
        return None
    running_job = await description.memo_value("job_id", "")
    if running_job and running_job != str(uuid.UUID(job_id)):
        return f"job {job_id} already ended, and {handle.id} now runs job {running_job}"
    return None


async def _workflow_to_cancel(
    args: argparse.Namespace, sessions: async_sessionmaker[AsyncSession]
) -> str | None:
    if args.batch is not None:
        batch_id = _uuid(args.batch, "batch")
        row = await _load_batch(sessions, batch_id, args.tenant) if batch_id else None
        return row.workflow_id if row is not None else None
    if args.job_id is None:
        print("error: give a JOB_ID or --batch ID", file=sys.stderr)
        return None
    job_id = _uuid(args.job_id, "job")
    if job_id is None:
        return None
    async with sessions() as session:
        job = await jobs.get_job(session, job_id)
    if job is None or job.tenant != args.tenant:
        print(
            f"error: job {job_id} not found for tenant {args.tenant!r}", file=sys.stderr
        )
        return None
    return job.workflow_id


async def command_retry(args: argparse.Namespace, settings: Settings) -> int:
    if args.batch is not None:
        return await _retry_batch(args, settings)
    if args.job_id is None:
        print("error: give a JOB_ID or --batch ID", file=sys.stderr)
        return 2
    job_id = _uuid(args.job_id, "job")
    if job_id is None:
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
    client = await connect_client(settings)
    scan = await start_scan(client, settings, args.tenant, rescan_input(job))
    print(f"{scan.domain}: rescan started, job {scan.job_id}")
    if not args.wait:
        return 0
    row = await wait_for_scan(scan)
    print(json_line(row) if args.json else format_record(row))
    return 0 if row["status"] == "completed" else 1


def rescan_input(job: jobs.JobRow) -> str:
    """Return the domain to rescan a job with, `www.` first when it was typed so."""
    if job.domain is None:
        return job.requested_domain
    if starts_with_www(job.requested_domain):
        return f"www.{job.domain}"
    return job.domain


async def _retry_batch(args: argparse.Namespace, settings: Settings) -> int:
    """Start a new batch of the domains whose scan failed in batch `--batch`."""
    batch_id = _uuid(args.batch, "batch")
    if batch_id is None:
        return 2
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    try:
        row = await _load_batch(sessions, batch_id, args.tenant)
        if row is None:
            return 1
        async with sessions() as session:
            failed = await batches.unfinished_lines(session, batch_id, RETRIED_STATUSES)
    finally:
        await engine.dispose()
    if not failed:
        print(f"batch {batch_id} has no failed domain to retry")
        return 0
    parsed = parse_values((line.line_number, line.input) for line in failed)
    options = BatchOptions(
        sitemaps=bool(row.options.get("sitemaps", False)),
        extra={"retry_of": str(batch_id)},
    )
    return await run_batch(args, settings, parsed, options)


async def command_export(args: argparse.Namespace, settings: Settings) -> int:
    batch_id = _uuid(args.batch, "batch")
    if batch_id is None:
        return 2
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    try:
        row = await _load_batch(sessions, batch_id, args.tenant)
        if row is None:
            return 1
        async with sessions() as session:
            records = export_records(session, batch_id, row.counts.status)
            if args.output is None:
                count = await _write_stdout(records, args.format)
            else:
                # The starter runs nothing else on its loop, so blocking writes
                # cost nothing here.
                output = Path(args.output)
                with output.open("w", encoding="utf-8", newline="") as out:  # noqa: ASYNC230
                    count = await write_records(records, out, args.format)
    finally:
        await engine.dispose()
    if args.output is not None:
        print(f"wrote {count} domains to {args.output}", file=sys.stderr)
    return 0


async def _write_stdout(
    records: AsyncIterator[dict[str, Any]], file_format: str
) -> int:
    try:
        return await write_records(records, sys.stdout, file_format)
    except BrokenPipeError:
        # The reader (`| head`) closed the pipe. Point stdout at /dev/null so
        # the flush at exit does not raise a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def register(commands: Any, settings: Settings) -> None:
    """Add the batch-status, cancel, retry and export commands."""
    status = commands.add_parser("batch-status", help="show a batch's progress")
    status.add_argument("batch_id", metavar="BATCH_ID")
    add_common_options(status, settings)
    status.set_defaults(handler=command_batch_status)

    cancel = commands.add_parser("cancel", help="cancel a scan or a whole batch")
    cancel.add_argument("job_id", nargs="?", metavar="JOB_ID")
    cancel.add_argument("--batch", metavar="BATCH_ID", help="cancel this batch")
    add_common_options(cancel, settings)
    cancel.set_defaults(handler=command_cancel)

    retry = commands.add_parser(
        "retry", help="rescan a job, or the failed domains of a batch as a new batch"
    )
    retry.add_argument("job_id", nargs="?", metavar="JOB_ID")
    retry.add_argument(
        "--batch", metavar="BATCH_ID", help="retry this batch's failures"
    )
    retry.add_argument("--wait", action="store_true", help="wait and show progress")
    add_common_options(retry, settings)
    retry.set_defaults(handler=command_retry)

    export = commands.add_parser("export", help="write every result of a batch")
    export.add_argument("--batch", required=True, metavar="BATCH_ID")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument(
        "--output", metavar="FILE", help="file to write (default stdout)"
    )
    add_common_options(export, settings)
    export.set_defaults(handler=command_export)
