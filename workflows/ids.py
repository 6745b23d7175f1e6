"""Workflow ids derived from business keys."""

from __future__ import annotations

import hashlib


def scan_workflow_id(tenant: str, domain: str) -> str:
    """Return the workflow id of a domain scan.

    Starting a scan whose id is already running attaches to that run instead of
    starting a second one. `domain` is the canonical form; input that is not a
    valid domain gets an id from a hash of the raw text.
    """
    return f"scan-domain/{tenant}/{domain}"


def invalid_input_workflow_id(tenant: str, raw: str) -> str:
    """Return the workflow id for input that is not a valid domain."""
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"scan-domain/{tenant}/invalid-{digest}"


def sitemap_workflow_id(tenant: str, domain: str) -> str:
    """Return the workflow id of a sitemap scan of a canonical domain.

    As for domain scans, starting one that is already running attaches to it.
    """
    return f"scan-sitemap/{tenant}/{domain}"
