"""add batch_domains

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 16:20:00.000000

A batch's domain list lives in the database, so the batch workflow's input
carries only the batch id however long the list is (a Temporal payload is
capped at 2 MB).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch_domains",
        sa.Column("batch_id", sa.UUID(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("host", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("job_id", sa.UUID(), nullable=True),
        sa.CheckConstraint(
            "(position IS NULL) = (domain IS NULL)",
            name=op.f("ck_batch_domains_position_domain"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.id"],
            name=op.f("fk_batch_domains_batch_id_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_batch_domains_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint(
            "batch_id", "line_number", name=op.f("pk_batch_domains")
        ),
    )
    op.create_index(
        op.f("uq_batch_domains_batch_id_position"),
        "batch_domains",
        ["batch_id", "position"],
        unique=True,
        postgresql_where=sa.text("position IS NOT NULL"),
    )
    op.create_index(
        op.f("ix_batch_domains_job_id"), "batch_domains", ["job_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_batch_domains_job_id"), table_name="batch_domains")
    op.drop_index(
        op.f("uq_batch_domains_batch_id_position"), table_name="batch_domains"
    )
    op.drop_table("batch_domains")
