"""account quality: the decisions an account made about its inputs, and the coverage of
each unit by each layer

Revision ID: 0011
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # accounts stored before 0011 have no rows here: their runs recorded no decisions and
    # no coverage, and their quality report says so (it shows warnings and parameters)
    op.create_table(
        "account_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.BigInteger(), nullable=True),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("explained_by", sa.String(length=100), nullable=True),
        sa.Column("accepted_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_decisions_account_id"), ["account_id"], unique=False
        )
    op.create_table(
        "account_coverage",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("cells", sa.BigInteger(), nullable=False),
        sa.Column("cells_with_data", sa.BigInteger(), nullable=False),
        sa.Column("share", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "unit_code", "role"),
    )


def downgrade() -> None:
    op.drop_table("account_coverage")
    with op.batch_alter_table("account_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_decisions_account_id"))
    op.drop_table("account_decisions")
