"""Temporal client set-up shared by the worker, the starter and the tests."""

from __future__ import annotations

import asyncio
import logging
import time

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from scanner.settings import Settings

logger = logging.getLogger(__name__)


async def connect_client(settings: Settings, *, wait_seconds: float = 0.0) -> Client:
    """Connect to Temporal with the pydantic data converter every client must use.

    Args:
        settings: where Temporal is and which namespace to use.
        wait_seconds: how long to keep retrying while the server is still
            starting (it refuses connections, or returns "Frontend is not
            healthy yet"); 0 tries once.

    Raises:
        RuntimeError: the server could not be reached in time; the message
            names the address.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                data_converter=pydantic_data_converter,
            )
        except RuntimeError as exc:
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"cannot connect to Temporal at {settings.temporal_address}: "
                    f"{exc}; check TEMPORAL_ADDRESS and that the server runs"
                ) from exc
            logger.info(
                "Temporal at %s not ready yet: %s", settings.temporal_address, exc
            )
            await asyncio.sleep(0.5)
