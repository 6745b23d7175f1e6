"""Load corpus homepages and their expected extraction results from site.json files."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

SITES_DIR = Path(__file__).parent / "fixtures" / "sites"

# Fields of expected.homepage that extraction decides. final_url is left out because
# the fetcher decides it.
FIELDS = (
    "title",
    "description",
    "language",
    "canonical",
    "emails",
    "phones",
    "social",
    "cms",
    "feeds",
)
SET_FIELDS = frozenset({"emails", "phones", "feeds"})
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class CorpusPage:
    """One corpus homepage body with what extraction must find in it."""

    host: str
    body: bytes
    final_url: str
    content_type: str | None
    expected: dict[str, Any]


def load_pages() -> list[CorpusPage]:
    """Return every corpus site that has an expected homepage, sorted by host."""
    return list(_iter_pages())


def normalize(field: str, value: Any) -> Any:
    """Return a value in the form compared for its field: sets for unordered lists."""
    if field in SET_FIELDS:
        return set(value or [])
    if field == "social":
        return dict(value or {})
    return value


def _iter_pages() -> Iterator[CorpusPage]:
    for site_file in sorted(SITES_DIR.glob("*/site.json")):
        site = json.loads(site_file.read_text(encoding="utf-8"))
        expected = site.get("expected", {})
        if expected.get("error") or not expected.get("homepage"):
            continue
        yield _load_page(site_file.parent, site)


def _load_page(site_dir: Path, site: dict[str, Any]) -> CorpusPage:
    host = site["host"]
    routes = site["routes"]
    url = f"https://{host}/"
    route = routes["/"]
    for _hop in range(MAX_REDIRECTS):
        if route.get("status") not in (301, 302, 303, 307, 308):
            break
        url = urljoin(url, route["headers"]["Location"])
        route = routes[urlsplit(url).path]
    headers = {name.lower(): value for name, value in route.get("headers", {}).items()}
    body = (site_dir / "files" / route["file"]).read_bytes()
    if headers.get("content-encoding", "").lower() == "gzip":
        body = gzip.decompress(body)
    return CorpusPage(
        host=host,
        body=body,
        final_url=url,
        content_type=headers.get("content-type"),
        expected=site["expected"]["homepage"],
    )
