"""Tests for finding phone numbers and choosing the region they are read in."""

from __future__ import annotations

import pytest

from scanner.extract.phones import parse_phone
from scanner.extract.regions import default_region
from tests.extract_fixtures import extract_fixture


def test_cctld_gives_region() -> None:
    data = extract_fixture("phone-national-uk.html", final_url="https://kites.co.uk/")
    assert data.phones == ["+442079460321"]


def test_lang_region_subtag_gives_region() -> None:
    data = extract_fixture("phone-lang-en-gb.html", final_url="https://kites.com/")
    assert data.phones == ["+442079460321"]


def test_lang_language_gives_region() -> None:
    data = extract_fixture("phone-lang-de.html", final_url="https://kites.com/")
    assert data.phones == ["+493023125100"]


def test_no_hint_reads_us_numbers() -> None:
    data = extract_fixture("phone-national-us.html", final_url="https://kites.com/")
    assert data.phones == ["+12025550111"]


def test_international_formats() -> None:
    data = extract_fixture("phone-international.html", final_url="https://kites.com/")
    assert data.phones == [
        "+33123456789",
        "+12125550142",
        "+442079460321",
        "+493023125100",
        "+43316821636",
        "+442079460999",
        "+442079460777",
    ]


def test_dates_prices_and_ids_are_not_phones() -> None:
    data = extract_fixture("not-phones.html", final_url="https://kites.com/")
    assert data.phones == ["+12125550150"]


@pytest.mark.parametrize(
    ("url", "language", "expected"),
    [
        ("https://shop.co.uk/", None, "GB"),
        ("https://shop.de/", "en-US", "DE"),
        ("https://shop.com.ar/", None, "AR"),
        ("https://shop.com/", "en-GB", "GB"),
        ("https://shop.com/", "de_AT", "AT"),
        ("https://shop.com/", "zh-Hant-TW", "TW"),
        ("https://shop.com/", "fr", "FR"),
        ("https://shop.com/", "en", "US"),
        ("https://shop.info/", None, "US"),
        ("https://shop.eu/", "nl", "NL"),
    ],
)
def test_default_region(url: str, language: str | None, expected: str) -> None:
    assert default_region(url, language) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+44 (0)20-7946-0323", "+442079460323"),
        ("0080040020000", "+80040020000"),
        ("%2B44 20", None),
        ("not a number", None),
        ("", None),
    ],
)
def test_parse_phone(value: str, expected: str | None) -> None:
    assert parse_phone(value, "DE") == expected
