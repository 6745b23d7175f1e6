"""Temporal client set-up shared by the worker, the starter and the tests."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from scanner.settings import Settings


async def connect_client(settings: Settings) -> Client:
    """Connect to Temporal with the pydantic data converter every client must use."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
