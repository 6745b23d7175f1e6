"""Tests for recognising social profiles among links and JSON-LD sameAs values."""

from __future__ import annotations

import pytest

from scanner.extract.social import profile_platform
from tests.extract_fixtures import extract_fixture


def test_profiles_skip_share_links() -> None:
    data = extract_fixture("social-links.html")
    assert data.social == {
        "twitter": "https://x.com/HarbourKites",
        "facebook": "https://facebook.com/HarbourKites/",
        "instagram": "https://instagram.com/harbourkites",
        "linkedin": "https://www.linkedin.com/company/harbour-kites/",
        "youtube": "https://www.youtube.com/@HarbourKites",
        "tiktok": "https://www.tiktok.com/@harbourkites",
        "pinterest": "https://uk.pinterest.com/harbourkites/",
        "github": "https://github.com/harbour-kites",
    }


def test_same_as_fills_missing_platforms() -> None:
    data = extract_fixture("jsonld-sameas.html")
    assert data.social == {
        "facebook": "https://www.facebook.com/HarbourKites",
        "instagram": "https://www.instagram.com/harbourkites/",
    }


def test_person_and_author_same_as_ignored() -> None:
    data = extract_fixture("jsonld-person-article.html")
    assert data.social == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.facebook.com/v2.7/dialog/feed?app_id=1", None),
        ("https://www.facebook.com/sharer.php?u=x", None),
        ("https://www.facebook.com/business/learn", None),
        ("https://www.facebook.com/about/privacy/cookies", None),
        ("https://developers.facebook.com/docs/", None),
        ("//www.facebook.com/pages/Harbour-Kites/123", "facebook"),
        ("https://twitter.com/intent/follow?screen_name=x", None),
        ("https://x.com/hashtag/kites", None),
        ("https://twitter.com/user/status/1", None),
        ("http://twitter.com/user", "twitter"),
        ("https://www.linkedin.com/in/someone", "linkedin"),
        ("https://www.linkedin.com/feed/", None),
        ("https://www.youtube.com/channel/UC123", "youtube"),
        ("https://www.youtube.com/user/someone", "youtube"),
        ("https://www.youtube.com/watch?v=1", None),
        ("https://www.pinterest.com/pin/find/?url=x", None),
        ("https://www.pinterest.co.uk/harbourkites/", "pinterest"),
        ("https://github.com/harbour-kites/kite-designer", None),
        ("https://www.instagram.com/p/abc123/", None),
        ("https://notfacebook.com/harbourkites", None),
        ("mailto:someone@facebook.com", None),
        ("https://www.tripadvisor.com/Hotel_Review", None),
    ],
)
def test_profile_platform(url: str, expected: str | None) -> None:
    assert profile_platform(url) == expected
