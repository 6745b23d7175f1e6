"""Benchmark this scanner's sitemap crawl against ultimate-sitemap-parser.

Generates a 50,000-URL urlset, a gzipped copy and an index of 20 such urlsets
(one million URLs) under bench/out/, serves them from a threaded HTTP server on
127.0.0.1 and reads each case with both parsers. Every measurement runs in a
fresh subprocess, so the peak RSS of one run cannot hide inside another's.

Usage: .venv/bin/python bench/sitemap_parser.py [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import resource
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
URLS_PER_FILE = 50_000
INDEX_CHILDREN = 20
CASES = {
    "urlset": "/urlset.xml",
    "urlset_gz": "/urlset.xml.gz",
    "index": "/index.xml",
}
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def generate(out: Path) -> None:
    """Write the benchmark sitemaps unless they are already there."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "sitemaps").mkdir(exist_ok=True)
    if not (out / "urlset.xml.gz").exists():
        urlset = _urlset("main")
        (out / "urlset.xml").write_bytes(urlset)
        (out / "urlset.xml.gz").write_bytes(gzip.compress(urlset, compresslevel=6))
    for number in range(1, INDEX_CHILDREN + 1):
        path = out / "sitemaps" / f"part-{number:02d}.xml"
        if not path.exists():
            path.write_bytes(_urlset(f"part-{number:02d}"))


def write_index(out: Path, base_url: str) -> None:
    """Write the index with absolute child URLs, which every parser accepts."""
    children = "".join(
        f"<sitemap><loc>{base_url}/sitemaps/part-{number:02d}.xml</loc></sitemap>"
        for number in range(1, INDEX_CHILDREN + 1)
    )
    index = f'<sitemapindex xmlns="{NAMESPACE}">{children}</sitemapindex>'
    (out / "index.xml").write_text(index, encoding="utf-8")


def _urlset(section: str) -> bytes:
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NAMESPACE}">']
    for number in range(URLS_PER_FILE):
        lines.append(
            f"<url><loc>https://bench.test/{section}/item-{number:06d}.html</loc>"
            f"<lastmod>2024-05-{number % 28 + 1:02d}T08:53:11+00:00</lastmod>"
            "<changefreq>weekly</changefreq><priority>0.5</priority></url>"
        )
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


class _QuietHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return "application/gzip" if str(path).endswith(".gz") else "application/xml"

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve(out: Path) -> ThreadingHTTPServer:
    """Serve `out` on an ephemeral port of 127.0.0.1 from a daemon thread."""
    handler = partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_scanner(base_url: str, case: str) -> int:
    """Crawl the case's sitemap with this scanner and return the URL count."""
    return asyncio.run(_crawl_with_scanner(base_url, case))


async def _crawl_with_scanner(base_url: str, case: str) -> int:
    from scanner.net.fetcher import Fetcher
    from scanner.settings import Settings
    from scanner.sitemaps import SitemapLimits, UrlChunk, crawl_sitemaps

    # The homepage names the case's sitemap, so discovery finds exactly it.
    homepage = f'<link rel="sitemap" href="{CASES[case]}">'.encode()
    limits = SitemapLimits(well_known_paths=(), max_urls=10_000_000)
    settings = Settings().with_overrides(allow_private_addresses=True)
    count = 0
    async with Fetcher(settings) as fetcher:
        events = crawl_sitemaps(
            base_url + "/", fetcher, homepage_html=homepage, limits=limits
        )
        async for event in events:
            if isinstance(event, UrlChunk):
                count += len(event.entries)
    return count


def run_usp(base_url: str, case: str) -> int:
    """Read the case's sitemap with ultimate-sitemap-parser; return the URL count."""
    from usp.fetch_parse import SitemapFetcher

    sitemap = SitemapFetcher(base_url + CASES[case], recursion_level=0).sitemap()
    return sum(1 for _ in sitemap.all_pages())


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize()


def worker(parser: str, base_url: str, case: str) -> dict[str, Any]:
    """Measure one parser on one case in this process."""
    import httpx  # noqa: F401  (imported before the baseline for both parsers)
    import usp.fetch_parse  # noqa: F401

    import scanner.sitemaps  # noqa: F401

    baseline = _rss_bytes()
    started = time.perf_counter()
    count = (
        run_scanner(base_url, case) if parser == "scanner" else run_usp(base_url, case)
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "parser": parser,
        "case": case,
        "urls": count,
        "seconds": seconds,
        "peak_rss_delta_mb": max(0, peak - baseline) / 1024 / 1024,
    }


def measure(parser: str, base_url: str, case: str) -> dict[str, Any]:
    """Run `worker` in a fresh interpreter and return its figures."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        parser,
        "--case",
        case,
        "--base-url",
        base_url,
    ]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def report(rows: list[dict[str, Any]]) -> None:
    """Print one line per run and the scanner/usp ratios per case."""
    print(
        f"{'case':<10} {'parser':<8} {'urls':>9} {'s':>7} {'urls/s':>9} {'peak MB':>8}"
    )
    for row in rows:
        rate = row["urls"] / row["seconds"]
        print(
            f"{row['case']:<10} {row['parser']:<8} {row['urls']:>9} "
            f"{row['seconds']:>7.2f} {rate:>9.0f} {row['peak_rss_delta_mb']:>8.1f}"
        )
    for case in CASES:
        ours = _best(rows, "scanner", case)
        theirs = _best(rows, "usp", case)
        speed = (ours["urls"] / ours["seconds"]) / (theirs["urls"] / theirs["seconds"])
        memory = theirs["peak_rss_delta_mb"] / max(ours["peak_rss_delta_mb"], 0.1)
        print(f"{case}: scanner is {speed:.1f}x faster, usp peak is {memory:.1f}x ours")


def _best(rows: list[dict[str, Any]], parser: str, case: str) -> dict[str, Any]:
    runs = [row for row in rows if row["parser"] == parser and row["case"] == case]
    return min(runs, key=lambda row: row["seconds"])


def main() -> None:
    """Generate, serve and measure; or, with --worker, run one measurement."""
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--repeat", type=int, default=1, help="runs per case")
    arguments.add_argument(
        "--worker", choices=["scanner", "usp"], help=argparse.SUPPRESS
    )
    arguments.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)
    arguments.add_argument("--base-url", help=argparse.SUPPRESS)
    options = arguments.parse_args()
    if options.worker:
        print(json.dumps(worker(options.worker, options.base_url, options.case)))
        return
    generate(OUT)
    server = serve(OUT)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    write_index(OUT, base_url)
    rows = []
    for case in CASES:
        for parser in ("scanner", "usp"):
            for _ in range(options.repeat):
                rows.append(measure(parser, base_url, case))
    server.shutdown()
    report(rows)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
