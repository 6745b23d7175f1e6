"""Find sitemaps and feeds that a homepage names in its `<link>` elements."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name: (value or "") for name, value in attrs}
        href = values.get("href", "").strip()
        if not href:
            return
        relations = values.get("rel", "").lower().split()
        media_type = values.get("type", "").split(";", 1)[0].strip().lower()
        is_feed = "alternate" in relations and media_type in FEED_TYPES
        if "sitemap" in relations or is_feed:
            self.hrefs.append(href)


def homepage_sitemap_links(html: bytes, page_url: str) -> list[str]:
    """Return `<link rel="sitemap">` and RSS/Atom alternate URLs, resolved.

    Hreflang and `text/html` alternates are not feeds. Relative hrefs resolve
    against `page_url`, the final URL of the homepage.
    """
    collector = _LinkCollector()
    collector.feed(html.decode("utf-8", errors="replace"))
    collector.close()
    urls: list[str] = []
    for href in collector.hrefs:
        try:
            url = urljoin(page_url, href)
        except ValueError:
            continue
        if url.startswith(("http://", "https://")) and url not in urls:
            urls.append(url)
    return urls
