"""Clean the values of one sitemap entry: loc, lastmod, changefreq, priority."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

CHANGEFREQS = frozenset(
    {"always", "hourly", "daily", "weekly", "monthly", "yearly", "never"}
)
_WEB_SCHEMES = frozenset({"http", "https"})
# Most locs are plain absolute URLs; this match avoids urlsplit for them.
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[^/?#@\\\s\[\]:][^/?#@\\\s\[\]]*(?:[/?#]|$)", re.IGNORECASE
)
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d{1,2}))?")
# Government and CMS exports write "2024-05-08 08:53:11 AM" and "2024-4-7 9:05 PM".
_TWELVE_HOUR = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])"
)


def resolve_loc(raw: str | None, base_url: str) -> str | None:
    """Return `raw` trimmed and resolved against `base_url`, or None if unusable.

    Empty values, `javascript:`, `mailto:` and anything that does not resolve to
    an http or https URL with a host are unusable.
    """
    if raw is None:
        return None
    value = raw.strip()
    if not value:
        return None
    if _PLAIN_ABSOLUTE.match(value):
        return value
    try:
        if "://" not in value[:12]:
            value = urljoin(base_url, value)
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.hostname:
        return None
    return value


def parse_lastmod(raw: str | None) -> datetime | None:
    """Parse a W3C datetime or a common variant to an aware UTC datetime.

    A value without a timezone is taken as UTC. Values that cannot be read
    (epoch numbers, "yesterday", month 13) give None; nothing raises.
    """
    if raw is None:
        return None
    value = raw.strip()
    if not value:
        return None
    parsed = _parse_iso(value) or _parse_partial(value) or _parse_twelve_hour(value)
    if parsed is None:
        parsed = _parse_rfc822(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def parse_priority(raw: str | None) -> float | None:
    """Return the priority clamped to 0.0..1.0, or None when it is not a number."""
    if raw is None:
        return None
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return min(max(value, 0.0), 1.0)


def parse_changefreq(raw: str | None) -> str | None:
    """Return the change frequency in lower case, or None when it is not one."""
    if raw is None:
        return None
    value = raw.strip().lower()
    return value if value in CHANGEFREQS else None


def _parse_iso(value: str) -> datetime | None:
    if not value[:1].isdigit():
        return None
    # fromisoformat in Python 3.11 also accepts ISO 8601 week dates and basic
    # format. A bare number of more than 8 digits is an epoch time, not a date.
    if value.isdigit() and len(value) > 8:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _parse_partial(value: str) -> datetime | None:
    match = _YEAR_MONTH.fullmatch(value)
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2) or 1)
    if year < 1 or not 1 <= month <= 12:
        return None
    return datetime(year, month, 1)


def _parse_twelve_hour(value: str) -> datetime | None:
    match = _TWELVE_HOUR.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    if not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if match.group(7).lower() == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _parse_rfc822(value: str) -> datetime | None:
    # RSS 2.0 dates ("Wed, 08 May 2024 08:53:11 GMT") reach here from <pubDate>.
    if "," not in value and not value[:3].isalpha():
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
