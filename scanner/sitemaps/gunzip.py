"""Undo gzip found by its magic bytes, incrementally and under a size cap."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

GZIP_MAGIC = b"\x1f\x8b"
_PIECE = 64 * 1024
# zlib's wbits for a gzip header and trailer around a deflate stream.
_GZIP_WBITS = 16 + zlib.MAX_WBITS


class DecodedTooLarge(Exception):
    """The body passed the cap on decoded bytes."""


class GzipDecoder:
    """Pass a body through, gunzipping it when it starts with the gzip magic.

    The format is decided by the first two bytes, not by a file name or header,
    because servers send plain XML as `.gz` and gzip as `text/xml`. Bytes after
    the end of the gzip stream are dropped unless another gzip member starts
    there: cache plugins append an HTML comment to compressed sitemaps.

    Raises `DecodedTooLarge` from `feed` once more than `max_decoded_bytes`
    have come out, before producing them.
    """

    def __init__(self, max_decoded_bytes: int) -> None:
        self.max_decoded_bytes = max_decoded_bytes
        self.decoded_bytes = 0
        self.compressed: bool | None = None
        self._head = b""
        self._inflater: zlib._Decompress | None = None
        self._finished = False

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """Yield the decoded bytes of `chunk`, in pieces of at most 64 KiB."""
        if self.compressed is None:
            self._head += chunk
            if len(self._head) < len(GZIP_MAGIC):
                return
            chunk, self._head = self._head, b""
            self.compressed = chunk.startswith(GZIP_MAGIC)
            if self.compressed:
                self._inflater = zlib.decompressobj(_GZIP_WBITS)
        if not self.compressed:
            yield self._count(chunk)
            return
        yield from self._inflate(chunk)

    def close(self) -> Iterator[bytes]:
        """Yield what is left: a body shorter than the magic is passed through."""
        if self.compressed is None and self._head:
            self.compressed = False
            yield self._count(self._head)
            self._head = b""

    @property
    def truncated(self) -> bool:
        """Return True when a gzip stream was started but never finished."""
        return bool(self.compressed) and not self._finished

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        while data and self._inflater is not None:
            piece = self._inflater.decompress(data, _PIECE)
            if piece:
                yield self._count(piece)
            data = self._inflater.unconsumed_tail
            if self._inflater.eof:
                data = self._next_member(self._inflater.unused_data + data)

    def _next_member(self, rest: bytes) -> bytes:
        self._finished = True
        if rest.startswith(GZIP_MAGIC):
            self._finished = False
            self._inflater = zlib.decompressobj(_GZIP_WBITS)
            return rest
        self._inflater = None
        return b""

    def _count(self, piece: bytes) -> bytes:
        self.decoded_bytes += len(piece)
        if self.decoded_bytes > self.max_decoded_bytes:
            raise DecodedTooLarge(
                f"body decodes to more than {self.max_decoded_bytes} bytes"
            )
        return piece
