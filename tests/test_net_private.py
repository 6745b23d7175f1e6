"""Tests that private addresses are refused before any connection is opened."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from devstack.sites import SiteServer
from scanner.errors import ErrorKind, FetchError
from scanner.net import Fetcher, StaticResolver, SystemResolver
from scanner.settings import Settings, parse_connect_to
from tests.net_helpers import FAST_LIMITS, RawServer, RecordingBackend, local_settings

PUBLIC_ADDRESS = "93.184.215.14"

LOOPBACK_HOSTS = [
    "127.0.0.1",
    "2130706433",
    "0177.0.0.1",
    "0x7f.1",
    "127.1",
    "[::ffff:127.0.0.1]",
    "[::1]",
]

OTHER_PRIVATE_HOSTS = [
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "[fc00::1]",
    "[fe80::1]",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
]


def strict_settings(**overrides: object) -> Settings:
    """Return settings with private addresses refused and fast limits."""
    return Settings().with_overrides(
        limits=FAST_LIMITS, allow_private_addresses=False, **overrides
    )


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[SiteServer]:
    async with SiteServer() as site_server:
        yield site_server


@pytest.fixture
async def listener() -> AsyncIterator[RawServer]:
    async with RawServer() as raw:
        yield raw


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
async def test_loopback_url_refused(host: str, listener: RawServer) -> None:
    backend = RecordingBackend()
    url = f"http://{host}:{listener.port}/"
    async with Fetcher(strict_settings(), network_backend=backend) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(url)
    assert caught.value.kind is ErrorKind.PRIVATE_ADDRESS
    assert caught.value.retryable is False
    assert listener.accepts == 0
    assert backend.calls == []


@pytest.mark.parametrize("host", OTHER_PRIVATE_HOSTS)
async def test_private_url_refused(host: str) -> None:
    backend = RecordingBackend()
    async with Fetcher(strict_settings(), network_backend=backend) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(f"http://{host}/")
    assert caught.value.kind is ErrorKind.PRIVATE_ADDRESS
    assert backend.calls == []


async def test_loopback_homepage_refused(listener: RawServer) -> None:
    backend = RecordingBackend()
    async with Fetcher(strict_settings(), network_backend=backend) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch_homepage(f"127.0.0.1:{listener.port}")
    assert caught.value.kind is ErrorKind.PRIVATE_ADDRESS
    assert listener.accepts == 0


async def test_name_resolving_private_refused(listener: RawServer) -> None:
    backend = RecordingBackend()
    resolver = StaticResolver({"intranet.test": ["127.0.0.1"]})
    fetcher = Fetcher(strict_settings(), resolver=resolver, network_backend=backend)
    async with fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(f"http://intranet.test:{listener.port}/")
    assert caught.value.kind is ErrorKind.PRIVATE_ADDRESS
    assert caught.value.__cause__ is None
    assert "intranet.test" in caught.value.message
    assert "127.0.0.1" in caught.value.message
    assert resolver.lookups == ["intranet.test"]
    assert listener.accepts == 0
    assert backend.calls == []


async def test_any_private_answer_refused() -> None:
    backend = RecordingBackend()
    resolver = StaticResolver({"mixed.test": [PUBLIC_ADDRESS, "10.0.0.7"]})
    fetcher = Fetcher(strict_settings(), resolver=resolver, network_backend=backend)
    async with fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch("http://mixed.test/")
    assert caught.value.kind is ErrorKind.PRIVATE_ADDRESS
    assert "10.0.0.7" in caught.value.message
    assert backend.calls == []


async def test_public_answer_dialled_by_address() -> None:
    backend = RecordingBackend()
    resolver = StaticResolver({"public.test": [PUBLIC_ADDRESS]})
    fetcher = Fetcher(strict_settings(), resolver=resolver, network_backend=backend)
    async with fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch("http://public.test/")
    # The recording backend never dials a non-loopback address, so the request
    # fails at connect, after the check passed.
    assert caught.value.kind is ErrorKind.CONNECT
    assert backend.calls == [(PUBLIC_ADDRESS, 80)]


async def test_redirect_to_private_literal_refused(
    server: SiteServer, listener: RawServer
) -> None:
    target = f"http://127.0.0.1:{listener.port}/admin"
    server.add_site(
        "public.test", {"/": {"status": 302, "headers": {"Location": target}}}
    )
    backend = RecordingBackend()
    settings = strict_settings(
        connect_to=parse_connect_to(f"public.test:80:127.0.0.1:{server.http_port}")
    )
    async with Fetcher(settings, network_backend=backend) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch("http://public.test/")
    assert caught.value.kind is ErrorKind.PRIVATE_ADDRESS
    assert listener.accepts == 0
    assert backend.calls == [("127.0.0.1", server.http_port)]


async def test_redirect_to_private_name_refused(server: SiteServer) -> None:
    location = "http://metadata.test/latest/meta-data/"
    server.add_site(
        "public2.test", {"/": {"status": 301, "headers": {"Location": location}}}
    )
    backend = RecordingBackend()
    resolver = StaticResolver(
        {"public2.test": [PUBLIC_ADDRESS], "metadata.test": ["169.254.169.254"]}
    )
    settings = strict_settings(
        connect_to=parse_connect_to(f"public2.test:80:127.0.0.1:{server.http_port}")
    )
    fetcher = Fetcher(settings, resolver=resolver, network_backend=backend)
    async with fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch("http://public2.test/")
    assert caught.value.kind is ErrorKind.PRIVATE_ADDRESS
    assert "169.254.169.254" in caught.value.message
    assert resolver.lookups == ["metadata.test"]
    assert backend.calls == [("127.0.0.1", server.http_port)]


async def test_allow_setting_permits_loopback(server: SiteServer) -> None:
    server.add_site("127.0.0.1", {"/": {"status": 200, "body": "<p>local</p>"}})
    settings = local_settings(server, connect_to=())
    async with Fetcher(settings) as fetcher:
        response = await fetcher.fetch(f"http://127.0.0.1:{server.http_port}/")
    assert response.body == b"<p>local</p>"


async def test_unknown_name_is_dns_error() -> None:
    backend = RecordingBackend()
    fetcher = Fetcher(
        strict_settings(), resolver=StaticResolver({}), network_backend=backend
    )
    async with fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch("http://nowhere.test/")
    assert caught.value.kind is ErrorKind.DNS
    assert caught.value.retryable is False
    assert backend.calls == []


async def test_system_resolver_reads_localhost() -> None:
    addresses = await SystemResolver().resolve("localhost", 80)
    assert "127.0.0.1" in addresses or "::1" in addresses


@pytest.mark.parametrize(
    ("code", "retryable"),
    [(socket.EAI_NONAME, False), (socket.EAI_AGAIN, True)],
)
async def test_system_resolver_error_kinds(
    code: int, retryable: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fail(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(code, "lookup failed")

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", fail)
    with pytest.raises(FetchError) as caught:
        await SystemResolver().resolve("example.invalid", 80)
    assert caught.value.kind is ErrorKind.DNS
    assert caught.value.retryable is retryable
