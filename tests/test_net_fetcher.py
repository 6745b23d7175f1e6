"""Tests of the fetcher against local servers: routing, trust, redirects, robots."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from devstack.sites import SiteServer
from scanner.errors import ErrorKind, FetchError
from scanner.net import Fetcher
from scanner.settings import parse_connect_to
from tests.net_helpers import (
    FAST_LIMITS,
    RawServer,
    closed_port,
    header_value,
    html_response,
    local_settings,
    plain_settings,
)

PAGE = "<html><head><title>Local</title></head><body>hello</body></html>"


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[SiteServer]:
    async with SiteServer() as site_server:
        site_server.add_site(
            "local.test",
            {
                "/": {"status": 200, "body": PAGE, "headers": _HTML},
                "/gzip": {
                    "status": 200,
                    "body": gzip.compress(PAGE.encode()),
                    "headers": {**_HTML, "Content-Encoding": "gzip"},
                },
                "/deflate": {
                    "status": 200,
                    "body": zlib.compress(PAGE.encode()),
                    "headers": {**_HTML, "Content-Encoding": "deflate"},
                },
                "/hop1": {"status": 301, "headers": {"Location": "/hop2"}},
                "/hop2": {
                    "status": 302,
                    "headers": {"Location": "https://other.test/landing#top"},
                },
                "/to-ftp": {"status": 302, "headers": {"Location": "ftp://a.test/"}},
            },
        )
        site_server.add_site(
            "other.test",
            {"/landing": {"status": 200, "body": PAGE, "headers": _HTML}},
        )
        site_server.add_site(
            "blocked.test",
            {
                "/": {"status": 200, "body": PAGE, "headers": _HTML},
                "/robots.txt": {
                    "status": 200,
                    "body": "User-agent: domain-scanner\nDisallow: /\n",
                    "headers": {"Content-Type": "text/plain"},
                },
            },
        )
        site_server.add_site(
            "robots-broken.test",
            {
                "/": {"status": 200, "body": PAGE, "headers": _HTML},
                "/robots.txt": {"status": 503},
            },
        )
        site_server.add_site(
            "robots-html.test",
            {
                "/": {"status": 200, "body": PAGE, "headers": _HTML},
                "/robots.txt": {
                    "status": 200,
                    "body": "<html>User-agent: *\nDisallow: /\n</html>",
                    "headers": _HTML,
                },
            },
        )
        yield site_server


_HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
async def fetcher(server: SiteServer) -> AsyncIterator[Fetcher]:
    async with Fetcher(local_settings(server)) as site_fetcher:
        yield site_fetcher


async def test_connect_to_keeps_url_and_host(
    fetcher: Fetcher, server: SiteServer
) -> None:
    before = server.request_count("local.test")
    response = await fetcher.fetch("https://local.test/")
    assert response.status_code == 200
    assert response.final_url == "https://local.test/"
    assert response.body == PAGE.encode()
    assert server.request_count("local.test") == before + 1


async def test_https_verified_with_ca_bundle(fetcher: Fetcher) -> None:
    response = await fetcher.fetch("https://www.example.com/")
    assert response.status_code == 200


async def test_https_rejected_without_ca_bundle(server: SiteServer) -> None:
    settings = local_settings(server, ca_bundle=None)
    async with Fetcher(settings) as untrusting:
        with pytest.raises(FetchError) as caught:
            await untrusting.fetch("https://local.test/")
    assert caught.value.kind is ErrorKind.TLS
    assert caught.value.retryable is False


async def test_homepage_prefers_https(fetcher: Fetcher) -> None:
    response = await fetcher.fetch_homepage("local.test")
    assert response.final_url == "https://local.test/"


async def test_homepage_falls_back_to_http(server: SiteServer) -> None:
    rules = f":443:127.0.0.1:{closed_port()};:80:127.0.0.1:{server.http_port}"
    settings = local_settings(server, connect_to=parse_connect_to(rules))
    async with Fetcher(settings) as fallback_fetcher:
        response = await fallback_fetcher.fetch_homepage("local.test")
    assert response.final_url == "http://local.test/"
    assert response.status_code == 200


async def test_homepage_falls_back_after_tls_failure(server: SiteServer) -> None:
    settings = local_settings(server, ca_bundle=None)
    async with Fetcher(settings) as untrusting:
        response = await untrusting.fetch_homepage("local.test")
    assert response.final_url == "http://local.test/"


async def test_homepage_no_fallback_on_http_error(server: SiteServer) -> None:
    count_before = server.request_count("www.unavailable.test")
    async with Fetcher(local_settings(server, respect_robots=False)) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch_homepage("www.unavailable.test")
    assert caught.value.kind is ErrorKind.HTTP_STATUS
    assert caught.value.url == "https://www.unavailable.test/"
    assert server.request_count("www.unavailable.test") == count_before + 1


async def test_homepage_last_scheme_error_raised(server: SiteServer) -> None:
    port = closed_port()
    rules = parse_connect_to(f":443:127.0.0.1:{port};:80:127.0.0.1:{port}")
    async with Fetcher(local_settings(server, connect_to=rules)) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch_homepage("local.test")
    assert caught.value.kind is ErrorKind.CONNECT
    assert caught.value.retryable is True
    assert caught.value.url == "http://local.test/robots.txt"


async def test_http_only_schemes_setting(server: SiteServer) -> None:
    async with Fetcher(local_settings(server, schemes=("http",))) as fetcher:
        response = await fetcher.fetch_homepage("local.test")
    assert response.final_url == "http://local.test/"


async def test_redirect_chain_recorded(fetcher: Fetcher) -> None:
    response = await fetcher.fetch("https://local.test/hop1")
    assert response.final_url == "https://other.test/landing"
    assert response.redirect_chain == [
        "https://local.test/hop1",
        "https://local.test/hop2",
    ]
    assert response.url == "https://local.test/hop1"


async def test_fixture_redirect_to_sitemap(fetcher: Fetcher) -> None:
    response = await fetcher.fetch("https://sm-redirect-once.test/sitemap_index.xml")
    final = "https://sm-redirect-once.test/sitemaps/sitemap-main.xml"
    assert response.final_url == final
    assert response.redirect_chain == [
        "https://sm-redirect-once.test/sitemap_index.xml"
    ]


async def test_redirect_to_ftp_rejected(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch("https://local.test/to-ftp")
    assert caught.value.kind is ErrorKind.INVALID_URL


async def test_gzip_body_decoded(fetcher: Fetcher) -> None:
    response = await fetcher.fetch("https://local.test/gzip")
    assert response.body == PAGE.encode()


async def test_deflate_body_decoded(fetcher: Fetcher) -> None:
    response = await fetcher.fetch("https://local.test/deflate")
    assert response.body == PAGE.encode()


async def test_open_streams_body(fetcher: Fetcher) -> None:
    async with fetcher.open(
        "https://local.test/gzip", max_bytes=10_000, max_decoded_bytes=10_000
    ) as response:
        pieces = [piece async for piece in response.iter_bytes()]
    assert b"".join(pieces) == PAGE.encode()
    assert response.headers["content-encoding"] == "gzip"


async def test_unlisted_path_status_returned(fetcher: Fetcher) -> None:
    response = await fetcher.fetch("https://local.test/missing")
    assert response.status_code == 404
    assert response.body == b""


async def test_robots_disallow_blocks_homepage(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_homepage("blocked.test")
    assert caught.value.kind is ErrorKind.BLOCKED_BY_ROBOTS
    assert caught.value.retryable is False


async def test_robots_off_setting_fetches(server: SiteServer) -> None:
    async with Fetcher(local_settings(server, respect_robots=False)) as fetcher:
        response = await fetcher.fetch_homepage("blocked.test")
    assert response.status_code == 200


async def test_robots_off_sends_no_robots_request(server: SiteServer) -> None:
    server.add_site("norobots.test", {"/": {"status": 200, "body": PAGE}})
    async with Fetcher(local_settings(server, respect_robots=False)) as fetcher:
        await fetcher.fetch_homepage("norobots.test")
    assert server.request_count("norobots.test") == 1


async def test_robots_5xx_treated_as_absent(fetcher: Fetcher) -> None:
    response = await fetcher.fetch_homepage("robots-broken.test")
    assert response.status_code == 200


async def test_robots_html_treated_as_absent(fetcher: Fetcher) -> None:
    response = await fetcher.fetch_homepage("robots-html.test")
    assert response.status_code == 200


async def test_fetch_robots_parses_sitemaps(fetcher: Fetcher) -> None:
    robots = await fetcher.fetch_robots("https://sm-robots-syntax.test")
    assert "https://sm-robots-syntax.test/sitemaps/first.xml" in robots.sitemap_urls()


async def test_same_headers_on_every_request() -> None:
    async def respond(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(html_response())
        await writer.drain()

    async with RawServer(respond) as raw:
        settings = plain_settings(raw.port, user_agent="test-agent/2.0")
        async with Fetcher(settings) as fetcher:
            await fetcher.fetch_homepage("headers.test")
    assert len(raw.heads) == 2
    for head in raw.heads:
        assert header_value(head, "user-agent") == "test-agent/2.0"
        assert header_value(head, "accept-encoding") == "gzip, deflate"
        assert (
            header_value(head, "accept-language")
            == fetcher.request_headers["Accept-Language"]
        )
        assert header_value(head, "accept") == fetcher.request_headers["Accept"]
        assert header_value(head, "host") == "headers.test"


async def test_per_host_concurrency_limit() -> None:
    async def respond(head: bytes, writer: asyncio.StreamWriter) -> None:
        raw.active += 1
        raw.max_active = max(raw.max_active, raw.active)
        await asyncio.sleep(0.1)
        # Count the request as finished before the client can see its end, so
        # the next request the client sends never overlaps it in the count.
        raw.active -= 1
        writer.write(html_response())
        await writer.drain()

    raw = RawServer(respond)
    async with raw:
        fetcher = Fetcher(plain_settings(raw.port))
        async with fetcher:
            await asyncio.gather(
                *(fetcher.fetch("http://same.test/") for _ in range(6))
            )
    assert raw.max_active == FAST_LIMITS.per_host_concurrency
    assert fetcher._host_limiter.tracked_hosts() == 0


async def test_self_signed_https_untrusted(tmp_path: Path) -> None:
    """A certificate from a CA outside the bundle fails with kind tls."""
    other_ca = trustme.CA()
    pem = tmp_path / "other.pem"
    other_ca.cert_pem.write_to_path(str(pem))
    async with SiteServer(tmp_path / "none") as empty_server:
        empty_server.add_site("x.test", {"/": {"status": 200, "body": PAGE}})
        settings = local_settings(empty_server, ca_bundle=pem)
        async with Fetcher(settings) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch("https://x.test/")
    assert caught.value.kind is ErrorKind.TLS
