"""The workflow a schedule runs to fail jobs that their workflow left unfinished."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.reconcile import (
        ReconcileActivities,
        ReconcileInput,
        ReconcileResult,
    )

RECONCILE_WORKFLOW_PREFIX = "reconcile-jobs"


def reconcile_schedule_id(task_queue: str) -> str:
    """Return the id of the schedule, and of its workflow, for a task queue."""
    return f"{RECONCILE_WORKFLOW_PREFIX}/{task_queue}"


@workflow.defn
class ReconcileJobsWorkflow:
    """Mark `failed` the jobs whose workflow was terminated or timed out.

    A terminated or timed-out scan never runs its error step, so its job would
    stay `pending` or `running`. Safe to run at any time and more than once: it
    changes only jobs whose run Temporal reports as ended.
    """

    @workflow.run
    async def run(self, data: ReconcileInput) -> ReconcileResult:
        return await workflow.execute_activity_method(
            ReconcileActivities.fail_abandoned_jobs,
            data,
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                maximum_interval=timedelta(seconds=30),
                maximum_attempts=5,
            ),
        )
