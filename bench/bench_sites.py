"""Serve N small sites on 127.0.0.1 in their own process, for the batch benchmark.

Run as `python bench/bench_sites.py N LATENCY`; prints the HTTP port on its first
line and serves until stdin closes. Its own process keeps the server's CPU
work off the loops being measured.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devstack.sites import SiteServer


def site_name(index: int) -> str:
    """Return the host name of benchmark site `index`."""
    # Each site its own registrable domain, so the per-host limit of a batch
    # does not serialise the benchmark.
    return f"bench-site-{index:05d}.test"


def page(index: int) -> dict[str, object]:
    """Return the homepage route of site `index`: a small real-looking page."""
    body = (
        "<!doctype html><html lang='en'><head>"
        f"<title>Site {index}</title>"
        f"<meta name='description' content='Benchmark site number {index}'>"
        "</head><body><h1>Welcome</h1>"
        f"<p>Write to info@{site_name(index)} or call +44 114 496 0101.</p>"
        "<a href='https://x.com/bench'>x</a></body></html>"
    )
    return {
        "status": 200,
        "body": body,
        "headers": {"Content-Type": "text/html; charset=utf-8"},
    }


async def serve(count: int, latency: float) -> None:
    server = SiteServer(Path("/nonexistent"), latency=latency)
    for index in range(count):
        server.add_site(site_name(index), {"/": page(index)})
    await server.start()
    print(server.http_port, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await server.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), float(sys.argv[2])))
