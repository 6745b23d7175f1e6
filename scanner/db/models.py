"""SQLAlchemy 2 models. Alembic migrations create the schema; these mirror it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from scanner.status import JOB_KINDS, STATUSES

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in_list(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Domain(Base):
    __tablename__ = "domains"
    __table_args__ = (UniqueConstraint("tenant_id", "domain"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    domain: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_scanned_at: Mapped[datetime | None]


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (
        CheckConstraint(_in_list("status", STATUSES), name="status"),
        Index(None, "tenant_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    workflow_id: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    total: Mapped[int] = mapped_column(Integer, server_default="0")
    pending: Mapped[int] = mapped_column(Integer, server_default="0")
    running: Mapped[int] = mapped_column(Integer, server_default="0")
    completed: Mapped[int] = mapped_column(Integer, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, server_default="0")
    cancelled: Mapped[int] = mapped_column(Integer, server_default="0")
    options: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]


class ScanJob(Base):
    __tablename__ = "scan_jobs"
    __table_args__ = (
        CheckConstraint(_in_list("status", STATUSES), name="status"),
        CheckConstraint(_in_list("kind", JOB_KINDS), name="kind"),
        Index(None, "tenant_id", "domain_id", "created_at"),
        Index(None, "batch_id", "status"),
        Index(None, "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    # NULL only for a job whose input was not a valid domain.
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id"))
    requested_domain: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, server_default="domain")
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("batches.id")
    )
    workflow_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    error_type: Mapped[str | None] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ScanResult(Base):
    __tablename__ = "scan_results"
    __table_args__ = (Index(None, "tenant_id", "domain_id", "created_at"),)

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("scan_jobs.id"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(Text)
    charset: Mapped[str | None] = mapped_column(Text)
    body_bytes: Mapped[int] = mapped_column(Integer)
    fetch_ms: Mapped[float] = mapped_column(Float)
    extract_ms: Mapped[float] = mapped_column(Float)
    redirect_chain: Mapped[list[Any]] = mapped_column(server_default="[]")
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    canonical: Mapped[str | None] = mapped_column(Text)
    emails: Mapped[list[Any]] = mapped_column(server_default="[]")
    phones: Mapped[list[Any]] = mapped_column(server_default="[]")
    social: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    cms: Mapped[str | None] = mapped_column(Text)
    feeds: Mapped[list[Any]] = mapped_column(server_default="[]")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SitemapFile(Base):
    """A sitemap a scan found: read (possibly partial) or failed with a reason."""

    __tablename__ = "sitemap_files"
    __table_args__ = (
        UniqueConstraint("domain_id", "url"),
        CheckConstraint("status IN ('read', 'failed')", name="status"),
        Index(None, "tenant_id", "domain_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("scan_jobs.id")
    )
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    parent_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer, server_default="1")
    partial: Mapped[bool] = mapped_column(server_default="false")
    url_count: Mapped[int] = mapped_column(Integer, server_default="0")
    invalid_url_count: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SitemapUrl(Base):
    """A page URL listed in a sitemap file.

    The unique key is (sitemap_file_id, md5(url)), an expression index created
    by the migration: a b-tree entry cannot hold the longest URLs sites list.
    """

    __tablename__ = "sitemap_urls"
    __table_args__ = (
        Index(None, "tenant_id", "sitemap_file_id"),
        Index(
            "uq_sitemap_urls_file_url", "sitemap_file_id", text("md5(url)"), unique=True
        ),
        # Lets the URL export page through one sitemap in id order.
        Index(None, "sitemap_file_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    sitemap_file_id: Mapped[int] = mapped_column(
        ForeignKey("sitemap_files.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(Text)
    lastmod: Mapped[datetime | None]
    lastmod_raw: Mapped[str | None] = mapped_column(Text)
    changefreq: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[float | None] = mapped_column(Float)
    extensions: Mapped[dict[str, Any] | None]
    first_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SitemapScan(Base):
    """The summary of one sitemap scan job: counts of files and URLs."""

    __tablename__ = "sitemap_scans"
    __table_args__ = (Index(None, "tenant_id", "domain_id", "created_at"),)

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("scan_jobs.id"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    root_url: Mapped[str | None] = mapped_column(Text)
    files_read: Mapped[int] = mapped_column(Integer, server_default="0")
    files_failed: Mapped[int] = mapped_column(Integer, server_default="0")
    partial_files: Mapped[int] = mapped_column(Integer, server_default="0")
    urls: Mapped[int] = mapped_column(BigInteger, server_default="0")
    invalid_urls: Mapped[int] = mapped_column(BigInteger, server_default="0")
    skipped_urls: Mapped[int] = mapped_column(BigInteger, server_default="0")
    failed_by_reason: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
