"""Thin Temporal activities: one job each, each with its own database session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.batch import BatchActivities
from activities.reconcile import ReconcileActivities
from activities.scan import ScanActivities
from activities.sitemap import SitemapActivities
from scanner.net.fetcher import Fetcher
from scanner.settings import Settings


def build_activities(
    sessions: async_sessionmaker[AsyncSession],
    fetcher: Fetcher,
    settings: Settings,
) -> list[object]:
    """Return every activity the worker registers, bound to shared resources."""
    scan = ScanActivities(sessions, fetcher, settings).all()
    sitemap = SitemapActivities(sessions, fetcher, settings).all()
    return [*scan, *BatchActivities(sessions, settings).all(), *sitemap]


__all__ = [
    "BatchActivities",
    "ReconcileActivities",
    "ScanActivities",
    "SitemapActivities",
    "build_activities",
]
