"""Queries behind the sitemap scan: file and URL upserts, summaries, the URL export.

Every write takes an open session inside a transaction and leaves the commit to
the caller. Each is an upsert on a unique key, so a retried scan rewrites the
same rows instead of adding new ones.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanner.db import jobs
from scanner.db.models import (
    Domain,
    ScanJob,
    SitemapFile,
    SitemapScan,
    SitemapUrl,
    Tenant,
)
from scanner.payloads import SitemapSummary
from scanner.sitemaps.models import SitemapEntry
from scanner.status import JobKind, Status

# The Postgres wire protocol counts bind parameters in a 16-bit field, and
# asyncpg rejects a statement with more than 32,767 of them.
MAX_BIND_PARAMETERS = 32_767
URL_COLUMNS = 8
ROWS_PER_STATEMENT = MAX_BIND_PARAMETERS // URL_COLUMNS
# Longer page URLs are skipped and counted. The sitemaps protocol caps <loc>
# below 2,048 characters, so a value twice that long is broken data.
MAX_URL_LENGTH = 4096
# sitemap_files has a b-tree unique key on (domain_id, url), and a b-tree entry
# must fit in about a third of an 8 kB page.
MAX_FILE_URL_BYTES = 2000
MAX_DETAIL_LENGTH = 2000
MAX_LASTMOD_RAW_LENGTH = 200
EXPORT_PAGE_SIZE = 5000


@dataclass(frozen=True)
class FileRecord:
    """The row of one sitemap as the scan saw it, read or failed."""

    url: str
    final_url: str | None
    parent_url: str | None
    status: str
    depth: int
    reason: str | None = None
    detail: str | None = None
    format: str | None = None
    partial: bool = False
    url_count: int = 0
    invalid_url_count: int = 0


@dataclass(frozen=True)
class UrlWrite:
    """Counts of one chunk upsert: rows sent, entries skipped, statements run."""

    stored: int
    skipped: int
    statements: int


@dataclass(frozen=True)
class ExportedUrl:
    """One page URL of a domain's sitemaps, with the sitemap that listed it."""

    url: str
    lastmod: datetime | None
    sitemap: str


def file_url_fits(url: str) -> bool:
    """Return whether a sitemap URL fits the unique index of sitemap_files."""
    return len(url.encode("utf-8", "surrogatepass")) <= MAX_FILE_URL_BYTES


async def upsert_file(
    session: AsyncSession,
    *,
    tenant_id: int,
    domain_id: int,
    job_id: uuid.UUID,
    record: FileRecord,
) -> int:
    """Insert or overwrite the row of one sitemap and return its id.

    The row is keyed by (domain_id, url), so a rescan updates the row a
    previous scan wrote and points it at the new job.
    """
    values = {
        "tenant_id": tenant_id,
        "domain_id": domain_id,
        "job_id": job_id,
        "url": record.url,
        "final_url": record.final_url,
        "parent_url": record.parent_url,
        "status": record.status,
        "reason": record.reason,
        "detail": _clean(record.detail, MAX_DETAIL_LENGTH),
        "format": record.format,
        "depth": record.depth,
        "partial": record.partial,
        "url_count": record.url_count,
        "invalid_url_count": record.invalid_url_count,
    }
    statement = insert(SitemapFile).values(**values)
    updates: dict[str, Any] = {
        key: statement.excluded[key]
        for key in values
        if key not in {"tenant_id", "domain_id", "url"}
    }
    updates["updated_at"] = func.now()
    upsert = statement.on_conflict_do_update(
        index_elements=[SitemapFile.domain_id, SitemapFile.url], set_=updates
    ).returning(SitemapFile.id)
    return int((await session.execute(upsert)).scalar_one())


async def upsert_urls(
    session: AsyncSession,
    *,
    tenant_id: int,
    sitemap_file_id: int,
    entries: Sequence[SitemapEntry],
) -> UrlWrite:
    """Upsert the page URLs of one sitemap, at most `ROWS_PER_STATEMENT` per statement.

    A URL already stored for the sitemap gets the new lastmod, changefreq,
    priority and extensions and a new `last_seen_at`; `first_seen_at` stays.
    """
    rows, skipped = _url_rows(entries)
    statements = 0
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        batch = rows[start : start + ROWS_PER_STATEMENT]
        await _upsert_url_batch(session, tenant_id, sitemap_file_id, batch)
        statements += 1
    return UrlWrite(stored=len(rows), skipped=skipped, statements=statements)


# Each column travels as one array parameter and unnest() turns the arrays back
# into rows, so a statement has 8 bind parameters whatever its row count, and
# its text is the same for every chunk: Postgres and asyncpg parse it once.
_UPSERT_URLS = text(
    "INSERT INTO sitemap_urls (tenant_id, sitemap_file_id, url, lastmod,"
    " lastmod_raw, changefreq, priority, extensions)"
    " SELECT :tenant_id, :sitemap_file_id, u.url, u.lastmod, u.lastmod_raw,"
    " u.changefreq, u.priority, u.extensions::jsonb"
    " FROM unnest(CAST(:urls AS text[]), CAST(:lastmods AS timestamptz[]),"
    " CAST(:lastmod_raws AS text[]), CAST(:changefreqs AS text[]),"
    " CAST(:priorities AS float8[]), CAST(:extensions AS text[]))"
    " AS u(url, lastmod, lastmod_raw, changefreq, priority, extensions)"
    " ON CONFLICT (sitemap_file_id, md5(url)) DO UPDATE SET"
    " lastmod = excluded.lastmod, lastmod_raw = excluded.lastmod_raw,"
    " changefreq = excluded.changefreq, priority = excluded.priority,"
    " extensions = excluded.extensions, last_seen_at = now()"
)


async def _upsert_url_batch(
    session: AsyncSession, tenant_id: int, sitemap_file_id: int, rows: list[_UrlRow]
) -> None:
    # Spelled out as one value per column, the rows would need this many bind
    # parameters; the cap keeps that under the protocol limit as well.
    assert len(rows) * URL_COLUMNS <= MAX_BIND_PARAMETERS, f"{len(rows)} rows"
    params = {
        "tenant_id": tenant_id,
        "sitemap_file_id": sitemap_file_id,
        "urls": [row.url for row in rows],
        "lastmods": [row.lastmod for row in rows],
        "lastmod_raws": [row.lastmod_raw for row in rows],
        "changefreqs": [row.changefreq for row in rows],
        "priorities": [row.priority for row in rows],
        "extensions": [row.extensions for row in rows],
    }
    assert len(params) <= MAX_BIND_PARAMETERS
    await session.execute(_UPSERT_URLS, params)


@dataclass(frozen=True)
class _UrlRow:
    url: str
    lastmod: datetime | None
    lastmod_raw: str | None
    changefreq: str | None
    priority: float | None
    extensions: str | None


def _url_rows(entries: Sequence[SitemapEntry]) -> tuple[list[_UrlRow], int]:
    """Return one row per distinct usable URL, the last entry winning, and skips.

    ON CONFLICT DO UPDATE fails when one statement touches a row twice, and
    sitemaps often list a URL twice, so duplicates are merged here first.
    """
    rows: dict[str, _UrlRow] = {}
    skipped = 0
    for entry in entries:
        if len(entry.url) > MAX_URL_LENGTH or "\x00" in entry.url:
            skipped += 1
            continue
        rows[entry.url] = _UrlRow(
            url=entry.url,
            lastmod=entry.lastmod,
            lastmod_raw=_clean(entry.lastmod_raw, MAX_LASTMOD_RAW_LENGTH),
            changefreq=entry.changefreq,
            priority=entry.priority,
            extensions=_extensions_json(entry.extensions),
        )
    return list(rows.values()), skipped


def _clean(value: str | None, limit: int) -> str | None:
    """Cap a text value and drop NUL, which Postgres text cannot hold."""
    if value is None:
        return None
    return value.replace("\x00", "")[:limit]


def _extensions_json(extensions: dict[str, Any] | None) -> str | None:
    """Return the extensions as JSON text for the jsonb column, or None.

    jsonb rejects the \\u0000 escape, so extensions carrying a NUL are dropped.
    """
    if extensions is None:
        return None
    encoded = json.dumps(extensions, ensure_ascii=False)
    return None if "\\u0000" in encoded else encoded


async def save_summary(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    tenant_id: int,
    domain_id: int,
    summary: SitemapSummary,
) -> tuple[str, bool]:
    """Upsert the summary of a sitemap scan job and mark the job `completed`."""
    values = {
        "job_id": job_id,
        "tenant_id": tenant_id,
        "domain_id": domain_id,
        "root_url": summary.root_url,
        "files_read": summary.files_read,
        "files_failed": summary.files_failed,
        "partial_files": summary.partial_files,
        "urls": summary.urls,
        "invalid_urls": summary.invalid_urls,
        "skipped_urls": summary.skipped_urls,
        "failed_by_reason": summary.failed_by_reason,
    }
    await jobs.upsert_by_job(session, SitemapScan, values)
    return await jobs.set_job_status(session, job_id, Status.COMPLETED)


async def latest_sitemap_scan(
    session: AsyncSession, tenant: str, domain: str
) -> tuple[jobs.JobRow, SitemapScan | None] | None:
    """Return the newest sitemap job of a tenant's domain and its summary, if any."""
    statement = (
        select(ScanJob.id)
        .join(Tenant, Tenant.id == ScanJob.tenant_id)
        .join(Domain, Domain.id == ScanJob.domain_id)
        .where(Tenant.name == tenant, Domain.domain == domain)
        .where(ScanJob.kind == JobKind.SITEMAP.value)
        .order_by(ScanJob.created_at.desc())
        .limit(1)
    )
    job_id = await session.scalar(statement)
    if job_id is None:
        return None
    job = await jobs.get_job(session, job_id)
    assert job is not None
    return job, await session.get(SitemapScan, job_id)


async def domain_files(
    session: AsyncSession, tenant: str, domain: str
) -> list[SitemapFile]:
    """Return every sitemap row of a tenant's domain, ordered by depth and URL."""
    statement = (
        select(SitemapFile)
        .join(Tenant, Tenant.id == SitemapFile.tenant_id)
        .join(Domain, Domain.id == SitemapFile.domain_id)
        .where(Tenant.name == tenant, Domain.domain == domain)
        .order_by(SitemapFile.depth, SitemapFile.url)
    )
    return list((await session.scalars(statement)).all())


async def iter_domain_urls(
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    domain: str,
    *,
    page_size: int = EXPORT_PAGE_SIZE,
) -> AsyncIterator[ExportedUrl]:
    """Yield the page URLs of a domain's read sitemaps, a page of rows at a time.

    Each page is its own short session and query, keyed on (sitemap_file_id,
    id), so memory stays at one page however many URLs the domain has and no
    transaction stays open while the caller writes the output.
    """
    async with sessions() as session:
        files = [
            (row.id, row.final_url or row.url)
            for row in await domain_files(session, tenant, domain)
            if row.status == "read"
        ]
    for file_id, sitemap in files:
        after = 0
        while True:
            async with sessions() as session:
                page = await _url_page(session, file_id, after, page_size)
            for url, lastmod, _ in page:
                yield ExportedUrl(url=url, lastmod=lastmod, sitemap=sitemap)
            if len(page) < page_size:
                break
            after = page[-1][2]


async def _url_page(
    session: AsyncSession, file_id: int, after: int, size: int
) -> list[tuple[str, datetime | None, int]]:
    statement = (
        select(SitemapUrl.url, SitemapUrl.lastmod, SitemapUrl.id)
        .where(SitemapUrl.sitemap_file_id == file_id, SitemapUrl.id > after)
        .order_by(SitemapUrl.id)
        .limit(size)
    )
    return [
        (url, lastmod, row_id)
        for url, lastmod, row_id in await session.execute(statement)
    ]
