"""Discover and crawl the sitemaps of every fixture site over HTTPS on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devstack.sites import SiteServer
from scanner.sitemaps.crawl import crawl_sitemaps
from tests.sitemap_support import CrawlSummary, LocalSiteSource, summarize

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"


def _sites_with_sitemaps() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for site_file in sorted(SITES.glob("*/site.json")):
        site = json.loads(site_file.read_text(encoding="utf-8"))
        expected = site.get("expected", {}).get("sitemaps")
        if expected is not None:
            cases.append((site["host"], expected))
    return cases


CASES = _sites_with_sitemaps()


@pytest.fixture
async def local_source(site_server: SiteServer) -> AsyncIterator[LocalSiteSource]:
    source = LocalSiteSource(site_server)
    yield source
    await source.aclose()


async def _crawl(host: str, source: LocalSiteSource) -> CrawlSummary:
    return await summarize(crawl_sitemaps(f"https://{host}/", source))


def test_corpus_has_sitemap_sites() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize(("host", "expected"), CASES, ids=[host for host, _ in CASES])
async def test_crawl_matches_expected_sitemaps(
    host: str, expected: dict[str, Any], local_source: LocalSiteSource
) -> None:
    summary = await _crawl(host, local_source)

    assert summary.sitemap_files == set(expected["sitemap_files"])
    assert summary.invalid == expected["invalid"]
    if "page_urls" in expected:
        assert summary.page_urls == set(expected["page_urls"])
    else:
        assert len(summary.page_urls) == expected["page_url_count"]
        assert set(expected["page_urls_sample"]) <= summary.page_urls


@pytest.mark.parametrize(("host", "expected"), CASES, ids=[host for host, _ in CASES])
async def test_crawl_opens_each_url_once(
    host: str, expected: dict[str, Any], local_source: LocalSiteSource
) -> None:
    await _crawl(host, local_source)

    opened = local_source.opened
    assert {url for url in opened if opened.count(url) > 1} == set()


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("sm-index-depth.test", "/nested/level-12.xml"),
        ("sm-index-depth.test", "/nested/level-11.xml"),
        ("sm-index-depth.test", "/nested/pages-11.xml"),
        ("sm-robots-syntax.test", "/sitemaps/commented-out.xml"),
        ("sm-xsl-stylesheet.test", "/main-sitemap.xsl"),
    ],
)
async def test_crawl_never_requests(
    host: str, path: str, local_source: LocalSiteSource
) -> None:
    await _crawl(host, local_source)

    assert f"https://{host}{path}" not in local_source.requested


async def test_crawl_keeps_read_and_failed_apart(local_source: LocalSiteSource) -> None:
    summary = await _crawl("sm-index-self.test", local_source)

    assert summary.sitemap_files.isdisjoint(summary.invalid)


async def test_crawl_robots_self_reference_not_fetched_twice(
    local_source: LocalSiteSource,
) -> None:
    await _crawl("sm-index-self.test", local_source)

    assert local_source.requested.count("https://sm-index-self.test/robots.txt") == 1


async def test_crawl_gzip_bomb_stores_nothing_after_padding(
    local_source: LocalSiteSource,
) -> None:
    summary = await _crawl("sm-gzip-bomb.test", local_source)

    assert "https://sm-gzip-bomb.test/after-the-bomb" not in summary.page_urls


async def test_crawl_truncated_sitemap_is_partial(
    local_source: LocalSiteSource,
) -> None:
    summary = await _crawl("sm-truncated.test", local_source)

    assert [read.partial for read in summary.reads] == [True]


async def test_crawl_depth_of_deepest_read_is_ten(
    local_source: LocalSiteSource,
) -> None:
    summary = await _crawl("sm-index-depth.test", local_source)

    assert max(read.depth for read in summary.reads) == 10
