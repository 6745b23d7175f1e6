"""Tests for detecting the CMS and finding RSS and Atom feeds."""

from __future__ import annotations

import pytest

from tests.extract_fixtures import extract_fixture


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("cms-wordpress-generator.html", "wordpress"),
        ("cms-wordpress-assets.html", "wordpress"),
        ("cms-shopify.html", "shopify"),
        ("cms-wix.html", "wix"),
        ("cms-squarespace.html", "squarespace"),
        ("cms-drupal.html", "drupal"),
        ("cms-joomla.html", "joomla"),
        ("cms-ghost.html", "ghost"),
        ("cms-webflow.html", "webflow"),
        ("cms-hubspot.html", "hubspot"),
        ("cms-shopware.html", None),
        ("cms-text-only.html", None),
    ],
)
def test_detect_cms(fixture: str, expected: str | None) -> None:
    assert extract_fixture(fixture).cms == expected


def test_feeds_from_link_alternate_only() -> None:
    data = extract_fixture("feeds.html", final_url="https://www.harbour-kites.test/en/")
    assert data.feeds == [
        "https://www.harbour-kites.test/journal/feed/",
        "https://harbour-kites.test/news.atom",
    ]


def test_anchor_feed_link_ignored() -> None:
    data = extract_fixture("feeds.html")
    assert "https://harbour-kites.test/all-posts.rss" not in data.feeds
