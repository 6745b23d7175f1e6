"""Tests of the fetcher against hostile and broken sites."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import AsyncIterator

import pytest

from devstack.sites import SiteServer
from scanner.errors import ErrorKind, FetchError
from scanner.net import Fetcher
from scanner.settings import FetchLimits
from tests.net_helpers import FAST_LIMITS, local_settings

HTML = {"Content-Type": "text/html; charset=utf-8"}
BOMB_SIZE = 1024 * 1024 * 1024


def redirect_chain(hops: int) -> dict[str, dict[str, object]]:
    """Return routes /r0 .. /r{hops-1}, each redirecting to the next, then a page."""
    routes: dict[str, dict[str, object]] = {
        f"/r{index}": {"status": 301, "headers": {"Location": f"/r{index + 1}"}}
        for index in range(hops)
    }
    routes[f"/r{hops}"] = {"status": 200, "body": "<p>end</p>", "headers": HTML}
    return routes


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[SiteServer]:
    async with SiteServer() as site_server:
        site_server.add_site("chain15.test", redirect_chain(15))
        site_server.add_site("chain10.test", redirect_chain(10))
        site_server.add_site(
            "hostile.test",
            {
                "/drip": {
                    "status": 200,
                    "body": "<p>" + "x" * 2000 + "</p>",
                    "headers": HTML,
                    "behavior": "drip",
                    "bytes_per_second": 500,
                },
                "/reset": {"status": 200, "behavior": "reset"},
                "/bomb": {"status": 200, "behavior": "gzip_bomb", "size": BOMB_SIZE},
                "/huge": {"status": 200, "behavior": "huge", "size": 20_000_000},
            },
        )
        site_server.add_site(
            "bad-bytes.test",
            {
                "/": {
                    "status": 200,
                    "body": b"<html><p>caf\xe9 \xff\xfe\x80 na\xc3</p></html>",
                    "headers": HTML,
                }
            },
        )
        site_server.add_site(
            "json-as-html.test",
            {"/": {"status": 200, "body": json.dumps({"a": 1}), "headers": HTML}},
        )
        site_server.add_site(
            "untyped.test", {"/": {"status": 200, "body": "<!doctype html><p>hi"}}
        )
        site_server.add_site(
            "untyped-binary.test", {"/": {"status": 200, "body": b"%PDF-1.7 ..."}}
        )
        site_server.add_site("missing.test", {})
        site_server.add_site("busy.test", {"/": {"status": 429}})
        site_server.add_site("gone.test", {"/": {"status": 410}})
        yield site_server


@pytest.fixture
async def fetcher(server: SiteServer) -> AsyncIterator[Fetcher]:
    async with Fetcher(local_settings(server)) as site_fetcher:
        yield site_fetcher


async def fetch_error(fetcher: Fetcher, domain: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch_homepage(domain)
    return caught.value


async def test_redirect_loop(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "www.redirect-loop.test")
    assert error.kind is ErrorKind.TOO_MANY_REDIRECTS
    assert error.retryable is False


async def test_fifteen_hop_chain(fetcher: Fetcher, server: SiteServer) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch("https://chain15.test/r0")
    assert caught.value.kind is ErrorKind.TOO_MANY_REDIRECTS
    assert server.request_count("chain15.test") == FAST_LIMITS.max_redirects + 1


async def test_chain_at_limit_followed(fetcher: Fetcher) -> None:
    response = await fetcher.fetch("https://chain10.test/r0")
    assert response.final_url == "https://chain10.test/r10"
    assert len(response.redirect_chain) == 10


async def test_endless_body_too_large(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "www.huge-page.test")
    assert error.kind is ErrorKind.TOO_LARGE
    assert error.retryable is False


async def test_drip_past_total_timeout(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch("https://hostile.test/drip")
    assert caught.value.kind is ErrorKind.TIMEOUT
    assert caught.value.retryable is True
    assert "total timeout" in caught.value.message


async def test_hang_times_out(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "www.hang.test")
    assert error.kind is ErrorKind.TIMEOUT
    assert error.retryable is True


async def test_reset_is_connect_error(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch("https://hostile.test/reset")
    assert caught.value.kind is ErrorKind.CONNECT
    assert caught.value.retryable is True


async def test_plain_reset_is_connect_error(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch("http://hostile.test/reset")
    assert caught.value.kind is ErrorKind.CONNECT


async def test_gzip_bomb_bounded(fetcher: Fetcher) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(
                "https://hostile.test/bomb",
                max_bytes=50 * 1024 * 1024,
                max_decoded_bytes=10 * 1024 * 1024,
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.kind is ErrorKind.TOO_LARGE
    assert "decodes to more than" in caught.value.message
    # The cap is 10 MiB of output, so the peak stays near that, far below 1 GiB.
    assert peak < 64 * 1024 * 1024


async def test_twenty_megabyte_page_default_limits(server: SiteServer) -> None:
    settings = local_settings(server, limits=FetchLimits(total_timeout=10))
    async with Fetcher(settings) as default_fetcher:
        with pytest.raises(FetchError) as caught:
            await default_fetcher.fetch("https://hostile.test/huge")
    assert caught.value.kind is ErrorKind.TOO_LARGE


async def test_invalid_charset_bytes_kept(fetcher: Fetcher) -> None:
    response = await fetcher.fetch_homepage("bad-bytes.test")
    assert response.body == b"<html><p>caf\xe9 \xff\xfe\x80 na\xc3</p></html>"
    assert response.content_type == "text/html; charset=utf-8"


async def test_empty_html_page_succeeds(fetcher: Fetcher) -> None:
    response = await fetcher.fetch_homepage("www.empty-page.test")
    assert response.body == b""
    assert response.final_url == "https://www.empty-page.test/"


async def test_json_served_as_html_succeeds(fetcher: Fetcher) -> None:
    response = await fetcher.fetch_homepage("json-as-html.test")
    assert response.body == b'{"a": 1}'


async def test_untyped_html_sniffed(fetcher: Fetcher) -> None:
    response = await fetcher.fetch_homepage("untyped.test")
    assert response.content_type is None


async def test_untyped_binary_not_html(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "untyped-binary.test")
    assert error.kind is ErrorKind.NOT_HTML


async def test_pdf_homepage_not_html(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "www.pdf-home.test")
    assert error.kind is ErrorKind.NOT_HTML
    assert error.retryable is False
    assert "application/pdf" in error.message


async def test_404_not_retryable(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "missing.test")
    assert error.kind is ErrorKind.HTTP_STATUS
    assert error.status_code == 404
    assert error.retryable is False


async def test_410_not_retryable(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "gone.test")
    assert error.status_code == 410
    assert error.retryable is False


async def test_503_retryable(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "www.unavailable.test")
    assert error.kind is ErrorKind.HTTP_STATUS
    assert error.status_code == 503
    assert error.retryable is True


async def test_429_retryable(fetcher: Fetcher) -> None:
    error = await fetch_error(fetcher, "busy.test")
    assert error.status_code == 429
    assert error.retryable is True
