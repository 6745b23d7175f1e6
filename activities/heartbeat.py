"""Heartbeat while a long step runs, so Temporal notices a dead worker early."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from temporalio import activity

ResultT = TypeVar("ResultT")

# Well under the heartbeat timeout the workflow sets on the scrape step, because
# the SDK throttles heartbeats to at most one per 80 % of that timeout.
HEARTBEAT_INTERVAL_SECONDS = 5.0


async def with_heartbeats(
    step: Awaitable[ResultT], interval: float = HEARTBEAT_INTERVAL_SECONDS
) -> ResultT:
    """Await `step`, sending an activity heartbeat every `interval` seconds.

    A worker killed mid-step stops heartbeating, so Temporal retries the step
    after the heartbeat timeout instead of after the whole start-to-close
    timeout. Cancelling the activity cancels `step`.
    """
    task = asyncio.ensure_future(step)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=interval)
            if done:
                return task.result()
            activity.heartbeat()
    finally:
        if not task.done():
            task.cancel()
