"""`python worker.py` checks its database before it takes any work."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


async def _worker(database_url: str) -> tuple[int, str]:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        # Nothing listens here: the worker must stop before it tries Temporal.
        TEMPORAL_ADDRESS="127.0.0.1:9",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "worker.py"),
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def _with_database(server_url: str, name: str) -> str:
    url = make_url(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    return url.set(database=name).render_as_string(hide_password=False)


async def test_worker_missing_database_stops(server_url: str) -> None:
    code, err = await _worker(_with_database(server_url, "no_such_scanner_db"))

    assert code == 2
    assert "no_such_scanner_db" in err
    assert "Traceback" not in err


async def test_worker_unmigrated_database_stops(server_url: str) -> None:
    code, err = await _worker(_with_database(server_url, "postgres"))

    assert code == 2
    assert "alembic upgrade head" in err
