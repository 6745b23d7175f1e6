"""Read organisations from JSON-LD blocks, tolerating the errors real pages contain."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup

from scanner.extract.document import attribute_text
from scanner.extract.schema_types import ARTICLE_TYPES, ORGANIZATION_TYPES

logger = logging.getLogger(__name__)

# Real graphs are a few levels deep, so the limit only stops a hostile document from
# making the walk slow.
MAX_DEPTH = 32

_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[(.*?)(?://\s*)?\]\]>\s*$", re.DOTALL)
_HTML_COMMENT = re.compile(r"^\s*<!--(.*?)-->\s*$", re.DOTALL)

# A JSON string, which is kept, or a comment, which is removed. Matching strings first
# keeps a "//" inside a URL from being read as a comment. An unterminated block
# comment runs to the end of the text.
_STRING_OR_COMMENT = re.compile(
    r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL
)


@dataclass
class Organization:
    """Contact data of one organisation entity, values in document order."""

    emails: list[str] = field(default_factory=list)
    telephones: list[str] = field(default_factory=list)
    same_as: list[str] = field(default_factory=list)


def extract_organizations(soup: BeautifulSoup) -> list[Organization]:
    """Return every organisation found in the page's JSON-LD blocks."""
    organizations: list[Organization] = []
    for script in soup.find_all("script"):
        script_type = (attribute_text(script, "type") or "").split(";")[0]
        if script_type.strip().lower() != "application/ld+json":
            continue
        data = parse_lenient_json(script.string or "")
        if data is not None:
            _collect(data, organizations, depth=0)
    return organizations


def parse_lenient_json(text: str) -> object | None:
    """Parse a JSON-LD block, or return None when it cannot be read.

    Comments, a CDATA or HTML comment wrapper, trailing semicolons and raw control
    characters inside strings are accepted, because hand-edited pages contain them.
    """
    cleaned = _unwrap(text)
    cleaned = _strip_comments(cleaned).strip().rstrip(";").strip()
    if not cleaned:
        return None
    try:
        # strict=False lets raw line feeds and tabs appear inside strings.
        data: object = json.loads(cleaned, strict=False)
    except (ValueError, RecursionError) as exc:
        # RecursionError: arrays or objects nested thousands of levels deep.
        logger.debug("skipping unreadable JSON-LD block: %s", exc)
        return None
    return data


def _unwrap(text: str) -> str:
    for pattern in (_HTML_COMMENT, _CDATA):
        match = pattern.match(text)
        if match is not None:
            text = match.group(1)
    return text


def _strip_comments(text: str) -> str:
    """Remove `//` and `/* */` comments that lie outside JSON strings."""
    return _STRING_OR_COMMENT.sub(_keep_strings, text)


def _keep_strings(match: re.Match[str]) -> str:
    token = match.group(0)
    return token if token.startswith('"') else ""


def _collect(node: object, organizations: list[Organization], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            _collect(item, organizations, depth + 1)
        return
    if not isinstance(node, dict):
        return

    types = _type_names(node.get("@type"))
    if "Person" in types:
        return
    if types & ORGANIZATION_TYPES:
        organizations.append(_read_organization(node))

    # An article's author is a byline, not the site's organisation, whatever its type.
    skip = {"author"} if types & ARTICLE_TYPES else set()
    for key, value in node.items():
        if key not in skip and isinstance(value, dict | list):
            _collect(value, organizations, depth + 1)


def _type_names(value: object) -> set[str]:
    raw = value if isinstance(value, list) else [value]
    names: set[str] = set()
    for item in raw:
        if isinstance(item, str):
            # "http://schema.org/Hotel" and "schema:Hotel" name the same type.
            names.add(re.split(r"[/:#]", item.strip())[-1])
    return names


def _read_organization(node: dict[str, object]) -> Organization:
    return Organization(
        emails=_strings(node.get("email")),
        telephones=_strings(node.get("telephone")),
        same_as=_strings(node.get("sameAs")),
    )


def _strings(value: object) -> list[str]:
    raw = value if isinstance(value, list) else [value]
    return [item.strip() for item in raw if isinstance(item, str) and item.strip()]
