"""The demo's services when their default ports are taken by another program."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devstack.demo import postgres, temporal
from devstack.temporal import free_port


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
