"""Extract contact data and site metadata from a homepage body.

`extract_homepage` is pure and synchronous. It uses the CPU for milliseconds on a
typical page and for seconds on a pathological multi-megabyte one, so async callers
run it in a thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from scanner.extract.cms import detect_cms
from scanner.extract.document import anchor_hrefs, parse_html, visible_lines
from scanner.extract.emails import (
    emails_from_cloudflare,
    emails_from_links,
    emails_from_organizations,
    emails_from_text,
)
from scanner.extract.encoding import decode_html
from scanner.extract.feeds import extract_feeds
from scanner.extract.jsonld import extract_organizations
from scanner.extract.meta import (
    extract_canonical,
    extract_description,
    extract_language,
    extract_title,
)
from scanner.extract.phones import (
    phones_from_links,
    phones_from_organizations,
    phones_from_text,
)
from scanner.extract.regions import default_region
from scanner.extract.social import fill_from_organizations, profiles_from_links

__all__ = [
    "MAX_LIST_ITEMS",
    "MAX_TEXT_CHARS",
    "MAX_URL_CHARS",
    "HomepageData",
    "decode_html",
    "extract_homepage",
]

# Upper bound on each list field (emails, phones, feeds), so that a directory page
# with thousands of addresses cannot blow up a result row.
MAX_LIST_ITEMS = 50
# Upper bounds on one text field and on one URL. The result travels through
# Temporal, which rejects a payload over 2 MB, and a page may carry a title or
# a link of several megabytes. Text is cut. A URL that long is dropped, since a
# cut URL would point elsewhere.
MAX_TEXT_CHARS = 2000
MAX_URL_CHARS = 4096


@dataclass(frozen=True)
class HomepageData:
    """Fields extracted from one homepage; None or empty where the page has none."""

    title: str | None = None
    description: str | None = None
    language: str | None = None
    canonical: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    social: dict[str, str] = field(default_factory=dict)  # platform -> profile URL
    cms: str | None = None
    feeds: list[str] = field(default_factory=list)
    charset: str | None = None  # the encoding used to decode the body


def extract_homepage(
    body: bytes, *, final_url: str, content_type: str | None
) -> HomepageData:
    """Decode and parse a homepage body and extract every field from it.

    Args:
        body: the response body after any Content-Encoding has been undone.
        final_url: the URL after redirects; relative URLs resolve against it.
        content_type: the HTTP Content-Type header, used for its charset.

    Returns:
        The extracted fields. A body that is empty or a JSON document gives an
        empty result. Invalid bytes and broken markup do not make this raise.
    """
    text, charset = decode_html(body, content_type)
    if not text.strip() or _is_json_document(text):
        return HomepageData(charset=charset)

    soup = parse_html(text)
    language = extract_language(soup)
    region = default_region(final_url, language)
    anchors = anchor_hrefs(soup)
    lines = visible_lines(soup)
    organizations = extract_organizations(soup)

    emails = [
        *emails_from_links(anchors),
        *emails_from_cloudflare(soup),
        *emails_from_text(lines),
        *emails_from_organizations(organizations),
    ]
    phones = [
        *phones_from_links(anchors, region),
        *phones_from_text(lines, region),
        *phones_from_organizations(organizations, region),
    ]
    links = profiles_from_links(href for _anchor, href in anchors)
    social = fill_from_organizations(links, organizations)
    return HomepageData(
        title=_cut(extract_title(soup)),
        description=_cut(extract_description(soup)),
        language=_cut(language),
        canonical=_short_url(extract_canonical(soup, final_url)),
        emails=_unique_capped(emails),
        phones=_unique_capped(phones),
        social={name: url for name, url in social.items() if _short_url(url)},
        cms=detect_cms(soup),
        feeds=_unique_capped(filter(_short_url, extract_feeds(soup, final_url))),
        charset=charset,
    )


def _cut(text: str | None) -> str | None:
    """Return `text` cut to MAX_TEXT_CHARS characters."""
    return None if text is None else text[:MAX_TEXT_CHARS]


def _short_url(url: str | None) -> str | None:
    """Return `url` unless it is longer than MAX_URL_CHARS characters."""
    if url is None or len(url) > MAX_URL_CHARS:
        return None
    return url


def _unique_capped(values: Iterable[str]) -> list[str]:
    """Deduplicate in first-seen order and keep at most MAX_LIST_ITEMS values."""
    unique = list(dict.fromkeys(values))
    return unique[:MAX_LIST_ITEMS]


def _is_json_document(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True
