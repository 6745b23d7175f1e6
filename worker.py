"""Run a domain-scanner worker: `python worker.py`.

It builds the database engine, the HTTP fetcher and the activities once, then
polls the task queue until SIGINT or SIGTERM. On a signal it stops polling and
gives running activities a grace period; anything still unfinished is retried
by another worker.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import (
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)

from activities import ReconcileActivities, build_activities
from activities.reconcile import ReconcileInput
from scanner.db.engine import check_database, create_engine, create_session_factory
from scanner.errors import ConfigurationError
from scanner.net.fetcher import Fetcher
from scanner.settings import Settings
from temporal_client import connect_client
from workflows import ALL_WORKFLOWS, ReconcileJobsWorkflow
from workflows.reconcile import reconcile_schedule_id

logger = logging.getLogger("domain_scanner.worker")


def build_worker(
    client: Client,
    settings: Settings,
    activities: Sequence[object],
    *,
    task_queue: str | None = None,
    graceful_shutdown: timedelta = timedelta(seconds=30),
) -> Worker:
    """Create the worker with every workflow and the given activities."""
    return Worker(
        client,
        task_queue=task_queue or settings.temporal_task_queue,
        workflows=ALL_WORKFLOWS,
        activities=list(activities),  # type: ignore[arg-type]
        max_concurrent_activities=settings.max_concurrent_activities,
        graceful_shutdown_timeout=graceful_shutdown,
        workflow_runner=SandboxedWorkflowRunner(
            # The sandbox still rejects non-deterministic calls, but imports
            # each module once instead of once per workflow run. Workflows
            # import only deterministic code and pydantic models.
            restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
        ),
    )


async def ensure_reconcile_schedule(
    client: Client, settings: Settings, *, task_queue: str | None = None
) -> str:
    """Create the schedule that runs `ReconcileJobsWorkflow`, unless it exists.

    Every worker calls this at start-up; the first creates the schedule and the
    others find it. An existing schedule keeps its interval.

    Returns:
        The schedule id.
    """
    queue = task_queue or settings.temporal_task_queue
    schedule_id = reconcile_schedule_id(queue)
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            ReconcileJobsWorkflow.run,
            ReconcileInput(older_than_seconds=settings.reconcile_after_seconds),
            id=schedule_id,
            task_queue=queue,
        ),
        spec=ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(
                    every=timedelta(seconds=settings.reconcile_interval_seconds)
                )
            ]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        logger.info("Schedule %s already exists", schedule_id)
    else:
        logger.info(
            "Created schedule %s every %.0f s",
            schedule_id,
            settings.reconcile_interval_seconds,
        )
    return schedule_id


async def run_worker(settings: Settings, *, grace_seconds: float) -> None:
    """Run until a signal arrives, then drain and close every resource."""
    engine = create_engine(settings)
    try:
        await check_database(engine)
    except ConfigurationError:
        await engine.dispose()
        raise
    client = await connect_client(settings, wait_seconds=60)
    sessions = create_session_factory(engine)
    fetcher = Fetcher(settings)
    activities = [
        *build_activities(sessions, fetcher, settings),
        *ReconcileActivities(sessions, client, settings).all(),
    ]
    await ensure_reconcile_schedule(client, settings)
    worker = build_worker(
        client,
        settings,
        activities,
        graceful_shutdown=timedelta(seconds=grace_seconds),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    logger.info(
        "Worker started on task queue %s at %s (namespace %s, pool mode %s)",
        settings.temporal_task_queue,
        settings.temporal_address,
        settings.temporal_namespace,
        settings.database_pool_mode,
    )
    try:
        async with worker:
            await stop.wait()
            logger.info(
                "Stopping: waiting up to %.0f s for running steps", grace_seconds
            )
    finally:
        await fetcher.aclose()
        await engine.dispose()
    logger.info("Worker stopped")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a domain-scanner worker.")
    parser.add_argument(
        "--grace-seconds",
        type=float,
        default=30.0,
        help="seconds running activities get to finish after SIGTERM (default 30)",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = Settings.from_env()
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(run_worker(settings, grace_seconds=args.grace_seconds))
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
