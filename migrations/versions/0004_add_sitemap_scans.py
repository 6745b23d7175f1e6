"""add sitemap_scans and the export index of sitemap_urls

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:45:00.000000

`sitemap_scans` stores the summary of each sitemap scan job, so `results` can
show it without counting millions of URL rows. The index on sitemap_urls
(sitemap_file_id, id) lets the URL export page through one sitemap by id.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sitemap_scans",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("domain_id", sa.BigInteger(), nullable=False),
        sa.Column("root_url", sa.Text(), nullable=True),
        sa.Column("files_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("files_failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("partial_files", sa.Integer(), server_default="0", nullable=False),
        sa.Column("urls", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("invalid_urls", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("skipped_urls", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "failed_by_reason",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
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
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["domains.id"],
            name=op.f("fk_sitemap_scans_domain_id_domains"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["scan_jobs.id"], name=op.f("fk_sitemap_scans_job_id_scan_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sitemap_scans_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_sitemap_scans")),
    )
    op.create_index(
        op.f("ix_sitemap_scans_tenant_id"),
        "sitemap_scans",
        ["tenant_id", "domain_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_sitemap_urls_sitemap_file_id"),
        "sitemap_urls",
        ["sitemap_file_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sitemap_urls_sitemap_file_id"), table_name="sitemap_urls")
    op.drop_index(op.f("ix_sitemap_scans_tenant_id"), table_name="sitemap_scans")
    op.drop_table("sitemap_scans")
