"""Batch lines stored as read: input from any file must fit a Postgres row."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanner.batch_input import BatchLine
from scanner.db import batches, jobs
from scanner.db.batches import BatchDomain


async def _store(
    sessions: async_sessionmaker[AsyncSession], tenant: str, lines: list[BatchLine]
) -> list[BatchDomain]:
    batch_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        tenant_id = await jobs.ensure_tenant(session, tenant)
        await batches.create_batch(
            session,
            batch_id=batch_id,
            tenant_id=tenant_id,
            workflow_id=f"scan-batch/{tenant}/{batch_id}",
            options={},
            lines=lines,
        )
    async with sessions() as session:
        rows = await session.scalars(
            select(BatchDomain)
            .where(BatchDomain.batch_id == batch_id)
            .order_by(BatchDomain.line_number)
        )
        return list(rows)


async def test_batch_line_with_nul_stored(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    lines = [
        BatchLine(line_number=1, input="a\x00b", reason="invalid domain 'a\x00b'"),
        BatchLine(line_number=2, input="example.com", domain="example.com", host="e"),
    ]

    rows = await _store(sessions, tenant, lines)

    assert [row.input for row in rows] == ["a\\x00b", "example.com"]
    assert rows[0].reason == "invalid domain 'a\\x00b'"


async def test_batch_line_huge_input_cut(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    lines = [BatchLine(line_number=1, input="a" * 1_000_000, reason="too long")]

    rows = await _store(sessions, tenant, lines)

    assert len(rows[0].input) < 10_000


async def test_batch_page_keeps_typed_www(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    lines = [
        BatchLine(
            line_number=1, input="https://WWW.a.test/", domain="a.test", host="a"
        ),
        BatchLine(line_number=2, input="b.test", domain="b.test", host="b"),
    ]
    rows = await _store(sessions, tenant, lines)

    async with sessions() as session:
        items = await batches.load_page(session, rows[0].batch_id, 0, 10)

    assert [item.www_first for item in items] == [True, False]
