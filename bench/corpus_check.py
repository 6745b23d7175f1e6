"""Check homepage extraction and the sitemap crawl against a corpus of sites.

Run from the repository root:

    .venv/bin/python bench/corpus_check.py --corpus tests/fixtures/sites

The corpus is a folder of `<host>/site.json` sites in the format of
`tests/fixtures/README.md`. Each site is served by the local site server on
127.0.0.1 and reached at `https://<host>/` through the real fetcher with a
connect-to override, then its homepage fields, expected error and sitemaps are
compared with `expected`. Prints one line per site and per-field totals.
Exits 0 whatever the results: this is a report, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devstack.sites import SiteServer
from scanner.errors import FetchError
from scanner.extract import extract_homepage
from scanner.net.fetcher import Fetcher
from scanner.settings import FetchLimits, Settings, parse_connect_to
from scanner.sitemaps import (
    SitemapFailed,
    SitemapLimits,
    SitemapRead,
    UrlChunk,
    crawl_sitemaps,
)
from tests.extract_corpus import FIELDS, normalize

HOMEPAGE_FIELDS = ("final_url", *FIELDS)
SITEMAP_FIELDS = ("sitemap_files", "page_urls", "invalid")
CONCURRENT_SITES = 8


@dataclass
class SiteReport:
    """The fields checked on one site and those that did not match."""

    host: str
    checked: list[str] = field(default_factory=list)
    wrong: dict[str, str] = field(default_factory=dict)

    def check(self, name: str, expected: Any, actual: Any) -> None:
        """Record one field; keep a short description when it does not match."""
        self.checked.append(name)
        if expected != actual:
            self.wrong[name] = _difference(expected, actual)


def _difference(expected: Any, actual: Any) -> str:
    if isinstance(expected, set) and isinstance(actual, set):
        missing = sorted(expected - actual)[:3]
        extra = sorted(actual - expected)[:3]
        return f"missing {missing}, extra {extra}"
    return f"expected {str(expected)[:120]!r}, got {str(actual)[:120]!r}"


async def check_site(fetcher: Fetcher, site: dict[str, Any]) -> SiteReport:
    """Check one site's homepage or expected error, then its sitemaps."""
    report = SiteReport(site["host"])
    expected = site.get("expected", {})
    if expected.get("error") or expected.get("homepage"):
        await _check_homepage(fetcher, site["host"], expected, report)
    if expected.get("sitemaps") is not None:
        await _check_sitemaps(fetcher, site["host"], expected["sitemaps"], report)
    return report


async def _check_homepage(
    fetcher: Fetcher, host: str, expected: dict[str, Any], report: SiteReport
) -> None:
    try:
        response = await fetcher.fetch_homepage(host)
    except FetchError as exc:
        report.check("error", expected.get("error"), str(exc.kind))
        return
    if expected.get("error"):
        report.check("error", expected["error"], None)
        return
    page = await asyncio.to_thread(
        extract_homepage,
        response.body,
        final_url=response.final_url,
        content_type=response.content_type,
    )
    wanted = expected["homepage"]
    for name in HOMEPAGE_FIELDS:
        if name not in wanted:
            continue
        actual = response.final_url if name == "final_url" else getattr(page, name)
        report.check(name, normalize(name, wanted[name]), normalize(name, actual))


async def _check_sitemaps(
    fetcher: Fetcher, host: str, expected: dict[str, Any], report: SiteReport
) -> None:
    files: set[str] = set()
    invalid: dict[str, str] = {}
    urls: set[str] = set()
    limits = SitemapLimits.from_fetch_limits(fetcher.limits)
    async for event in crawl_sitemaps(f"https://{host}/", fetcher, limits=limits):
        if isinstance(event, UrlChunk):
            urls.update(entry.url for entry in event.entries)
        elif isinstance(event, SitemapRead):
            files.add(event.final_url)
        elif isinstance(event, SitemapFailed):
            invalid[event.url] = str(event.reason)
    report.check("sitemap_files", set(expected["sitemap_files"]), files)
    report.check("invalid", expected["invalid"], invalid)
    if "page_urls" in expected:
        report.check("page_urls", set(expected["page_urls"]), urls)
        return
    sample = set(expected["page_urls_sample"])
    report.check("page_url_count", expected["page_url_count"], len(urls))
    report.check("page_urls_sample", sample, sample & urls)


def load_sites(corpus: Path) -> list[dict[str, Any]]:
    """Return the site.json of every site in the corpus folder, sorted by host."""
    sites = []
    for site_file in sorted(corpus.glob("*/site.json")):
        site = json.loads(site_file.read_text(encoding="utf-8"))
        site.setdefault("host", site_file.parent.name)
        sites.append(site)
    return sites


async def run(corpus: Path, *, verbose: bool) -> list[SiteReport]:
    """Serve the corpus on 127.0.0.1 and check every site in it."""
    sites = load_sites(corpus)
    server = SiteServer(corpus)
    await server.start()
    settings = Settings().with_overrides(
        allow_private_addresses=True,
        connect_to=parse_connect_to(server.connect_to),
        ca_bundle=Path(server.ca_pem_path),
        limits=FetchLimits(connect_timeout=5.0, read_timeout=10.0, total_timeout=30.0),
    )
    gate = asyncio.Semaphore(CONCURRENT_SITES)

    async def one(site: dict[str, Any]) -> SiteReport:
        async with gate:
            return await check_site(fetcher, site)

    try:
        async with Fetcher(settings) as fetcher:
            reports = await asyncio.gather(*(one(site) for site in sites))
    finally:
        await server.stop()
    _print_sites(reports, verbose=verbose)
    _print_totals(reports)
    return list(reports)


def _print_sites(reports: list[SiteReport], *, verbose: bool) -> None:
    for report in reports:
        if not report.checked:
            continue
        outcome = "pass" if not report.wrong else "FAIL " + ", ".join(report.wrong)
        print(f"{report.host:<40} {len(report.checked):>3} fields  {outcome}")
        if verbose:
            for name, difference in report.wrong.items():
                print(f"    {name}: {difference}")


def _print_totals(reports: list[SiteReport]) -> None:
    checked: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for report in reports:
        checked.update(report.checked)
        wrong.update(report.wrong.keys())
    print()
    print(f"{'field':<18} {'checked':>8} {'correct':>8}")
    for name in sorted(checked, key=_field_order):
        correct = checked[name] - wrong[name]
        print(f"{name:<18} {checked[name]:>8} {correct:>8}")
    sites = [report for report in reports if report.checked]
    passed = sum(1 for report in sites if not report.wrong)
    print(f"\nsites passed: {passed} of {len(sites)}")


def _field_order(name: str) -> tuple[int, str]:
    order = [*HOMEPAGE_FIELDS, "error", *SITEMAP_FIELDS]
    order += ["page_url_count", "page_urls_sample"]
    return (order.index(name) if name in order else len(order), name)


def main() -> int:
    """Parse the options, run the check and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path("tests/fixtures/sites"),
        help="folder of <host>/site.json sites (default tests/fixtures/sites)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print each wrong field's values"
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"error: corpus folder {args.corpus} not found", file=sys.stderr)
        return 2
    asyncio.run(run(args.corpus, verbose=args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
