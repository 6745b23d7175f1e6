"""The workflow that scans a list of domains as child scans in a sliding window."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ChildWorkflowError,
    WorkflowAlreadyStartedError,
)
from temporalio.exceptions import CancelledError as TemporalCancelledError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.batch import BatchActivities
    from scanner.batch_payloads import (
        AttachScanInput,
        AttachScanResult,
        BatchCarry,
        BatchEntry,
        BatchPage,
        BatchPageInput,
        BatchProgress,
        JobAssignment,
        RefreshBatchInput,
        RegisterBatchInput,
        ScanBatchInput,
    )
    from scanner.payloads import ScanDomainInput
    from scanner.status import Status
    from workflows.ids import scan_workflow_id
    from workflows.scan_domain import DATABASE_RETRY, ScanDomainWorkflow
    from workflows.search import scan_attributes

# Loaded domains waiting for a free slot, at most this many pages of them. It
# bounds what a run carries into the next one through continue-as-new.
MAX_BACKLOG_PAGES = 2
# A scan that another request started is watched by an activity that
# heartbeats, so a lost worker is noticed within this time.
ATTACH_HEARTBEAT = timedelta(seconds=30)
# The sitemap scan a `--sitemaps` batch runs after each completed domain scan,
# and the prefix of its workflow id (`scan-sitemap/TENANT/DOMAIN`).
SITEMAP_WORKFLOW = "ScanSitemapWorkflow"
SITEMAP_WORKFLOW_PREFIX = "scan-sitemap"


@workflow.defn
class ScanBatchWorkflow:
    """Scan every domain of a batch as a child `ScanDomainWorkflow`.

    At most `concurrency` scans run at once, and at most
    `per_host_concurrency` of them share a registrable domain. A failed scan
    is counted and never fails the batch. Before its history grows large the
    workflow waits for its running scans and continues as new with its
    position in the list. Cancelling the batch cancels the running scans and
    marks the domains not yet started `cancelled`.
    """

    def __init__(self) -> None:
        self._batch_id = uuid.UUID(int=0)
        self._status = Status.PENDING.value
        self._total = 0
        self._next_position = 0
        self._exhausted = False
        self._queue: list[BatchEntry] = []
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._hosts: Counter[str] = Counter()
        self._assignments: dict[int, uuid.UUID] = {}
        self._outcomes: Counter[str] = Counter()
        self._runs = 1
        self._stopping = False
        self._changed = False

    @workflow.query
    def progress(self) -> BatchProgress:
        """Return the batch's progress as this workflow counts it."""
        running = len(self._in_flight)
        done = sum(self._outcomes.values())
        waiting = max(self._total - done - running, 0)
        cancelled = self._outcomes[Status.CANCELLED.value]
        if self._status == Status.CANCELLED.value:
            cancelled, waiting = cancelled + waiting, 0
        return BatchProgress(
            batch_id=self._batch_id,
            status=self._status,
            total=self._total,
            pending=waiting,
            running=running,
            completed=self._outcomes[Status.COMPLETED.value],
            failed=self._outcomes[Status.FAILED.value],
            cancelled=cancelled,
            runs=self._runs,
        )

    @workflow.run
    async def run(self, data: ScanBatchInput) -> BatchProgress:
        self._restore(data)
        try:
            await self._prepare(data)
            finished = await self._scan(data)
        except (asyncio.CancelledError, ActivityError) as exc:
            if not _is_cancellation(exc):
                raise
            await self._cancel()
            raise TemporalCancelledError("batch cancelled") from exc
        if not finished:
            await self._refresh(Status.RUNNING)
            workflow.logger.info(
                "Batch %s continues as new at position %s (run %s)",
                self._batch_id,
                self._next_position,
                self._runs,
            )
            workflow.continue_as_new(
                self._next_input(data),
                search_attributes=workflow.info().typed_search_attributes,
            )
        self._status = Status.COMPLETED.value
        final = await self._refresh(Status.COMPLETED)
        workflow.logger.info(
            "Batch %s ended: %s completed, %s failed, %s cancelled of %s",
            self._batch_id,
            final.completed,
            final.failed,
            final.cancelled,
            final.total,
        )
        return final

    def _restore(self, data: ScanBatchInput) -> None:
        self._batch_id = data.batch_id
        carry = data.carry or BatchCarry()
        self._total = carry.total
        self._next_position = carry.next_position
        self._exhausted = carry.exhausted
        self._queue = list(carry.backlog)
        self._outcomes.update(
            {
                Status.COMPLETED.value: carry.completed,
                Status.FAILED.value: carry.failed,
                Status.CANCELLED.value: carry.cancelled,
            }
        )
        self._runs = carry.runs
        if data.domains is not None:
            self._total = len(data.domains)

    async def _prepare(self, data: ScanBatchInput) -> None:
        self._status = Status.RUNNING.value
        if data.carry is not None:
            return
        if data.domains is not None:
            await workflow.execute_activity_method(
                BatchActivities.register_batch,
                RegisterBatchInput(
                    batch_id=data.batch_id,
                    tenant=data.tenant,
                    workflow_id=workflow.info().workflow_id,
                    domains=data.domains,
                    options={"sitemaps": data.sitemaps},
                ),
                start_to_close_timeout=timedelta(seconds=60),
                schedule_to_close_timeout=timedelta(minutes=10),
                retry_policy=DATABASE_RETRY,
            )
        await self._refresh(Status.RUNNING)

    async def _scan(self, data: ScanBatchInput) -> bool:
        """Run the window until every domain ended, or return False to go on anew."""
        interval = timedelta(seconds=data.progress_interval_seconds)
        last_refresh = workflow.now()
        while True:
            await self._fill(data)
            if self._all_started() and not self._in_flight:
                return True
            if self._should_continue_as_new(data):
                self._stopping = True
                await workflow.wait_condition(lambda: not self._in_flight)
                return self._all_started()
            # The timeout wakes the loop to refresh the totals while scans run.
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._changed, timeout=interval)
            self._changed = False
            if workflow.now() - last_refresh >= interval:
                await self._refresh(Status.RUNNING)
                last_refresh = workflow.now()

    def _all_started(self) -> bool:
        return self._exhausted and not self._queue

    def _should_continue_as_new(self, data: ScanBatchInput) -> bool:
        info = workflow.info()
        if info.is_continue_as_new_suggested():
            return True
        return info.get_current_history_length() >= data.max_history_events

    async def _fill(self, data: ScanBatchInput) -> None:
        """Start scans until the window is full or no domain may start now."""
        while len(self._in_flight) < data.concurrency and not self._stopping:
            entry = self._take_eligible(data.per_host_concurrency)
            if entry is not None:
                self._start(entry, data)
                continue
            if (
                self._exhausted
                or len(self._queue) >= MAX_BACKLOG_PAGES * data.page_size
            ):
                return
            await self._load_page(data)

    def _take_eligible(self, per_host: int) -> BatchEntry | None:
        for index, entry in enumerate(self._queue):
            if self._hosts[entry.host] < per_host:
                return self._queue.pop(index)
        return None

    async def _load_page(self, data: ScanBatchInput) -> None:
        start = self._next_position
        if data.domains is not None:
            entries = data.domains[start : start + data.page_size]
        else:
            page: BatchPage = await workflow.execute_activity_method(
                BatchActivities.load_batch_page,
                BatchPageInput(
                    batch_id=data.batch_id, start=start, limit=data.page_size
                ),
                start_to_close_timeout=timedelta(seconds=60),
                schedule_to_close_timeout=timedelta(minutes=10),
                retry_policy=DATABASE_RETRY,
            )
            entries = page.entries
            self._total = page.total
        self._queue.extend(entries)
        if entries:
            self._next_position = entries[-1].position + 1
        self._exhausted = len(entries) < data.page_size

    def _start(self, entry: BatchEntry, data: ScanBatchInput) -> None:
        # workflow.uuid4() is seeded by the run, so a replay makes the same ids.
        job_id = workflow.uuid4()
        self._assignments[entry.position] = job_id
        self._hosts[entry.host] += 1
        task = asyncio.create_task(self._run_child(entry, job_id, data))
        self._in_flight[entry.position] = task

    async def _run_child(
        self, entry: BatchEntry, job_id: uuid.UUID, data: ScanBatchInput
    ) -> None:
        try:
            outcome = await self._child_outcome(entry, job_id, data)
            self._outcomes[outcome] += 1
            if outcome == Status.COMPLETED.value and data.sitemaps:
                await self._after_domain_scan(entry, data)
        finally:
            self._hosts[entry.host] -= 1
            del self._in_flight[entry.position]
            self._changed = True

    async def _child_outcome(
        self, entry: BatchEntry, job_id: uuid.UUID, data: ScanBatchInput
    ) -> str:
        workflow_id = scan_workflow_id(data.tenant, entry.domain)
        try:
            handle = await workflow.start_child_workflow(
                ScanDomainWorkflow.run,
                ScanDomainInput(
                    tenant=data.tenant,
                    domain=_scan_input_domain(entry),
                    job_id=job_id,
                    batch_id=data.batch_id,
                    scrape_timeout_seconds=data.scrape_timeout_seconds,
                    scrape_max_attempts=data.scrape_max_attempts,
                ),
                id=workflow_id,
                # Cancelling or terminating the batch cancels its running scans.
                parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
                memo={"job_id": str(job_id)},
                search_attributes=scan_attributes(
                    data.tenant, entry.domain, data.batch_id
                ),
            )
        except WorkflowAlreadyStartedError:
            return await self._attach(entry, workflow_id)
        try:
            await handle
        except ChildWorkflowError as exc:
            if isinstance(exc.cause, TemporalCancelledError):
                return Status.CANCELLED.value
            return Status.FAILED.value
        return Status.COMPLETED.value

    async def _attach(self, entry: BatchEntry, workflow_id: str) -> str:
        """Count a scan of the domain that was already running, not a second one."""
        attached: AttachScanResult = await workflow.execute_activity_method(
            BatchActivities.attach_running_scan,
            AttachScanInput(workflow_id=workflow_id),
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=ATTACH_HEARTBEAT,
        )
        if attached.job_id is not None:
            self._assignments[entry.position] = attached.job_id
        return attached.status

    async def _after_domain_scan(self, entry: BatchEntry, data: ScanBatchInput) -> None:
        """Read the domain's sitemaps after its scan completed, in the same slot.

        The sitemap scan is started by workflow type name, and its input as the
        fields of `ScanSitemapInput`, so this module does not import the
        sitemap workflow. Its outcome does not change the batch's totals,
        which count domain scans. A failure is logged and the batch goes on.
        """
        workflow_id = f"{SITEMAP_WORKFLOW_PREFIX}/{data.tenant}/{entry.domain}"
        try:
            await workflow.execute_child_workflow(
                SITEMAP_WORKFLOW,
                {
                    "tenant": data.tenant,
                    "domain": _scan_input_domain(entry),
                    "job_id": str(workflow.uuid4()),
                    "batch_id": str(data.batch_id),
                },
                id=workflow_id,
                parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
                search_attributes=scan_attributes(
                    data.tenant, entry.domain, data.batch_id
                ),
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("Sitemap scan %s is already running", workflow_id)
        except ChildWorkflowError as exc:
            workflow.logger.warning(
                "Sitemap scan %s of batch %s failed: %s",
                workflow_id,
                data.batch_id,
                exc.cause or exc,
            )

    async def _refresh(self, status: Status) -> BatchProgress:
        """Write the job ids of started domains and recount the batch row."""
        sent = dict(self._assignments)
        progress: BatchProgress = await workflow.execute_activity_method(
            BatchActivities.refresh_batch,
            RefreshBatchInput(
                batch_id=self._batch_id,
                status=status.value,
                assignments=[
                    JobAssignment(position=position, job_id=job_id)
                    for position, job_id in sorted(sent.items())
                ],
            ),
            start_to_close_timeout=timedelta(seconds=30),
            schedule_to_close_timeout=timedelta(minutes=10),
            retry_policy=DATABASE_RETRY,
        )
        for position, job_id in sent.items():
            if self._assignments.get(position) == job_id:
                del self._assignments[position]
        return progress.model_copy(update={"runs": self._runs})

    async def _cancel(self) -> None:
        """Cancel the running scans, wait for them to end, mark the rest."""
        self._stopping = True
        self._status = Status.CANCELLED.value
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._refresh(Status.CANCELLED)
        workflow.logger.info("Batch %s cancelled", self._batch_id)

    def _next_input(self, data: ScanBatchInput) -> ScanBatchInput:
        carry = BatchCarry(
            total=self._total,
            next_position=self._next_position,
            exhausted=self._exhausted,
            backlog=self._queue,
            completed=self._outcomes[Status.COMPLETED.value],
            failed=self._outcomes[Status.FAILED.value],
            cancelled=self._outcomes[Status.CANCELLED.value],
            runs=self._runs + 1,
        )
        return data.model_copy(update={"carry": carry})


def _is_cancellation(error: BaseException) -> bool:
    if isinstance(error, asyncio.CancelledError):
        return True
    return isinstance(error, ActivityError) and isinstance(
        error.cause, TemporalCancelledError
    )


def batch_workflow_id(tenant: str, batch_id: uuid.UUID) -> str:
    """Return the workflow id of a batch: `scan-batch/TENANT/BATCH_ID`."""
    return f"scan-batch/{tenant}/{batch_id}"


def _scan_input_domain(entry: BatchEntry) -> str:
    """Return the domain to give a child scan, `www.` first when the line had it.

    Scans try the bare and the `www.` host in the order typed, so a batch line
    must reach its scan in the same form as a single `scan` of that line.
    """
    return f"www.{entry.domain}" if entry.www_first else entry.domain
