"""uncertainty intervals, run log, value rasters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:24:16.237350
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
        "account_rasters",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "indicator"),
    )
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
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        # existing accounts get an empty log
        batch_op.add_column(
            sa.Column("log", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("log")

    op.drop_table("uncertainty_intervals")
    op.drop_table("account_rasters")
