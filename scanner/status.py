"""The one status vocabulary of jobs and batches, and which moves are allowed."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobKind(StrEnum):
    DOMAIN = "domain"
    SITEMAP = "sitemap"


STATUSES: tuple[str, ...] = tuple(status.value for status in Status)
JOB_KINDS: tuple[str, ...] = tuple(kind.value for kind in JobKind)
TERMINAL: frozenset[Status] = frozenset(
    {Status.COMPLETED, Status.FAILED, Status.CANCELLED}
)

# For each target status, the statuses a job may move to it from. `failed` may
# move back to `running` because a user can reset a failed workflow in Temporal.
# `completed` and `cancelled` never move again, so a late retry cannot undo them.
ALLOWED_FROM: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.PENDING}),
    Status.RUNNING: frozenset({Status.PENDING, Status.RUNNING, Status.FAILED}),
    Status.COMPLETED: frozenset({Status.PENDING, Status.RUNNING, Status.FAILED}),
    Status.FAILED: frozenset({Status.PENDING, Status.RUNNING, Status.FAILED}),
    Status.CANCELLED: frozenset({Status.PENDING, Status.RUNNING}),
}
