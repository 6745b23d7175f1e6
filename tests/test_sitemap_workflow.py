"""ScanSitemapWorkflow on the real Temporal dev server, read back from Postgres."""

from __future__ import annotations

import dataclasses
import gzip
import sys
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from cli.sitemap import start_sitemap_scan, wait_for_sitemap_scan
from devstack.sites import SiteServer
from scanner.db.models import (
    Domain,
    ScanJob,
    SitemapFile,
    SitemapScan,
    SitemapUrl,
    Tenant,
)
from scanner.settings import Settings
from tests.temporal_helpers import running_worker, settings_for_hosts
from tests.test_sitemap_corpus import CASES

GENERATED_HOST = "sm-generated-100k.test"
GENERATED_URLS = 100_000
GENERATED_PARTS = 2
# The generated URLs alone take about 17 MiB as Python strings, so a scan that
# kept them all would pass this bound. The test checks that premise too.
MEMORY_PEAK_BOUND = 8 * 1024 * 1024
HISTORY_EVENT_BOUND = 40
HISTORY_PAYLOAD_BOUND = 16 * 1024


@dataclass
class StoredSitemaps:
    """The sitemap rows of one tenant's domain, in the shape of `expected.sitemaps`."""

    sitemap_files: set[str] = field(default_factory=set)
    invalid: dict[str, str] = field(default_factory=dict)
    page_urls: set[str] = field(default_factory=set)
    file_rows: int = 0
    url_rows: int = 0
    last_seen: datetime | None = None
    first_seen: datetime | None = None


def _generated_url(part: int, index: int) -> str:
    # Long paths make the whole URL set big enough that holding it would show.
    return (
        f"https://{GENERATED_HOST}/catalogue/part-{part}/section-{index % 97:02d}/"
        f"product-{index:06d}-with-a-long-descriptive-slug-for-the-memory-test.html"
    )


def _all_urls_size() -> int:
    per_part = GENERATED_URLS // GENERATED_PARTS
    return sum(
        sys.getsizeof(_generated_url(index // per_part, index))
        for index in range(GENERATED_URLS)
    )


def _generated_routes() -> dict[str, dict[str, Any]]:
    per_part = GENERATED_URLS // GENERATED_PARTS
    routes: dict[str, dict[str, Any]] = {
        "/": {"status": 200, "body": "<html><title>Generated</title></html>"},
        "/robots.txt": {
            "status": 200,
            "body": f"Sitemap: https://{GENERATED_HOST}/index.xml\n",
            "headers": {"Content-Type": "text/plain"},
        },
    }
    children = "".join(
        f"<sitemap><loc>https://{GENERATED_HOST}/part-{part}.xml.gz</loc></sitemap>"
        for part in range(GENERATED_PARTS)
    )
    routes["/index.xml"] = {
        "status": 200,
        "body": '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{children}</sitemapindex>",
        "headers": {"Content-Type": "application/xml"},
    }
    for part in range(GENERATED_PARTS):
        urls = "".join(
            f"<url><loc>{_generated_url(part, index)}</loc>"
            "<lastmod>2024-05-01T10:00:00+02:00</lastmod></url>"
            for index in range(part * per_part, (part + 1) * per_part)
        )
        body = (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>"
        ).encode()
        routes[f"/part-{part}.xml.gz"] = {
            "status": 200,
            "body": gzip.compress(body),
            "headers": {"Content-Type": "application/x-gzip"},
        }
    return routes


@pytest.fixture(scope="module")
def sitemap_settings(base_settings: Settings, site_server: SiteServer) -> Settings:
    site_server.add_site(GENERATED_HOST, _generated_routes())
    hosts = [host for host, _ in CASES] + [GENERATED_HOST]
    # The total timeout covers a sitemap's whole body, and the body of a large
    # sitemap is read while its chunks are written to Postgres.
    limits = dataclasses.replace(base_settings.limits, total_timeout=30.0)
    return settings_for_hosts(base_settings, site_server, hosts).with_overrides(
        limits=limits
    )


@pytest.fixture(scope="module")
async def worker_queue(
    temporal_client: Client, sitemap_settings: Settings
) -> AsyncIterator[str]:
    """Run one worker for the module on a task queue of its own."""
    queue = f"test-sitemap-{uuid.uuid4().hex[:12]}"
    async with running_worker(temporal_client, sitemap_settings, queue):
        yield queue


async def _scan(
    client: Client, settings: Settings, tenant: str, host: str, queue: str
) -> dict[str, Any]:
    started = await start_sitemap_scan(client, settings, tenant, host, task_queue=queue)
    return await wait_for_sitemap_scan(started)


async def _stored(
    sessions: async_sessionmaker[AsyncSession], tenant: str, host: str
) -> StoredSitemaps:
    domain = host.removeprefix("www.")
    domain_ids = (
        select(Domain.id)
        .join(Tenant, Tenant.id == Domain.tenant_id)
        .where(Tenant.name == tenant, Domain.domain == domain)
    )
    stored = StoredSitemaps()
    async with sessions() as session:
        files = (
            await session.scalars(
                select(SitemapFile).where(SitemapFile.domain_id.in_(domain_ids))
            )
        ).all()
        read_ids = [row.id for row in files if row.status == "read"]
        urls = await session.execute(
            select(SitemapUrl.url).where(SitemapUrl.sitemap_file_id.in_(read_ids))
        )
        stored.page_urls = {url for (url,) in urls}
        counts = (
            await session.execute(
                select(
                    func.count(),
                    func.max(SitemapUrl.last_seen_at),
                    func.min(SitemapUrl.first_seen_at),
                ).where(SitemapUrl.sitemap_file_id.in_([row.id for row in files]))
            )
        ).one()
    stored.file_rows = len(files)
    stored.url_rows, stored.last_seen, stored.first_seen = counts
    for row in files:
        if row.status == "read":
            stored.sitemap_files.add(row.final_url or row.url)
        else:
            stored.invalid[row.url] = row.reason or ""
    return stored


@pytest.mark.parametrize(("host", "expected"), CASES, ids=[host for host, _ in CASES])
async def test_workflow_stores_expected_sitemaps(
    host: str,
    expected: dict[str, Any],
    temporal_client: Client,
    sitemap_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    worker_queue: str,
    tenant: str,
) -> None:
    row = await _scan(temporal_client, sitemap_settings, tenant, host, worker_queue)
    stored = await _stored(sessions, tenant, host)

    assert row["status"] == "completed", row
    assert stored.sitemap_files == set(expected["sitemap_files"])
    assert stored.invalid == expected["invalid"]
    if "page_urls" in expected:
        assert stored.page_urls == set(expected["page_urls"])
    else:
        assert len(stored.page_urls) == expected["page_url_count"]
        assert set(expected["page_urls_sample"]) <= stored.page_urls


@pytest.mark.parametrize(("host", "expected"), CASES, ids=[host for host, _ in CASES])
async def test_workflow_summary_counts_files(
    host: str,
    expected: dict[str, Any],
    temporal_client: Client,
    sitemap_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    worker_queue: str,
    tenant: str,
) -> None:
    row = await _scan(temporal_client, sitemap_settings, tenant, host, worker_queue)
    async with sessions() as session:
        summary = await session.get(SitemapScan, uuid.UUID(row["job_id"]))

    assert summary is not None
    assert summary.files_read == len(expected["sitemap_files"])
    assert summary.files_failed == len(expected["invalid"])
    assert row["files_read"] == len(expected["sitemap_files"])


async def test_rescan_keeps_row_counts(
    temporal_client: Client,
    sitemap_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    worker_queue: str,
    tenant: str,
) -> None:
    host = "isis.apache.org"
    await _scan(temporal_client, sitemap_settings, tenant, host, worker_queue)
    first = await _stored(sessions, tenant, host)
    await _scan(temporal_client, sitemap_settings, tenant, host, worker_queue)
    second = await _stored(sessions, tenant, host)

    assert first.url_rows == 3138
    assert second.url_rows == first.url_rows
    assert second.file_rows == first.file_rows
    assert second.page_urls == first.page_urls
    assert first.last_seen is not None
    assert second.last_seen is not None
    assert second.last_seen > first.last_seen
    assert second.first_seen == first.first_seen


async def test_rescan_records_two_sitemap_jobs(
    temporal_client: Client,
    sitemap_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    worker_queue: str,
    tenant: str,
) -> None:
    host = "sm-robots-syntax.test"
    first = await _scan(temporal_client, sitemap_settings, tenant, host, worker_queue)
    second = await _scan(temporal_client, sitemap_settings, tenant, host, worker_queue)
    async with sessions() as session:
        kinds = (
            await session.scalars(
                select(ScanJob.kind)
                .join(Tenant, Tenant.id == ScanJob.tenant_id)
                .where(Tenant.name == tenant)
            )
        ).all()

    assert first["job_id"] != second["job_id"]
    assert list(kinds) == ["sitemap", "sitemap"]


async def test_unreachable_domain_fails_job(
    temporal_client: Client,
    sitemap_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    worker_queue: str,
    tenant: str,
) -> None:
    row = await _scan(
        temporal_client, sitemap_settings, tenant, "no-such-site.test", worker_queue
    )
    async with sessions() as session:
        job = await session.get(ScanJob, uuid.UUID(row["job_id"]))

    assert row["status"] == "failed"
    assert row["error_type"] == "dns"
    assert job is not None
    assert job.status == "failed"
    assert job.kind == "sitemap"


async def test_large_site_memory_and_history_stay_small(
    temporal_client: Client,
    sitemap_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    worker_queue: str,
    tenant: str,
) -> None:
    tracemalloc.start()
    try:
        started = await start_sitemap_scan(
            temporal_client,
            sitemap_settings,
            tenant,
            GENERATED_HOST,
            task_queue=worker_queue,
        )
        row = await wait_for_sitemap_scan(started)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    history = await started.handle.fetch_history()
    payload_bytes = sum(len(event.SerializeToString()) for event in history.events)
    stored = await _stored(sessions, tenant, GENERATED_HOST)
    print(
        f"100k-URL scan: tracemalloc peak {peak / 2**20:.1f} MiB, "
        f"{len(history.events)} history events, {payload_bytes} history bytes"
    )

    assert row["status"] == "completed"
    assert row["urls"] == GENERATED_URLS
    assert stored.url_rows == GENERATED_URLS
    assert peak < MEMORY_PEAK_BOUND
    assert _all_urls_size() > 2 * MEMORY_PEAK_BOUND
    assert len(history.events) < HISTORY_EVENT_BOUND
    assert payload_bytes < HISTORY_PAYLOAD_BOUND
