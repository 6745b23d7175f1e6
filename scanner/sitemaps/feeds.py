"""Turn RSS items and Atom entries into page entries."""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped]

from scanner.sitemaps.models import SitemapEntry
from scanner.sitemaps.names import TagNames
from scanner.sitemaps.values import parse_lastmod, resolve_loc

_RSS_DATES = ("pubDate", "date", "modified")
_ATOM_DATES = ("updated", "published", "modified", "issued")


def read_rss_item(
    item: etree._Element, names: TagNames, base_url: str, out: list[SitemapEntry]
) -> int:
    """Append the page of an RSS `<item>` to `out`; return 1 if its link is unusable.

    Only the un-namespaced (RSS 2.0) or RSS 1.0 `<link>` counts; an
    `<atom:link>` inside an item is foreign and ignored.
    """
    link: str | None = None
    date: str | None = None
    for child in item:
        if not isinstance(child.tag, str):
            continue
        local, foreign = names.split(child.tag)
        if foreign:
            continue
        if local == "link" and link is None:
            link = child.text
        elif local in _RSS_DATES and date is None:
            date = child.text
    url = resolve_loc(link, base_url)
    if url is None:
        return 1
    out.append(SitemapEntry(url, parse_lastmod(date), _raw(date)))
    return 0


def read_atom_entry(
    entry: etree._Element, names: TagNames, base_url: str, out: list[SitemapEntry]
) -> int:
    """Append the pages of an Atom `<entry>` to `out`; return the unusable count.

    Each `<link>` whose `rel` is `alternate` or absent names a page; `self`,
    `enclosure`, `edit` and other relations do not.
    """
    hrefs: list[str | None] = []
    date: str | None = None
    for child in entry:
        if not isinstance(child.tag, str):
            continue
        local, foreign = names.split(child.tag)
        if foreign:
            continue
        if local == "link" and child.get("rel", "alternate").strip() == "alternate":
            hrefs.append(child.get("href"))
        elif local in _ATOM_DATES and date is None:
            date = child.text
    invalid = 0
    lastmod = parse_lastmod(date)
    for href in hrefs:
        url = resolve_loc(href, base_url)
        if url is None:
            invalid += 1
            continue
        out.append(SitemapEntry(url, lastmod, _raw(date)))
    return invalid


def _raw(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None
