"""Check homepage extraction against every corpus site, one test per site and field."""

from __future__ import annotations

from functools import cache

import pytest

from scanner.extract import HomepageData, extract_homepage
from tests.extract_corpus import FIELDS, CorpusPage, load_pages, normalize

PAGES = {page.host: page for page in load_pages()}
CASES = [
    pytest.param(host, field, id=f"{host}-{field}")
    for host, page in PAGES.items()
    for field in FIELDS
    if field in page.expected
]


@cache
def _extract(host: str) -> HomepageData:
    page: CorpusPage = PAGES[host]
    return extract_homepage(
        page.body, final_url=page.final_url, content_type=page.content_type
    )


def test_corpus_has_homepage_sites() -> None:
    assert len(PAGES) >= 40


@pytest.mark.parametrize(("host", "field"), CASES)
def test_corpus_field(host: str, field: str) -> None:
    expected = normalize(field, PAGES[host].expected[field])
    actual = normalize(field, getattr(_extract(host), field))
    assert actual == expected
