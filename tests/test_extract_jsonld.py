"""Tests for reading organisations from lenient JSON-LD blocks."""

from __future__ import annotations

import pytest

from scanner.extract.jsonld import parse_lenient_json
from tests.extract_fixtures import extract_fixture


def test_lenient_blocks_read() -> None:
    data = extract_fixture("jsonld-lenient.html", final_url="https://kites.co.uk/")
    assert data.emails == [
        "shop@harbour-kites.test",
        "comments@harbour-kites.test",
        "cdata@harbour-kites.test",
        "nested@harbour-kites.test",
        "graph@harbour-kites.test",
    ]


def test_broken_block_skipped() -> None:
    data = extract_fixture("jsonld-lenient.html", final_url="https://kites.co.uk/")
    assert "broken@harbour-kites.test" not in data.emails
    assert data.title == "Lenient JSON-LD"


def test_organization_telephone_read() -> None:
    data = extract_fixture("jsonld-lenient.html", final_url="https://kites.co.uk/")
    assert data.phones == ["+442079460321"]


def test_person_and_article_author_ignored() -> None:
    data = extract_fixture("jsonld-person-article.html")
    assert data.emails == ["newsroom@harbour-kites.test"]
    assert data.phones == ["+442079460222"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": "x // y"} // trailing', {"a": "x // y"}),
        ('/* lead */ {"a": "/* kept */"};', {"a": "/* kept */"}),
        ('{"a": "line\nbreak\tand tab"}', {"a": "line\nbreak\tand tab"}),
        ('<![CDATA[{"a": 1}]]>', {"a": 1}),
        ('<!-- {"a": 1} -->', {"a": 1}),
        ('{"a": "escaped \\" quote // here"}', {"a": 'escaped " quote // here'}),
        ("", None),
        ("{", None),
    ],
)
def test_parse_lenient_json(text: str, expected: object) -> None:
    assert parse_lenient_json(text) == expected
