"""Stream plain-text sitemaps: one absolute URL per line."""

from __future__ import annotations

from scanner.sitemaps.models import SitemapEntry
from scanner.sitemaps.values import resolve_loc

# sitemaps.org caps a URL at 2,048 characters; longer lines are skipped.
MAX_LINE_BYTES = 8 * 1024


class TextBodyParser:
    """Push parser for a text sitemap; lines that are not URLs are ignored.

    Only lines starting with `http://` or `https://` count, so headers such as
    "generated 2024-03-02" and blank lines are skipped without a count.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.entries_seen = 0
        self.invalid_count = 0
        self._pending = b""
        self._skipping_long_line = False

    def feed(self, data: bytes) -> list[SitemapEntry]:
        """Return the entries of the lines completed by `data`."""
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()
        out: list[SitemapEntry] = []
        for line in lines:
            if self._skipping_long_line:
                self._skipping_long_line = False
                continue
            self._read_line(line, out)
        if len(self._pending) > MAX_LINE_BYTES:
            self._pending = b""
            self._skipping_long_line = True
        return out

    def close(self) -> list[SitemapEntry]:
        """Return the entry of a last line without a line break."""
        out: list[SitemapEntry] = []
        if not self._skipping_long_line:
            self._read_line(self._pending, out)
        self._pending = b""
        return out

    def _read_line(self, line: bytes, out: list[SitemapEntry]) -> None:
        text = line.decode("utf-8", errors="replace").strip()
        if not text[:8].lower().startswith(("http://", "https://")):
            return
        self.entries_seen += 1
        url = resolve_loc(text, self.base_url)
        if url is None:
            self.invalid_count += 1
            return
        out.append(SitemapEntry(url))
