"""Limit how many requests run at once against one host."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _HostSlots:
    semaphore: asyncio.Semaphore
    users: int = field(default=0)


class HostLimiter:
    """A semaphore per host, dropped when no request holds or awaits it.

    Dropping idle entries keeps a worker that scans millions of hosts from
    keeping one semaphore per host forever.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._hosts: dict[str, _HostSlots] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Wait for one of the host's `limit` slots and hold it for the block."""
        key = host.lower()
        entry = self._hosts.get(key)
        if entry is None:
            entry = _HostSlots(asyncio.Semaphore(self.limit))
            self._hosts[key] = entry
        entry.users += 1
        try:
            async with entry.semaphore:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._hosts[key]

    def tracked_hosts(self) -> int:
        """Return how many hosts have a request running or waiting."""
        return len(self._hosts)
