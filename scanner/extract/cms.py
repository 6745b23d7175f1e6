"""Detect the CMS or site builder behind a page from its markup, never from its text."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from scanner.extract.document import attribute_text
from scanner.extract.meta import extract_generator

# Generator values name the product first ("WordPress 6.4", "Joomla! - Open Source
# Content Management", "Drupal 7 (http://drupal.org)", "Wix.com Website Builder").
_GENERATORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("wordpress", re.compile(r"\bwordpress\b", re.I)),
    ("joomla", re.compile(r"\bjoomla\b", re.I)),
    ("drupal", re.compile(r"\bdrupal\b", re.I)),
    ("ghost", re.compile(r"^\s*ghost\b", re.I)),
    ("wix", re.compile(r"\bwix\.com\b", re.I)),
    ("squarespace", re.compile(r"\bsquarespace\b", re.I)),
    ("webflow", re.compile(r"\bwebflow\b", re.I)),
    ("hubspot", re.compile(r"\bhubspot\b", re.I)),
    ("shopify", re.compile(r"\bshopify\b", re.I)),
)

# Substrings of asset URLs (script, stylesheet, image sources). Hosted builders come
# first, and HubSpot last, because its tracking script also runs on sites built with
# another CMS.
_ASSET_SIGNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shopify", ("cdn.shopify.com", "/cdn/shop/", "shopifycdn.com")),
    ("wix", ("static.wixstatic.com", "static.parastorage.com")),
    (
        "squarespace",
        ("static1.squarespace.com", "assets.squarespace.com", "squarespace-cdn.com"),
    ),
    ("webflow", ("website-files.com", "uploads-ssl.webflow.com", "/webflow.js")),
    ("ghost", ("/ghost/api/", "/public/ghost-sdk", "ghost/portal@")),
    ("wordpress", ("/wp-content/", "/wp-includes/", "/wp-json/")),
    ("drupal", ("/sites/default/files/", "/sites/all/", "/misc/drupal.js")),
    ("joomla", ("/media/jui/", "/media/system/js/", "/components/com_")),
    ("hubspot", ("/hs/hsstatic/", ".hs-sites.com", "js.hs-scripts.com")),
)

# Objects that the platform's own inline scripts define.
_SCRIPT_SIGNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shopify", ("Shopify.shop", "Shopify.theme")),
    ("squarespace", ("Static.SQUARESPACE_CONTEXT",)),
    ("drupal", ("Drupal.settings", "drupalSettings")),
    ("joomla", ("Joomla.JText", "Joomla.optionsStorage")),
)

_ASSET_ELEMENTS = ("script", "link", "img", "source", "iframe", "embed", "video")
_ASSET_ATTRIBUTES = ("src", "href", "data-src", "srcset")


def detect_cms(soup: BeautifulSoup) -> str | None:
    """Return the lower-case name of the CMS the page was built with, or None."""
    for generator in extract_generator(soup):
        for name, pattern in _GENERATORS:
            if pattern.search(generator):
                return name
    if _has_webflow_attributes(soup):
        return "webflow"
    if soup.find("script", attrs={"data-ghost": True}) is not None:
        return "ghost"
    return _match_signs(_asset_urls(soup), _ASSET_SIGNS) or _match_signs(
        _inline_scripts(soup), _SCRIPT_SIGNS
    )


def _has_webflow_attributes(soup: BeautifulSoup) -> bool:
    html = soup.find("html")
    return isinstance(html, Tag) and (
        html.has_attr("data-wf-site") or html.has_attr("data-wf-page")
    )


def _asset_urls(soup: BeautifulSoup) -> str:
    urls: list[str] = []
    for tag in soup.find_all(_ASSET_ELEMENTS):
        for attribute in _ASSET_ATTRIBUTES:
            value = attribute_text(tag, attribute)
            if value:
                urls.append(value)
    return "\n".join(urls)


def _inline_scripts(soup: BeautifulSoup) -> str:
    return "\n".join(
        script.string or "" for script in soup.find_all("script", src=False)
    )


def _match_signs(
    haystack: str, signs: tuple[tuple[str, tuple[str, ...]], ...]
) -> str | None:
    for name, needles in signs:
        if any(needle in haystack for needle in needles):
            return name
    return None
