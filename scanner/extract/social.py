"""Recognise links to social network profiles, as opposed to share links or posts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from scanner.extract.jsonld import Organization

PLATFORMS = (
    "facebook",
    "instagram",
    "linkedin",
    "twitter",
    "youtube",
    "tiktok",
    "pinterest",
    "github",
)

_FACEBOOK_NOT_PROFILES = frozenset(
    {
        "sharer", "sharer.php", "share", "share.php", "dialog", "help", "business",
        "about", "privacy", "policies", "policy", "policy.php", "legal", "terms",
        "login", "login.php", "signup", "r.php", "plugins", "tr", "l.php",
        "hashtag", "watch", "photo.php", "photo", "permalink.php", "story.php",
        "home.php", "ads", "settings", "search", "events", "marketplace",
        "gaming", "careers", "developers",
    }
)  # fmt: skip
_INSTAGRAM_NOT_PROFILES = frozenset(
    {"p", "reel", "reels", "tv", "explore", "stories", "accounts", "about",
     "developer", "legal", "direct", "web"}
)  # fmt: skip
_TWITTER_NOT_PROFILES = frozenset(
    {"share", "intent", "home", "hashtag", "search", "i", "login", "signup", "tos",
     "privacy", "settings", "explore", "notifications", "messages", "compose",
     "download", "account"}
)  # fmt: skip
_PINTEREST_NOT_PROFILES = frozenset(
    {"pin", "search", "ideas", "today", "categories", "explore", "_", "business",
     "about", "login", "signup", "settings", "topics", "news_hub"}
)  # fmt: skip
_GITHUB_NOT_PROFILES = frozenset(
    {"about", "features", "pricing", "login", "join", "signup", "marketplace",
     "explore", "topics", "trending", "collections", "sponsors", "settings",
     "site", "enterprise", "apps", "contact", "security", "customer-stories",
     "search", "notifications", "pulls", "issues", "new", "organizations"}
)  # fmt: skip
_LINKEDIN_PROFILE_KINDS = frozenset({"in", "company", "school", "showcase", "pub"})
_YOUTUBE_PROFILE_KINDS = frozenset({"channel", "user", "c"})
_FACEBOOK_API_VERSION = re.compile(r"v\d+(?:\.\d+)?")
_TWITTER_HANDLE = re.compile(r"@?[A-Za-z0-9_]{1,15}")


def profiles_from_links(hrefs: Iterable[str]) -> dict[str, str]:
    """Return the first profile URL per platform among link targets, as written."""
    profiles: dict[str, str] = {}
    for href in hrefs:
        platform = profile_platform(href)
        if platform is not None and platform not in profiles:
            profiles[platform] = href
    return profiles


def fill_from_organizations(
    profiles: dict[str, str], organizations: Iterable[Organization]
) -> dict[str, str]:
    """Add the first JSON-LD `sameAs` profile for each platform no link covers."""
    filled = dict(profiles)
    for organization in organizations:
        for url in organization.same_as:
            platform = profile_platform(url)
            if platform is not None and platform not in filled:
                filled[platform] = url
    return filled


def profile_platform(url: str) -> str | None:
    """Return the platform whose profile the URL links to, or None."""
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = (parts.hostname or "").rstrip(".").lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    for platform, hosts, is_profile in _RULES:
        if _host_matches(host, hosts):
            return platform if segments and is_profile(segments, host) else None
    return None


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _facebook(segments: list[str], host: str) -> bool:
    if host.startswith("developers."):
        return False
    # Graph API style links put a version first: "/v2.7/dialog/feed".
    if _FACEBOOK_API_VERSION.fullmatch(segments[0]):
        segments = segments[1:]
    return bool(segments) and segments[0].lower() not in _FACEBOOK_NOT_PROFILES


def _instagram(segments: list[str], host: str) -> bool:
    return segments[0].lower() not in _INSTAGRAM_NOT_PROFILES


def _linkedin(segments: list[str], host: str) -> bool:
    return len(segments) >= 2 and segments[0].lower() in _LINKEDIN_PROFILE_KINDS


def _twitter(segments: list[str], host: str) -> bool:
    if segments[0].lower() in _TWITTER_NOT_PROFILES:
        return False
    if not _TWITTER_HANDLE.fullmatch(segments[0]):
        return False
    # "/<user>/status/<id>" is one post, so only a bare handle counts as a profile.
    return len(segments) == 1


def _youtube(segments: list[str], host: str) -> bool:
    if segments[0].startswith("@"):
        return len(segments[0]) > 1
    return len(segments) >= 2 and segments[0].lower() in _YOUTUBE_PROFILE_KINDS


def _tiktok(segments: list[str], host: str) -> bool:
    return len(segments) == 1 and segments[0].startswith("@") and len(segments[0]) > 1


def _pinterest(segments: list[str], host: str) -> bool:
    return segments[0].lower() not in _PINTEREST_NOT_PROFILES


def _github(segments: list[str], host: str) -> bool:
    if host != "github.com" and host != "www.github.com":
        return False
    if segments[0].lower() == "orgs":
        return len(segments) == 2
    return len(segments) == 1 and segments[0].lower() not in _GITHUB_NOT_PROFILES


def _pinterest_hosts() -> tuple[str, ...]:
    # Pinterest serves profiles on country domains too (pinterest.co.uk, .de, ...).
    suffixes = (
        "com", "co.uk", "de", "fr", "es", "it", "ca", "com.au", "jp", "at", "ch",
        "nz", "pt", "se", "dk", "ie", "ph", "cl", "com.mx", "ru", "kr",
    )  # fmt: skip
    return tuple(f"pinterest.{suffix}" for suffix in suffixes)


_RULES: tuple[tuple[str, tuple[str, ...], Callable[[list[str], str], bool]], ...] = (
    ("facebook", ("facebook.com", "fb.com"), _facebook),
    ("instagram", ("instagram.com",), _instagram),
    ("linkedin", ("linkedin.com",), _linkedin),
    ("twitter", ("twitter.com", "x.com"), _twitter),
    ("youtube", ("youtube.com",), _youtube),
    ("tiktok", ("tiktok.com",), _tiktok),
    ("pinterest", _pinterest_hosts(), _pinterest),
    ("github", ("github.com",), _github),
)
