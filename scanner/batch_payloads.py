"""Inputs and results of the batch workflow and its activities.

The batch workflow's input carries the batch id and, for a short list only,
the domains themselves; a long list stays in `batch_domains` and is read in
pages. New fields get defaults so running batches keep decoding older input.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class BatchEntry(BaseModel):
    """One domain of a batch: its place in the scan order and its host group."""

    position: int
    domain: str
    host: str
    # The line named the `www.` host, so the scan tries that name first.
    www_first: bool = False


class BatchProgress(BaseModel):
    """Progress of a batch, where `done` counts completed, failed and cancelled."""

    batch_id: uuid.UUID
    status: str
    total: int = 0
    pending: int = 0
    running: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    runs: int = 1

    @property
    def done(self) -> int:
        return self.completed + self.failed + self.cancelled


class BatchCarry(BaseModel):
    """State one run hands to the next through continue-as-new."""

    total: int = 0
    next_position: int = 0
    exhausted: bool = False
    backlog: list[BatchEntry] = Field(default_factory=list)
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    runs: int = 1


class ScanBatchInput(BaseModel):
    """Start or continue a batch of domain scans."""

    batch_id: uuid.UUID
    tenant: str
    # A short list may travel in the input. None means read pages from Postgres.
    domains: list[BatchEntry] | None = None
    concurrency: int = 50
    per_host_concurrency: int = 2
    page_size: int = 500
    # Continue as new once history has this many events, or when the server
    # suggests it, whichever comes first.
    max_history_events: int = 10_000
    progress_interval_seconds: float = 2.0
    sitemaps: bool = False
    scrape_timeout_seconds: float = 120.0
    scrape_max_attempts: int = 3
    carry: BatchCarry | None = None


class RegisterBatchInput(BaseModel):
    batch_id: uuid.UUID
    tenant: str
    workflow_id: str
    domains: list[BatchEntry]
    options: dict[str, object] = Field(default_factory=dict)


class BatchPageInput(BaseModel):
    batch_id: uuid.UUID
    start: int
    limit: int


class BatchPage(BaseModel):
    entries: list[BatchEntry]
    total: int


class JobAssignment(BaseModel):
    position: int
    job_id: uuid.UUID


class RefreshBatchInput(BaseModel):
    batch_id: uuid.UUID
    status: str
    assignments: list[JobAssignment] = Field(default_factory=list)


class AttachScanInput(BaseModel):
    workflow_id: str


class AttachScanResult(BaseModel):
    job_id: uuid.UUID | None
    status: str


class CancelJobInput(BaseModel):
    job_id: uuid.UUID
    tenant: str
    requested_domain: str
    workflow_id: str
    batch_id: uuid.UUID | None = None
    kind: str = "domain"
