"""Split XML tags into a local name and whether their namespace is foreign."""

from __future__ import annotations

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"


class TagNames:
    """Memoized tag lookups for one document.

    Sitemaps are matched by local name so that un-namespaced files, files in the
    sitemaps.org namespace and files in Google's legacy 0.84 and 0.9 namespaces
    read alike. A namespace is foreign when it belongs to an extension (image,
    video, news, xhtml, and Atom inside RSS), whose elements are never taken for
    the core `url`, `loc` or `link` elements.
    """

    def __init__(self, *, atom_is_core: bool) -> None:
        self._atom_is_core = atom_is_core
        self._cache: dict[str, tuple[str, bool]] = {}

    def split(self, tag: str) -> tuple[str, bool]:
        """Return the local name of `tag` and whether its namespace is foreign."""
        cached = self._cache.get(tag)
        if cached is not None:
            return cached
        namespace, _, local = (
            tag[1:].rpartition("}") if tag[:1] == "{" else ("", "", tag)
        )
        result = (local, self._is_foreign(namespace))
        self._cache[tag] = result
        return result

    def _is_foreign(self, namespace: str) -> bool:
        if not namespace:
            return False
        if namespace == ATOM_NAMESPACE:
            return not self._atom_is_core
        return namespace == XHTML_NAMESPACE or "/schemas/sitemap-" in namespace
