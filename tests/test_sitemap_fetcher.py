"""Crawl the fixture sites' sitemaps through the real fetcher on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devstack.sites import SiteServer
from scanner.net.fetcher import Fetcher
from scanner.settings import FetchLimits, Settings, parse_connect_to
from scanner.sitemaps.crawl import crawl_sitemaps
from scanner.sitemaps.models import SitemapSource
from tests.sitemap_support import summarize
from tests.test_sitemap_corpus import CASES


@pytest.fixture(scope="module")
async def fetcher(site_server: SiteServer) -> AsyncIterator[Fetcher]:
    settings = Settings().with_overrides(
        allow_private_addresses=True,
        connect_to=parse_connect_to(site_server.connect_to),
        ca_bundle=Path(site_server.ca_pem_path),
        limits=FetchLimits(connect_timeout=5.0, read_timeout=10.0, total_timeout=30.0),
    )
    async with Fetcher(settings) as real_fetcher:
        yield real_fetcher


def test_fetcher_is_a_sitemap_source(fetcher: Fetcher) -> None:
    source: SitemapSource = fetcher

    assert callable(source.open)


@pytest.mark.parametrize(("host", "expected"), CASES, ids=[host for host, _ in CASES])
async def test_crawl_through_fetcher_matches_expected(
    host: str, expected: dict[str, Any], fetcher: Fetcher
) -> None:
    summary = await summarize(crawl_sitemaps(f"https://{host}/", fetcher))

    assert summary.sitemap_files == set(expected["sitemap_files"])
    assert summary.invalid == expected["invalid"]
    if "page_urls" in expected:
        assert summary.page_urls == set(expected["page_urls"])
    else:
        assert len(summary.page_urls) == expected["page_url_count"]
        assert set(expected["page_urls_sample"]) <= summary.page_urls
