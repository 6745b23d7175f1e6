"""Resolve host names to IP addresses, behind a protocol tests can replace."""

from __future__ import annotations

import asyncio
import socket
from typing import Protocol

from scanner.errors import ErrorKind, FetchError

# getaddrinfo codes for "this name does not exist" (NXDOMAIN or no address of the
# requested family); any other failure may pass, so it is worth a retry.
_MISSING_NAME_CODES = frozenset(
    code
    for code in (
        getattr(socket, "EAI_NONAME", None),
        getattr(socket, "EAI_NODATA", None),
        getattr(socket, "EAI_ADDRFAMILY", None),
    )
    if code is not None
)


class Resolver(Protocol):
    """Map a host name to the IP addresses a connection may go to."""

    async def resolve(self, host: str, port: int) -> list[str]:
        """Return the IP addresses of `host`, best first.

        Raises:
            FetchError: kind `dns`, retryable when the failure may be temporary.
        """
        ...


class SystemResolver:
    """Resolve with the operating system's `getaddrinfo`, run by the event loop."""

    async def resolve(self, host: str, port: int) -> list[str]:
        """Return the distinct addresses of `host` in the order the system gives.

        Raises:
            FetchError: kind `dns`; not retryable when the name does not exist.
        """
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except socket.gaierror as exc:
            missing = exc.errno in _MISSING_NAME_CODES
            reason = "does not exist" if missing else "could not be resolved"
            raise FetchError(
                f"DNS lookup of {host} failed: the name {reason} ({exc.strerror})",
                kind=ErrorKind.DNS,
                retryable=not missing,
            ) from exc

        addresses: list[str] = []
        for _family, _type, _proto, _canonname, sockaddr in infos:
            address = str(sockaddr[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise FetchError(
                f"DNS lookup of {host} returned no addresses",
                kind=ErrorKind.DNS,
                retryable=True,
            )
        return addresses


class StaticResolver:
    """Resolve names from a fixed table and fail for any other name, as NXDOMAIN.

    Tests use it to give a name a private or public address without real DNS.
    """

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = {
            name.lower().rstrip("."): list(ips) for name, ips in table.items()
        }
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        """Return the table's addresses for `host` and record the lookup."""
        key = host.lower().rstrip(".")
        self.lookups.append(key)
        if key not in self.table:
            raise FetchError(
                f"DNS lookup of {host} failed: the name does not exist",
                kind=ErrorKind.DNS,
                retryable=False,
            )
        return list(self.table[key])
