"""The scanner's exception tree: one root, one error kind per failure users see."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """Failure kinds, stored in `scan_jobs.error_type` and used as Temporal types."""

    INVALID_DOMAIN = "invalid_domain"
    DNS = "dns"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"
    HTTP_STATUS = "http_status"
    NOT_HTML = "not_html"
    BLOCKED_BY_ROBOTS = "blocked_by_robots"
    PRIVATE_ADDRESS = "private_address"
    INVALID_URL = "invalid_url"
    TLS = "tls"
    PROTOCOL = "protocol"
    WORKFLOW_TERMINATED = "workflow_terminated"
    CANCELLED = "cancelled"
    INTERNAL = "internal"


class ScannerError(Exception):
    """Root of every error the scanner library raises on purpose.

    `kind` names the failure for users and for Temporal. `retryable` tells whether
    running the same step again could succeed (a timeout can, a 404 cannot).
    """

    kind: ErrorKind = ErrorKind.INTERNAL
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind
        if retryable is not None:
            self.retryable = retryable


class InvalidDomainError(ScannerError, ValueError):
    """The input cannot be read as a domain name."""

    kind = ErrorKind.INVALID_DOMAIN
    retryable = False


class ConfigurationError(ScannerError, ValueError):
    """A setting has a value the scanner cannot use."""

    kind = ErrorKind.INTERNAL
    retryable = False


class FetchError(ScannerError):
    """A failed request: `kind` is how it failed and `url` is where.

    Args:
        message: what failed, naming the URL or host.
        kind: the failure kind.
        url: the URL being fetched when the failure happened.
        retryable: overrides the default for the kind.
        status_code: the HTTP status, for `http_status` failures.
    """

    _TRANSIENT = frozenset({ErrorKind.TIMEOUT, ErrorKind.CONNECT, ErrorKind.PROTOCOL})

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        url: str | None = None,
        retryable: bool | None = None,
        status_code: int | None = None,
    ) -> None:
        if retryable is None:
            retryable = kind in self._TRANSIENT
        super().__init__(message, kind=kind, retryable=retryable)
        self.url = url
        self.status_code = status_code
