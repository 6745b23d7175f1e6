"""Stream XML sitemaps, sitemap indexes, RSS and Atom feeds into entries."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree  # type: ignore[import-untyped]

from scanner.sitemaps.extensions import add_extension
from scanner.sitemaps.feeds import read_atom_entry, read_rss_item
from scanner.sitemaps.models import SitemapEntry, SitemapKind
from scanner.sitemaps.names import TagNames
from scanner.sitemaps.values import (
    parse_changefreq,
    parse_lastmod,
    parse_priority,
    resolve_loc,
)

EntryReader = Callable[[etree._Element, TagNames, str, list[SitemapEntry]], int]

ROOT_KINDS = {
    "urlset": SitemapKind.URLSET,
    "sitemapindex": SitemapKind.INDEX,
    "rss": SitemapKind.RSS,
    "RDF": SitemapKind.RSS,
    "feed": SitemapKind.ATOM,
}
_ENTRY_NAMES = {
    SitemapKind.URLSET: "url",
    SitemapKind.INDEX: "sitemap",
    SitemapKind.RSS: "item",
    SitemapKind.ATOM: "entry",
}
_CONTAINERS = ("urlset", "sitemapindex", "rss", "channel", "RDF", "feed")
# Junk elements between entries are deleted once a container has this many
# children. Entries themselves are freed as soon as they are read.
_PRUNE_THRESHOLD = 64


def read_url(
    element: etree._Element, names: TagNames, base_url: str, out: list[SitemapEntry]
) -> int:
    """Append the entry of a `<url>` or `<sitemap>` to `out`; return 1 if unusable."""
    loc = lastmod = changefreq = priority = None
    extensions = None
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        local, foreign = names.split(tag)
        if foreign:
            extensions = add_extension(extensions, child, names)
        elif local == "loc":
            loc = child.text
        elif local == "lastmod":
            lastmod = child.text
        elif local == "changefreq":
            changefreq = child.text
        elif local == "priority":
            priority = child.text
    url = resolve_loc(loc, base_url)
    if url is None:
        return 1
    raw_lastmod = lastmod.strip() or None if lastmod is not None else None
    out.append(
        SitemapEntry(
            url,
            parse_lastmod(raw_lastmod),
            raw_lastmod,
            parse_changefreq(changefreq),
            parse_priority(priority),
            extensions,
        )
    )
    return 0


_READERS: dict[SitemapKind, EntryReader] = {
    SitemapKind.URLSET: read_url,
    SitemapKind.INDEX: read_url,
    SitemapKind.RSS: read_rss_item,
    SitemapKind.ATOM: read_atom_entry,
}


class XmlBodyParser:
    """Push parser for one XML sitemap body; memory stays flat in the entry count.

    DTDs must be rejected before bytes reach this parser: entities are never
    resolved, no network access or DTD loading is allowed, and libxml2's
    limits on text size stay on, but a document type declaration would still
    be read. `feed` and `close` raise `etree.XMLSyntaxError` on broken XML.
    """

    def __init__(self, kind: SitemapKind, base_url: str) -> None:
        self.kind = kind
        self.base_url = base_url
        self.entries_seen = 0
        self.invalid_count = 0
        self._entry_name = _ENTRY_NAMES[kind]
        self._reader = _READERS[kind]
        self._names = TagNames(atom_is_core=kind is SitemapKind.ATOM)
        self._containers: list[etree._Element] = []
        # Filtering tags inside libxml2 keeps Python out of the loop for the
        # fields of each entry, which are read from the finished entry instead.
        watched = [f"{{*}}{name}" for name in (self._entry_name, *_CONTAINERS)]
        self._parser = etree.XMLPullParser(
            events=("start", "end"),
            tag=watched,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )

    def feed(self, data: bytes) -> list[SitemapEntry]:
        """Parse `data` and return the entries completed by it."""
        self._parser.feed(data)
        return self._drain()

    def close(self) -> list[SitemapEntry]:
        """Finish the document and return the last entries."""
        self._parser.close()
        return self._drain()

    def _drain(self) -> list[SitemapEntry]:
        out: list[SitemapEntry] = []
        split = self._names.split
        for event, element in self._parser.read_events():
            local, foreign = split(element.tag)
            if foreign:
                continue
            if local != self._entry_name:
                if event == "start":
                    self._containers.append(element)
            elif event == "end":
                self.entries_seen += 1
                self.invalid_count += self._reader(
                    element, self._names, self.base_url, out
                )
                _release(element)
        self._prune()
        return out

    def _prune(self) -> None:
        # The last child may still be open, so it stays.
        # NOTE: junk nested inside that open child is not pruned until it ends.
        for container in self._containers:
            if len(container) > _PRUNE_THRESHOLD:
                del container[:-1]


def _release(element: etree._Element) -> None:
    """Free a handled element and the siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]
