"""Run homepage extraction on the hand-written pages in fixtures/extract/."""

from __future__ import annotations

from pathlib import Path

from scanner.extract import HomepageData, extract_homepage

FIXTURES_DIR = Path(__file__).parent / "fixtures" / "extract"
DEFAULT_URL = "https://harbour-kites.test/"
UTF8_HTML = "text/html; charset=utf-8"


def read_fixture(name: str) -> bytes:
    """Return the bytes of one fixture page."""
    return (FIXTURES_DIR / name).read_bytes()


def extract_fixture(
    name: str, *, final_url: str = DEFAULT_URL, content_type: str | None = UTF8_HTML
) -> HomepageData:
    """Extract the homepage fields of one fixture page."""
    return extract_homepage(
        read_fixture(name), final_url=final_url, content_type=content_type
    )
