"""Parse sitemap bodies from bytes: formats, namespaces, values and failures."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner.sitemaps.models import FailureReason, SitemapKind
from scanner.sitemaps.parser import ParsedSitemap, parse_sitemap_bytes

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SITES = FIXTURES / "sites"


def _site_file(host: str, name: str) -> bytes:
    return (SITES / host / "files" / name).read_bytes()


def _parse(
    body: bytes, base_url: str = "https://site.test/sitemap.xml"
) -> ParsedSitemap:
    return parse_sitemap_bytes(body, base_url)


def _urls(parsed: ParsedSitemap) -> list[str]:
    return [entry.url for entry in parsed.entries]


def test_urlset_with_namespace_lists_pages() -> None:
    parsed = _parse(_site_file("sm-billion-laughs.test", "sitemap-pages.xml"))

    assert parsed.kind is SitemapKind.URLSET
    assert _urls(parsed) == [
        "https://sm-billion-laughs.test/",
        "https://sm-billion-laughs.test/safe-page",
    ]


def test_index_without_namespace_lists_children() -> None:
    parsed = _parse(_site_file("sm-no-namespace.test", "sitemap.xml"))

    assert parsed.kind is SitemapKind.INDEX
    assert len(parsed.entries) == 4


def test_index_in_legacy_google_namespace() -> None:
    parsed = _parse(_site_file("sm-legacy-namespace.test", "sitemap_index.xml"))

    assert parsed.kind is SitemapKind.INDEX
    assert _urls(parsed) == [
        "https://sm-legacy-namespace.test/sitemap_products_1.xml.gz",
        "https://sm-legacy-namespace.test/sitemap_categories.xml.gz",
    ]


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("sitemaps__posts.xml", 3),
        ("sitemaps__prefixed.xml", 2),
        ("sitemaps__services.xml", 5),
    ],
)
def test_urlset_namespace_variants(name: str, count: int) -> None:
    parsed = _parse(_site_file("sm-no-namespace.test", name))

    assert len(parsed.entries) == count


def test_stray_sitemap_in_urlset_is_not_a_page() -> None:
    parsed = _parse(_site_file("sm-hreflang-stray.test", "sitemap.xml"))

    assert "http://www.example.com/sitemap2.xml.gz" not in _urls(parsed)


def test_loc_whitespace_cdata_and_entities_are_cleaned() -> None:
    parsed = _parse(
        _site_file("sm-loc-whitespace.test", "sitemap-main.xml"),
        "https://sm-loc-whitespace.test/sitemap-main.xml",
    )

    assert _urls(parsed) == [
        f"https://sm-loc-whitespace.test/{path}"
        for path in ("a", "b", "c", "d?x=1&y=2", "e", "f", "g")
    ]


def test_unusable_locs_are_counted() -> None:
    parsed = _parse(_site_file("sm-loc-whitespace.test", "sitemap-main.xml"))

    # Empty, blank, javascript:, mailto: and a <url> without <loc>.
    assert parsed.invalid_count == 5


def test_relative_loc_resolves_against_sitemap_url() -> None:
    parsed = _parse(
        _site_file("sm-relative-loc.test", "sitemaps__pages.xml"),
        "https://sm-relative-loc.test/sitemaps/pages.xml",
    )

    assert "https://sm-relative-loc.test/sitemaps/contact/" in _urls(parsed)


def test_protocol_relative_loc_keeps_its_host() -> None:
    parsed = _parse(
        _site_file("sm-relative-loc.test", "sitemaps__shop.xml"),
        "https://sm-relative-loc.test/sitemaps/shop.xml",
    )

    assert "https://cdn.sm-relative-loc.test/catalog/item-1" in _urls(parsed)


def test_odd_lastmod_values_keep_every_url() -> None:
    parsed = _parse(_site_file("sm-lastmod-odd.test", "sitemap.xml"))

    assert len(parsed.entries) == 13


def test_odd_lastmod_values_parse_or_become_none() -> None:
    parsed = _parse(_site_file("sm-lastmod-odd.test", "sitemap.xml"))
    lastmods = [entry.lastmod for entry in parsed.entries]

    assert lastmods[0] == datetime(2024, 5, 8, tzinfo=UTC)
    assert lastmods[2] is None
    assert lastmods[3] is None
    assert lastmods[7] == datetime(2024, 5, 8, 3, 23, 11, tzinfo=UTC)


def test_lastmod_raw_string_is_kept() -> None:
    parsed = _parse(_site_file("sm-lastmod-odd.test", "sitemap.xml"))

    assert parsed.entries[10].lastmod_raw == "yesterday"


def test_priority_and_changefreq_are_cleaned() -> None:
    parsed = _parse(_site_file("sm-lastmod-odd.test", "sitemap.xml"))
    entries = parsed.entries

    assert (entries[2].priority, entries[2].changefreq) == (1.0, "weekly")
    assert (entries[1].priority, entries[1].changefreq) == (None, None)


def test_extensions_are_kept_compact() -> None:
    parsed = _parse((FIXTURES / "sitemap_parsing" / "extensions.xml").read_bytes())
    extensions = parsed.entries[0].extensions

    assert extensions == {
        "news": {
            "title": "Harbour reopens after repairs",
            "publication_date": "2024-05-08",
        },
        "images": [
            "https://cdn.example.test/harbour-1.jpg",
            "https://cdn.example.test/harbour-2.jpg",
        ],
        "videos": [
            {
                "title": "Harbour walk",
                "thumbnail": "https://cdn.example.test/harbour-thumb.jpg",
            }
        ],
        "alternates": {
            "de": "https://news.example.test/de/hafen",
            "en": "https://news.example.test/2024/05/harbour-reopens",
        },
    }


def test_extension_urls_are_not_pages() -> None:
    parsed = _parse((FIXTURES / "sitemap_parsing" / "extensions.xml").read_bytes())

    assert _urls(parsed) == [
        "https://news.example.test/2024/05/harbour-reopens",
        "https://news.example.test/about",
    ]


def test_entry_without_extensions_has_none() -> None:
    parsed = _parse((FIXTURES / "sitemap_parsing" / "extensions.xml").read_bytes())

    assert parsed.entries[1].extensions is None


def test_gzip_found_by_magic_bytes() -> None:
    parsed = _parse(_site_file("sm-sitemaps-org-gz.test", "sitemap.xml.gz"))

    assert len(parsed.entries) == 84


def test_gzip_with_trailing_comment_keeps_entries() -> None:
    parsed = _parse(_site_file("sm-gzip-text.test", "sitemaps__posts.xml.gz"))

    assert (parsed.failure, len(parsed.entries)) == (None, 4)


def test_plain_xml_under_gz_name_is_read() -> None:
    parsed = _parse(_site_file("www.example.com", "sitemap2.xml.gz"))

    assert len(parsed.entries) == 5


def test_gzip_past_decoded_cap_is_too_large() -> None:
    body = gzip.compress(b"<urlset>" + b" " * 200_000 + b"</urlset>")

    parsed = parse_sitemap_bytes(body, "https://site.test/", max_decoded_bytes=100_000)

    assert parsed.failure is FailureReason.TOO_LARGE


def test_gzip_bomb_is_too_large() -> None:
    parsed = _parse(_site_file("sm-gzip-bomb.test", "sitemap-bomb.xml.gz"))

    assert parsed.failure is FailureReason.TOO_LARGE


def test_cut_off_gzip_after_entries_is_partial() -> None:
    body = gzip.compress(_site_file("sm-sitemaps-org-gz.test", "sitemap.xml"))

    parsed = _parse(body[: len(body) // 2])

    assert parsed.partial


def test_text_sitemap_skips_non_url_lines() -> None:
    parsed = _parse(_site_file("sm-gzip-text.test", "sitemap.txt"))

    assert (parsed.kind, _urls(parsed)) == (
        SitemapKind.TEXT,
        [
            "https://sm-gzip-text.test/",
            "https://sm-gzip-text.test/about",
            "https://sm-gzip-text.test/support",
        ],
    )


def test_gzipped_text_sitemap() -> None:
    parsed = _parse(_site_file("sm-gzip-text.test", "urllist.txt.gz"))

    assert (parsed.kind, len(parsed.entries)) == (SitemapKind.TEXT, 5)


def test_text_with_bom_is_read() -> None:
    parsed = _parse(_site_file("sm-bom-prologue.test", "sitemap.txt"))

    assert _urls(parsed)[0] == "https://sm-bom-prologue.test/downloads/manual.html"


def test_text_without_urls_is_not_a_sitemap() -> None:
    parsed = _parse(b"Not found\nSorry.\n")

    assert parsed.failure is FailureReason.NOT_A_SITEMAP


def test_xml_after_bom_and_blank_lines() -> None:
    parsed = _parse(_site_file("sm-bom-prologue.test", "sitemap.xml"))

    assert (parsed.failure, len(parsed.entries)) == (None, 3)


def test_rss_item_links_are_pages() -> None:
    parsed = _parse(_site_file("sm-feeds-real.test", "feeds__feed2.rss"))

    assert (parsed.kind, _urls(parsed)) == (
        SitemapKind.RSS,
        ["http://www.example.com/blog/post/1"],
    )


def test_atom_entry_with_only_self_link_adds_nothing() -> None:
    parsed = _parse(_site_file("sm-feeds-real.test", "feeds__feed1.atom"))

    assert (parsed.kind, _urls(parsed)) == (
        SitemapKind.ATOM,
        ["http://example.org/2003/12/13/atom03"],
    )


def test_atom_alternate_and_rel_less_links_only() -> None:
    parsed = _parse(
        _site_file("sm-homepage-link.test", "changelog.atom"),
        "https://sm-homepage-link.test/changelog.atom",
    )

    assert sorted(_urls(parsed)) == [
        "https://sm-homepage-link.test/changelog/2-0",
        "https://sm-homepage-link.test/changelog/2-1",
    ]


def test_json_feed_is_not_a_sitemap() -> None:
    parsed = _parse(_site_file("sm-feeds-real.test", "feeds__feed.json"))

    assert parsed.failure is FailureReason.NOT_A_SITEMAP


def test_html_page_is_not_a_sitemap() -> None:
    parsed = _parse(b"<!DOCTYPE html>\n<html><head><title>Home</title></head></html>")

    assert parsed.failure is FailureReason.NOT_A_SITEMAP


def test_html_without_doctype_is_not_a_sitemap() -> None:
    parsed = _parse(b"\n<html><body><a href='/a'>a</a></body></html>")

    assert parsed.failure is FailureReason.NOT_A_SITEMAP


def test_dtd_is_rejected_unexpanded() -> None:
    parsed = _parse(_site_file("sm-billion-laughs.test", "sitemap-lol.xml"))

    assert (parsed.failure, parsed.entries) == (FailureReason.MALFORMED, [])


def test_truncated_body_keeps_complete_entries() -> None:
    parsed = _parse(_site_file("sm-truncated.test", "sitemap.xml"))

    assert (parsed.partial, len(parsed.entries)) == (True, 6)


def test_truncated_body_drops_cut_off_url() -> None:
    parsed = _parse(_site_file("sm-truncated.test", "sitemap.xml"))

    assert not any("blue-wid" in url for url in _urls(parsed))


def test_error_before_first_entry_is_malformed() -> None:
    parsed = _parse(b"<?xml version='1.0'?><urlset><url><loc>https://a.test/</lo")

    assert (parsed.failure, parsed.partial) == (FailureReason.MALFORMED, False)


def test_garbage_markup_is_malformed() -> None:
    parsed = _parse(b"<<<>>> not xml at all")

    assert parsed.failure is FailureReason.MALFORMED


def test_empty_body_is_malformed() -> None:
    parsed = _parse(b"  \n")

    assert parsed.failure is FailureReason.MALFORMED


def test_unknown_root_is_not_a_sitemap() -> None:
    parsed = _parse(b"<?xml version='1.0'?><error><code>404</code></error>")

    assert parsed.failure is FailureReason.NOT_A_SITEMAP


@pytest.mark.parametrize(
    "name", ["sitemap_index.xml", "post-sitemap.xml", "page-sitemap.xml"]
)
def test_stylesheet_instruction_is_ignored(name: str) -> None:
    parsed = _parse(_site_file("sm-xsl-stylesheet.test", name))

    assert (parsed.failure, parsed.partial) == (None, False)


@pytest.mark.parametrize("size", [1, 7, 64])
def test_chunked_feed_matches_whole_body(size: int) -> None:
    body = _site_file("sm-xsl-stylesheet.test", "post-sitemap.xml")
    chunks = [body[i : i + size] for i in range(0, len(body), size)]

    assert _urls(parse_sitemap_bytes(chunks, "https://a.test/")) == _urls(_parse(body))


def test_chunked_gzip_matches_whole_body() -> None:
    body = _site_file("sm-sitemaps-org-gz.test", "sitemap.xml.gz")
    chunks = [body[i : i + 5] for i in range(0, len(body), 5)]

    assert _urls(parse_sitemap_bytes(chunks, "https://a.test/")) == _urls(_parse(body))


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_utf16_body_with_bom(size: int) -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        "<urlset><url><loc>https://a.test/über</loc></url></urlset>"
    ).encode("utf-16")
    chunks = [body[i : i + size] for i in range(0, len(body), size)]

    assert _urls(parse_sitemap_bytes(chunks, "https://a.test/")) == [
        "https://a.test/über"
    ]


def test_declared_latin1_encoding_is_honoured() -> None:
    body = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        "<urlset><url><loc>https://a.test/\xfcber</loc></url></urlset>"
    ).encode("latin-1")

    assert _urls(_parse(body)) == ["https://a.test/über"]
