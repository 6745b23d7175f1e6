"""Undo HTTP Content-Encoding in bounded steps, with a cap on the decoded size.

A gzip bomb inflates a megabyte into a gigabyte, so no step may inflate a whole
chunk at once: every call to zlib passes `max_length`, and the decoder raises as
soon as its output passes the cap.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from scanner.errors import ErrorKind, FetchError

OUTPUT_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class ContentDecoder:
    """Decode a body sent with the `Content-Encoding` header value `encoding`.

    Args:
        encoding: the header value; `gzip`, `x-gzip`, `deflate` and `identity`
            are understood, listed in the order the server applied them.
        max_decoded_bytes: the most decoded bytes to return before raising.
        url: names the response in error messages.

    Raises:
        FetchError: kind `protocol` for an unsupported encoding.
    """

    def __init__(
        self, encoding: str | None, *, max_decoded_bytes: int, url: str = ""
    ) -> None:
        self.max_decoded_bytes = max_decoded_bytes
        self.url = url
        self.decoded_bytes = 0
        self._stages = [_stage_for(name, url) for name in _codings(encoding)]
        # Codings are listed in the order they were applied, so undo them last first.
        self._stages.reverse()

    def decode(self, data: bytes) -> Iterator[bytes]:
        """Yield the decoded bytes of the next piece of the body.

        Raises:
            FetchError: kind `too_large` past the cap, `protocol` for corrupt data.
        """
        pieces: Iterator[bytes] = iter((data,)) if data else iter(())
        for stage in self._stages:
            pieces = _chain_feed(stage, pieces)
        for piece in pieces:
            self.decoded_bytes += len(piece)
            if self.decoded_bytes > self.max_decoded_bytes:
                raise FetchError(
                    f"response from {self.url} decodes to more than "
                    f"{self.max_decoded_bytes} bytes",
                    kind=ErrorKind.TOO_LARGE,
                    url=self.url or None,
                )
            yield piece


def _chain_feed(stage: _ZlibStage, pieces: Iterator[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from stage.feed(piece)


def _codings(encoding: str | None) -> list[str]:
    if not encoding:
        return []
    names = [part.strip().lower() for part in encoding.split(",")]
    return [name for name in names if name and name != "identity"]


def _stage_for(name: str, url: str) -> _ZlibStage:
    if name in {"gzip", "x-gzip"}:
        return _ZlibStage(gzip=True, url=url)
    if name == "deflate":
        return _ZlibStage(gzip=False, url=url)
    raise FetchError(
        f"response from {url} uses Content-Encoding {name!r}, which the scanner "
        "does not request and cannot decode",
        kind=ErrorKind.PROTOCOL,
        url=url or None,
        retryable=False,
    )


class _ZlibStage:
    """One gzip or deflate layer, decoded at most `OUTPUT_CHUNK` bytes per step."""

    def __init__(self, *, gzip: bool, url: str) -> None:
        self._gzip = gzip
        self._url = url
        self._inflater: zlib._Decompress | None = None
        self._members = 0
        self._done = False
        self._header = b""

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data and not self._done:
            if self._inflater is None:
                data = self._start(data)
                if self._inflater is None:
                    return
            yield from self._inflate(data)
            assert self._inflater is not None
            if not self._inflater.eof:
                return
            data = self._inflater.unused_data
            self._finish_member()

    def _start(self, data: bytes) -> bytes:
        """Create the inflater once enough of the stream is known to pick one."""
        data = self._header + data
        if len(data) < 2:
            self._header = data
            return b""
        self._header = b""
        if self._gzip:
            if self._members and not data.startswith(_GZIP_MAGIC):
                # Bytes after the last gzip member are padding; browsers ignore it.
                self._done = True
                return b""
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return data
        # "deflate" should carry a zlib header (RFC 9110), yet some servers send
        # raw deflate, so the first two bytes decide.
        has_header = (data[0] & 0x0F) == 8 and int.from_bytes(data[:2], "big") % 31 == 0
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS if has_header else -15)
        return data

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        assert self._inflater is not None
        while True:
            try:
                output = self._inflater.decompress(data, OUTPUT_CHUNK)
            except zlib.error as exc:
                raise FetchError(
                    f"response from {self._url} has invalid compressed data: {exc}",
                    kind=ErrorKind.PROTOCOL,
                    url=self._url or None,
                    retryable=False,
                ) from exc
            if output:
                yield output
            if self._inflater.eof:
                return
            data = self._inflater.unconsumed_tail
            # A full output chunk may leave output pending inside zlib even when
            # all input is consumed, so ask again with no new input.
            if not data and len(output) < OUTPUT_CHUNK:
                return

    def _finish_member(self) -> None:
        self._members += 1
        self._inflater = None
        if not self._gzip:
            self._done = True
