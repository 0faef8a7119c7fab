"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 01:08:43.139236
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "account_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_name", sa.String(length=200), nullable=False),
        sa.Column("region_adcode", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=200), nullable=False),
        sa.Column("price_policy", sa.String(length=30), nullable=False),
        sa.Column("parameter_set", sa.String(length=200), nullable=False),
        sa.Column("parameter_set_version", sa.String(length=50), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("code_version", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("dataset_root", sa.Text(), nullable=False),
        sa.Column("input_digest", sa.String(length=64), nullable=False),
        sa.Column("gep_cny", sa.Float(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounts_input_digest"), ["input_digest"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accounts_region_adcode"), ["region_adcode"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accounts_year"), ["year"], unique=False)

    op.create_table(
        "account_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "account_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("by_type", sa.JSON(), nullable=True),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "account_units",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("county_name", sa.String(length=100), nullable=False),
        sa.Column("city_adcode", sa.BigInteger(), nullable=False),
        sa.Column("city_name", sa.String(length=100), nullable=False),
        sa.Column("province_adcode", sa.BigInteger(), nullable=False),
        sa.Column("province_name", sa.String(length=100), nullable=False),
        sa.Column("area_km2", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "county_adcode"),
    )
    op.create_table(
        "extent",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("ecosystem_code", sa.Integer(), nullable=False),
        sa.Column("cells", sa.BigInteger(), nullable=False),
        sa.Column("area_m2", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "county_adcode", "ecosystem_code"),
    )
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        sa.Column("component", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("ecosystem_code", sa.Integer(), nullable=False),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("quantity_unit", sa.String(length=50), nullable=False),
        sa.Column("price_key", sa.String(length=100), nullable=False),
        sa.Column("price", sa.Double(), nullable=True),
        sa.Column("price_unit", sa.String(length=50), nullable=False),
        sa.Column("value_cny", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_results_account_id"), ["account_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_results_account_id"))

    op.drop_table("results")
    op.drop_table("extent")
    op.drop_table("account_units")
    op.drop_table("account_prices")
    op.drop_table("account_inputs")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_year"))
        batch_op.drop_index(batch_op.f("ix_accounts_region_adcode"))
        batch_op.drop_index(batch_op.f("ix_accounts_input_digest"))

    op.drop_table("accounts")
    op.drop_table("account_log")
