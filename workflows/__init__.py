"""Workflow definitions: deterministic, no I/O."""

from workflows.reconcile import ReconcileJobsWorkflow
from workflows.scan_batch import ScanBatchWorkflow
from workflows.scan_domain import ScanDomainWorkflow

ALL_WORKFLOWS: list[type] = [
    ScanDomainWorkflow,
    ScanBatchWorkflow,
    ReconcileJobsWorkflow,
]

__all__ = [
    "ALL_WORKFLOWS",
    "ReconcileJobsWorkflow",
    "ScanBatchWorkflow",
    "ScanDomainWorkflow",
]
