"""Find e-mail addresses in links, visible text, Cloudflare markup and JSON-LD."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from bs4 import BeautifulSoup, Tag

from scanner.extract.document import attribute_text
from scanner.extract.jsonld import Organization

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+(?:[A-Za-z]{{2,24}}|xn--[A-Za-z0-9-]{{1,59}})"
_ADDRESS = re.compile(rf"{_LOCAL}@{_DOMAIN}")

# Addresses written in text need a boundary on both sides, so that a match never
# starts or stops in the middle of a longer token such as "a@b.com.au".
_TEXT_ADDRESS = re.compile(
    rf"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@{_DOMAIN}(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
)

# "name [at] host [dot] tld" and its variants. A plain " at " between words is read
# only when the dots are written out as well, since "see us at example.com" is prose.
_AT_MARK = r"\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\})\s*"
_DOT_MARK = r"\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\})\s*"
_OBFUSCATED = re.compile(
    rf"(?<![\w.+-])(?P<local>[\w.+-]+)(?P<at>{_AT_MARK}|\s+at\s+)"
    rf"(?P<domain>[\w-]+(?:(?:{_DOT_MARK}|\s+dot\s+|\.)[\w-]+)+)",
    re.IGNORECASE | re.ASCII,
)
_DOT_SPLIT = re.compile(rf"{_DOT_MARK}|\s+dot\s+|\.", re.IGNORECASE)
_WRITTEN_DOT = re.compile(rf"{_DOT_MARK}|\s+dot\s+", re.IGNORECASE)

# File extensions that look like top-level domains in names such as "logo@2x.png".
_ASSET_SUFFIXES = frozenset(
    {
        "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "tif",
        "tiff", "heic", "css", "js", "mjs", "map", "json", "xml", "woff", "woff2",
        "ttf", "otf", "eot", "mp4", "webm", "mov", "mp3", "wav", "ogg", "pdf", "zip",
        "html", "htm", "php", "aspx",
    }
)  # fmt: skip

_CLOUDFLARE_PATH = "/cdn-cgi/l/email-protection#"


def emails_from_links(anchors: Iterable[tuple[Tag, str]]) -> list[str]:
    """Return the recipients of `mailto:` links, without their query."""
    found: list[str] = []
    for _anchor, href in anchors:
        if not href.lower().startswith("mailto:"):
            continue
        recipients = unquote(href[len("mailto:") :].split("?", 1)[0])
        for candidate in re.split(r"[,;]", recipients):
            address = normalize_email(candidate)
            if address is not None:
                found.append(address)
    return found


def emails_from_cloudflare(soup: BeautifulSoup) -> list[str]:
    """Decode addresses hidden by Cloudflare's e-mail obfuscation."""
    found: list[str] = []
    for tag in soup.find_all(True, attrs={"data-cfemail": True}):
        _append_decoded(found, attribute_text(tag, "data-cfemail") or "")
    for tag in soup.find_all("a", href=True):
        href = attribute_text(tag, "href") or ""
        if _CLOUDFLARE_PATH in href:
            _append_decoded(found, href.split(_CLOUDFLARE_PATH, 1)[1])
    return found


def emails_from_text(lines: Iterable[str]) -> list[str]:
    """Return addresses written in visible text, including common obfuscations."""
    found: list[str] = []
    for line in lines:
        if "@" in line:
            for match in _TEXT_ADDRESS.finditer(line):
                _append_valid(found, match.group(0))
        for match in _OBFUSCATED.finditer(line):
            _append_obfuscated(found, match)
    return found


def emails_from_organizations(organizations: Iterable[Organization]) -> list[str]:
    """Return the `email` values of JSON-LD organisations."""
    found: list[str] = []
    for organization in organizations:
        for value in organization.emails:
            if value.lower().startswith("mailto:"):
                value = value[len("mailto:") :]
            _append_valid(found, unquote(value.split("?", 1)[0]))
    return found


def normalize_email(candidate: str) -> str | None:
    """Return the address lower-cased, or None if it is not a plausible address."""
    address = candidate.strip().strip(".").lower()
    if not _ADDRESS.fullmatch(address):
        return None
    if address.rsplit(".", 1)[-1] in _ASSET_SUFFIXES:
        return None
    return address


def decode_cloudflare(encoded: str) -> str | None:
    """Decode a Cloudflare `data-cfemail` value: a key byte, then XOR-ed bytes."""
    try:
        data = bytes.fromhex(encoded.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    decoded = bytes(byte ^ key for byte in data[1:])
    return decoded.decode("utf-8", errors="replace")


def _append_decoded(found: list[str], encoded: str) -> None:
    decoded = decode_cloudflare(encoded.split("?", 1)[0])
    if decoded is not None:
        _append_valid(found, decoded)


def _append_valid(found: list[str], candidate: str) -> None:
    address = normalize_email(candidate)
    if address is not None:
        found.append(address)


def _append_obfuscated(found: list[str], match: re.Match[str]) -> None:
    domain = match.group("domain")
    if match.group("at").strip().lower() == "at" and not _WRITTEN_DOT.search(domain):
        return
    labels = _DOT_SPLIT.split(domain)
    _append_valid(found, match.group("local") + "@" + ".".join(labels))
