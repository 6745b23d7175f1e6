"""Start `python worker.py` as a child process and watch its log."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from devstack.sites import SiteServer

ROOT = Path(__file__).resolve().parent.parent.parent

# The errors asyncpg raises when a pooler hands a named prepared statement to the wrong
# server connection, or when the parameters of a reused name do not match.
PREPARED_STATEMENT_ERROR = re.compile(
    r"prepared statement \S+ (does not exist|already exists)"
    r"|bind message supplies \d+ parameters"
    r"|InvalidSQLStatementNameError|DuplicatePreparedStatementError",
)


def worker_env(
    *,
    database_url: str,
    temporal_address: str,
    task_queue: str,
    site_server: SiteServer,
    pool_mode: str = "direct",
    **extra: str,
) -> dict[str, str]:
    """Return the environment of a worker that scans the local site server."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "SCANNER_", "TEMPORAL_"))
    }
    env.update(
        DATABASE_URL=database_url,
        DATABASE_POOL_MODE=pool_mode,
        TEMPORAL_ADDRESS=temporal_address,
        TEMPORAL_TASK_QUEUE=task_queue,
        SCANNER_CONNECT_TO=site_server.connect_to,
        SCANNER_CA_BUNDLE=site_server.ca_pem_path,
        SCANNER_ALLOW_PRIVATE_ADDRESSES="true",
        SCANNER_TOTAL_TIMEOUT="8",
        SCANNER_READ_TIMEOUT="4",
        SCANNER_CONNECT_TIMEOUT="2",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class WorkerProcess:
    """One `python worker.py` child whose output goes to `log_path`."""

    def __init__(
        self, env: dict[str, str], log_path: Path, *, grace_seconds: float = 5.0
    ) -> None:
        self.env = env
        self.log_path = log_path
        self.grace_seconds = grace_seconds
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "worker.py"),
                    "--grace-seconds",
                    str(self.grace_seconds),
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def wait_ready(self) -> None:
        """Wait up to 30 s until the worker logs that it polls its task queue."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while "Worker started" not in self.log():
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log()}")
            if loop.time() > deadline:
                raise TimeoutError(f"worker did not start:\n{self.log()}")
            await asyncio.sleep(0.1)

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def prepared_statement_errors(self) -> int:
        """Count prepared-statement failures the worker logged."""
        return len(PREPARED_STATEMENT_ERROR.findall(self.log()))

    def kill(self) -> None:
        """End the worker at once, as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    async def wait(self) -> int:
        """Wait up to 60 s for the process to exit and return its exit code."""
        assert self.process is not None
        process = self.process
        return await asyncio.wait_for(asyncio.to_thread(process.wait), 60)

    def stop(self) -> None:
        """Stop the worker: SIGTERM, then SIGKILL if it does not exit."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=self.grace_seconds + 10)
        except subprocess.TimeoutExpired:
            self.kill()
