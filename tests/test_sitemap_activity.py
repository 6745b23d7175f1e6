"""The sitemap scan activities outside a workflow, against local sites and Postgres."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.scan import ScanActivities
from activities.sitemap import SitemapActivities, run_with_progress
from devstack.sites import SiteServer
from scanner.db.models import SitemapFile, SitemapUrl
from scanner.net.fetcher import Fetcher
from scanner.net.resolver import StaticResolver
from scanner.payloads import DomainLookupInput, SitemapCrawlInput
from scanner.settings import Settings
from tests.temporal_helpers import settings_for_hosts

HOST = "isis.apache.org"


@pytest.fixture(scope="module")
async def activities(
    base_settings: Settings,
    site_server: SiteServer,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[tuple[ScanActivities, SitemapActivities]]:
    settings = settings_for_hosts(base_settings, site_server, [HOST])
    fetcher = Fetcher(settings, resolver=StaticResolver({}))
    yield (
        ScanActivities(sessions, fetcher, settings),
        SitemapActivities(sessions, fetcher, settings),
    )
    await fetcher.aclose()


async def _crawl_input(
    scan: ScanActivities, tenant: str, domain: str
) -> SitemapCrawlInput:
    job_id = uuid.uuid4()
    lookup = await ActivityEnvironment().run(
        scan.get_or_create_domain,
        DomainLookupInput(
            tenant=tenant,
            domain=domain,
            job_id=job_id,
            workflow_id=f"scan-sitemap/{tenant}/{domain}",
            kind="sitemap",
        ),
    )
    return SitemapCrawlInput(
        job_id=job_id,
        tenant_id=lookup.tenant_id,
        domain_id=lookup.domain_id,
        domain=lookup.domain,
    )


async def _row_counts(
    sessions: async_sessionmaker[AsyncSession], domain_id: int
) -> tuple[int, int]:
    file_ids = select(SitemapFile.id).where(SitemapFile.domain_id == domain_id)
    async with sessions() as session:
        files = await session.scalar(
            select(func.count()).where(SitemapFile.domain_id == domain_id)
        )
        urls = await session.scalar(
            select(func.count()).where(SitemapUrl.sitemap_file_id.in_(file_ids))
        )
    return int(files or 0), int(urls or 0)


async def test_retried_crawl_rewrites_same_rows(
    activities: tuple[ScanActivities, SitemapActivities],
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    scan, sitemap = activities
    data = await _crawl_input(scan, tenant, HOST)

    first = await ActivityEnvironment().run(sitemap.scan_sitemaps, data)
    counts_after_first = await _row_counts(sessions, data.domain_id)
    second = await ActivityEnvironment().run(sitemap.scan_sitemaps, data)
    counts_after_second = await _row_counts(sessions, data.domain_id)

    assert first == second
    assert counts_after_first == (21, 3138)
    assert counts_after_second == counts_after_first


async def test_crawl_of_unknown_host_raises_dns(
    activities: tuple[ScanActivities, SitemapActivities], tenant: str
) -> None:
    scan, sitemap = activities
    data = await _crawl_input(scan, tenant, "not-served.test")

    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(sitemap.scan_sitemaps, data)

    assert raised.value.type == "dns"
    assert raised.value.non_retryable


async def test_progress_heartbeat_carries_details() -> None:
    environment = ActivityEnvironment()
    beats: list[tuple[object, ...]] = []
    beaten = asyncio.Event()

    def record(*details: object) -> None:
        beats.append(details)
        beaten.set()

    environment.on_heartbeat = record

    async def step() -> str:
        await beaten.wait()
        return "done"

    async def run() -> str:
        return await run_with_progress(
            step(), lambda: {"urls_stored": 7}, interval=0.01
        )

    result = await environment.run(run)

    assert result == "done"
    assert beats[0] == ({"urls_stored": 7},)
