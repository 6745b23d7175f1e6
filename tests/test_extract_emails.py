"""Tests for finding e-mail addresses in links, text, Cloudflare markup and JSON-LD."""

from __future__ import annotations

import pytest

from scanner.extract.emails import decode_cloudflare, normalize_email
from tests.extract_fixtures import extract_fixture


def test_cloudflare_addresses_decoded() -> None:
    data = extract_fixture("cfemail.html")
    assert data.emails == [
        "frontdesk@harbour-kites.test",
        "accounts@harbour-kites.test",
    ]


def test_cloudflare_invalid_hex_is_none() -> None:
    assert decode_cloudflare("zz12") is None


def test_obfuscated_addresses_found() -> None:
    data = extract_fixture("obfuscated-emails.html")
    assert "sales@harbour-kites.test" in data.emails
    assert "workshop@harbour-kites.test" in data.emails
    assert "press@harbour-kites.test" in data.emails


def test_plain_text_address_lower_cased() -> None:
    data = extract_fixture("obfuscated-emails.html")
    assert "hello@harbour-kites.test" in data.emails


def test_only_visible_addresses_found() -> None:
    data = extract_fixture("obfuscated-emails.html")
    assert set(data.emails) == {
        "sales@harbour-kites.test",
        "workshop@harbour-kites.test",
        "press@harbour-kites.test",
        "hello@harbour-kites.test",
    }


def test_prose_at_is_not_an_address() -> None:
    data = extract_fixture("obfuscated-emails.html")
    assert "us@harbour-kites.test" not in data.emails


def test_mailto_recipients_split_and_decoded() -> None:
    data = extract_fixture("mailto.html")
    assert data.emails == [
        "orders@harbour-kites.test",
        "events@harbour-kites.test",
        "repairs@harbour-kites.test",
        "kites@harbour-kites.test",
    ]


@pytest.mark.parametrize(
    "candidate",
    ["logo@2x.png", "icon@3x.webp", "bundle@1.2.3.js", "user@host", "@example.com"],
)
def test_normalize_email_rejects(candidate: str) -> None:
    assert normalize_email(candidate) is None


def test_normalize_email_accepts_idn_tld() -> None:
    assert normalize_email(" Info@Example.XN--P1AI ") == "info@example.xn--p1ai"
