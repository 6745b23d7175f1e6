"""Translate transport exceptions into the scanner's `FetchError` kinds."""

from __future__ import annotations

import ssl
from typing import TypeVar

import httpcore
import httpx

from scanner.errors import ErrorKind, FetchError

_E = TypeVar("_E", bound=BaseException)


class UnreachableError(FetchError):
    """No connection could be set up: refused, TLS handshake failed or timed out.

    Only this failure moves a homepage fetch on to the next scheme, because the
    same server cannot be reached over https but may still serve http.
    """


_TIMEOUTS = (
    httpcore.TimeoutException,
    httpx.TimeoutException,
    TimeoutError,
)
_CONNECT_FAILURES = (httpcore.ConnectError, httpx.ConnectError)
_DROPPED = (
    httpcore.ReadError,
    httpcore.WriteError,
    httpx.ReadError,
    httpx.WriteError,
)
_REMOTE_PROTOCOL = (httpcore.RemoteProtocolError, httpx.RemoteProtocolError)


def translate(exc: BaseException, url: str) -> FetchError:
    """Return the `FetchError` for a failure of the request to `url`.

    A `FetchError` passes through with `url` filled in when it had none.
    Exceptions outside the transport's own are returned as kind `internal`.
    """
    if isinstance(exc, FetchError):
        if exc.url is None:
            exc.url = url
        return exc
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpcore.ConnectTimeout | httpx.ConnectTimeout):
        return UnreachableError(
            f"connecting to {url} timed out", kind=ErrorKind.TIMEOUT, url=url
        )
    if isinstance(exc, _TIMEOUTS):
        return FetchError(
            f"request to {url} timed out", kind=ErrorKind.TIMEOUT, url=url
        )
    if isinstance(exc, _CONNECT_FAILURES):
        return _connect_failure(exc, url, detail)
    if isinstance(exc, _DROPPED):
        return FetchError(
            f"connection to {url} was dropped: {detail}",
            kind=ErrorKind.CONNECT,
            url=url,
        )
    if isinstance(exc, _REMOTE_PROTOCOL):
        return _remote_protocol_failure(url, detail)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return FetchError(
            f"invalid URL {url}: {detail}", kind=ErrorKind.INVALID_URL, url=url
        )
    if isinstance(exc, httpcore.UnsupportedProtocol):
        return FetchError(
            f"invalid URL {url}: {detail}", kind=ErrorKind.INVALID_URL, url=url
        )
    if isinstance(exc, httpcore.ProtocolError | httpx.ProtocolError):
        return FetchError(
            f"HTTP protocol error from {url}: {detail}",
            kind=ErrorKind.PROTOCOL,
            url=url,
            retryable=False,
        )
    return FetchError(
        f"request to {url} failed: {type(exc).__name__}: {detail}",
        kind=ErrorKind.INTERNAL,
        url=url,
        retryable=False,
    )


def _connect_failure(exc: BaseException, url: str, detail: str) -> FetchError:
    tls_error = _find_cause(exc, ssl.SSLError)
    if tls_error is not None:
        # A certificate the trust store rejects will not change on a retry, but a
        # handshake cut short by the network may.
        verify_failed = isinstance(tls_error, ssl.SSLCertVerificationError)
        return UnreachableError(
            f"TLS handshake with {url} failed: {tls_error}",
            kind=ErrorKind.TLS,
            url=url,
            retryable=not verify_failed,
        )
    return UnreachableError(
        f"connecting to {url} failed: {detail}", kind=ErrorKind.CONNECT, url=url
    )


def _remote_protocol_failure(url: str, detail: str) -> FetchError:
    # h11 reports a connection closed before any response bytes as a protocol
    # error, though for a caller it is the same as a reset connection.
    if "disconnected" in detail.lower() or "without sending" in detail.lower():
        return FetchError(
            f"server at {url} closed the connection without a response",
            kind=ErrorKind.CONNECT,
            url=url,
        )
    return FetchError(
        f"HTTP protocol error from {url}: {detail}",
        kind=ErrorKind.PROTOCOL,
        url=url,
        retryable=False,
    )


def _find_cause(exc: BaseException, wanted: type[_E]) -> _E | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, wanted):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
