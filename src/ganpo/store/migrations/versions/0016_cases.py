"""cases: zoning violations (append-only revisions) and ecological damage cases with their
compensation payments

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zoning_violations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("unit_code", sa.String(length=40), server_default="", nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("penalty_cny", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_no", "revision", name="uq_zoning_violation_revision"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_zoning_violations_case_no", "zoning_violations", ["case_no"])
    op.create_index("ix_zoning_violations_county_adcode", "zoning_violations", ["county_adcode"])
    op.create_table(
        "damage_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("damage_date", sa.Date(), nullable=False),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("counties", sa.JSON(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("price_year", sa.Integer(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("interim_cny", sa.Float(), nullable=False),
        sa.Column("permanent_cny", sa.Float(), nullable=False),
        sa.Column("total_cny", sa.Float(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_no", name="uq_damage_case_no"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_damage_cases_county_adcode", "damage_cases", ["county_adcode"])
    op.create_table(
        "damage_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_cny", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["damage_cases.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_damage_payments_case_id", "damage_payments", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_damage_payments_case_id", table_name="damage_payments")
    op.drop_table("damage_payments")
    op.drop_index("ix_damage_cases_county_adcode", table_name="damage_cases")
    op.drop_table("damage_cases")
    op.drop_index("ix_zoning_violations_county_adcode", table_name="zoning_violations")
    op.drop_index("ix_zoning_violations_case_no", table_name="zoning_violations")
    op.drop_table("zoning_violations")
