"""The starter's `sitemap` and `urls` commands and the sitemap part of `results`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from cli.common import add_common_options
from scanner.db import sitemaps
from scanner.db.engine import create_engine, create_session_factory
from scanner.db.models import SitemapScan
from scanner.domains import canonicalize_domain
from scanner.errors import ErrorKind, InvalidDomainError
from scanner.payloads import ScanSitemapInput, ScanSitemapResult, SitemapSummary
from scanner.report import json_line
from scanner.settings import Settings
from temporal_client import connect_client
from workflows.ids import sitemap_workflow_id
from workflows.scan_sitemap import ScanSitemapWorkflow
from workflows.search import scan_attributes

EXPORT_FIELDS = ("url", "lastmod", "sitemap")


@dataclass
class StartedSitemapScan:
    domain: str
    job_id: str
    handle: WorkflowHandle[Any, ScanSitemapResult]
    attached: bool


async def start_sitemap_scan(
    client: Client,
    settings: Settings,
    tenant: str,
    raw: str,
    *,
    task_queue: str | None = None,
    batch_id: uuid.UUID | None = None,
) -> StartedSitemapScan:
    """Start a sitemap scan, or attach to the one already running for the domain.

    Raises:
        InvalidDomainError: `raw` is not a domain.
    """
    domain = canonicalize_domain(raw)
    job_id = uuid.uuid4()
    handle = await client.start_workflow(
        ScanSitemapWorkflow.run,
        ScanSitemapInput(tenant=tenant, domain=raw, job_id=job_id, batch_id=batch_id),
        id=sitemap_workflow_id(tenant, domain),
        task_queue=task_queue or settings.temporal_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        memo={"job_id": str(job_id)},
        search_attributes=scan_attributes(tenant, domain, batch_id),
    )
    description = await handle.describe()
    running_job = str(await description.memo_value("job_id", ""))
    return StartedSitemapScan(domain, running_job, handle, running_job != str(job_id))


async def wait_for_sitemap_scan(scan: StartedSitemapScan) -> dict[str, Any]:
    """Wait for a sitemap scan to end and return its summary row."""
    try:
        outcome = await scan.handle.result()
    except WorkflowFailureError as exc:
        cause = exc.cause
        error_type = ErrorKind.INTERNAL.value
        message = str(cause or exc)
        if isinstance(cause, ApplicationError):
            error_type = cause.type or error_type
            message = cause.message
        return summary_row(
            scan.domain, scan.job_id, "failed", None, error_type, message
        )
    return summary_row(
        outcome.domain, str(outcome.job_id), outcome.status, outcome.summary
    )


def summary_row(
    domain: str,
    job_id: str,
    status: str,
    summary: SitemapSummary | None,
    error_type: str | None = None,
    error_message: str | None = None,
) -> dict[str, Any]:
    """Return one flat record of a sitemap scan: ids, status and the counts."""
    row: dict[str, Any] = {
        "domain": domain,
        "job_id": job_id,
        "status": status,
        "error_type": error_type,
        "error_message": error_message,
    }
    counts = summary.model_dump() if summary is not None else {}
    for name in SitemapSummary.model_fields:
        row[name] = counts.get(name)
    return row


def format_summary(row: Mapping[str, Any]) -> str:
    """Format a summary row as a few indented lines for a terminal."""
    head = f"{row['domain']}: {row['status']}, job {row['job_id']}"
    if row.get("error_type"):
        return f"{head}\n  error: {row['error_type']}: {row['error_message']}"
    if row.get("files_read") is None:
        return head
    reasons = ", ".join(
        f"{reason} {count}"
        for reason, count in sorted((row.get("failed_by_reason") or {}).items())
    )
    lines = [
        head,
        f"  sitemaps read: {row['files_read']} ({row['partial_files']} partial)",
        f"  sitemaps failed: {row['files_failed']}"
        + (f" ({reasons})" if reasons else ""),
        f"  page URLs: {row['urls']} ({row['invalid_urls']} invalid, "
        f"{row['skipped_urls']} skipped)",
    ]
    return "\n".join(lines)


async def command_sitemap(args: argparse.Namespace, settings: Settings) -> int:
    client = await connect_client(settings)
    scans = []
    invalid = False
    for raw in args.domains:
        try:
            scans.append(await start_sitemap_scan(client, settings, args.tenant, raw))
        except InvalidDomainError as exc:
            print(f"error: {exc.message}; skipped", file=sys.stderr)
            invalid = True
    if not args.wait:
        for scan in scans:
            _print_started(scan, as_json=args.json)
        return 2 if invalid else 0
    rows = []
    for done in asyncio.as_completed([wait_for_sitemap_scan(scan) for scan in scans]):
        row = await done
        rows.append(row)
        print(json_line(row) if args.json else format_summary(row), flush=True)
    if invalid:
        return 2
    return 0 if all(row["status"] == "completed" for row in rows) else 1


def _print_started(scan: StartedSitemapScan, *, as_json: bool) -> None:
    if as_json:
        record = {
            "domain": scan.domain,
            "job_id": scan.job_id,
            "workflow_id": scan.handle.id,
            "status": "pending",
        }
        print(json_line(record))
        return
    verb = "attached to running sitemap scan" if scan.attached else "started"
    print(f"{scan.domain}: {verb}, job {scan.job_id}")
    print(f"  workflow {scan.handle.id}")


async def command_urls(args: argparse.Namespace, settings: Settings) -> int:
    try:
        domain = canonicalize_domain(args.domain)
    except InvalidDomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    engine = create_engine(settings)
    try:
        sessions = create_session_factory(engine)
        async with sessions() as session:
            found = await sitemaps.latest_sitemap_scan(session, args.tenant, domain)
        if found is None:
            print(
                f"error: no sitemap scan of {domain} for tenant {args.tenant!r}; "
                f"run `python starter.py sitemap {domain} --wait` first",
                file=sys.stderr,
            )
            return 1
        urls = sitemaps.iter_domain_urls(sessions, args.tenant, domain)
        if args.output:
            # The starter runs one command at a time, so a blocking file write
            # stalls nothing else on the event loop.
            with open(args.output, "w", encoding="utf-8", newline="") as output:  # noqa: ASYNC230
                await write_urls(urls, output, args.format)
        else:
            await write_urls(urls, sys.stdout, args.format)
    finally:
        await engine.dispose()
    return 0


async def write_urls(
    urls: AsyncIterator[sitemaps.ExportedUrl], output: IO[str], fmt: str
) -> int:
    """Write each URL as a CSV row or a JSON line and return how many were written."""
    writer = csv.writer(output) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(EXPORT_FIELDS)
    count = 0
    async for item in urls:
        record = (item.url, _iso_utc(item.lastmod), item.sitemap)
        if writer is not None:
            writer.writerow(record)
        else:
            output.write(json.dumps(dict(zip(EXPORT_FIELDS, record, strict=True))))
            output.write("\n")
        count += 1
    return count


def _iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def show_sitemap_summary(
    settings: Settings, tenant: str, domain: str, *, as_json: bool
) -> bool:
    """Print the latest sitemap scan of a domain; return False when there is none."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            found = await sitemaps.latest_sitemap_scan(session, tenant, domain)
    finally:
        await engine.dispose()
    if found is None:
        return False
    job, stored = found
    row = summary_row(
        domain,
        str(job.id),
        job.status,
        _stored_summary(stored) if stored is not None else None,
        job.error_type,
        job.error_message,
    )
    row["scanned_at"] = (job.finished_at or job.created_at).isoformat()
    print(json_line({"sitemaps": row}) if as_json else "sitemaps:\n" + _indent(row))
    return True


def _indent(row: Mapping[str, Any]) -> str:
    return "\n".join("  " + line for line in format_summary(row).splitlines())


def _stored_summary(stored: SitemapScan) -> SitemapSummary:
    return SitemapSummary(
        root_url=stored.root_url,
        files_read=stored.files_read,
        files_failed=stored.files_failed,
        partial_files=stored.partial_files,
        urls=stored.urls,
        invalid_urls=stored.invalid_urls,
        skipped_urls=stored.skipped_urls,
        failed_by_reason=dict(stored.failed_by_reason),
    )


def register(commands: Any, settings: Settings) -> None:
    """Add the sitemap and urls commands to the starter's parser."""
    sitemap = commands.add_parser("sitemap", help="read the sitemaps of domains")
    sitemap.add_argument("domains", nargs="+", metavar="DOMAIN")
    sitemap.add_argument("--wait", action="store_true", help="wait and print counts")
    add_common_options(sitemap, settings)
    sitemap.set_defaults(handler=command_sitemap)

    urls = commands.add_parser("urls", help="export the page URLs of a domain")
    urls.add_argument("domain", metavar="DOMAIN")
    urls.add_argument(
        "--tenant",
        default=settings.default_tenant,
        help=f"tenant the domain belongs to (default {settings.default_tenant!r})",
    )
    urls.add_argument(
        "--format",
        choices=("csv", "jsonl"),
        default="csv",
        help="output format (default csv)",
    )
    urls.add_argument("--output", metavar="FILE", help="write to FILE, not stdout")
    urls.set_defaults(handler=command_urls)
