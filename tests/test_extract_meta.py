"""Tests for the title, description, language and canonical URL of a homepage."""

from __future__ import annotations

from scanner.extract import extract_homepage
from tests.extract_fixtures import extract_fixture


def test_title_skips_svg_titles() -> None:
    data = extract_fixture("svg-title.html")
    assert data.title == "Harbour Kites - hand-made kites"


def test_empty_title_falls_back_to_og_title() -> None:
    data = extract_fixture("empty-title.html")
    assert data.title == "Fallback from og:title"


def test_description_falls_back_to_twitter() -> None:
    data = extract_fixture("empty-title.html")
    assert data.description == "Only the Twitter card describes this page."


def test_language_is_trimmed() -> None:
    data = extract_fixture("empty-title.html")
    assert data.language == "en-GB"


def test_meta_description_beats_og_description() -> None:
    data = extract_fixture("description-order.html")
    assert data.description == "From the meta description."


def test_missing_language_is_none() -> None:
    data = extract_fixture("description-order.html")
    assert data.language is None


def test_canonical_resolves_against_final_url() -> None:
    data = extract_fixture(
        "description-order.html", final_url="https://www.harbour-kites.test/en/"
    )
    assert data.canonical == "https://www.harbour-kites.test/about/"


def test_empty_body_has_no_fields() -> None:
    data = extract_homepage(b"", final_url="https://a.test/", content_type="text/html")
    assert data.title is None
    assert data.emails == []
    assert data.social == {}
    assert data.charset == "utf-8"


def test_json_body_has_no_fields() -> None:
    data = extract_fixture("json-body.html")
    assert data.emails == []
    assert data.phones == []
    assert data.title is None
