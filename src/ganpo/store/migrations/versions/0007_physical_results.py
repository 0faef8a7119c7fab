"""physical results: quantities reported beside the GEP, never valued

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # accounts stored before 0007 simply have no physical rows (their profiles had none)
    op.create_table(
        "physical_results",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        sa.Column("component", sa.String(length=100), nullable=False),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("ecosystem_code", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("quantity_unit", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "account_id", "indicator", "component", "county_adcode", "ecosystem_code"
        ),
    )


def downgrade() -> None:
    op.drop_table("physical_results")
