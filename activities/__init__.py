"""Thin Temporal activities: one job each, each with its own database session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.scan import ScanActivities
from scanner.net.fetcher import Fetcher
from scanner.settings import Settings


def build_activities(
    sessions: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    settings: Settings,
) -> list[object]:
    """Return every activity the worker registers, bound to shared resources."""
    return ScanActivities(sessions, fetcher, settings).all()


__all__ = ["ScanActivities", "build_activities"]
