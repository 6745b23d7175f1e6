"""Tests of bounded Content-Encoding decoding."""

from __future__ import annotations

import gzip
import zlib

import pytest

from scanner.errors import ErrorKind, FetchError
from scanner.net.decoding import OUTPUT_CHUNK, ContentDecoder

TEXT = b"<html><body>" + b"repeated content " * 20000 + b"</body></html>"


def decode_all(encoding: str | None, data: bytes, step: int = 1000) -> bytes:
    decoder = ContentDecoder(encoding, max_decoded_bytes=10 * len(TEXT) + 1000)
    pieces: list[bytes] = []
    for start in range(0, len(data), step):
        pieces.extend(decoder.decode(data[start : start + step]))
    return b"".join(pieces)


@pytest.mark.parametrize("encoding", [None, "", "identity", " Identity "])
def test_identity_passes_through(encoding: str | None) -> None:
    assert decode_all(encoding, TEXT) == TEXT


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "GZIP"])
def test_gzip_decoded(encoding: str) -> None:
    assert decode_all(encoding, gzip.compress(TEXT)) == TEXT


def test_deflate_with_zlib_header() -> None:
    assert decode_all("deflate", zlib.compress(TEXT)) == TEXT


def test_raw_deflate_decoded() -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = compressor.compress(TEXT) + compressor.flush()
    assert decode_all("deflate", raw) == TEXT


def test_chained_encodings_undone_in_reverse() -> None:
    data = zlib.compress(gzip.compress(TEXT))
    assert decode_all("gzip, deflate", data) == TEXT


def test_one_byte_feeds() -> None:
    assert decode_all("gzip", gzip.compress(TEXT[:5000]), step=1) == TEXT[:5000]


def test_gzip_members_concatenated() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second")
    assert decode_all("gzip", data) == b"first second"


def test_gzip_trailing_padding_ignored() -> None:
    assert decode_all("gzip", gzip.compress(b"body") + b"\x00" * 10) == b"body"


def test_truncated_gzip_keeps_prefix() -> None:
    data = gzip.compress(TEXT)
    decoded = decode_all("gzip", data[: len(data) // 2])
    assert TEXT.startswith(decoded)
    assert decoded


def test_output_pieces_bounded() -> None:
    decoder = ContentDecoder("gzip", max_decoded_bytes=10**9)
    pieces = list(decoder.decode(gzip.compress(bytes(5 * 1024 * 1024))))
    assert max(len(piece) for piece in pieces) <= OUTPUT_CHUNK
    assert sum(len(piece) for piece in pieces) == 5 * 1024 * 1024


def test_decoded_cap_raises_too_large() -> None:
    decoder = ContentDecoder("gzip", max_decoded_bytes=100_000, url="https://a.test/")
    with pytest.raises(FetchError) as caught:
        list(decoder.decode(gzip.compress(bytes(10**7))))
    assert caught.value.kind is ErrorKind.TOO_LARGE
    assert decoder.decoded_bytes <= 100_000 + OUTPUT_CHUNK


def test_identity_cap_raises_too_large() -> None:
    decoder = ContentDecoder(None, max_decoded_bytes=10)
    with pytest.raises(FetchError) as caught:
        list(decoder.decode(b"x" * 11))
    assert caught.value.kind is ErrorKind.TOO_LARGE


def test_corrupt_gzip_is_protocol_error() -> None:
    decoder = ContentDecoder("gzip", max_decoded_bytes=1000)
    with pytest.raises(FetchError) as caught:
        list(decoder.decode(b"\x1f\x8b\x08\x00garbage that is not deflate"))
    assert caught.value.kind is ErrorKind.PROTOCOL
    assert caught.value.retryable is False


def test_unsupported_encoding_rejected() -> None:
    with pytest.raises(FetchError) as caught:
        ContentDecoder("br", max_decoded_bytes=1000, url="https://a.test/")
    assert caught.value.kind is ErrorKind.PROTOCOL
    assert "'br'" in caught.value.message
