"""Hostile sites scanned by a real worker process: every scan ends within its limits.

The worker runs as `python worker.py` so its resident memory can be read on its
own while it downloads endless bodies, a gzip bomb and a 20 MB page.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from temporalio.client import Client

from devstack.sites import SiteServer
from scanner.settings import Settings
from tests.temporal_helpers import host_rules, scan

ROOT = Path(__file__).resolve().parent.parent
HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE = "<html lang='en'><title>Calm neighbour</title><a href='mailto:a@calm.test'>a</a>"

# Peak resident memory allowed for the worker while it scans the hostile sites.
# The caps are 2 MiB downloaded and 4 MiB decoded per page, so the gzip bomb
# (1 GiB once inflated) and the endless body must never be held whole.
RSS_LIMIT_BYTES = 400 * 1024 * 1024


def _redirect_chain(prefix: str, hops: int) -> dict[str, dict[str, object]]:
    routes: dict[str, dict[str, object]] = {}
    for hop in range(hops):
        routes[f"/{prefix}{hop}" if hop else "/"] = {
            "status": 302,
            "headers": {"Location": f"/{prefix}{hop + 1}"},
        }
    routes[f"/{prefix}{hops}"] = {"status": 200, "body": PAGE, "headers": HTML}
    return routes


HOSTILE_SITES: dict[str, tuple[dict[str, dict[str, object]], set[str]]] = {
    "www.loop.test": (
        {
            "/": {"status": 301, "headers": {"Location": "/a"}},
            "/a": {"status": 301, "headers": {"Location": "/"}},
        },
        {"too_many_redirects"},
    ),
    "www.chain15.test": (_redirect_chain("hop", 15), {"too_many_redirects"}),
    "www.endless.test": (
        {"/": {"status": 200, "behavior": "endless", "headers": HTML}},
        {"too_large"},
    ),
    "www.drip.test": (
        {
            "/": {
                "status": 200,
                "behavior": "drip",
                "bytes_per_second": 50,
                "body": PAGE * 40,
                "headers": HTML,
            }
        },
        {"timeout"},
    ),
    "www.hangs.test": ({"/": {"status": 200, "behavior": "hang"}}, {"timeout"}),
    "www.resets.test": ({"/": {"status": 200, "behavior": "reset"}}, {"connect"}),
    "www.gzip-bomb.test": (
        {
            "/": {
                "status": 200,
                "behavior": "gzip_bomb",
                "size": 1024 * 1024 * 1024,
                "headers": HTML,
            }
        },
        {"too_large"},
    ),
    "www.twenty-mb.test": (
        {
            "/": {
                "status": 200,
                "behavior": "huge",
                "size": 20 * 1024 * 1024,
                "headers": HTML,
            }
        },
        {"too_large"},
    ),
    "www.bad-bytes.test": (
        {
            "/": {
                "status": 200,
                "body": b"<html><title>Caf\xe9 \xff\xfe broken</title>" + b"\x80" * 500,
                "headers": {"Content-Type": "text/html; charset=utf-8"},
            }
        },
        {"completed"},
    ),
}
CALM_SITES = [f"www.calm{index}.test" for index in range(6)]


@pytest.fixture(scope="module")
def hostile_server(site_server: SiteServer) -> SiteServer:
    for host, (routes, _) in HOSTILE_SITES.items():
        site_server.add_site(host, routes)
    for host in CALM_SITES:
        site_server.add_site(
            host, {"/": {"status": 200, "body": PAGE, "headers": HTML}}
        )
    return site_server


@pytest.fixture
def worker_process(
    hostile_server: SiteServer,
    database_url: str,
    temporal_server: str,
    task_queue: str,
) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        TEMPORAL_ADDRESS=temporal_server,
        TEMPORAL_TASK_QUEUE=task_queue,
        SCANNER_CONNECT_TO=host_rules(hostile_server, [*HOSTILE_SITES, *CALM_SITES]),
        SCANNER_CA_BUNDLE=hostile_server.ca_pem_path,
        SCANNER_ALLOW_PRIVATE_ADDRESSES="true",
        SCANNER_CONNECT_TIMEOUT="2",
        SCANNER_READ_TIMEOUT="2",
        SCANNER_TOTAL_TIMEOUT="4",
        SCANNER_MAX_BODY_BYTES=str(2 * 1024 * 1024),
        SCANNER_MAX_DECODED_BYTES=str(4 * 1024 * 1024),
        SCANNER_SCRAPE_MAX_ATTEMPTS="2",
    )
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py"), "--grace-seconds", "5"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


async def _sample_rss(pid: int, stop: asyncio.Event) -> int:
    process = psutil.Process(pid)
    peak = 0
    while not stop.is_set():
        peak = max(peak, process.memory_info().rss)
        await asyncio.sleep(0.05)
    return peak


@pytest.mark.slow
async def test_hostile_sites_end_within_limits(
    temporal_client: Client,
    base_settings: Settings,
    worker_process: subprocess.Popen[bytes],
    task_queue: str,
    tenant: str,
) -> None:
    settings = base_settings.with_overrides(scrape_max_attempts=2)
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_rss(worker_process.pid, stop))
    started = time.monotonic()

    rows = await asyncio.wait_for(
        asyncio.gather(
            *(
                scan(temporal_client, settings, tenant, host, task_queue)
                for host in [*HOSTILE_SITES, *CALM_SITES]
            )
        ),
        timeout=180,
    )
    elapsed = time.monotonic() - started
    stop.set()
    peak_rss = await sampler

    by_domain = {row["domain"]: row for row in rows}
    print(
        f"\nhostile scans: {elapsed:.1f} s, worker peak RSS {peak_rss / 2**20:.0f} MiB"
    )
    for host, (_, expected) in HOSTILE_SITES.items():
        row = by_domain[host.removeprefix("www.")]
        outcome = row["error_type"] if row["status"] == "failed" else row["status"]
        assert outcome in expected, f"{host}: {row}"
    for host in CALM_SITES:
        row = by_domain[host.removeprefix("www.")]
        assert row["status"] == "completed", f"{host}: {row}"
        assert row["emails"] == ["a@calm.test"]
    assert by_domain["bad-bytes.test"]["title"].startswith("Caf")
    assert worker_process.poll() is None
    assert peak_rss < RSS_LIMIT_BYTES
