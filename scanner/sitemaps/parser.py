"""Parse one sitemap body of any supported format, fed chunk by chunk."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree  # type: ignore[import-untyped]

from scanner.sitemaps.gunzip import DecodedTooLarge, GzipDecoder
from scanner.sitemaps.models import (
    DEFAULT_MAX_SITEMAP_BYTES,
    FailureReason,
    SitemapEntry,
    SitemapKind,
)
from scanner.sitemaps.sniff import BodyFormat, Sniffed, sniff, strip_leading
from scanner.sitemaps.textparse import TextBodyParser
from scanner.sitemaps.xmlparse import ROOT_KINDS, XmlBodyParser

_SNIFF_FAILURES = {
    BodyFormat.JSON: (FailureReason.NOT_A_SITEMAP, "body is JSON, not a sitemap"),
    BodyFormat.HTML: (FailureReason.NOT_A_SITEMAP, "body is an HTML page"),
    BodyFormat.DOCTYPE: (
        FailureReason.MALFORMED,
        "document type declarations are rejected; nothing in them is expanded",
    ),
    BodyFormat.EMPTY: (FailureReason.MALFORMED, "body is empty"),
    BodyFormat.BAD_PROLOG: (FailureReason.MALFORMED, "no XML root element found"),
}


class SitemapParser:
    """Turn the bytes of one sitemap into entries, whatever its format.

    Feed the body as it arrives. Gzip is undone when the body starts with its
    magic bytes, and the body decides the format (urlset, index, RSS, Atom or
    text). Failures are recorded in attributes, never raised. After the first
    complete entry, a parse error, a cut-off body or the size cap keeps the
    entries read so far and sets `partial`. Before it, the sitemap fails with
    `failure` set. Once `done` is true, further input is ignored.
    """

    def __init__(
        self, base_url: str, *, max_decoded_bytes: int = DEFAULT_MAX_SITEMAP_BYTES
    ) -> None:
        self.base_url = base_url
        self.kind: SitemapKind | None = None
        self.failure: FailureReason | None = None
        self.partial = False
        self.detail: str | None = None
        self.done = False
        self._decoder = GzipDecoder(max_decoded_bytes)
        self._head = b""
        self._body: XmlBodyParser | TextBodyParser | None = None

    @property
    def entries_seen(self) -> int:
        """Return how many complete entries were read, usable or not."""
        return 0 if self._body is None else self._body.entries_seen

    @property
    def invalid_count(self) -> int:
        """Return how many entries were dropped for an unusable URL."""
        return 0 if self._body is None else self._body.invalid_count

    def feed(self, chunk: bytes) -> list[SitemapEntry]:
        """Return the entries completed by `chunk`."""
        return [entry for batch in self.feed_batches(chunk) for entry in batch]

    def feed_batches(self, chunk: bytes) -> Iterator[list[SitemapEntry]]:
        """Yield the entries completed by `chunk`, one batch per decoded piece.

        A highly compressed chunk can decode to megabytes, so batches keep the
        entries held at once small. Calling `fail` between batches stops it.
        """
        try:
            for piece in self._decoder.feed(chunk) if not self.done else ():
                entries = self._feed_decoded(piece, final=False)
                if entries:
                    yield entries
                if self.done:
                    return
        except DecodedTooLarge as exc:
            self.fail(FailureReason.TOO_LARGE, str(exc))
        except zlib.error as exc:
            self.fail(FailureReason.MALFORMED, f"invalid gzip data: {exc}")
        except etree.XMLSyntaxError as exc:
            self._fail_xml(exc)

    def close(self) -> list[SitemapEntry]:
        """Finish the body and return the last entries."""
        if self.done:
            return []
        out: list[SitemapEntry] = []
        try:
            for piece in self._decoder.close():
                out.extend(self._feed_decoded(piece, final=False))
            out.extend(self._feed_decoded(b"", final=True))
            if self._body is not None:
                out.extend(self._body.close())
        except DecodedTooLarge as exc:
            self.fail(FailureReason.TOO_LARGE, str(exc))
        except etree.XMLSyntaxError as exc:
            self._fail_xml(exc)
        self._check_complete()
        self.done = True
        return out

    def fail(self, reason: FailureReason, detail: str) -> None:
        """Stop reading; keep the entries so far as partial if there are any."""
        if self.done:
            return
        self.done = True
        self.detail = detail
        if self.entries_seen > 0 and reason in (
            FailureReason.MALFORMED,
            FailureReason.TOO_LARGE,
            FailureReason.BUDGET,
        ):
            self.partial = True
        else:
            self.failure = reason

    def _fail_xml(self, exc: etree.XMLSyntaxError) -> None:
        # libxml2 stops at 10 MB of text in one node unless huge_tree is set.
        # That is a size failure, and gzip bombs padded with spaces end here.
        if exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            self.fail(FailureReason.TOO_LARGE, f"XML node too large: {exc}")
        else:
            self.fail(FailureReason.MALFORMED, f"XML parse error: {exc}")

    def _feed_decoded(self, piece: bytes, *, final: bool) -> list[SitemapEntry]:
        if self._body is not None:
            return self._body.feed(piece) if piece else []
        self._head += piece
        sniffed = sniff(self._head, final=final)
        if sniffed is None:
            return []
        head, self._head = self._head, b""
        self._start_body(sniffed)
        if self._body is None:
            return []
        return self._body.feed(strip_leading(head))

    def _start_body(self, sniffed: Sniffed) -> None:
        if sniffed.format is BodyFormat.TEXT:
            self.kind = SitemapKind.TEXT
            self._body = TextBodyParser(self.base_url)
            return
        if sniffed.format is BodyFormat.XML:
            kind = ROOT_KINDS.get(sniffed.root)
            if kind is None:
                self.fail(
                    FailureReason.NOT_A_SITEMAP,
                    f"root element <{sniffed.root}> is not a sitemap format",
                )
                return
            self.kind = kind
            self._body = XmlBodyParser(kind, self.base_url)
            return
        reason, detail = _SNIFF_FAILURES[sniffed.format]
        self.fail(reason, detail)

    def _check_complete(self) -> None:
        if self.done:
            return
        if self._decoder.truncated:
            self.fail(FailureReason.MALFORMED, "gzip stream is cut off")
        elif self.kind is SitemapKind.TEXT and self.entries_seen == 0:
            self.fail(FailureReason.NOT_A_SITEMAP, "text body has no URL lines")


@dataclass
class ParsedSitemap:
    """A whole sitemap parsed at once; for tests and small bodies only."""

    kind: SitemapKind | None
    entries: list[SitemapEntry] = field(default_factory=list)
    failure: FailureReason | None = None
    partial: bool = False
    detail: str | None = None
    invalid_count: int = 0


def parse_sitemap_bytes(
    chunks: bytes | Iterable[bytes],
    base_url: str,
    *,
    max_decoded_bytes: int = DEFAULT_MAX_SITEMAP_BYTES,
) -> ParsedSitemap:
    """Parse a body given whole or as chunks and collect every entry."""
    parser = SitemapParser(base_url, max_decoded_bytes=max_decoded_bytes)
    entries: list[SitemapEntry] = []
    for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
        entries.extend(parser.feed(chunk))
        if parser.done:
            break
    entries.extend(parser.close())
    return ParsedSitemap(
        kind=parser.kind,
        entries=entries,
        failure=parser.failure,
        partial=parser.partial,
        detail=parser.detail,
        invalid_count=parser.invalid_count,
    )


async def iter_sitemap_entries(
    parser: SitemapParser, chunks: AsyncIterable[bytes]
) -> AsyncIterator[list[SitemapEntry]]:
    """Feed `chunks` to `parser`, yielding each non-empty batch of entries.

    Reading stops as soon as the parser is done, so a failed or capped body is
    not downloaded further. The caller checks `parser.failure` afterwards.
    """
    async for chunk in chunks:
        for entries in parser.feed_batches(chunk):
            yield entries
        if parser.done:
            return
    entries = parser.close()
    if entries:
        yield entries
