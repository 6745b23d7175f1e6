"""Parse HTML into a BeautifulSoup tree and read its visible text and links."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

# lxml's HTML parser keeps going through broken markup and is several times faster
# than html.parser on large pages.
PARSER = "lxml"

# Elements whose content is not rendered for a visitor whose browser runs scripts.
_HIDDEN_ELEMENTS = frozenset(
    {"script", "style", "template", "head", "title", "noscript", "iframe", "object"}
)

# Elements that start a new line in the rendered page, so that text on both sides of
# them is never joined into one phone number or address.
_BLOCK_ELEMENTS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
        "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul", "button", "select", "textarea", "body", "html",
    }
)  # fmt: skip

_WHITESPACE = re.compile(r"\s+")


def parse_html(text: str) -> BeautifulSoup:
    """Parse decoded HTML text into a tree."""
    return BeautifulSoup(text, PARSER)


def collapse_whitespace(value: str) -> str:
    """Collapse runs of whitespace to one space and trim the ends."""
    return _WHITESPACE.sub(" ", value).strip()


def visible_lines(soup: BeautifulSoup) -> list[str]:
    """Return the visible text of the page, one entry per rendered block.

    Comments, scripts, styles and attribute values are not part of it.
    """
    lines: list[str] = []
    current: list[str] = []
    for chunk in _walk_text(soup):
        if chunk is None:
            _flush(current, lines)
        else:
            current.append(chunk)
    _flush(current, lines)
    return lines


def anchor_hrefs(soup: BeautifulSoup) -> list[tuple[Tag, str]]:
    """Return every `<a href>` element with its trimmed href, in document order."""
    anchors: list[tuple[Tag, str]] = []
    for anchor in soup.find_all("a", href=True):
        href = anchor.get("href")
        if isinstance(href, str) and href.strip():
            anchors.append((anchor, href.strip()))
    return anchors


def attribute_text(tag: Tag, name: str) -> str | None:
    """Return an attribute as one string, joining multi-valued ones such as `rel`."""
    value = tag.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return " ".join(value)


def _walk_text(root: Tag) -> Iterator[str | None]:
    """Yield visible text nodes in document order and None at block boundaries."""
    # An explicit stack, because deeply nested markup would exhaust Python's
    # recursion limit.
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            yield None
        elif isinstance(node, Tag):
            if node.name in _HIDDEN_ELEMENTS:
                continue
            is_block = node.name in _BLOCK_ELEMENTS
            if is_block:
                yield None
                stack.append(None)
            stack.extend(reversed(node.contents))
        elif type(node) is NavigableString:
            # Subclasses are comments, CDATA, doctypes and processing instructions.
            yield str(node)


def _flush(current: list[str], lines: list[str]) -> None:
    line = collapse_whitespace("".join(current))
    if line:
        lines.append(line)
    current.clear()
