"""Tests for list capping and deduplication in extraction results."""

from __future__ import annotations

from scanner.extract import MAX_LIST_ITEMS
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
