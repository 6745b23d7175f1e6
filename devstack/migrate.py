"""Apply the Alembic migrations to a database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    """Return the project's Alembic configuration aimed at `database_url`."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Migrate the database at `database_url` to `revision`.

    Alembic's environment runs its own event loop, so call this from a thread
    when an event loop is already running.
    """
    from scanner.settings import normalize_database_url

    command.upgrade(alembic_config(normalize_database_url(database_url)), revision)
