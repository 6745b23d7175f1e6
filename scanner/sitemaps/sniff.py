"""Decide the format of a sitemap body from its first bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A prolog longer than this without a root element is not a sitemap anyone wrote.
MAX_PROLOG_BYTES = 256 * 1024
_WHITESPACE = " \t\r\n"
_DOCTYPE_HTML = re.compile(r"<!doctype\s+html[\s>]", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z_][\w.:-]*")


class BodyFormat(StrEnum):
    """Format of a body as shown by its first bytes."""

    XML = "xml"
    TEXT = "text"
    JSON = "json"
    HTML = "html"
    DOCTYPE = "doctype"
    EMPTY = "empty"
    BAD_PROLOG = "bad_prolog"


@dataclass(frozen=True)
class Sniffed:
    """The format of a body and, for XML, the local name of its root element."""

    format: BodyFormat
    root: str = ""


def sniff(head: bytes, *, final: bool) -> Sniffed | None:
    """Classify a body from `head`, its first bytes, or return None to wait for more.

    `final` is true when `head` is the whole body. Leading whitespace, a byte order
    mark, the XML declaration, comments and processing instructions such as
    `<?xml-stylesheet?>` are skipped on the way to the root element.
    """
    text = _as_text(head)
    start = _skip_whitespace(text, 0)
    if start == len(text):
        return Sniffed(BodyFormat.EMPTY) if final else None
    first = text[start]
    if first in "{[":
        return Sniffed(BodyFormat.JSON)
    if first != "<":
        return Sniffed(BodyFormat.TEXT)
    result = _scan_prolog(text, start)
    if result is None and (final or len(head) > MAX_PROLOG_BYTES):
        return Sniffed(BodyFormat.BAD_PROLOG)
    return result


def strip_leading(head: bytes) -> bytes:
    """Drop a UTF-8 byte order mark and whitespace before the first markup.

    libxml2 rejects an XML declaration that does not start the document, and
    real sitemaps put a BOM or blank lines before it. UTF-16 bodies are kept
    whole because libxml2 reads the encoding from their BOM.
    """
    if head.startswith(_UTF16_BOMS):
        return head
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM) :]
    return head.lstrip(b" \t\r\n")


def _as_text(head: bytes) -> str:
    if head.startswith(_UTF16_BOMS):
        # An odd byte at the end is half a character still on its way.
        return head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM) :]
    # Markup in the prolog is ASCII; latin-1 maps every byte to one character.
    return head.decode("latin-1")


def _skip_whitespace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _scan_prolog(text: str, pos: int) -> Sniffed | None:
    while True:
        pos = _skip_whitespace(text, pos)
        if pos >= len(text):
            return None
        if text.startswith("<?", pos):
            pos = _after(text, pos, "?>")
        elif text.startswith("<!--", pos):
            pos = _after(text, pos, "-->")
        elif text.startswith("<!", pos):
            return _declaration(text, pos)
        elif text.startswith("<", pos):
            return _root(text, pos + 1)
        else:
            return Sniffed(BodyFormat.BAD_PROLOG)
        if pos < 0:
            return None


def _after(text: str, pos: int, terminator: str) -> int:
    end = text.find(terminator, pos)
    return -1 if end < 0 else end + len(terminator)


def _declaration(text: str, pos: int) -> Sniffed | None:
    if len(text) - pos < 15:
        return None
    if _DOCTYPE_HTML.match(text, pos):
        return Sniffed(BodyFormat.HTML)
    if text[pos : pos + 9].lower() == "<!doctype":
        return Sniffed(BodyFormat.DOCTYPE)
    return Sniffed(BodyFormat.BAD_PROLOG)


def _root(text: str, pos: int) -> Sniffed | None:
    if pos >= len(text):
        return None
    match = _NAME.match(text, pos)
    if match is None:
        return Sniffed(BodyFormat.BAD_PROLOG)
    if match.end() == len(text):
        return None
    local_name = match.group().rpartition(":")[2]
    if local_name.lower() == "html":
        return Sniffed(BodyFormat.HTML)
    return Sniffed(BodyFormat.XML, local_name)
