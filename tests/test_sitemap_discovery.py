"""Find sitemap URLs in robots.txt bodies and homepage links."""

from __future__ import annotations

from pathlib import Path

from scanner.sitemaps.homepage import homepage_sitemap_links
from scanner.sitemaps.robots import is_html_body, parse_sitemap_lines

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"


def _site_file(host: str, name: str) -> bytes:
    return (SITES / host / "files" / name).read_bytes()


def test_robots_syntax_variants() -> None:
    body = _site_file("sm-robots-syntax.test", "robots.txt")

    urls = parse_sitemap_lines(body, "https://sm-robots-syntax.test/robots.txt")

    assert urls == [
        "https://sm-robots-syntax.test/sitemaps/first.xml",
        "https://sm-robots-syntax.test/sitemaps/Products_MixedCase.xml",
        "https://sm-robots-syntax.test/sitemaps/space-before-colon.xml",
        "https://sm-robots-syntax.test/sitemaps/no-space.xml",
        "https://sm-robots-syntax.test/sitemaps/relative.xml",
        "https://sm-robots-syntax.test/sitemaps/tabs.xml",
    ]


def test_robots_repeated_line_is_listed_once() -> None:
    body = b"Sitemap: https://a.test/s.xml\nsitemap: https://a.test/s.xml\n"

    assert parse_sitemap_lines(body, "https://a.test/robots.txt") == [
        "https://a.test/s.xml"
    ]


def test_robots_without_sitemap_lines() -> None:
    body = _site_file("isis.apache.org", "robots.txt")

    assert parse_sitemap_lines(body, "https://isis.apache.org/robots.txt") == []


def test_robots_html_soft_404_is_detected_by_type() -> None:
    body = _site_file("sm-robots-soft404.test", "robots.txt")

    assert is_html_body(body, "text/html; charset=utf-8")


def test_robots_html_soft_404_is_detected_by_body() -> None:
    body = _site_file("sm-robots-soft404.test", "robots.txt")

    assert is_html_body(body, "text/plain")


def test_robots_plain_text_is_not_html() -> None:
    body = _site_file("sm-robots-syntax.test", "robots.txt")

    assert not is_html_body(body, "text/plain")


def test_homepage_links_sitemap_and_feeds() -> None:
    body = _site_file("sm-homepage-link.test", "index.html")

    urls = homepage_sitemap_links(body, "https://sm-homepage-link.test/")

    assert sorted(urls) == [
        "https://sm-homepage-link.test/changelog.atom",
        "https://sm-homepage-link.test/news/rss",
        "https://sm-homepage-link.test/site-map/main.xml",
    ]


def test_homepage_without_links() -> None:
    body = _site_file("sm-truncated.test", "index.html")

    assert homepage_sitemap_links(body, "https://sm-truncated.test/") == []
