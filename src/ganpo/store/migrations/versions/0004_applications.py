"""applications: versioned rules, application runs and their lines

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apply_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "version", name="uq_apply_rules_name_version"),
    )
    op.create_index("ix_apply_rules_name", "apply_rules", ["name"])
    op.create_table(
        "apply_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("budget_cny", sa.Float(), nullable=True),
        sa.Column("total_cny", sa.Float(), nullable=True),
        sa.Column("account_ids", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["apply_rules.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apply_runs_kind", "apply_runs", ["kind"])
    op.create_index("ix_apply_runs_year", "apply_runs", ["year"])
    op.create_table(
        "apply_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("county_adcode", sa.BigInteger(), nullable=True),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["apply_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apply_lines_run_id", "apply_lines", ["run_id"])
    op.create_index("ix_apply_lines_county_adcode", "apply_lines", ["county_adcode"])
    op.create_table(
        "apply_settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("index_value", sa.Float(), nullable=True),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("payer", sa.Text(), nullable=False),
        sa.Column("payee", sa.Text(), nullable=False),
        sa.Column("amount_cny", sa.Float(), nullable=False),
        sa.Column("gaps", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["apply_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id"),
    )
    op.create_index("ix_apply_settlements_agreement", "apply_settlements", ["agreement"])


def downgrade() -> None:
    op.drop_index("ix_apply_settlements_agreement", table_name="apply_settlements")
    op.drop_table("apply_settlements")
    op.drop_index("ix_apply_lines_county_adcode", table_name="apply_lines")
    op.drop_index("ix_apply_lines_run_id", table_name="apply_lines")
    op.drop_table("apply_lines")
    op.drop_index("ix_apply_runs_year", table_name="apply_runs")
    op.drop_index("ix_apply_runs_kind", table_name="apply_runs")
    op.drop_table("apply_runs")
    op.drop_index("ix_apply_rules_name", table_name="apply_rules")
    op.drop_table("apply_rules")
