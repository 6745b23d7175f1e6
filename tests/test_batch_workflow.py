"""ScanBatchWorkflow on the real Temporal dev server, against 500 local sites."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import CancelledError

from cli.batch import BatchOptions, SubmittedBatch, submit_batch
from cli.batch_export import export_records, write_records
from cli.scan import start_scan
from devstack.sites import SiteServer
from scanner.batch_input import ParsedBatch, parse_values, read_batch_file
from scanner.batch_payloads import BatchProgress
from scanner.db import batches
from scanner.db.models import ScanJob
from scanner.settings import Settings
from tests.temporal_helpers import running_worker
from workflows.scan_batch import ScanBatchWorkflow

GOOD = 470
MISSING = 20
LOOPING = 10
INVALID_LINES = ["not a domain", "javascript:alert(1)", "1.2.3.4", "no-dot", "a..b.com"]


def _good(index: int) -> str:
    return f"shop-{index:03d}.batch.test"


def _missing(index: int) -> str:
    return f"gone-{index:03d}.missing.test"


def _looping(index: int) -> str:
    return f"loop-{index:03d}.loops.test"


def _page(title: str) -> dict[str, Any]:
    return {
        "status": 200,
        "body": f"<html lang='en'><title>{title}</title></html>",
        "headers": {"Content-Type": "text/html; charset=utf-8"},
    }


def _serve(server: SiteServer, name: str, routes: dict[str, Any]) -> None:
    # Lines typed with `www.` are scanned on that host first, as real sites
    # respond on both names.
    server.add_site(name, routes)
    server.add_site(f"www.{name}", routes)


@pytest.fixture(scope="module")
def batch_sites(site_server: SiteServer) -> list[str]:
    """Serve 500 sites: most respond, some 404 and some redirect forever."""
    for index in range(GOOD):
        _serve(site_server, _good(index), {"/": _page(f"Shop {index}")})
    for index in range(MISSING):
        _serve(site_server, _missing(index), {"/": {"status": 404}})
    for index in range(LOOPING):
        _serve(
            site_server,
            _looping(index),
            {"/": {"status": 302, "headers": {"Location": "/"}}},
        )
    names = [_good(i) for i in range(GOOD)]
    names += [_missing(i) for i in range(MISSING)]
    names += [_looping(i) for i in range(LOOPING)]
    return names


@pytest.fixture(scope="module")
def batch_settings(base_settings: Settings) -> Settings:
    # Plain http keeps 500 TLS handshakes and certificates out of the test's time.
    return base_settings.with_overrides(scrape_max_attempts=1, schemes=("http",))


def _write_list(path: Path, names: list[str]) -> Path:
    lines = ["# a batch of local sites", ""]
    for index, name in enumerate(names):
        lines.append(f"https://www.{name}/" if index % 7 == 0 else name)
        if index % 100 == 0:
            lines.append(name.upper())
        if index % 100 == 50:
            lines.append(INVALID_LINES[(index // 100) % len(INVALID_LINES)])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def _stored(
    sessions: async_sessionmaker[AsyncSession], batch_id: uuid.UUID
) -> batches.BatchRow:
    async with sessions() as session:
        row = await batches.get_batch(session, batch_id)
    assert row is not None
    return row


async def _export(
    sessions: async_sessionmaker[AsyncSession], row: batches.BatchRow, fmt: str
) -> str:
    out = io.StringIO()
    async with sessions() as session:
        records = export_records(session, row.id, row.counts.status)
        await write_records(records, out, fmt)
    return out.getvalue()


async def _run(
    client: Client,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    parsed: ParsedBatch,
    task_queue: str,
    **options: Any,
) -> tuple[SubmittedBatch, BatchProgress, BatchProgress]:
    submitted = await submit_batch(
        client,
        settings,
        sessions,
        tenant,
        parsed,
        BatchOptions(**options),
        task_queue=task_queue,
    )
    result = await submitted.handle.result()
    queried = await submitted.handle.query(ScanBatchWorkflow.progress)
    return submitted, result, queried


async def test_batch_of_500_counts_exports_and_retries(
    temporal_client: Client,
    batch_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    batch_sites: list[str],
    site_server: SiteServer,
    task_queue: str,
    tenant: str,
    tmp_path: Path,
) -> None:
    parsed = read_batch_file(_write_list(tmp_path / "domains.txt", batch_sites))
    assert len(parsed.domains) == 500
    assert len(parsed.invalid) == 5
    assert len(parsed.duplicates) == 5

    async with running_worker(temporal_client, batch_settings, task_queue):
        submitted, result, queried = await _run(
            temporal_client,
            batch_settings,
            sessions,
            tenant,
            parsed,
            task_queue,
            concurrency=100,
            max_history_events=1500,
        )
        row = await _stored(sessions, submitted.batch_id)

        for index in range(MISSING):
            _serve(site_server, _missing(index), {"/": _page(f"Back {index}")})
        async with sessions() as session:
            failed = await batches.unfinished_lines(
                session, submitted.batch_id, ["failed"]
            )
        _, retry_result, _ = await _run(
            temporal_client,
            batch_settings,
            sessions,
            tenant,
            parse_values((line.line_number, line.input) for line in failed),
            task_queue,
        )

    for progress in (result, queried):
        assert progress.total == 500
        assert progress.completed == GOOD
        assert progress.failed == MISSING + LOOPING
        assert progress.pending == 0
        assert progress.running == 0
        assert progress.cancelled == 0
    assert row.counts.status == "completed"
    assert (row.counts.total, row.counts.completed) == (500, GOOD)
    assert row.counts.failed == MISSING + LOOPING
    assert (row.counts.pending, row.counts.running) == (0, 0)
    assert row.invalid == 5
    assert row.finished_at is not None

    assert queried.runs > 1
    description = await submitted.handle.describe()
    assert (
        description.run_id
        != description.raw_description.workflow_execution_info.first_run_id
    )
    first_run = temporal_client.get_workflow_handle(
        submitted.workflow_id,
        run_id=description.raw_description.workflow_execution_info.first_run_id,
    )
    history = await first_run.fetch_history()
    assert (
        history.events[-1].event_type
        == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    )

    exported = list(csv.DictReader(io.StringIO(await _export(sessions, row, "csv"))))
    assert len(exported) == 500
    assert sum(1 for item in exported if item["status"] == "completed") == GOOD
    by_domain = {item["domain"]: item for item in exported}
    assert by_domain[_good(7)]["title"] == "Shop 7"
    assert by_domain[_missing(3)]["error_type"] == "http_status"
    assert by_domain[_looping(3)]["error_type"] == "too_many_redirects"
    lines = (await _export(sessions, row, "jsonl")).splitlines()
    assert len(lines) == 500
    assert json.loads(lines[0])["domain"] == _good(0)
    assert len(json.loads(await _export(sessions, row, "json"))) == 500

    assert len(failed) == MISSING + LOOPING
    assert retry_result.total == MISSING + LOOPING
    assert retry_result.completed == MISSING
    assert retry_result.failed == LOOPING


async def test_batch_cancel_ends_scans_cancelled(
    temporal_client: Client,
    batch_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    site_server: SiteServer,
    task_queue: str,
    tenant: str,
) -> None:
    names = [f"hang-{index}.test" for index in range(12)]
    for name in names:
        site_server.add_site(name, {"/": {"status": 200, "behavior": "hang"}})
    parsed = parse_values(enumerate(names, 1))
    async with running_worker(temporal_client, batch_settings, task_queue):
        submitted = await submit_batch(
            temporal_client,
            batch_settings,
            sessions,
            tenant,
            parsed,
            BatchOptions(concurrency=4),
            task_queue=task_queue,
        )
        await _wait_running(submitted)
        await submitted.handle.cancel()
        with pytest.raises(WorkflowFailureError) as failure:
            await submitted.handle.result()
    row = await _stored(sessions, submitted.batch_id)
    async with sessions() as session:
        statuses = (
            await session.scalars(
                select(ScanJob.status).where(ScanJob.batch_id == submitted.batch_id)
            )
        ).all()

    assert isinstance(failure.value.cause, CancelledError)
    assert row.counts.status == "cancelled"
    assert row.counts.cancelled == 12
    assert (row.counts.pending, row.counts.running) == (0, 0)
    assert row.counts.failed == 0
    assert len(statuses) == 4
    assert set(statuses) == {"cancelled"}


async def _wait_running(submitted: SubmittedBatch) -> None:
    for _ in range(200):
        progress = await submitted.handle.query(ScanBatchWorkflow.progress)
        if progress.running >= 4:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the batch never had 4 scans running")


async def test_batch_attaches_to_running_scan(
    temporal_client: Client,
    batch_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    site_server: SiteServer,
    task_queue: str,
    tenant: str,
) -> None:
    site_server.add_site("slow-attach.test", {"/": {"status": 200, "behavior": "hang"}})
    site_server.add_site("quick-attach.test", {"/": _page("Quick")})
    async with running_worker(temporal_client, batch_settings, task_queue):
        single = await start_scan(
            temporal_client,
            batch_settings,
            tenant,
            "slow-attach.test",
            task_queue=task_queue,
        )
        submitted, result, _ = await _run(
            temporal_client,
            batch_settings,
            sessions,
            tenant,
            parse_values(enumerate(["slow-attach.test", "quick-attach.test"], 1)),
            task_queue,
        )
    async with sessions() as session:
        lines = await batches.unfinished_lines(session, submitted.batch_id, ["failed"])

    assert not single.attached
    assert result.completed == 1
    assert result.failed == 1
    assert [str(line.job_id) for line in lines] == [single.job_id]


async def test_batch_line_with_www_tries_it_first(
    temporal_client: Client,
    batch_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    site_server: SiteServer,
    task_queue: str,
    tenant: str,
) -> None:
    # Only the www. host is served, and the bare name returns an error.
    site_server.add_site("www.only-www.test", {"/": _page("Only www")})
    site_server.add_site("only-www.test", {"/": {"status": 403}})
    async with running_worker(temporal_client, batch_settings, task_queue):
        _, result, _ = await _run(
            temporal_client,
            batch_settings,
            sessions,
            tenant,
            parse_values(enumerate(["www.only-www.test"], 1)),
            task_queue,
        )

    assert result.completed == 1
