"""The batch benchmark's baseline: a plain asyncio + httpx + BeautifulSoup loop.

It does what one scan's network and parsing steps do (robots.txt, then the
homepage, then a parse in a worker thread) with no orchestration and no
persistence, at the same concurrency as the scanner.
"""

from __future__ import annotations

import asyncio
import time

import httpx
from bs4 import BeautifulSoup


def _title(body: bytes) -> str | None:
    soup = BeautifulSoup(body, "lxml")
    return soup.title.string if soup.title else None


async def _scan(
    client: httpx.AsyncClient, port: int, host: str, gate: asyncio.Semaphore
) -> bool:
    async with gate:
        headers = {"Host": host}
        await client.get(f"http://127.0.0.1:{port}/robots.txt", headers=headers)
        response = await client.get(f"http://127.0.0.1:{port}/", headers=headers)
        title = await asyncio.to_thread(_title, response.content)
        return response.status_code == 200 and title is not None


async def run_baseline(hosts: list[str], port: int, concurrency: int) -> float:
    """Scan `hosts` and return the seconds it took, raising if any scan failed."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(_scan(client, port, host, gate) for host in hosts)
        )
        elapsed = time.perf_counter() - started
    failed = results.count(False)
    if failed:
        raise RuntimeError(f"{failed} baseline scans did not return a page")
    return elapsed
