"""Read the `Sitemap:` lines of a robots.txt body."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scanner.sitemaps.sniff import UTF8_BOM

# The `Sitemap` key comes from the sitemaps.org protocol. Real files write it in
# any case, with spaces or tabs around the colon, or with none at all.
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*<(!doctype\s+html|html|head|body|!--)", re.IGNORECASE)


def is_html_body(body: bytes, content_type: str | None) -> bool:
    """Return True when a robots.txt response is an HTML page, such as a soft 404."""
    if content_type and "html" in content_type.lower():
        return True
    return _HTML_START.match(body.removeprefix(UTF8_BOM)) is not None


def parse_sitemap_lines(body: bytes, robots_url: str) -> list[str]:
    """Return the sitemap URLs named in robots.txt, in order and without repeats.

    A `#` starts a comment anywhere on a line, so a commented-out line names
    nothing and a trailing comment is not part of the URL. Relative values are
    resolved against `robots_url`, which should be the final URL of the file.
    """
    text = body.removeprefix(UTF8_BOM).decode("utf-8", errors="replace")
    urls: list[str] = []
    for line in text.splitlines():
        match = _SITEMAP_LINE.match(line.split("#", 1)[0])
        if match is None:
            continue
        try:
            url = urljoin(robots_url, match.group(1))
        except ValueError:
            continue
        if url not in urls:
            urls.append(url)
    return urls
