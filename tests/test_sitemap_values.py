"""Clean sitemap values: loc resolution, lastmod, priority and changefreq."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scanner.sitemaps.values import (
    parse_changefreq,
    parse_lastmod,
    parse_priority,
    resolve_loc,
)

BASE = "https://site.test/sitemaps/pages.xml"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-08", datetime(2024, 5, 8, tzinfo=UTC)),
        ("2024-05", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-05-08T08:53Z", datetime(2024, 5, 8, 8, 53, tzinfo=UTC)),
        ("2024-05-08T08:53:11+05:30", datetime(2024, 5, 8, 3, 23, 11, tzinfo=UTC)),
        ("2024-05-08T08:53:11", datetime(2024, 5, 8, 8, 53, 11, tzinfo=UTC)),
        (
            "2024-05-08T08:53:11.123456789Z",
            datetime(2024, 5, 8, 8, 53, 11, 123456, tzinfo=UTC),
        ),
        ("2024-05-08 08:53:11 AM", datetime(2024, 5, 8, 8, 53, 11, tzinfo=UTC)),
        ("2024-4-7 9:05:00 PM", datetime(2024, 4, 7, 21, 5, tzinfo=UTC)),
        ("2024-05-08 12:00:00 AM", datetime(2024, 5, 8, 0, 0, tzinfo=UTC)),
        ("2024-W19-3", datetime(2024, 5, 8, tzinfo=UTC)),
        ("Wed, 08 May 2024 08:53:11 GMT", datetime(2024, 5, 8, 8, 53, 11, tzinfo=UTC)),
        ("  2024-05-08  ", datetime(2024, 5, 8, tzinfo=UTC)),
    ],
)
def test_lastmod_variants_parse_to_utc(raw: str, expected: datetime) -> None:
    assert parse_lastmod(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "yesterday",
        "2024-13-45T25:61:00Z",
        "1715155200",
        "99999999999999999999",
        "0000-00-00",
        "-2024-05-08",
        "May 8, 2024",
        "05/08/2024 08:53:11 AM",
        "2024-05-08 13:00:00 PM",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_odd_lastmod_becomes_none(raw: str | None) -> None:
    assert parse_lastmod(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.5", 0.5),
        (" 1 ", 1.0),
        ("1.5", 1.0),
        ("-1", 0.0),
        ("0,7", 0.7),
        ("high", None),
        ("", None),
        ("NaN", None),
        ("inf", None),
        (None, None),
    ],
)
def test_priority_is_clamped_or_none(raw: str | None, expected: float | None) -> None:
    assert parse_priority(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("daily", "daily"), ("WEEKLY", "weekly"), ("sometimes", None), ("", None)],
)
def test_changefreq_is_known_or_none(raw: str, expected: str | None) -> None:
    assert parse_changefreq(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://site.test/a", "https://site.test/a"),
        ("  https://site.test/b\n", "https://site.test/b"),
        ("contact/", "https://site.test/sitemaps/contact/"),
        ("../team/", "https://site.test/team/"),
        ("/blog/", "https://site.test/blog/"),
        ("//cdn.site.test/x", "https://cdn.site.test/x"),
        ("item?colour=red", "https://site.test/sitemaps/item?colour=red"),
    ],
)
def test_loc_is_trimmed_and_resolved(raw: str, expected: str) -> None:
    assert resolve_loc(raw, BASE) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "javascript:void(0)",
        "mailto:a@site.test",
        "ftp://site.test/f",
        "https://[::1/broken",
    ],
)
def test_unusable_loc_is_none(raw: str | None) -> None:
    assert resolve_loc(raw, BASE) is None
