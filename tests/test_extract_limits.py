"""Tests for list capping and deduplication in extraction results."""

from __future__ import annotations

from scanner.extract import (
    MAX_LIST_ITEMS,
    MAX_TEXT_CHARS,
    HomepageData,
    extract_homepage,
)
from tests.extract_fixtures import extract_fixture


def test_emails_capped() -> None:
    data = extract_fixture("list-cap.html")
    assert len(data.emails) == MAX_LIST_ITEMS


def test_emails_deduplicated_in_first_seen_order() -> None:
    data = extract_fixture("list-cap.html")
    assert data.emails[:3] == [
        "person001@harbour-kites.test",
        "person000@harbour-kites.test",
        "person002@harbour-kites.test",
    ]


def _extract(html: str) -> HomepageData:
    return extract_homepage(
        html.encode(), final_url="https://caps.test/", content_type="text/html"
    )


def test_long_title_cut() -> None:
    data = _extract(f"<title>{'a' * 1_000_000}</title>")
    assert data.title is not None
    assert len(data.title) == MAX_TEXT_CHARS


def test_long_description_cut() -> None:
    data = _extract(f"<meta name='description' content='{'d' * 1_000_000}'>")
    assert data.description is not None
    assert len(data.description) == MAX_TEXT_CHARS


def test_long_canonical_dropped() -> None:
    data = _extract(f"<link rel='canonical' href='/{'c' * 1_000_000}'>")
    assert data.canonical is None


def test_long_feed_dropped() -> None:
    long_feed = (
        f"<link rel='alternate' type='application/rss+xml' href='/{'f' * 9999}'>"
    )
    short_feed = "<link rel='alternate' type='application/rss+xml' href='/feed'>"
    data = _extract(f"<title>t</title>{long_feed}{short_feed}")
    assert data.feeds == ["https://caps.test/feed"]


def test_long_social_profile_dropped() -> None:
    data = _extract(f"<a href='https://www.facebook.com/{'u' * 9999}'>x</a>")
    assert data.social == {}
