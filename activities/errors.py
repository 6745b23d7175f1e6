"""Translate library errors into Temporal application errors at the boundary."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from scanner.errors import FetchError, ScannerError


def to_application_error(error: ScannerError) -> ApplicationError:
    """Wrap a scanner error so Temporal retries it only when a retry can help.

    The error kind becomes the Temporal error type, which the workflow stores on
    the job and which the retry policy and the UI show. Scanner errors are a
    site's response (a 404, a name that does not exist), not a fault of the
    worker, so they are marked benign, and the SDK then logs them at DEBUG instead
    of a WARNING with a traceback for every unreachable site.
    """
    details: list[object] = []
    if isinstance(error, FetchError):
        details.append({"url": error.url, "status_code": error.status_code})
    return ApplicationError(
        error.message,
        *details,
        type=error.kind.value,
        non_retryable=not error.retryable,
        category=ApplicationErrorCategory.BENIGN,
    )
