"""Workflow definitions: deterministic, no I/O."""

from workflows.scan_domain import ScanDomainWorkflow

ALL_WORKFLOWS: list[type] = [ScanDomainWorkflow]

__all__ = ["ALL_WORKFLOWS", "ScanDomainWorkflow"]
