"""add sitemap tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 16:12:02.714701
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sitemap_files",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("domain_id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("parent_url", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("format", sa.Text(), nullable=True),
        sa.Column("depth", sa.Integer(), server_default="1", nullable=False),
        sa.Column("partial", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("url_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "invalid_url_count", sa.Integer(), server_default="0", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('read', 'failed')", name=op.f("ck_sitemap_files_status")
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["domains.id"],
            name=op.f("fk_sitemap_files_domain_id_domains"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["scan_jobs.id"], name=op.f("fk_sitemap_files_job_id_scan_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sitemap_files_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sitemap_files")),
        sa.UniqueConstraint(
            "domain_id", "url", name=op.f("uq_sitemap_files_domain_id")
        ),
    )
    op.create_index(
        op.f("ix_sitemap_files_tenant_id"),
        "sitemap_files",
        ["tenant_id", "domain_id"],
        unique=False,
    )
    op.create_table(
        "sitemap_urls",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("sitemap_file_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("lastmod", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lastmod_raw", sa.Text(), nullable=True),
        sa.Column("changefreq", sa.Text(), nullable=True),
        sa.Column("priority", sa.Float(), nullable=True),
        sa.Column("extensions", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["sitemap_file_id"],
            ["sitemap_files.id"],
            name=op.f("fk_sitemap_urls_sitemap_file_id_sitemap_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sitemap_urls_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sitemap_urls")),
    )
    op.create_index(
        op.f("ix_sitemap_urls_tenant_id"),
        "sitemap_urls",
        ["tenant_id", "sitemap_file_id"],
        unique=False,
    )
    # A b-tree entry cannot hold the longest URLs sites list, so the unique key
    # is on a hash of the URL; upserts use ON CONFLICT (sitemap_file_id, md5(url)).
    op.create_index(
        "uq_sitemap_urls_file_url",
        "sitemap_urls",
        ["sitemap_file_id", sa.text("md5(url)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_sitemap_urls_file_url", table_name="sitemap_urls")
    op.drop_index(op.f("ix_sitemap_urls_tenant_id"), table_name="sitemap_urls")
    op.drop_table("sitemap_urls")
    op.drop_index(op.f("ix_sitemap_files_tenant_id"), table_name="sitemap_files")
    op.drop_table("sitemap_files")
