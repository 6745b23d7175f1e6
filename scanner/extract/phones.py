"""Find phone numbers in `tel:` links, visible text and JSON-LD, as E.164 strings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

import phonenumbers
from bs4 import Tag
from phonenumbers import Leniency, NumberParseException, PhoneNumberFormat

from scanner.extract.jsonld import Organization

_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]")

# "+49 (0) 30 …" and "0049(0)30 …": the bracketed trunk prefix is not dialled from
# abroad, so it is dropped before parsing.
_TRUNK_PREFIX = re.compile(r"((?:\+|(?<![\w+])00)[1-9]\d{0,2})\s*\(0\)\s*")

# "0043 316 …": 00 followed by a country code and a separator is the international
# prefix used in most of the world, whatever the region the page is read in.
_INTERNATIONAL_00 = re.compile(r"(?<![\w+])00(?=[1-9]\d{0,2}[\s(./-])")

_BARE_DIGITS = re.compile(r"\d+")
_DATE = re.compile(r"\d{1,4}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{1,4}")
_PRICE_BEFORE = re.compile(r"(?:[$€£¥₹]|\b(?:EUR|USD|GBP|CHF|Fr\.|Rs\.?))\s*$", re.I)
_PRICE_AFTER = re.compile(r"^\s*(?:[$€£¥₹]|,-|\.-|EUR\b|USD\b|GBP\b|CHF\b)", re.I)
_CONTEXT_CHARS = 6


def phones_from_links(anchors: Iterable[tuple[Tag, str]], region: str) -> list[str]:
    """Return the numbers of `tel:` links, whatever their format."""
    found: list[str] = []
    for _anchor, href in anchors:
        if not href.lower().startswith("tel:"):
            continue
        number = parse_phone(unquote(href[len("tel:") :]), region)
        if number is not None:
            found.append(number)
    return found


def phones_from_text(lines: Iterable[str], region: str) -> list[str]:
    """Return numbers written in visible text, skipping digit runs, dates and prices."""
    found: list[str] = []
    for line in lines:
        if sum(char.isdigit() for char in line) < 7:
            continue
        text = _prepare(line)
        matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID)
        for match in matcher:
            if _is_phone_in_context(text, match.start, match.end, match.raw_string):
                found.append(_format(match.number))
    return found


def phones_from_organizations(
    organizations: Iterable[Organization], region: str
) -> list[str]:
    """Return the `telephone` values of JSON-LD organisations."""
    found: list[str] = []
    for organization in organizations:
        for value in organization.telephones:
            number = parse_phone(value, region)
            if number is not None:
                found.append(number)
    return found


def parse_phone(value: str, region: str) -> str | None:
    """Parse one number as written in a link or a data field into E.164, or None."""
    # RFC 3966 parameters such as ";ext=12" or ";phone-context=" follow the number.
    value = value.split(";", 1)[0].split("?", 1)[0]
    text = _prepare(value.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return _format(number)


def _prepare(text: str) -> str:
    text = _SPACES.sub(" ", _DASHES.sub("-", text))
    text = _TRUNK_PREFIX.sub(r"\1 ", text)
    return _INTERNATIONAL_00.sub("+", text)


def _is_phone_in_context(text: str, start: int, end: int, raw: str) -> bool:
    if _BARE_DIGITS.fullmatch(raw.strip()):
        return False
    if _DATE.fullmatch(raw.strip()):
        return False
    before = text[max(0, start - _CONTEXT_CHARS) : start]
    after = text[end : end + _CONTEXT_CHARS]
    if _PRICE_BEFORE.search(before) or _PRICE_AFTER.search(after):
        return False
    return not _inside_url(text, start)


def _inside_url(text: str, start: int) -> bool:
    token_start = text.rfind(" ", 0, start) + 1
    token = text[token_start:start]
    return "://" in token or token.lower().startswith("www.") or token.startswith("/")


def _format(number: phonenumbers.PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))
