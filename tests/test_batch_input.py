"""Reading batch domain lists: text files, CSV dialects, duplicates, bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.batch_input import parse_arguments, read_batch_file
from scanner.registrable import registrable_domain

FIXTURES = Path(__file__).parent / "fixtures" / "batch_input"


def test_text_file_skips_comments_and_blanks() -> None:
    parsed = read_batch_file(FIXTURES / "domains.txt")

    assert [line.domain for line in parsed.domains] == [
        "example.com",
        "xn--bcher-kva.de",
        "example.net",
    ]
    assert [line.line_number for line in parsed.domains] == [2, 6, 10]


def test_text_file_duplicates_after_canonicalisation() -> None:
    parsed = read_batch_file(FIXTURES / "domains.txt")

    assert [line.line_number for line in parsed.duplicates] == [4, 5, 7]
    assert {line.domain for line in parsed.duplicates} == {
        "example.com",
        "xn--bcher-kva.de",
    }


def test_text_file_invalid_lines_keep_numbers() -> None:
    parsed = read_batch_file(FIXTURES / "domains.txt")

    assert [line.line_number for line in parsed.invalid] == [8, 9]
    assert "mailto" in (parsed.invalid[0].reason or "")
    assert "user name or password" in (parsed.invalid[1].reason or "")


def test_csv_semicolon_bom_quoted_website_column() -> None:
    parsed = read_batch_file(FIXTURES / "semicolon_bom.csv")

    assert [line.domain for line in parsed.domains] == [
        "bluebell-bookshop.test",
        "cafe-mueller.test",
    ]
    assert [line.line_number for line in parsed.domains] == [2, 3]
    assert [line.line_number for line in parsed.invalid] == [4, 7]
    assert [line.line_number for line in parsed.duplicates] == [5]


def test_csv_without_domain_column_uses_first() -> None:
    parsed = read_batch_file(FIXTURES / "no_domain_column.csv")

    assert [line.input for line in parsed.domains + parsed.invalid] == [
        "Acme",
        "Beta",
    ]
    assert parsed.domains == []


def test_csv_url_column_case_insensitive() -> None:
    parsed = read_batch_file(FIXTURES / "url_column.csv")

    assert [line.domain for line in parsed.domains] == ["example.com", "example.org"]
    assert parsed.invalid == []


def test_arguments_numbered_from_one() -> None:
    parsed = parse_arguments(["a.com", "nope", "A.com"])

    assert [line.line_number for line in parsed.domains] == [1]
    assert [line.line_number for line in parsed.invalid] == [2]
    assert [line.line_number for line in parsed.duplicates] == [3]


def test_lines_merge_valid_and_invalid_in_order() -> None:
    parsed = parse_arguments(["nope", "a.com", "b.com"])

    assert [line.line_number for line in parsed.lines] == [1, 2, 3]


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("example.com", "example.com"),
        ("blog.example.com", "example.com"),
        ("a.b.example.com", "example.com"),
        ("shop.co.uk", "shop.co.uk"),
        ("www2.shop.co.uk", "shop.co.uk"),
        ("shop.com.au", "shop.com.au"),
        ("localhost.test", "localhost.test"),
        ("deep.sub.example.de", "example.de"),
    ],
)
def test_registrable_domain(domain: str, expected: str) -> None:
    assert registrable_domain(domain) == expected
