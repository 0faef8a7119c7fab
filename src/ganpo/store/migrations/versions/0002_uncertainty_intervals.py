"""uncertainty intervals

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:12:51.758524
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "uncertainty_intervals",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("draws", sa.Integer(), nullable=False),
        sa.Column("mean_cny", sa.Double(), nullable=False),
        sa.Column("p05_cny", sa.Double(), nullable=False),
        sa.Column("p50_cny", sa.Double(), nullable=False),
        sa.Column("p95_cny", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "indicator", "county_adcode"),
    )


def downgrade() -> None:

    op.drop_table("uncertainty_intervals")
