"""Crawl budgets, probes, failures and event order against local sites."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devstack.sites import SiteServer
from scanner.settings import FetchLimits
from scanner.sitemaps.crawl import crawl_sitemaps
from scanner.sitemaps.models import (
    CrawlEvent,
    DiscoverySource,
    SitemapLimits,
    SitemapRead,
    UrlChunk,
)
from tests.sitemap_support import CrawlSummary, LocalSiteSource, summarize

XML = {"Content-Type": "application/xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
CHILDREN = [f"/part-{number}.xml" for number in range(1, 6)]


def _urlset(host: str, paths: list[str]) -> str:
    urls = "".join(f"<url><loc>https://{host}{path}</loc></url>" for path in paths)
    return (
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


def _index(host: str, paths: list[str]) -> str:
    items = "".join(
        f"<sitemap><loc>https://{host}{path}</loc></sitemap>" for path in paths
    )
    return f"<sitemapindex>{items}</sitemapindex>"


def _route(
    body: str, headers: dict[str, str] = XML, status: int = 200
) -> dict[str, Any]:
    return {"status": status, "body": body, "headers": headers}


def _budget_site(host: str) -> dict[str, dict[str, Any]]:
    routes = {
        "/": _route("<html><head></head></html>", HTML),
        "/robots.txt": _route("Sitemap: /index.xml\n", {"Content-Type": "text/plain"}),
        "/index.xml": _route(_index(host, CHILDREN)),
    }
    for number, path in enumerate(CHILDREN, start=1):
        routes[path] = _route(_urlset(host, [f"/p{number}/{i}" for i in range(3)]))
    return routes


def _failing_site(host: str) -> dict[str, dict[str, Any]]:
    named = ["/gone.xml", "/broken.xml", "/sitemap.xml", "/ok.xml"]
    return {
        "/": _route("<html><head></head></html>", HTML),
        "/robots.txt": _route("Sitemap: /index.xml\n", {"Content-Type": "text/plain"}),
        "/index.xml": _route(_index(host, named)),
        "/broken.xml": _route("", XML, status=500),
        "/sitemap.xml": _route("<!DOCTYPE html><html><body>Home</body></html>", HTML),
        "/sitemap_index.xml": _route("", XML, status=503),
        "/wp-sitemap.xml": _route("<!DOCTYPE html><html></html>", HTML),
        "/ok.xml": _route(_urlset(host, ["/a", "/b"])),
    }


def _broken_probe_site(host: str) -> dict[str, dict[str, Any]]:
    # A sitemap that exists at a well-known path but cannot be read is a
    # problem of the site, unlike a 404 or a soft-404 page there.
    return {
        "/": _route("<html><head></head></html>", HTML),
        "/sitemap.xml": _route(
            '<!DOCTYPE urlset [<!ENTITY e "x">]>' + _urlset(host, ["/&e;"])
        ),
    }


def _large_site(host: str) -> dict[str, dict[str, Any]]:
    paths = [f"/item/{number:05d}" for number in range(3000)]
    return {
        "/": _route("<html><head></head></html>", HTML),
        "/sitemap.xml": _route(_urlset(host, paths)),
    }


@pytest.fixture(scope="module")
async def crawl_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[SiteServer]:
    server = SiteServer(Path(tmp_path_factory.mktemp("no-sites")) / "none")
    server.add_site("budget.test", _budget_site("budget.test"))
    server.add_site("failing.test", _failing_site("failing.test"))
    server.add_site("large.test", _large_site("large.test"))
    server.add_site("broken-probe.test", _broken_probe_site("broken-probe.test"))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def source(crawl_server: SiteServer) -> AsyncIterator[LocalSiteSource]:
    local = LocalSiteSource(crawl_server)
    yield local
    await local.aclose()


async def _crawl(
    host: str, source: LocalSiteSource, limits: SitemapLimits | None = None
) -> CrawlSummary:
    return await summarize(crawl_sitemaps(f"https://{host}/", source, limits=limits))


async def _events(
    host: str, source: LocalSiteSource, limits: SitemapLimits
) -> list[CrawlEvent]:
    return [
        event
        async for event in crawl_sitemaps(f"https://{host}/", source, limits=limits)
    ]


async def test_fetch_budget_stops_named_sitemaps(source: LocalSiteSource) -> None:
    summary = await _crawl("budget.test", source, SitemapLimits(max_sitemaps=3))

    assert len(summary.sitemap_files) == 3
    assert sorted(summary.invalid.values()) == ["budget"] * 3


async def test_url_budget_marks_sitemap_partial(source: LocalSiteSource) -> None:
    summary = await _crawl("budget.test", source, SitemapLimits(max_urls=4))

    assert len(summary.page_urls) == 4
    assert [read.partial for read in summary.reads] == [False, False, True]


async def test_url_budget_skips_remaining_sitemaps(source: LocalSiteSource) -> None:
    summary = await _crawl("budget.test", source, SitemapLimits(max_urls=4))

    assert list(summary.invalid.values()) == ["budget"] * 3


async def test_url_chunks_follow_chunk_size(source: LocalSiteSource) -> None:
    events = await _events("budget.test", source, SitemapLimits(chunk_size=2))

    sizes = [len(event.entries) for event in events if isinstance(event, UrlChunk)]
    assert sizes == [2, 1] * 5


async def test_url_chunks_come_before_their_read(source: LocalSiteSource) -> None:
    events = await _events("budget.test", source, SitemapLimits(chunk_size=2))

    finished: set[str] = set()
    late = []
    for event in events:
        if isinstance(event, SitemapRead):
            finished.add(event.final_url)
        elif isinstance(event, UrlChunk) and event.sitemap_final_url in finished:
            late.append(event)
    assert late == []


async def test_index_counts_its_children(source: LocalSiteSource) -> None:
    summary = await _crawl("budget.test", source)

    index = next(read for read in summary.reads if read.url.endswith("/index.xml"))
    assert (index.url_count, index.source) == (5, DiscoverySource.ROBOTS)


async def test_child_records_parent_and_depth(source: LocalSiteSource) -> None:
    summary = await _crawl("budget.test", source)

    child = next(read for read in summary.reads if read.url.endswith("/part-1.xml"))
    assert (child.parent, child.depth) == ("https://budget.test/index.xml", 2)


async def test_named_failures_have_reasons(source: LocalSiteSource) -> None:
    summary = await _crawl("failing.test", source)

    assert summary.invalid == {
        "https://failing.test/gone.xml": "not_found",
        "https://failing.test/broken.xml": "http_status",
        "https://failing.test/sitemap.xml": "not_a_sitemap",
    }


async def test_failed_probe_named_later_is_not_refetched(
    source: LocalSiteSource,
) -> None:
    await _crawl("failing.test", source)

    assert source.opened.count("https://failing.test/sitemap.xml") == 1


async def test_failed_probes_are_silent(source: LocalSiteSource) -> None:
    summary = await _crawl("failing.test", source)

    probes = {
        "https://failing.test/sitemap_index.xml",
        "https://failing.test/wp-sitemap.xml",
    }
    assert probes.isdisjoint(summary.invalid)


async def test_unreadable_probe_is_reported(source: LocalSiteSource) -> None:
    summary = await _crawl("broken-probe.test", source)

    assert summary.invalid == {"https://broken-probe.test/sitemap.xml": "malformed"}


async def test_failed_probes_were_requested(source: LocalSiteSource) -> None:
    await _crawl("failing.test", source)

    assert "https://failing.test/wp-sitemap.xml" in source.opened


async def test_byte_cap_mid_body_keeps_entries(source: LocalSiteSource) -> None:
    summary = await _crawl("large.test", source, SitemapLimits(max_bytes=40_000))

    assert [(read.partial, read.detail is not None) for read in summary.reads] == [
        (True, True)
    ]


async def test_byte_cap_mid_body_stores_some_urls(source: LocalSiteSource) -> None:
    summary = await _crawl("large.test", source, SitemapLimits(max_bytes=40_000))

    assert 0 < len(summary.page_urls) < 3000


async def test_given_homepage_is_not_fetched(source: LocalSiteSource) -> None:
    events = crawl_sitemaps(
        "https://large.test/", source, homepage_html=b"<html></html>"
    )
    await summarize(events)

    assert "https://large.test/" not in source.opened


async def test_large_sitemap_is_read_whole(source: LocalSiteSource) -> None:
    summary = await _crawl("large.test", source)

    assert len(summary.page_urls) == 3000


def test_limits_take_sizes_from_settings() -> None:
    fetch_limits = FetchLimits(max_sitemap_bytes=1000, max_sitemap_decoded_bytes=2000)

    limits = SitemapLimits.from_fetch_limits(fetch_limits)

    assert (limits.max_bytes, limits.max_decoded_bytes) == (1000, 2000)
