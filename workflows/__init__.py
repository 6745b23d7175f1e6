"""Workflow definitions: deterministic, no I/O."""

from workflows.scan_batch import ScanBatchWorkflow
from workflows.scan_domain import ScanDomainWorkflow

ALL_WORKFLOWS: list[type] = [ScanDomainWorkflow, ScanBatchWorkflow]

__all__ = ["ALL_WORKFLOWS", "ScanBatchWorkflow", "ScanDomainWorkflow"]
