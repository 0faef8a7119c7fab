"""platform jobs: background account runs with their last known state

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("runner", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("fraction", sa.Double(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("platform_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_jobs_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("platform_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_jobs_state"))
    op.drop_table("platform_jobs")
