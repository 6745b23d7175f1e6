"""Choose the region that phone numbers without a country code are read in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import phonenumbers

DEFAULT_REGION = "US"

# Country-code TLDs whose ISO 3166 code differs from the TLD itself.
_TLD_REGIONS = {"uk": "GB", "su": "RU"}

# Languages whose speakers mostly live in one region, used when `<html lang>` has no
# region subtag. English is left out because it gives no useful region.
_LANGUAGE_REGIONS = {
    "ar": "SA", "bg": "BG", "ca": "ES", "cs": "CZ", "da": "DK", "de": "DE",
    "el": "GR", "es": "ES", "et": "EE", "fa": "IR", "fi": "FI", "fr": "FR",
    "he": "IL", "hi": "IN", "hr": "HR", "hu": "HU", "id": "ID", "is": "IS",
    "it": "IT", "ja": "JP", "ko": "KR", "lt": "LT", "lv": "LV", "ms": "MY",
    "nb": "NO", "nl": "NL", "nn": "NO", "no": "NO", "pl": "PL", "pt": "PT",
    "ro": "RO", "ru": "RU", "sk": "SK", "sl": "SI", "sr": "RS", "sv": "SE",
    "th": "TH", "tr": "TR", "uk": "UA", "vi": "VN", "zh": "CN",
}  # fmt: skip

_SUBTAG_SPLIT = re.compile(r"[-_]")


def default_region(final_url: str, language: str | None) -> str:
    """Return the region for national numbers: ccTLD, then `<html lang>`, then US."""
    region = _region_from_host(urlsplit(final_url).hostname or "")
    if region is None and language:
        region = _region_from_language(language)
    return region or DEFAULT_REGION


def _region_from_host(host: str) -> str | None:
    tld = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if len(tld) != 2:
        return None
    region = _TLD_REGIONS.get(tld, tld.upper())
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def _region_from_language(language: str) -> str | None:
    subtags = _SUBTAG_SPLIT.split(language.strip())
    for subtag in subtags[1:]:
        # BCP 47: a two-letter subtag after the language is the region, while four
        # letters would be a script such as "Hant".
        if len(subtag) == 2 and subtag.isalpha():
            region = subtag.upper()
            if region in phonenumbers.SUPPORTED_REGIONS:
                return region
    return _LANGUAGE_REGIONS.get(subtags[0].lower())
