"""The one place that creates the database engine and the session factory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from scanner.errors import ConfigurationError
from scanner.settings import Settings


def engine_options(settings: Settings) -> dict[str, Any]:
    """Return the `create_async_engine` keyword arguments for the pool mode.

    In `transaction` mode (PgBouncer or Supavisor in transaction pooling) each
    transaction may land on a different server connection, so asyncpg must not
    keep named prepared statements: with both caches at 0, asyncpg 0.31 and
    later send every statement unnamed. The pre-ping and recycle settings let
    the pool drop connections that a database or pooler restart has closed.
    """
    connect_args: dict[str, Any] = {
        "server_settings": {"application_name": "domain-scanner"},
    }
    if settings.database_pool_mode == "transaction":
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_cache_size"] = 0
        # A pooler in transaction mode rejects session parameters at start-up.
        del connect_args["server_settings"]
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "pool_timeout": 30,
        "connect_args": connect_args,
    }


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the engine for `settings.database_url` in the configured pool mode."""
    return create_async_engine(settings.database_url, **engine_options(settings))


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Create the factory every activity opens its own short session from."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def check_database(engine: AsyncEngine) -> None:
    """Check that the database responds and has the scanner's tables.

    Raises:
        ConfigurationError: the database cannot be reached or used, or it has
            no schema yet; the message names the URL without its password.
    """
    url = engine.url.render_as_string(hide_password=True)
    try:
        async with engine.connect() as connection:
            table = await connection.scalar(text("SELECT to_regclass('scan_jobs')"))
    except DBAPIError as exc:
        raise ConfigurationError(
            f"cannot use the database at {url}: {exc.orig}; check DATABASE_URL"
        ) from exc
    except OSError as exc:
        raise ConfigurationError(
            f"cannot connect to the database at {url}: {exc}; check DATABASE_URL "
            "and that Postgres runs"
        ) from exc
    if table is None:
        raise ConfigurationError(
            f"the database at {url} has no scanner tables; run "
            "`alembic upgrade head` with this DATABASE_URL first"
        )
