"""Tests for choosing and applying the character encoding of a homepage body."""

from __future__ import annotations

import pytest

from scanner.extract import decode_html
from scanner.extract.encoding import normalize_encoding
from tests.extract_fixtures import extract_fixture, read_fixture

TITLE = "Café Müller – Köln"


def test_bom_beats_meta_charset() -> None:
    text, encoding = decode_html(read_fixture("charset-bom.html"), "text/html")
    assert encoding == "utf-8"
    assert TITLE in text
    assert not text.startswith("\ufeff")


def test_bom_beats_header_charset() -> None:
    _text, encoding = decode_html(
        read_fixture("charset-bom.html"), "text/html; charset=koi8-r"
    )
    assert encoding == "utf-8"


def test_header_beats_meta_charset() -> None:
    data = extract_fixture(
        "charset-header.html", content_type="text/html; charset=windows-1252"
    )
    assert data.charset == "windows-1252"
    assert data.title == TITLE


def test_header_latin1_decodes_as_windows_1252() -> None:
    # The en dash is byte 0x96: a C1 control in ISO-8859-1, an en dash in windows-1252.
    data = extract_fixture(
        "charset-header.html", content_type="text/html; charset=ISO-8859-1"
    )
    assert data.charset == "windows-1252"
    assert data.title == TITLE


def test_meta_http_equiv_after_long_comment() -> None:
    data = extract_fixture("charset-meta.html", content_type="text/html")
    assert data.charset == "windows-1252"
    assert data.title == TITLE


def test_unknown_header_charset_falls_back_to_meta() -> None:
    data = extract_fixture(
        "charset-meta.html", content_type="text/html; charset=no-such"
    )
    assert data.charset == "windows-1252"


def test_invalid_bytes_are_replaced() -> None:
    data = extract_fixture("charset-invalid.html", content_type=None)
    assert data.charset == "utf-8"
    assert data.title == "Broken \ufffd\ufffd bytes \ufffd"
    assert data.emails == ["team@harbour-kites.test"]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("latin-1", "windows-1252"),
        ("ISO-8859-1", "windows-1252"),
        ("us-ascii", "windows-1252"),
        ("cp1252", "windows-1252"),
        ("UTF8", "utf-8"),
        ("gb2312", "gbk"),
        ("Shift_JIS", "shift_jis"),
        ('"utf-8"', "utf-8"),
        ("no-such-encoding", None),
        ("", None),
    ],
)
def test_normalize_encoding_labels(label: str, expected: str | None) -> None:
    assert normalize_encoding(label) == expected


def test_utf16_meta_declaration_means_utf8() -> None:
    body = b'<meta charset="utf-16"><title>x</title>'
    _text, encoding = decode_html(body, None)
    assert encoding == "utf-8"


def test_utf16_bom_decodes() -> None:
    body = "\ufeff<title>Grüße</title>".encode("utf-16-le")
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert encoding == "utf-16-le"
    assert text == "<title>Grüße</title>"
