"""Responses returned by the fetcher: a streamed one and a fully read one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import httpx

from scanner.errors import ErrorKind, FetchError
from scanner.net.decoding import ContentDecoder


@dataclass(frozen=True)
class FetchResponse:
    """A response read to the end, its body decoded from Content-Encoding."""

    url: str
    final_url: str
    status_code: int
    headers: httpx.Headers
    redirect_chain: list[str]
    elapsed_ms: int
    body: bytes
    content_type: str | None


@dataclass
class StreamedResponse:
    """A response whose body is read on demand within the fetch's limits.

    `redirect_chain` lists the URLs that returned a redirect, in order, so it is
    empty when `url` itself returned the final response. `elapsed_ms` runs from
    the first request to the final response's headers.
    """

    url: str
    final_url: str
    status_code: int
    headers: httpx.Headers
    redirect_chain: list[str]
    elapsed_ms: int
    max_bytes: int
    max_decoded_bytes: int
    deadline: float
    total_timeout: float
    _raw: httpx.Response = field(repr=False)

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return None if value is None else str(value)

    async def iter_bytes(self) -> AsyncGenerator[bytes, None]:
        """Yield the body with Content-Encoding undone.

        Raises:
            FetchError: kind `too_large` when the body passes `max_bytes` as sent
                or `max_decoded_bytes` decoded, `timeout` past the total deadline,
                and the transport kinds when the connection fails.
        """
        self._check_declared_length()
        decoder = ContentDecoder(
            self.headers.get("content-encoding"),
            max_decoded_bytes=self.max_decoded_bytes,
            url=self.final_url,
        )
        received = 0
        chunks = self._raw.aiter_raw().__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(self.deadline):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise self._deadline_error() from None
            received += len(chunk)
            if received > self.max_bytes:
                raise self._too_large(f"is longer than {self.max_bytes} bytes")
            for piece in decoder.decode(chunk):
                yield piece

    async def read(self) -> bytes:
        """Return the whole decoded body, within the same limits as `iter_bytes`."""
        pieces = [piece async for piece in self.iter_bytes()]
        return b"".join(pieces)

    def _check_declared_length(self) -> None:
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(
                f"declares {declared} bytes, more than {self.max_bytes}"
            )

    def _too_large(self, detail: str) -> FetchError:
        return FetchError(
            f"response from {self.final_url} {detail}",
            kind=ErrorKind.TOO_LARGE,
            url=self.final_url,
        )

    def _deadline_error(self) -> FetchError:
        return FetchError(
            f"fetching {self.url} took longer than the total timeout of "
            f"{self.total_timeout:g} s",
            kind=ErrorKind.TIMEOUT,
            url=self.final_url,
        )
