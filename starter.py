"""The domain-scanner command line: start scans and read their results.

python starter.py scan example.com bücher.de --wait
python starter.py status JOB_ID
python starter.py results example.com --json
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cli import batch, batch_manage, scan, sitemap
from cli.scan import start_scan, wait_for_scan
from scanner.errors import ConfigurationError
from scanner.settings import Settings

# Each module adds its commands with `register(subparsers, settings)`.
COMMAND_MODULES = [scan, batch, batch_manage, sitemap]

__all__ = ["build_parser", "main", "start_scan", "wait_for_scan"]


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="starter.py", description="Start domain scans and read their results."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(commands, settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env()
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args = build_parser(settings).parse_args(argv)
    try:
        return int(asyncio.run(args.handler(args, settings)))
    except KeyboardInterrupt:
        return 130
    except DBAPIError as exc:
        print(f"error: {_database_failure(exc, settings)}", file=sys.stderr)
        return 1
    except (ConnectionError, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _database_failure(exc: DBAPIError, settings: Settings) -> str:
    """Describe a failed database call with the URL and what to do next."""
    url = make_url(settings.database_url).render_as_string(hide_password=True)
    # 42P01 is undefined_table: the database exists but has no schema yet.
    if getattr(exc.orig, "pgcode", None) == "42P01":
        return (
            f"the database at {url} has no scanner tables; run "
            "`alembic upgrade head` with this DATABASE_URL first"
        )
    return f"database request to {url} failed: {exc.orig}; check DATABASE_URL"


if __name__ == "__main__":
    exit_code = main()
    # The Temporal client's Rust threads can outlive the event loop, and
    # interpreter shutdown then sometimes aborts the process (SIGABRT) with
    # "PyGILState_Release: thread state ... must be current": 2 runs of 40
    # with temporalio 1.35.0, reported upstream as "Investigate
    # PyGILState_Release issue for client". Nothing is left to clean up.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
