"""The `batch` command of the starter: submit a domain list and follow it."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
)
from temporalio.service import RPCError

from cli.common import add_common_options
from cli.progress import ProgressDisplay
from cli.scan import scrape_timeout
from scanner.batch_input import ParsedBatch, parse_arguments, read_batch_file
from scanner.batch_payloads import BatchEntry, BatchProgress, ScanBatchInput
from scanner.db import batches, jobs
from scanner.db.engine import create_engine, create_session_factory
from scanner.domains import starts_with_www
from scanner.report import json_line
from scanner.settings import Settings
from temporal_client import connect_client
from workflows.scan_batch import ScanBatchWorkflow, batch_workflow_id
from workflows.search import BATCH, TENANT

# Lists up to this size travel in the workflow input and are read from there.
# Longer ones are read from Postgres in pages, far below the 2 MB payload cap.
INLINE_DOMAINS = 1000
POLL_SECONDS = 1.0


@dataclass
class SubmittedBatch:
    batch_id: uuid.UUID
    workflow_id: str
    total: int
    handle: WorkflowHandle[Any, BatchProgress]


@dataclass
class BatchOptions:
    """Options of a batch run, stored on the batch row as `options`."""

    sitemaps: bool = False
    concurrency: int | None = None
    per_host_concurrency: int | None = None
    max_history_events: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def submit_batch(
    client: Client,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    parsed: ParsedBatch,
    options: BatchOptions,
    *,
    task_queue: str | None = None,
) -> SubmittedBatch:
    """Store the batch's lines, then start its workflow."""
    batch_id = uuid.uuid4()
    workflow_id = batch_workflow_id(tenant, batch_id)
    stored_options = {
        "sitemaps": options.sitemaps,
        "duplicates": len(parsed.duplicates),
        **options.extra,
    }
    async with sessions() as session, session.begin():
        tenant_id = await jobs.ensure_tenant(session, tenant)
        total = await batches.create_batch(
            session,
            batch_id=batch_id,
            tenant_id=tenant_id,
            workflow_id=workflow_id,
            options=stored_options,
            lines=parsed.lines,
        )
    data = _workflow_input(settings, batch_id, tenant, parsed, options)
    handle = await client.start_workflow(
        ScanBatchWorkflow.run,
        data,
        id=workflow_id,
        task_queue=task_queue or settings.temporal_task_queue,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(TENANT, tenant[:200]),
                SearchAttributePair(BATCH, str(batch_id)),
            ]
        ),
    )
    return SubmittedBatch(batch_id, workflow_id, total, handle)


def _workflow_input(
    settings: Settings,
    batch_id: uuid.UUID,
    tenant: str,
    parsed: ParsedBatch,
    options: BatchOptions,
) -> ScanBatchInput:
    entries = None
    if len(parsed.domains) <= INLINE_DOMAINS:
        entries = [
            BatchEntry(
                position=index,
                domain=line.domain or "",
                host=line.host or "",
                www_first=starts_with_www(line.input),
            )
            for index, line in enumerate(parsed.domains)
        ]
    data = ScanBatchInput(
        batch_id=batch_id,
        tenant=tenant,
        domains=entries,
        concurrency=options.concurrency or settings.batch_concurrency,
        per_host_concurrency=(
            options.per_host_concurrency or settings.batch_per_host_concurrency
        ),
        sitemaps=options.sitemaps,
        scrape_timeout_seconds=scrape_timeout(settings),
        scrape_max_attempts=settings.scrape_max_attempts,
    )
    if options.max_history_events is not None:
        data.max_history_events = options.max_history_events
    return data


async def read_progress(
    handle: WorkflowHandle[Any, Any],
    sessions: async_sessionmaker[AsyncSession],
    batch_id: uuid.UUID,
) -> BatchProgress | None:
    """Return progress from the workflow query, else from the batch row."""
    try:
        progress: BatchProgress = await handle.query(ScanBatchWorkflow.progress)
        return progress
    except (RPCError, WorkflowQueryFailedError):
        pass
    async with sessions() as session:
        row = await batches.get_batch(session, batch_id)
    return progress_from_row(row) if row is not None else None


def progress_from_row(row: batches.BatchRow) -> BatchProgress:
    """Return the progress a batch row stores."""
    counts = row.counts
    return BatchProgress(
        batch_id=row.id,
        status=counts.status,
        total=counts.total,
        pending=counts.pending,
        running=counts.running,
        completed=counts.completed,
        failed=counts.failed,
        cancelled=counts.cancelled,
    )


async def follow_batch(
    submitted: SubmittedBatch,
    sessions: async_sessionmaker[AsyncSession],
    display: ProgressDisplay,
) -> BatchProgress | None:
    """Show progress until the batch workflow ends, then return the stored totals."""
    waiting = asyncio.ensure_future(submitted.handle.result())
    try:
        while not waiting.done():
            progress = await read_progress(
                submitted.handle, sessions, submitted.batch_id
            )
            if progress is not None:
                display.update(progress)
            await asyncio.wait({waiting}, timeout=POLL_SECONDS)
    finally:
        if not waiting.done():
            waiting.cancel()
    async with sessions() as session:
        row = await batches.get_batch(session, submitted.batch_id)
    final = progress_from_row(row) if row is not None else None
    if final is not None:
        display.finish(final)
    return final


def report_rejected(parsed: ParsedBatch, source: str) -> None:
    """Print each line left out of the batch, with its line number."""
    for line in parsed.invalid:
        print(f"{source}:{line.line_number}: skipped: {line.reason}", file=sys.stderr)
    for line in parsed.duplicates:
        print(
            f"{source}:{line.line_number}: skipped: duplicate of {line.domain}",
            file=sys.stderr,
        )


async def command_batch(args: argparse.Namespace, settings: Settings) -> int:
    if args.file is None and not args.domains:
        print("error: give a FILE or --domains DOMAIN ...", file=sys.stderr)
        return 2
    try:
        parsed, source = _parse_input(args)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    report_rejected(parsed, source)
    if not parsed.domains:
        print(f"error: {source} lists no valid domain", file=sys.stderr)
        return 2
    options = BatchOptions(
        sitemaps=args.sitemaps,
        concurrency=args.concurrency,
        extra={"source": source, "invalid": len(parsed.invalid)},
    )
    return await run_batch(args, settings, parsed, options)


def _parse_input(args: argparse.Namespace) -> tuple[ParsedBatch, str]:
    if args.file is not None:
        return read_batch_file(Path(args.file)), str(args.file)
    return parse_arguments(args.domains), "argument"


async def run_batch(
    args: argparse.Namespace,
    settings: Settings,
    parsed: ParsedBatch,
    options: BatchOptions,
) -> int:
    """Submit a parsed batch, print its id and, with --wait, follow it."""
    client = await connect_client(settings)
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    try:
        submitted = await submit_batch(
            client, settings, sessions, args.tenant, parsed, options
        )
        _print_submitted(args, submitted, parsed)
        if not args.wait:
            return 0
        display = ProgressDisplay(sys.stderr, interactive=sys.stderr.isatty())
        final = await follow_batch(submitted, sessions, display)
    finally:
        await engine.dispose()
    if final is None:
        return 1
    if args.json:
        print(json_line(final.model_dump(mode="json")))
    return 0 if final.status == "completed" and final.failed == 0 else 1


def _print_submitted(
    args: argparse.Namespace, submitted: SubmittedBatch, parsed: ParsedBatch
) -> None:
    if args.json:
        record = {
            "batch_id": str(submitted.batch_id),
            "workflow_id": submitted.workflow_id,
            "total": submitted.total,
            "invalid": len(parsed.invalid),
            "duplicates": len(parsed.duplicates),
        }
        print(json_line(record), flush=True)
        return
    print(
        f"batch {submitted.batch_id}: {submitted.total} domains "
        f"({len(parsed.invalid)} invalid, {len(parsed.duplicates)} duplicate lines "
        "skipped)"
    )
    print(f"  workflow {submitted.workflow_id}", flush=True)


def register(commands: Any, settings: Settings) -> None:
    """Add the batch command to the starter's parser."""
    batch = commands.add_parser("batch", help="scan a list of domains as one batch")
    batch.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="text file (one domain per line, # comments) or CSV with a "
        "domain, website or url column",
    )
    batch.add_argument(
        "--domains", nargs="+", default=[], metavar="DOMAIN", help="domains to scan"
    )
    batch.add_argument("--wait", action="store_true", help="show progress until done")
    batch.add_argument(
        "--sitemaps",
        action="store_true",
        help="also read each domain's sitemaps after its scan completes",
    )
    batch.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="scans running at once in this batch "
        f"(default SCANNER_BATCH_CONCURRENCY, now {settings.batch_concurrency})",
    )
    add_common_options(batch, settings)
    batch.set_defaults(handler=command_batch)
