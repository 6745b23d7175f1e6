"""Fetch a domain's homepage under each host name a site may respond on."""

from __future__ import annotations

import logging
from typing import Protocol

from scanner.errors import ErrorKind, FetchError
from scanner.net.failures import UnreachableError
from scanner.net.responses import FetchResponse

logger = logging.getLogger(__name__)


class HomepageFetcher(Protocol):
    async def fetch_homepage(self, domain: str) -> FetchResponse: ...


def candidate_hosts(domain: str, *, www_first: bool = False) -> list[str]:
    """Return the hosts to try for a canonical domain, best first.

    The canonical form drops a leading `www.`, but many sites respond only on the
    `www.` name, so both are tried, the form the user typed first.
    """
    hosts = [domain, f"www.{domain}"]
    return hosts[::-1] if www_first else hosts


async def fetch_site_homepage(
    fetcher: HomepageFetcher, domain: str, *, www_first: bool = False
) -> FetchResponse:
    """Fetch the homepage from the first candidate host that can be reached.

    A host whose name does not resolve or that refuses connections moves on to
    the next candidate. Any other failure (an HTTP error, a private address, a
    timeout while reading) is the site's response, so it is raised as it is.

    Raises:
        FetchError: the failure of the last host tried, or the first answer
            that was not a reachability failure.
    """
    hosts = candidate_hosts(domain, www_first=www_first)
    last_error: FetchError | None = None
    for host in hosts:
        try:
            return await fetcher.fetch_homepage(host)
        except FetchError as exc:
            unreachable = isinstance(exc, UnreachableError) or exc.kind is ErrorKind.DNS
            if not unreachable:
                raise
            logger.info("Homepage of %s not reachable as %s: %s", domain, host, exc)
            if last_error is None or last_error.kind is ErrorKind.DNS:
                last_error = exc
    assert last_error is not None
    raise last_error
