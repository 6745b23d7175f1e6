"""Sitemap file and URL upserts against the real test database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from scanner.db import jobs, sitemaps
from scanner.db.models import SitemapFile, SitemapUrl
from scanner.sitemaps.models import SitemapEntry


@contextmanager
def _recorded_statements(engine: AsyncEngine) -> Iterator[list[tuple[str, int]]]:
    """Record the SQL and bind parameter count of each statement sent."""
    recorded: list[tuple[str, int]] = []

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any
    ) -> None:
        recorded.append((statement, len(parameters or ())))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield recorded
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _new_file(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> tuple[int, int]:
    async with sessions() as session, session.begin():
        tenant_id = await jobs.ensure_tenant(session, tenant)
        domain_id = await jobs.ensure_domain(session, tenant_id, "persist.test")
        job_id = uuid.uuid4()
        await jobs.create_job(
            session,
            job_id=job_id,
            tenant_id=tenant_id,
            domain_id=domain_id,
            requested_domain="persist.test",
            workflow_id="scan-sitemap/persist",
            kind="sitemap",
        )
        file_id = await sitemaps.upsert_file(
            session,
            tenant_id=tenant_id,
            domain_id=domain_id,
            job_id=job_id,
            record=sitemaps.FileRecord(
                url="https://persist.test/sitemap.xml",
                final_url="https://persist.test/sitemap.xml",
                parent_url=None,
                status="read",
                depth=1,
            ),
        )
    return tenant_id, file_id


def _entries(count: int, *, lastmod: datetime | None = None) -> list[SitemapEntry]:
    return [
        SitemapEntry(url=f"https://persist.test/page/{index}", lastmod=lastmod)
        for index in range(count)
    ]


async def _upsert(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: int,
    file_id: int,
    entries: list[SitemapEntry],
) -> sitemaps.UrlWrite:
    async with sessions() as session, session.begin():
        return await sitemaps.upsert_urls(
            session, tenant_id=tenant_id, sitemap_file_id=file_id, entries=entries
        )


async def _url_count(sessions: async_sessionmaker[AsyncSession], file_id: int) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).where(SitemapUrl.sitemap_file_id == file_id)
        )
    return int(count or 0)


async def test_chunk_over_parameter_cap_is_split(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)
    rows = 10_000
    # As one value per column, these rows would need 80,000 bind parameters.
    assert rows * sitemaps.URL_COLUMNS > sitemaps.MAX_BIND_PARAMETERS

    with _recorded_statements(engine) as recorded:
        written = await _upsert(sessions, tenant_id, file_id, _entries(rows))
    inserts = [params for sql, params in recorded if "INSERT INTO sitemap_urls" in sql]

    assert written.stored == rows
    assert written.statements == 3
    assert len(inserts) == 3
    assert max(inserts) <= sitemaps.MAX_BIND_PARAMETERS
    assert await _url_count(sessions, file_id) == rows


async def test_chunk_statement_has_eight_parameters(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)

    with _recorded_statements(engine) as recorded:
        await _upsert(sessions, tenant_id, file_id, _entries(1000))
    inserts = [params for sql, params in recorded if "INSERT INTO sitemap_urls" in sql]

    assert inserts == [sitemaps.URL_COLUMNS]


async def test_rows_per_statement_fit_parameter_cap() -> None:
    spelled_out = sitemaps.ROWS_PER_STATEMENT * sitemaps.URL_COLUMNS

    assert spelled_out <= sitemaps.MAX_BIND_PARAMETERS


async def test_repeated_upsert_updates_not_duplicates(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)
    new_lastmod = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    await _upsert(sessions, tenant_id, file_id, _entries(50))
    await _upsert(sessions, tenant_id, file_id, _entries(50, lastmod=new_lastmod))
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(SitemapUrl).where(SitemapUrl.sitemap_file_id == file_id)
            )
        ).all()

    assert len(rows) == 50
    assert {row.lastmod for row in rows} == {new_lastmod}
    assert all(row.last_seen_at >= row.first_seen_at for row in rows)


async def test_duplicate_urls_in_one_chunk_merge(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)
    entries = _entries(3) + _entries(3)

    written = await _upsert(sessions, tenant_id, file_id, entries)

    assert written.stored == 3
    assert await _url_count(sessions, file_id) == 3


async def test_overlong_and_nul_urls_skipped(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)
    long_url = "https://persist.test/" + "a" * sitemaps.MAX_URL_LENGTH
    entries = [
        SitemapEntry(url=long_url),
        SitemapEntry(url="https://persist.test/nul\x00byte"),
        SitemapEntry(url="https://persist.test/kept"),
    ]

    written = await _upsert(sessions, tenant_id, file_id, entries)

    assert written.skipped == 2
    assert written.stored == 1
    assert await _url_count(sessions, file_id) == 1


async def test_long_url_under_cap_stored(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    # The unique index is on md5(url), so a URL longer than a b-tree entry
    # allows is still stored.
    tenant_id, file_id = await _new_file(sessions, tenant)
    url = "https://persist.test/" + "b" * (sitemaps.MAX_URL_LENGTH - 30)

    written = await _upsert(sessions, tenant_id, file_id, [SitemapEntry(url=url)])

    assert written.stored == 1


async def test_extensions_stored_as_jsonb(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)
    entries = [
        SitemapEntry(
            url="https://persist.test/news",
            extensions={"news": {"title": "Zürich"}},
            priority=0.8,
            changefreq="daily",
        ),
        SitemapEntry(url="https://persist.test/plain"),
    ]
    await _upsert(sessions, tenant_id, file_id, entries)
    async with sessions() as session:
        rows = {
            row.url: row
            for row in await session.scalars(
                select(SitemapUrl).where(SitemapUrl.sitemap_file_id == file_id)
            )
        }

    assert rows["https://persist.test/news"].extensions == {"news": {"title": "Zürich"}}
    assert rows["https://persist.test/news"].priority == 0.8
    assert rows["https://persist.test/plain"].extensions is None


async def test_file_upsert_turns_read_into_failed(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)
    async with sessions() as session, session.begin():
        domain_id = await jobs.ensure_domain(session, tenant_id, "persist.test")
        job_id = uuid.uuid4()
        await jobs.create_job(
            session,
            job_id=job_id,
            tenant_id=tenant_id,
            domain_id=domain_id,
            requested_domain="persist.test",
            workflow_id="scan-sitemap/persist",
            kind="sitemap",
        )
        again = await sitemaps.upsert_file(
            session,
            tenant_id=tenant_id,
            domain_id=domain_id,
            job_id=job_id,
            record=sitemaps.FileRecord(
                url="https://persist.test/sitemap.xml",
                final_url=None,
                parent_url=None,
                status="failed",
                depth=1,
                reason="not_found",
                detail="HTTP status 404",
            ),
        )
    async with sessions() as session:
        row = await session.get(SitemapFile, file_id)

    assert again == file_id
    assert row is not None
    assert row.status == "failed"
    assert row.reason == "not_found"
    assert row.job_id == job_id


async def test_export_pages_through_all_urls(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)
    await _upsert(sessions, tenant_id, file_id, _entries(25))

    exported = [
        item.url
        async for item in sitemaps.iter_domain_urls(
            sessions, tenant, "persist.test", page_size=7
        )
    ]

    assert len(exported) == 25
    assert set(exported) == {entry.url for entry in _entries(25)}


async def test_export_skips_other_tenant(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    tenant_id, file_id = await _new_file(sessions, tenant)
    await _upsert(sessions, tenant_id, file_id, _entries(5))

    exported = [
        item
        async for item in sitemaps.iter_domain_urls(
            sessions, f"{tenant}-other", "persist.test"
        )
    ]

    assert exported == []
