"""Measure batch throughput: the full stack against a plain asyncio loop.

Run from the repository root:

    .venv/bin/python bench/batch_throughput.py --domains 10000 --concurrency 50 200

Sites are served on 127.0.0.1 over http by `devstack.sites.SiteServer` with a
delay before every response (`--latency`, default 0.1 s). The full stack is
the Temporal dev server, `--workers` worker processes and Postgres (a fresh
database on `DATABASE_URL`, default postgresql://postgres@127.0.0.1:5432/test,
dropped afterwards). The baseline fetches robots.txt and the homepage of each
site and parses it with BeautifulSoup, at the same concurrency, with no
orchestration and no persistence.

Round trips are counted in the workers with SQLAlchemy events (statements,
BEGIN, COMMIT or ROLLBACK, and the pre-ping of each pool checkout); the
database's own `xact_commit` delta is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # type: ignore[import-untyped]
import psutil
from sqlalchemy.engine import make_url

from bench.batch_baseline import run_baseline
from bench.bench_sites import site_name
from cli.batch import BatchOptions, submit_batch
from cli.progress import ProgressDisplay
from devstack.migrate import upgrade_database
from devstack.temporal import TemporalDevServer
from scanner.batch_input import parse_values
from scanner.batch_payloads import BatchProgress
from scanner.db.engine import create_engine, create_session_factory
from scanner.settings import Settings
from temporal_client import connect_client
from workflows.scan_batch import ScanBatchWorkflow

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class StackRun:
    seconds: float
    completed: int
    failed: int
    peak_rss_mb: float
    counts: dict[str, int]
    xact_commits: int


@contextmanager
def site_process(count: int, latency: float) -> Iterator[int]:
    """Serve the benchmark sites in a child process and yield its HTTP port."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_sites.py"),
            str(count),
            str(latency),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        yield int(process.stdout.readline())
    finally:
        process.stdin.close()
        process.wait(timeout=30)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create and migrate a database for one benchmark, and drop it afterwards."""
    url = make_url(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"scanner_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_execute(admin, f'CREATE DATABASE "{name}"'))
    database = url.set(database=name).render_as_string(hide_password=False)
    upgrade_database(database)
    try:
        yield database
    finally:
        asyncio.run(_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _execute(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _xact_commits(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        value = await connection.fetchval(
            "SELECT xact_commit FROM pg_stat_database"
            " WHERE datname = current_database()"
        )
    finally:
        await connection.close()
    return int(value)


class RssSampler:
    """Sample the summed RSS of some processes in a thread and keep the peak."""

    def __init__(self, pids: list[int]) -> None:
        self._processes = [psutil.Process(pid) for pid in pids]
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            total = 0
            for process in self._processes:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            self.peak = max(self.peak, total)


def worker_env(
    database: str, temporal: str, queue: str, port: int, concurrency: int
) -> dict[str, str]:
    """Return the environment of a benchmark worker."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database,
        TEMPORAL_ADDRESS=temporal,
        TEMPORAL_TASK_QUEUE=queue,
        SCANNER_CONNECT_TO=f":80:127.0.0.1:{port}",
        SCANNER_SCHEMES="http",
        SCANNER_ALLOW_PRIVATE_ADDRESSES="true",
        SCANNER_MAX_CONCURRENT_ACTIVITIES=str(concurrency + 20),
    )
    return env


@contextmanager
def workers(
    count: int, env: dict[str, str], log_dir: Path
) -> Iterator[tuple[list[int], list[Path]]]:
    """Start `count` counting workers, and stop them on exit so they write counts."""
    processes = []
    count_files = []
    for index in range(count):
        counts = log_dir / f"counts-{index}.json"
        log = (log_dir / f"worker-{index}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bench_worker.py")],
            env={**env, "BENCH_COUNTS_FILE": str(counts)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        count_files.append(counts)
    try:
        time.sleep(3)
        yield [process.pid for process in processes], count_files
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


async def submit_and_wait(
    settings: Settings, hosts: list[str], concurrency: int
) -> tuple[float, int, int]:
    """Submit one batch, wait for it, and return seconds, completed and failed."""
    client = await connect_client(settings)
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    parsed = parse_values(enumerate(hosts, 1))
    display = ProgressDisplay(sys.stderr, interactive=False, interval=10)
    try:
        started = time.perf_counter()
        submitted = await submit_batch(
            client,
            settings,
            sessions,
            f"bench-{uuid.uuid4().hex[:6]}",
            parsed,
            BatchOptions(concurrency=concurrency),
        )
        waiting = asyncio.ensure_future(submitted.handle.result())
        while not waiting.done():
            await asyncio.wait({waiting}, timeout=2)
            if not waiting.done():
                progress: BatchProgress = await submitted.handle.query(
                    ScanBatchWorkflow.progress
                )
                display.update(progress)
        result = waiting.result()
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    return elapsed, result.completed, result.failed


def run_stack(
    args: argparse.Namespace,
    database: str,
    temporal: str,
    port: int,
    hosts: list[str],
    concurrency: int,
) -> StackRun:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = worker_env(database, temporal, queue, port, concurrency)
    settings = Settings.from_env(env)
    admin = (
        make_url(settings.database_url)
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as folder:
        with workers(args.workers, env, Path(folder)) as (pids, count_files):
            before = asyncio.run(_xact_commits(admin))
            with RssSampler(pids) as sampler:
                seconds, completed, failed = asyncio.run(
                    submit_and_wait(settings, hosts, concurrency)
                )
            after = asyncio.run(_xact_commits(admin))
        counts: dict[str, int] = {}
        for path in count_files:
            for key, value in json.loads(path.read_text()).items():
                counts[key] = counts.get(key, 0) + value
    return StackRun(
        seconds, completed, failed, sampler.peak / 2**20, counts, after - before
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--domains", type=int, default=10_000, help="sites to scan (default 10000)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[50, 200],
        help="scans at once (default 50 200)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (default 1)"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.1,
        help="seconds before each response (default 0.1)",
    )
    parser.add_argument(
        "--skip-baseline", action="store_true", help="run only the full stack"
    )
    args = parser.parse_args()

    hosts = [site_name(index) for index in range(args.domains)]
    server_url = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE
    rows = []
    with site_process(args.domains, args.latency) as port:
        baseline = {}
        if not args.skip_baseline:
            for concurrency in args.concurrency:
                seconds = asyncio.run(run_baseline(hosts, port, concurrency))
                baseline[concurrency] = seconds
                print(
                    f"baseline c={concurrency}: {args.domains / seconds:.1f} domains/s",
                    file=sys.stderr,
                )
        with fresh_database(server_url) as database, TemporalDevServer() as temporal:
            for concurrency in args.concurrency:
                run = run_stack(
                    args, database, temporal.address, port, hosts, concurrency
                )
                rows.append((concurrency, baseline.get(concurrency), run))
    _print_table(args, rows)
    return 0


HEADER = (
    "conc",
    "baseline d/s",
    "stack d/s",
    "ratio",
    "completed",
    "failed",
    "worker RSS MB",
    "round trips/domain",
    "stmts/begins/commits/pings",
    "xact_commit/domain",
)


def _print_table(
    args: argparse.Namespace, rows: list[tuple[int, float | None, StackRun]]
) -> None:
    n = args.domains
    print(
        f"\n{n} domains, latency {args.latency * 1000:.0f} ms, "
        f"{args.workers} worker process(es), {os.cpu_count()} CPUs"
    )
    print(" | ".join(HEADER))
    for concurrency, base_seconds, run in rows:
        base_rate = n / base_seconds if base_seconds else float("nan")
        rate = n / run.seconds
        kinds = ("statements", "begins", "commits", "checkouts")
        trips = sum(run.counts.get(key, 0) for key in (*kinds, "rollbacks"))
        detail = "/".join(f"{run.counts.get(key, 0) / n:.2f}" for key in kinds)
        cells = [
            str(concurrency),
            f"{base_rate:.1f}",
            f"{rate:.1f}",
            f"{base_rate / rate:.1f}",
            str(run.completed),
            str(run.failed),
            f"{run.peak_rss_mb:.0f}",
            f"{trips / n:.2f}",
            detail,
            f"{run.xact_commits / n:.2f}",
        ]
        print(" | ".join(cells))


if __name__ == "__main__":
    sys.exit(main())
