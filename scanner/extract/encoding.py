"""Choose the character encoding of an HTML body and decode it the way browsers do."""

from __future__ import annotations

import codecs
import re

DEFAULT_ENCODING = "utf-8"

# The HTML standard's prescan reads a meta declaration only in the first 1,024 bytes.
# Real pages push it further down behind long comments or whitespace, so read 4 KB.
PRESCAN_BYTES = 4096

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)

# Labels that browsers map to another encoding than Python's codec of the same name
# (WHATWG Encoding Standard, "Encodings" table).
_WHATWG_ALIASES = {
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "iso_8859-1": "windows-1252",
    "iso88591": "windows-1252",
    "cp819": "windows-1252",
    "ibm819": "windows-1252",
    "iso-8859-9": "windows-1254",
    "iso8859-9": "windows-1254",
    "latin5": "windows-1254",
    "iso-8859-11": "windows-874",
    "tis-620": "windows-874",
    "gb2312": "gbk",
    "gb_2312-80": "gbk",
    "x-gbk": "gbk",
    "chinese": "gbk",
    "x-sjis": "shift_jis",
    "ks_c_5601-1987": "euc-kr",
    "x-user-defined": "windows-1252",
}

_HEADER_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""\bcharset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML body and return the text with the name of the encoding used.

    The encoding comes from a byte order mark, else the `charset` of the HTTP
    `Content-Type`, else a `<meta>` declaration near the start of the body, else
    UTF-8. Bytes that are invalid in that encoding become U+FFFD; nothing raises.
    """
    encoding, offset = _sniff_bom(body)
    if encoding is None:
        encoding = _charset_from_header(content_type)
    if encoding is None:
        encoding = _charset_from_meta(body[:PRESCAN_BYTES])
    if encoding is None:
        encoding = DEFAULT_ENCODING
    return body[offset:].decode(_codec_name(encoding), errors="replace"), encoding


def normalize_encoding(label: str) -> str | None:
    """Map an encoding label to the name browsers use, or None if it is unknown."""
    cleaned = label.strip().strip("\"'").lower()
    if not cleaned:
        return None
    if cleaned in _WHATWG_ALIASES:
        return _WHATWG_ALIASES[cleaned]
    try:
        info = codecs.lookup(cleaned)
    except LookupError:
        return None
    return _python_to_whatwg(info.name)


def _sniff_bom(body: bytes) -> tuple[str | None, int]:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding, len(bom)
    return None, 0


def _charset_from_header(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type.encode("latin-1", errors="replace"))
    if match is None:
        return None
    return normalize_encoding(match.group(1).decode("ascii", errors="replace"))


def _charset_from_meta(head: bytes) -> str | None:
    for tag in _META_TAG.finditer(head):
        match = _META_CHARSET.search(tag.group(0))
        if match is None:
            continue
        encoding = normalize_encoding(match.group(1).decode("ascii", errors="replace"))
        if encoding is None:
            continue
        # A meta tag is read from bytes that were already decoded as ASCII-compatible
        # text, so a UTF-16 declaration there cannot be true (WHATWG prescan rule).
        if encoding.startswith("utf-16"):
            return "utf-8"
        return encoding
    return None


def _python_to_whatwg(python_name: str) -> str:
    if python_name.startswith("cp125"):
        return "windows-" + python_name[2:]
    if python_name == "cp874":
        return "windows-874"
    if python_name == "utf-8-sig":
        return "utf-8"
    return python_name


def _codec_name(encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return DEFAULT_ENCODING
    return encoding
