"""Tests of the fixture site server, driven by plain httpx clients."""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.sites import SiteServer

BOMB_SIZE = 3 * 1024 * 1024 + 12345


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[SiteServer]:
    async with SiteServer() as site_server:
        site_server.add_site(
            "made.test",
            {
                "/": {"status": 200, "body": "<p>made</p>"},
                "/bytes": {"status": 200, "body": b"\x00\x01"},
                "/bomb": {"status": 200, "behavior": "gzip_bomb", "size": BOMB_SIZE},
                "/huge": {"status": 200, "behavior": "huge", "size": 300_000},
                "/drip": {
                    "status": 200,
                    "body": "slow body",
                    "behavior": "drip",
                    "bytes_per_second": 90,
                },
                "/reset": {"status": 200, "behavior": "reset"},
                "/cookies": {
                    "status": 200,
                    "headers": {"Set-Cookie": ["a=1", "b=2"]},
                },
            },
        )
        yield site_server


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http_client:
        yield http_client


async def get(
    client: httpx.AsyncClient, server: SiteServer, host: str, target: str = "/"
) -> httpx.Response:
    url = f"http://127.0.0.1:{server.http_port}{target}"
    return await client.get(url, headers={"Host": host})


async def test_http_serves_fixture_site(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await get(client, server, "www.example.com")
    assert response.status_code == 200
    assert b"<title>" in response.content.lower()
    assert response.headers["content-type"] == "text/html; charset=utf-8"


async def test_https_verifies_with_ca(server: SiteServer) -> None:
    context = ssl.create_default_context(cafile=server.ca_pem_path)
    async with httpx.AsyncClient(verify=context) as tls_client:
        response = await tls_client.get(
            f"https://127.0.0.1:{server.https_port}/",
            headers={"Host": "www.example.com"},
            extensions={"sni_hostname": "www.example.com"},
        )
    assert response.status_code == 200


async def test_https_issues_cert_for_added_host(server: SiteServer) -> None:
    server.add_site("later.test", {"/": {"status": 200, "body": "later"}})
    context = ssl.create_default_context(cafile=server.ca_pem_path)
    async with httpx.AsyncClient(verify=context) as tls_client:
        response = await tls_client.get(
            f"https://127.0.0.1:{server.https_port}/",
            headers={"Host": "later.test"},
            extensions={"sni_hostname": "later.test"},
        )
    assert response.text == "later"


async def test_https_rejected_without_ca(server: SiteServer) -> None:
    async with httpx.AsyncClient() as tls_client:
        with pytest.raises(httpx.ConnectError):
            await tls_client.get(
                f"https://127.0.0.1:{server.https_port}/",
                headers={"Host": "www.example.com"},
                extensions={"sni_hostname": "www.example.com"},
            )


async def test_host_header_ignores_port_and_case(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await get(client, server, "MADE.test:8080")
    assert response.text == "<p>made</p>"


async def test_unknown_host_is_misdirected(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await get(client, server, "nobody.test")
    assert response.status_code == 421


async def test_unlisted_path_is_empty_404(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await get(client, server, "www.example.com", "/missing")
    assert response.status_code == 404
    assert response.content == b""


async def test_query_route_matches_full_target(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    target = "/sitemap_products.xml?from=1&to=3"
    response = await get(client, server, "sm-query-string.test", target)
    assert response.status_code == 200
    assert b"<sitemapindex" in response.content


async def test_query_route_matches_bare_path(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    target = "/sitemap_products.xml?unlisted=1"
    response = await get(client, server, "sm-query-string.test", target)
    assert response.status_code == 200


async def test_head_sends_no_body(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await client.head(
        f"http://127.0.0.1:{server.http_port}/", headers={"Host": "made.test"}
    )
    assert response.content == b""
    assert response.headers["content-length"] == "11"


async def test_inline_bytes_body(client: httpx.AsyncClient, server: SiteServer) -> None:
    response = await get(client, server, "made.test", "/bytes")
    assert response.content == b"\x00\x01"


async def test_header_list_repeats_header(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await get(client, server, "made.test", "/cookies")
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


async def test_redirect_route_sends_location(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await get(client, server, "www.redirect-loop.test")
    assert response.status_code == 302
    assert response.headers["location"] == "/a"


async def test_gzip_bomb_inflates_to_size(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    url = f"http://127.0.0.1:{server.http_port}/bomb"
    async with client.stream("GET", url, headers={"Host": "made.test"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    assert len(raw) == int(response.headers["content-length"])
    inflated = zlib.decompress(raw, 16 + zlib.MAX_WBITS)
    assert len(inflated) == BOMB_SIZE
    assert inflated.count(0) == BOMB_SIZE


async def test_huge_body_has_declared_size(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await get(client, server, "made.test", "/huge")
    assert len(response.content) == 300_000
    assert response.content.startswith(b"<p>")


async def test_drip_sends_whole_body(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    response = await get(client, server, "made.test", "/drip")
    assert response.text == "slow body"


async def test_endless_body_outlasts_file(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    url = f"http://127.0.0.1:{server.http_port}/"
    received = 0
    headers = {"Host": "www.huge-page.test"}
    async with client.stream("GET", url, headers=headers) as response:
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > 2_000_000:
                break
    assert "content-length" not in response.headers
    assert received > 2_000_000


async def test_reset_ends_without_response(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        await get(client, server, "made.test", "/reset")


async def test_hang_never_answers(server: SiteServer) -> None:
    timeout = httpx.Timeout(5, read=0.3)
    async with httpx.AsyncClient(timeout=timeout) as short_client:
        with pytest.raises(httpx.ReadTimeout):
            await get(short_client, server, "www.hang.test")


async def test_request_count_per_host(
    client: httpx.AsyncClient, server: SiteServer
) -> None:
    server.add_site("counted.test", {"/": {"status": 204}})
    for _ in range(3):
        await get(client, server, "counted.test")
    assert server.request_count("counted.test") == 3


async def test_concurrent_requests_all_answered(server: SiteServer) -> None:
    limits = httpx.Limits(max_connections=250)
    async with httpx.AsyncClient(limits=limits, timeout=30) as wide_client:
        responses = await asyncio.gather(
            *(get(wide_client, server, "made.test") for _ in range(250))
        )
    assert {response.status_code for response in responses} == {200}


async def test_connect_to_names_both_ports(server: SiteServer) -> None:
    expected = f":443:127.0.0.1:{server.https_port};:80:127.0.0.1:{server.http_port}"
    assert server.connect_to == expected


def test_thread_mode_serves_sync_client() -> None:
    site_server = SiteServer(latency=0.01)
    site_server.start_in_thread()
    try:
        response = httpx.get(
            f"http://127.0.0.1:{site_server.http_port}/",
            headers={"Host": "www.example.com"},
        )
    finally:
        site_server.stop_thread()
    assert response.status_code == 200


def test_thread_mode_stop_closes_port() -> None:
    site_server = SiteServer()
    site_server.start_in_thread()
    port = site_server.http_port
    site_server.stop_thread()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "www.example.com"})


def test_port_before_start_raises() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = SiteServer().http_port


async def test_unissuable_sni_name_survives(server: SiteServer) -> None:
    context = ssl.create_default_context(cafile=server.ca_pem_path)
    async with httpx.AsyncClient(verify=context) as tls_client:
        with pytest.raises(httpx.ConnectError):
            await tls_client.get(
                f"https://127.0.0.1:{server.https_port}/",
                headers={"Host": "_bad.test"},
                extensions={"sni_hostname": "_bad.test"},
            )
        response = await tls_client.get(
            f"https://127.0.0.1:{server.https_port}/",
            headers={"Host": "www.example.com"},
            extensions={"sni_hostname": "www.example.com"},
        )
    assert response.status_code == 200
