"""Workflow definitions: deterministic, no I/O."""

from workflows.reconcile import ReconcileJobsWorkflow
from workflows.scan_batch import ScanBatchWorkflow
from workflows.scan_domain import ScanDomainWorkflow
from workflows.scan_sitemap import ScanSitemapWorkflow

ALL_WORKFLOWS: list[type] = [
    ScanDomainWorkflow,
    ScanBatchWorkflow,
    ReconcileJobsWorkflow,
    ScanSitemapWorkflow,
]

__all__ = [
    "ALL_WORKFLOWS",
    "ReconcileJobsWorkflow",
    "ScanBatchWorkflow",
    "ScanDomainWorkflow",
    "ScanSitemapWorkflow",
]
