"""Sitemap discovery, streaming parsing and crawling with budgets."""

from scanner.sitemaps.crawl import crawl_sitemaps
from scanner.sitemaps.models import (
    CrawlEvent,
    DiscoverySource,
    FailureReason,
    SitemapEntry,
    SitemapFailed,
    SitemapKind,
    SitemapLimits,
    SitemapRead,
    SitemapSource,
    StreamedBody,
    UrlChunk,
)
from scanner.sitemaps.parser import (
    ParsedSitemap,
    SitemapParser,
    iter_sitemap_entries,
    parse_sitemap_bytes,
)

__all__ = [
    "CrawlEvent",
    "DiscoverySource",
    "FailureReason",
    "ParsedSitemap",
    "SitemapEntry",
    "SitemapFailed",
    "SitemapKind",
    "SitemapLimits",
    "SitemapParser",
    "SitemapRead",
    "SitemapSource",
    "StreamedBody",
    "UrlChunk",
    "crawl_sitemaps",
    "iter_sitemap_entries",
    "parse_sitemap_bytes",
]
