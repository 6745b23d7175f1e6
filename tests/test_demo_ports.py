"""The demo's services when their default ports are taken by another program."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import psutil
import pytest

from devstack.demo import postgres, temporal
from devstack.temporal import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_demo_busy_port_starts_own_server() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        env: dict[str, str] = {}
        with temporal(env, port=taken, ui_port=free_port()) as ui_url:
            address = env["TEMPORAL_ADDRESS"]

    assert address != f"127.0.0.1:{taken}"
    assert ui_url is not None


def test_demo_busy_postgres_port_named(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = {"EMBEDDED_POSTGRES_PORT": str(busy.getsockname()[1])}
        with (
            pytest.raises(RuntimeError, match="EMBEDDED_POSTGRES_PORT"),
            postgres(env, tmp_path / "postgres"),
        ):
            pass


async def test_demo_sigterm_stops_worker(
    database_url: str, temporal_server: str, task_queue: str
) -> None:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        TEMPORAL_ADDRESS=temporal_server,
        TEMPORAL_TASK_QUEUE=task_queue,
        KEEP_RUNNING="1",
    )
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "devstack.demo",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert demo.stdout is not None
    while b"keep running" not in (line := await demo.stdout.readline()):
        assert line, "the demo ended before it kept its services running"
    workers = [
        child
        for child in psutil.Process(demo.pid).children(recursive=True)
        if "worker.py" in " ".join(child.cmdline())
    ]

    demo.send_signal(signal.SIGTERM)
    await asyncio.wait_for(demo.wait(), timeout=60)

    assert workers
    assert not any(worker.is_running() for worker in workers)
