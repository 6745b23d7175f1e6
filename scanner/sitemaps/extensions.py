"""Read the news, image, video and hreflang extensions of a `<url>` entry."""

from __future__ import annotations

from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from scanner.sitemaps.names import TagNames

MAX_IMAGES = 10
MAX_VIDEOS = 5
MAX_ALTERNATES = 20


def add_extension(
    extensions: dict[str, Any] | None, element: etree._Element, names: TagNames
) -> dict[str, Any] | None:
    """Add what a foreign-namespace child of `<url>` carries to `extensions`.

    Returns the dict, created on first use, so entries without extensions
    carry None. Image, video and hreflang URLs are kept as written: they are
    not page URLs and are never resolved or stored as such.
    """
    local, _ = names.split(str(element.tag))
    if local == "news":
        return _with(extensions, "news", _news(element, names))
    if local == "image":
        return _append(
            extensions, "images", _child_text(element, names, "loc"), MAX_IMAGES
        )
    if local == "video":
        return _append(extensions, "videos", _video(element, names), MAX_VIDEOS)
    if local == "link" and element.get("rel", "").lower() == "alternate":
        return _alternate(extensions, element)
    return extensions


def _news(element: etree._Element, names: TagNames) -> dict[str, str] | None:
    news = {
        "title": _child_text(element, names, "title"),
        "publication_date": _child_text(element, names, "publication_date"),
    }
    kept = {key: value for key, value in news.items() if value}
    return kept or None


def _video(element: etree._Element, names: TagNames) -> dict[str, str] | None:
    video = {
        "title": _child_text(element, names, "title"),
        "thumbnail": _child_text(element, names, "thumbnail_loc"),
    }
    kept = {key: value for key, value in video.items() if value}
    return kept or None


def _alternate(
    extensions: dict[str, Any] | None, element: etree._Element
) -> dict[str, Any] | None:
    language = (element.get("hreflang") or "").strip()
    href = (element.get("href") or "").strip()
    if not language or not href:
        return extensions
    extensions = {} if extensions is None else extensions
    alternates: dict[str, str] = extensions.setdefault("alternates", {})
    if len(alternates) < MAX_ALTERNATES:
        alternates.setdefault(language, href)
    return extensions


def _child_text(element: etree._Element, names: TagNames, wanted: str) -> str | None:
    for child in element:
        if isinstance(child.tag, str) and names.split(child.tag)[0] == wanted:
            text = (child.text or "").strip()
            return text or None
    return None


def _with(
    extensions: dict[str, Any] | None, key: str, value: object
) -> dict[str, Any] | None:
    if value is None:
        return extensions
    extensions = {} if extensions is None else extensions
    extensions.setdefault(key, value)
    return extensions


def _append(
    extensions: dict[str, Any] | None, key: str, value: object, limit: int
) -> dict[str, Any] | None:
    if value is None:
        return extensions
    extensions = {} if extensions is None else extensions
    items: list[object] = extensions.setdefault(key, [])
    if len(items) < limit:
        items.append(value)
    return extensions
