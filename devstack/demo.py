"""Run a real scan end to end on the embedded stack: `make run` calls this.

With nothing configured it starts an embedded Postgres and the Temporal dev
server (UI on http://localhost:8233), migrates, starts a worker, serves the
fixture sites on 127.0.0.1, scans them through the connect-to override, prints
the results and stops what it started. `DOMAINS="a.com b.org"` scans real
domains instead. `DATABASE_URL` and `TEMPORAL_ADDRESS` point at existing
services, which are then left alone. Data persists under `.data/`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from devstack.migrate import upgrade_database
from devstack.postgres import EmbeddedPostgres
from devstack.sites import SiteServer
from devstack.temporal import TemporalDevServer, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
DATABASE_NAME = "scanner"

# Fixture sites the demo scans: real pages from several countries and CMSs,
# and two that fail the way real sites do.
DEMO_DOMAINS = (
    "www.bluebell-bookshop.test",
    "www.lakeside-dental.test",
    "www.cafe-mueller.test",
    "www.oakfield-hotel.test",
    "creativecommons.org",
    "mixed.de",
    "www.vice.com",
    "www.lanacion.com.ar",
    "www.redirect-loop.test",
    "www.pdf-home.test",
)

logger = logging.getLogger("domain_scanner.demo")


async def ensure_database(server_url: str, name: str) -> str:
    """Create database `name` on the server unless it exists; return its URL."""
    connection = await asyncpg.connect(server_url)
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", name
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


@contextlib.contextmanager
def postgres(env: dict[str, str], data_dir: Path = DATA / "postgres") -> Iterator[None]:
    if env.get("DATABASE_URL"):
        print("Using the database at DATABASE_URL")
        yield
        return
    port = int(env.get("EMBEDDED_POSTGRES_PORT", "54329"))
    server = EmbeddedPostgres(data_dir, port=port)
    if not server.is_running() and wait_for_port("127.0.0.1", port, 0.2):
        raise RuntimeError(
            f"port {port} is in use by another program, such as the embedded "
            "Postgres of another checkout; set EMBEDDED_POSTGRES_PORT to a free "
            "port, or DATABASE_URL to use a running server"
        )
    print(f"Starting embedded Postgres on 127.0.0.1:{port} (data in .data/postgres)")
    server.start()
    try:
        env["DATABASE_URL"] = asyncio.run(ensure_database(server.url, DATABASE_NAME))
        yield
    finally:
        server.stop()


@contextlib.contextmanager
def temporal(
    env: dict[str, str], port: int = 7233, ui_port: int = 8233
) -> Iterator[str | None]:
    if env.get("TEMPORAL_ADDRESS"):
        print(f"Using the Temporal server at {env['TEMPORAL_ADDRESS']}")
        yield None
        return
    db_file: Path | None = DATA / "temporal.db"
    if wait_for_port("127.0.0.1", port, 0.2):
        # Workers of another checkout may poll the same task queue on that
        # server with another database, and would then run this demo's scans.
        print(
            f"Port {port} is in use, so this demo starts its own Temporal dev "
            "server with history in memory; set "
            f"TEMPORAL_ADDRESS=127.0.0.1:{port} to use the server there instead"
        )
        port, ui_port, db_file = free_port(), free_port(), None
    server = TemporalDevServer(
        port=port,
        ui_port=ui_port,
        db_file=db_file,
        log_file=DATA / "temporal.log",
    )
    print(f"Starting the Temporal dev server on 127.0.0.1:{port}, UI on :{ui_port}")
    server.start()
    env["TEMPORAL_ADDRESS"] = server.address
    try:
        yield server.ui_url
    finally:
        server.stop()


@contextlib.contextmanager
def demo_sites(env: dict[str, str], domains: list[str]) -> Iterator[list[str]]:
    if domains:
        yield domains
        return
    server = SiteServer(ROOT / "tests" / "fixtures" / "sites")
    server.start_in_thread()
    env["SCANNER_CONNECT_TO"] = server.connect_to
    env["SCANNER_CA_BUNDLE"] = server.ca_pem_path
    env["SCANNER_ALLOW_PRIVATE_ADDRESSES"] = "true"
    env.setdefault("SCANNER_TOTAL_TIMEOUT", "10")
    print(
        f"Serving {len(DEMO_DOMAINS)} demo sites from tests/fixtures on 127.0.0.1 "
        f"(https :{server.https_port}, http :{server.http_port})"
    )
    try:
        yield list(DEMO_DOMAINS)
    finally:
        server.stop_thread()


@contextlib.contextmanager
def worker(env: dict[str, str]) -> Iterator[None]:
    log_path = DATA / "worker.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    print(f"Started a worker (pid {process.pid}, log in .data/worker.log)")
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()


def run(domains: list[str], *, keep_running: bool) -> int:
    DATA.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("SCANNER_TENANT", "demo")
    with contextlib.ExitStack() as stack:
        stack.enter_context(postgres(env))
        ui_url = stack.enter_context(temporal(env))
        print("Migrating the database")
        upgrade_database(env["DATABASE_URL"])
        targets = stack.enter_context(demo_sites(env, domains))
        stack.enter_context(worker(env))
        print(f"Scanning {len(targets)} domains...\n")
        started = time.monotonic()
        scan = subprocess.run(
            [sys.executable, str(ROOT / "starter.py"), "scan", *targets, "--wait"],
            env=env,
            cwd=ROOT,
            check=False,
        )
        print(f"\nScanned {len(targets)} domains in {time.monotonic() - started:.1f} s")
        if ui_url:
            print(f"Scan histories: {ui_url}/namespaces/default/workflows")
        print("Stored results: python starter.py results DOMAIN --tenant demo")
        if keep_running:
            print("To use the starter against these services, export:")
            for name in ("DATABASE_URL", "TEMPORAL_ADDRESS", "SCANNER_TENANT"):
                print(f"  export {name}={env[name]}")
            print("Services keep running; press Ctrl-C to stop them.")
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
    # Exit 1 means some scans failed, which the demo includes on purpose.
    return 0 if scan.returncode in {0, 1} else scan.returncode


def _stop_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "domains",
        nargs="*",
        help="domains to scan (default: $DOMAINS, else the demo sites)",
    )
    parser.add_argument(
        "--keep-running",
        action="store_true",
        default=os.environ.get("KEEP_RUNNING", "") not in {"", "0"},
        help="keep the services up after the scan, until Ctrl-C",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # The dev servers run in their own sessions, so they outlive this process
    # unless a stop signal unwinds the stack that stops them, as Ctrl-C does.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    domains = args.domains or os.environ.get("DOMAINS", "").split()
    try:
        return run(domains, keep_running=args.keep_running)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
