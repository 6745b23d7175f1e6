"""Memory stays flat while a large sitemap streams through the parser."""

from __future__ import annotations

import tracemalloc
import zlib
from collections.abc import Iterator

import psutil
import pytest

from scanner.sitemaps.parser import SitemapParser

URL_COUNT = 200_000
URLS_PER_CHUNK = 500
# A whole 200,000-URL body is about 25 MB, and its entries as objects take far
# more. A streaming parser holds only a few chunks and one batch of entries.
MAX_PEAK_BYTES = 20 * 1024 * 1024
# tracemalloc does not see libxml2's own heap, where a tree that is never
# freed would grow; resident memory does, at the cost of some noise.
MAX_RSS_GROWTH_BYTES = 40 * 1024 * 1024
JUNK_ELEMENTS = 2_000_000


def _urlset_chunks() -> Iterator[bytes]:
    """Yield a 200,000-URL urlset piece by piece, never holding it whole."""
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    )
    for start in range(0, URL_COUNT, URLS_PER_CHUNK):
        yield b"".join(
            b"<url><loc>https://big.test/products/item-%07d</loc>"
            b"<lastmod>2024-05-08T08:53:11+00:00</lastmod>"
            b"<changefreq>weekly</changefreq><priority>0.5</priority></url>\n" % number
            for number in range(start, start + URLS_PER_CHUNK)
        )
    yield b"</urlset>\n"


def _junk_chunks() -> Iterator[bytes]:
    """Yield one entry followed by two million stray elements inside the urlset."""
    yield b"<urlset><url><loc>https://big.test/only</loc></url>"
    for _ in range(JUNK_ELEMENTS // 10_000):
        yield b"<junk/>" * 10_000
    yield b"</urlset>"


def _gzip_chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    for chunk in chunks:
        yield compressor.compress(chunk)
    yield compressor.flush()


def _count(chunks: Iterator[bytes]) -> int:
    """Parse `chunks`, dropping entries as they come; return how many there were."""
    parser = SitemapParser("https://big.test/sitemap.xml")
    count = 0
    for chunk in chunks:
        count += len(parser.feed(chunk))
    return count + len(parser.close())


def _peak_while_counting(chunks: Iterator[bytes]) -> int:
    """Return the peak of traced allocations while `chunks` are parsed."""
    tracemalloc.start()
    try:
        _count(chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _rss_growth_while_counting(chunks: Iterator[bytes]) -> tuple[int, int]:
    """Return the entry count and the largest growth of resident memory seen."""
    process = psutil.Process()
    baseline = process.memory_info().rss
    parser = SitemapParser("https://big.test/sitemap.xml")
    count = 0
    growth = 0
    for chunk in chunks:
        count += len(parser.feed(chunk))
        growth = max(growth, process.memory_info().rss - baseline)
    count += len(parser.close())
    return count, growth


def test_large_urlset_parses_every_url() -> None:
    assert _count(_urlset_chunks()) == URL_COUNT


def test_large_gzipped_urlset_parses_every_url() -> None:
    assert _count(_gzip_chunks(_urlset_chunks())) == URL_COUNT


# tracemalloc slows allocation-heavy parsing about tenfold.
@pytest.mark.slow
def test_large_urlset_peak_memory_is_bounded() -> None:
    assert _peak_while_counting(_urlset_chunks()) < MAX_PEAK_BYTES


@pytest.mark.slow
def test_large_gzipped_urlset_peak_memory_is_bounded() -> None:
    assert _peak_while_counting(_gzip_chunks(_urlset_chunks())) < MAX_PEAK_BYTES


def test_large_urlset_resident_memory_is_bounded() -> None:
    _, growth = _rss_growth_while_counting(_urlset_chunks())

    assert growth < MAX_RSS_GROWTH_BYTES


def test_stray_elements_do_not_pile_up() -> None:
    count, growth = _rss_growth_while_counting(_junk_chunks())

    assert count == 1
    assert growth < MAX_RSS_GROWTH_BYTES
