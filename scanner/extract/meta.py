"""Read the title, description, language and canonical URL of a page."""

from __future__ import annotations

from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from scanner.extract.document import attribute_text, collapse_whitespace


def extract_title(soup: BeautifulSoup) -> str | None:
    """Return the first `<title>` outside `<svg>`, else `og:title`."""
    for title in soup.find_all("title"):
        if title.find_parent("svg") is not None:
            continue
        # Only the first document title counts, even when it is empty.
        text = collapse_whitespace(title.get_text())
        if text:
            return text
        break
    return _meta_content(soup, "og:title")


def extract_description(soup: BeautifulSoup) -> str | None:
    """Return the meta description, else `og:description`, else the Twitter one."""
    for key in ("description", "og:description", "twitter:description"):
        value = _meta_content(soup, key, allow_property=key != "description")
        if value:
            return value
    return None


def extract_language(soup: BeautifulSoup) -> str | None:
    """Return the `lang` attribute of `<html>`, trimmed."""
    html = soup.find("html")
    if not isinstance(html, Tag):
        return None
    lang = attribute_text(html, "lang")
    if lang is None or not lang.strip():
        return None
    return lang.strip()


def extract_canonical(soup: BeautifulSoup, final_url: str) -> str | None:
    """Return the `<link rel="canonical">` URL, resolved against the final URL."""
    for link in soup.find_all("link", href=True):
        rel = (attribute_text(link, "rel") or "").lower().split()
        href = attribute_text(link, "href")
        if "canonical" in rel and href and href.strip():
            return urljoin(final_url, href.strip())
    return None


def extract_generator(soup: BeautifulSoup) -> list[str]:
    """Return the content of every `<meta name="generator">`."""
    return [
        content
        for meta in soup.find_all("meta")
        if (attribute_text(meta, "name") or "").strip().lower() == "generator"
        and (content := attribute_text(meta, "content"))
    ]


def _meta_content(
    soup: BeautifulSoup, key: str, *, allow_property: bool = True
) -> str | None:
    # The Open Graph protocol uses property=, but many sites write name=. A plain
    # description counts only as name=.
    attributes = ("property", "name") if allow_property else ("name",)
    for meta in soup.find_all("meta"):
        names = {
            (attribute_text(meta, attribute) or "").strip().lower()
            for attribute in attributes
        }
        if key not in names:
            continue
        content = collapse_whitespace(attribute_text(meta, "content") or "")
        if content:
            return content
    return None
