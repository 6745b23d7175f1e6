"""Find the RSS and Atom feeds a page announces in its `<link>` elements."""

from __future__ import annotations

from urllib.parse import urljoin

from bs4 import BeautifulSoup

from scanner.extract.document import attribute_text

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})


def extract_feeds(soup: BeautifulSoup, final_url: str) -> list[str]:
    """Return absolute URLs of `<link rel="alternate">` RSS and Atom feeds."""
    feeds: list[str] = []
    for link in soup.find_all("link", href=True):
        rel = (attribute_text(link, "rel") or "").lower().split()
        media_type = (attribute_text(link, "type") or "").split(";")[0].strip().lower()
        href = (attribute_text(link, "href") or "").strip()
        if "alternate" in rel and media_type in FEED_TYPES and href:
            feeds.append(urljoin(final_url, href))
    return feeds
