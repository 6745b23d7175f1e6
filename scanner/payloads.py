"""Inputs and results of workflows and activities: small, versionable models.

Temporal stores these in workflow history, so they carry ids and extracted
fields, never page bodies. New fields get defaults so running workflows keep
decoding older payloads.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class PageData(BaseModel):
    """The fields extracted from a homepage."""

    title: str | None = None
    description: str | None = None
    language: str | None = None
    canonical: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    social: dict[str, str] = Field(default_factory=dict)
    cms: str | None = None
    feeds: list[str] = Field(default_factory=list)


class ScrapeResult(BaseModel):
    """The outcome of one homepage fetch, with its timings in milliseconds."""

    requested_url: str
    final_url: str
    http_status: int
    content_type: str | None = None
    charset: str | None = None
    body_bytes: int = 0
    fetch_ms: float = 0.0
    extract_ms: float = 0.0
    redirect_chain: list[str] = Field(default_factory=list)
    page: PageData = Field(default_factory=PageData)


class ScanDomainInput(BaseModel):
    """Start a scan of one domain for one tenant."""

    tenant: str
    domain: str
    job_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    # Must exceed the fetcher's total timeout for robots.txt plus the homepage
    # over each scheme tried.
    scrape_timeout_seconds: float = 120.0
    scrape_max_attempts: int = 3


class ScanDomainResult(BaseModel):
    """The outcome of a domain scan."""

    job_id: uuid.UUID
    tenant: str
    domain: str
    status: str
    error_type: str | None = None
    error_message: str | None = None
    result: ScrapeResult | None = None


class DomainLookupInput(BaseModel):
    tenant: str
    domain: str
    job_id: uuid.UUID
    workflow_id: str
    batch_id: uuid.UUID | None = None
    kind: str = "domain"


class DomainLookupResult(BaseModel):
    tenant_id: int
    domain_id: int
    domain: str
    www_first: bool = False


class JobStatusInput(BaseModel):
    job_id: uuid.UUID
    status: str


class JobStatusResult(BaseModel):
    job_id: uuid.UUID
    status: str
    changed: bool


class ScrapeInput(BaseModel):
    job_id: uuid.UUID
    tenant: str
    domain: str
    # The user typed the `www.` form, so that host is tried first.
    www_first: bool = False


class SaveResultsInput(BaseModel):
    job_id: uuid.UUID
    tenant_id: int
    domain_id: int
    result: ScrapeResult


class JobErrorInput(BaseModel):
    job_id: uuid.UUID
    tenant: str
    requested_domain: str
    workflow_id: str
    error_type: str
    error_message: str
    batch_id: uuid.UUID | None = None
    kind: str = "domain"


class ScanSitemapInput(BaseModel):
    """Start a sitemap scan of one domain for one tenant."""

    tenant: str
    domain: str
    job_id: uuid.UUID
    batch_id: uuid.UUID | None = None
    # The crawl reads up to a thousand sitemaps one after another, each within
    # the fetcher's total timeout, so it gets hours, not minutes.
    crawl_timeout_seconds: float = 4 * 3600.0
    crawl_max_attempts: int = 3


class SitemapSummary(BaseModel):
    """Counts of what one sitemap scan read; small enough for workflow history."""

    root_url: str | None = None
    files_read: int = 0
    files_failed: int = 0
    partial_files: int = 0
    # Page URL entries of the read sitemaps, counted per sitemap.
    urls: int = 0
    # Entries the parser dropped for an unusable URL.
    invalid_urls: int = 0
    # Entries not stored: longer than the URL length cap or with a NUL byte.
    skipped_urls: int = 0
    failed_by_reason: dict[str, int] = Field(default_factory=dict)


class ScanSitemapResult(BaseModel):
    """The outcome of a sitemap scan."""

    job_id: uuid.UUID
    tenant: str
    domain: str
    status: str
    summary: SitemapSummary | None = None


class SitemapCrawlInput(BaseModel):
    job_id: uuid.UUID
    tenant_id: int
    domain_id: int
    domain: str
    www_first: bool = False


class SaveSitemapSummaryInput(BaseModel):
    job_id: uuid.UUID
    tenant_id: int
    domain_id: int
    summary: SitemapSummary
