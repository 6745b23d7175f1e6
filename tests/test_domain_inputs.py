"""Domain canonicalization, and bad input through the whole workflow."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from scanner.db.models import Domain, ScanJob, ScanResult, Tenant
from scanner.domains import canonicalize_domain, starts_with_www
from scanner.errors import InvalidDomainError
from scanner.settings import Settings
from tests.temporal_helpers import running_worker, scan

VALID = [
    ("example.com", "example.com"),
    ("Example.COM", "example.com"),
    ("example.com.", "example.com"),
    ("https://www.Example.com/path?q=1#top", "example.com"),
    ("http://example.com:8080/", "example.com"),
    ("//example.com/x", "example.com"),
    ("www.example.com", "example.com"),
    ("sub.www.example.com", "sub.www.example.com"),
    ("shop.example.co.uk", "shop.example.co.uk"),
    ("bücher.de", "xn--bcher-kva.de"),
    ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("https://BÜCHER.de/", "xn--bcher-kva.de"),
    ("münchen.de", "xn--mnchen-3ya.de"),
    ("例え.jp", "xn--r8jz45g.jp"),
    ("ＥＸＡＭＰＬＥ。com", "example.com"),
    ("  example.org  ", "example.org"),
    ("example.com:443", "example.com"),
    ("a-b.example", "a-b.example"),
]

BAD = [
    "",
    " ",
    "\t\n",
    "exa mple.com",
    "example .com",
    "exa\x00mple.com",
    "exa\x07mple.com",
    "example.com\x7f",
    "exam\u200bple.com",
    "exa\u2028mple.com",
    "a" * 64 + ".com",
    "x." * 130 + "com",
    "a" * 300,
    ("a" * 63 + ".") * 4 + "com",
    "localhost",
    "example",
    "com",
    ".",
    "..",
    ".example.com",
    "example..com",
    "-example.com",
    "example-.com",
    "exa_mple!.com",
    "exam%ple.com",
    "example<script>.com",
    "xn--zz.com",
    "xn--.com",
    "xn--a.com",
    "😀.com",
    "www.😀.com",
    "☃.net",
    "127.0.0.1",
    "10.0.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "2130706433",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "[::1]",
    "http://[::1]/",
    "http://[fe80::1]/",
    "::ffff:127.0.0.1",
    "https://user:pass@example.com/",
    "https://user@example.com/",
    "http://:pass@example.com",
    "javascript:alert(1)",
    "JavaScript:alert(document.domain)",
    "file:///etc/passwd",
    "file://example.com/etc/passwd",
    "ftp://example.com",
    "mailto:someone@example.com",
    "data:text/html,hello",
    "gopher://example.com",
    "example.com:0",
    "example.com:65536",
    "example.com:99999",
    "http://example.com:-1/",
    "http://example.com:port/",
    "example.123",
    "1.2.3.4.5",
    "http://",
    "https:///path",
    "x" * 3000,
]


@pytest.mark.parametrize(("raw", "expected"), VALID)
def test_canonicalize_valid(raw: str, expected: str) -> None:
    assert canonicalize_domain(raw) == expected


def test_bad_inputs_number_at_least_sixty() -> None:
    assert len(BAD) >= 60


@pytest.mark.parametrize("raw", BAD)
def test_canonicalize_rejects(raw: str) -> None:
    with pytest.raises(InvalidDomainError) as caught:
        canonicalize_domain(raw)

    message = caught.value.message
    assert message.startswith("invalid domain ")
    assert repr(raw[:20])[1:-1][:10] in message
    assert not caught.value.retryable


def test_canonicalize_allows_ip_when_asked() -> None:
    assert canonicalize_domain("2130706433", allow_ip=True) == "127.0.0.1"
    assert canonicalize_domain("[::1]", allow_ip=True) == "::1"


def test_starts_with_www() -> None:
    assert starts_with_www("https://WWW.example.com/")
    assert not starts_with_www("example.com")
    assert not starts_with_www("not a domain")


async def test_bad_inputs_fail_without_writing_domains(
    temporal_client: Client,
    base_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    tenant: str,
) -> None:
    async with running_worker(temporal_client, base_settings, task_queue):
        rows = await asyncio.gather(
            *(
                scan(temporal_client, base_settings, tenant, raw, task_queue)
                for raw in BAD
            )
        )

    assert {row["status"] for row in rows} == {"failed"}
    assert {row["error_type"] for row in rows} == {"invalid_domain"}
    tenant_ids = select(Tenant.id).where(Tenant.name == tenant)
    async with sessions() as session:
        jobs = (
            await session.scalars(
                select(ScanJob).where(ScanJob.tenant_id.in_(tenant_ids))
            )
        ).all()
        domain_count = await session.scalar(
            select(func.count())
            .select_from(Domain)
            .where(Domain.tenant_id.in_(tenant_ids))
        )
        result_count = await session.scalar(
            select(func.count())
            .select_from(ScanResult)
            .where(ScanResult.tenant_id.in_(tenant_ids))
        )
    assert len(jobs) == len(set(BAD))
    assert {job.status for job in jobs} == {"failed"}
    assert {job.error_type for job in jobs} == {"invalid_domain"}
    assert all(job.domain_id is None for job in jobs)
    assert domain_count == 0
    assert result_count == 0
