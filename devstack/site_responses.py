"""Write the site server's responses, hostile behaviours included.

No body is held in memory whole: the filler and the compressed gzip block are
built once and sent again and again.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import zlib
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devstack.sites import Request

CHUNK = 64 * 1024
FILLER = (b"<p>filler text for a very large page</p>\n" * 1600)[:CHUNK]
_GZIP_BLOCK_INPUT = 1024 * 1024


def reset_connection(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0, so the kernel sends RST instead of FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def send_simple(
    writer: asyncio.StreamWriter, request: Request, status: int, body: bytes
) -> None:
    """Send a plain-text response with `status` and `body`."""
    head = _head(status, {"Content-Type": "text/plain"}, len(body))
    writer.write(head if request.method == "HEAD" else head + body)
    await writer.drain()


async def send_route(
    writer: asyncio.StreamWriter,
    request: Request,
    route: Mapping[str, Any],
    body: bytes,
) -> None:
    """Send a route's status, headers and body, shaped by its `behavior`."""
    status = int(route.get("status", 200))
    headers: dict[str, str | list[str]] = dict(route.get("headers", {}))
    behavior = route.get("behavior")
    chunks: Iterable[bytes]
    if behavior == "endless":
        length = None
        chunks = endless_chunks(body)
    elif behavior == "huge":
        size = int(route.get("size", 20 * 1024 * 1024))
        length, chunks = size, huge_chunks(size)
        headers.setdefault("Content-Type", "text/html; charset=utf-8")
    elif behavior == "gzip_bomb":
        size = int(route.get("size", 1024 * 1024 * 1024))
        length, chunks = gzip_bomb(size)
        headers.setdefault("Content-Type", "text/html; charset=utf-8")
        headers["Content-Encoding"] = "gzip"
    else:
        length, chunks = len(body), [body]

    writer.write(_head(status, headers, length))
    if request.method == "HEAD":
        await writer.drain()
        return
    if behavior == "drip":
        await drip(writer, body, int(route.get("bytes_per_second", 20)))
        return
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()


def _head(
    status: int, headers: Mapping[str, str | list[str]], length: int | None
) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    for name, value in headers.items():
        if name.lower() in {"connection", "content-length"}:
            continue
        values = value if isinstance(value, list) else [value]
        lines.extend(f"{name}: {item}" for item in values)
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def drip(writer: asyncio.StreamWriter, body: bytes, per_second: int) -> None:
    """Send `body` at about `per_second` bytes a second, in tenth-second steps."""
    step = max(1, per_second // 10)
    for start in range(0, len(body), step):
        writer.write(body[start : start + step])
        await writer.drain()
        await asyncio.sleep(step / per_second)


def endless_chunks(prefix: bytes) -> Iterable[bytes]:
    if prefix:
        yield prefix
    while True:
        yield FILLER


def huge_chunks(size: int) -> Iterable[bytes]:
    sent = 0
    while sent < size:
        chunk = FILLER[: min(CHUNK, size - sent)]
        sent += len(chunk)
        yield chunk


def gzip_bomb(size: int) -> tuple[int, Iterable[bytes]]:
    """Return the length and chunks of a gzip stream that inflates to `size` zeros.

    A block compressed and ended with a full flush uses no earlier history, so the
    same compressed bytes can be repeated. Only the CRC is computed over all input.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(_GZIP_BLOCK_INPUT)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    ending = compressor.flush(zlib.Z_FINISH)
    repeats, remainder = divmod(size, _GZIP_BLOCK_INPUT)
    tail_block = b""
    if remainder:
        tail = zlib.compressobj(9, zlib.DEFLATED, -15)
        tail_block = tail.compress(bytes(remainder)) + tail.flush(zlib.Z_FULL_FLUSH)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    length = len(header) + repeats * len(block) + len(tail_block) + len(ending) + 8

    def chunks() -> Iterable[bytes]:
        crc = 0
        yield header
        for _ in range(repeats):
            crc = zlib.crc32(zeros, crc)
            yield block
        if remainder:
            crc = zlib.crc32(bytes(remainder), crc)
            yield tail_block
        yield ending + struct.pack("<II", crc, size & 0xFFFFFFFF)

    return length, chunks()
