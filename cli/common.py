"""Options and helpers shared by the starter's commands."""

from __future__ import annotations

import argparse

from scanner.settings import Settings


def add_common_options(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """Add `--tenant` and `--json`, which every command takes."""
    parser.add_argument(
        "--tenant",
        default=settings.default_tenant,
        help=f"tenant the scans belong to (default {settings.default_tenant!r})",
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines")
