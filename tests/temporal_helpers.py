"""Run a real worker in the test process and start scans the way the starter does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from temporalio.client import Client

from activities import build_activities
from cli.scan import start_scan, wait_for_scan
from devstack.sites import SiteServer
from scanner.db.engine import create_engine, create_session_factory
from scanner.net.fetcher import Fetcher
from scanner.net.resolver import Resolver, StaticResolver
from scanner.settings import Settings, parse_connect_to
from worker import build_worker


def host_rules(server: SiteServer, hosts: list[str]) -> str:
    """Return connect-to rules that send only `hosts` to the local site server."""
    rules = []
    for host in hosts:
        rules.append(f"{host}:443:127.0.0.1:{server.https_port}")
        rules.append(f"{host}:80:127.0.0.1:{server.http_port}")
    return ";".join(rules)


def settings_for_hosts(
    settings: Settings, server: SiteServer, hosts: list[str], *, extra_rules: str = ""
) -> Settings:
    """Return settings whose connect-to covers `hosts`; other names need DNS."""
    rules = ";".join(part for part in (extra_rules, host_rules(server, hosts)) if part)
    return settings.with_overrides(connect_to=parse_connect_to(rules))


@asynccontextmanager
async def running_worker(
    client: Client,
    settings: Settings,
    task_queue: str,
    *,
    resolver: Resolver | None = None,
) -> AsyncIterator[None]:
    """Run a worker with the real workflows and activities until the block ends.

    The default resolver has no names, so a host outside the connect-to rules
    fails as a name that does not exist, without a real DNS query.
    """
    engine = create_engine(settings)
    fetcher = Fetcher(settings, resolver=resolver or StaticResolver({}))
    activities = build_activities(create_session_factory(engine), fetcher, settings)
    worker = build_worker(client, settings, activities, task_queue=task_queue)
    try:
        async with worker:
            yield
    finally:
        await fetcher.aclose()
        await engine.dispose()


async def scan(
    client: Client, settings: Settings, tenant: str, domain: str, task_queue: str
) -> dict[str, Any]:
    """Start a scan as the starter does and return its result row."""
    started = await start_scan(client, settings, tenant, domain, task_queue=task_queue)
    return await wait_for_scan(started)
