"""The starter against a database it cannot use: a message, not a traceback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


async def _results(database_url: str) -> tuple[int, str]:
    env = dict(os.environ, DATABASE_URL=database_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "starter.py"),
        "results",
        "example.com",
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


async def test_results_unmigrated_database_hint(server_url: str) -> None:
    code, err = await _results(_with_database(server_url, "postgres"))

    assert code == 1
    assert "Traceback" not in err
    assert "alembic upgrade head" in err


async def test_results_missing_database_named(server_url: str) -> None:
    code, err = await _results(_with_database(server_url, "no_such_scanner_db"))

    assert code == 1
    assert "Traceback" not in err
    assert "no_such_scanner_db" in err
    assert "DATABASE_URL" in err
