"""carbon inventories: header, rows (whole grams), factors used, category uncertainties

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carbon_inventories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_adcode", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("gwp_set", sa.String(length=20), nullable=False),
        sa.Column("fuel_set", sa.String(length=60), nullable=False),
        sa.Column("grid", sa.String(length=60), nullable=False),
        sa.Column("dataset_title_zh", sa.Text(), nullable=False),
        sa.Column("dataset_title_en", sa.Text(), nullable=False),
        sa.Column("dataset_digest", sa.String(length=64), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("code_version", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_carbon_inventories_region_adcode", "carbon_inventories", ["region_adcode"])
    op.create_index("ix_carbon_inventories_year", "carbon_inventories", ["year"])
    op.create_index(
        "ix_carbon_inventories_dataset_digest", "carbon_inventories", ["dataset_digest"]
    )
    op.create_table(
        "carbon_inventory_rows",
        sa.Column("inventory_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.BigInteger(), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("gas", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent_code", sa.BigInteger(), nullable=True),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("co2e_g", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["inventory_id"], ["carbon_inventories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("inventory_id", "unit_code", "category_code", "gas", "scope"),
    )
    op.create_table(
        "carbon_inventory_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inventory_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["inventory_id"], ["carbon_inventories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_carbon_inventory_factors_inventory_id", "carbon_inventory_factors", ["inventory_id"]
    )
    op.create_table(
        "carbon_inventory_uncertainty",
        sa.Column("inventory_id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("u_activity_pct", sa.Float(), nullable=False),
        sa.Column("u_factor_pct", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["inventory_id"], ["carbon_inventories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("inventory_id", "category_code"),
    )


def downgrade() -> None:
    op.drop_table("carbon_inventory_uncertainty")
    op.drop_index("ix_carbon_inventory_factors_inventory_id", "carbon_inventory_factors")
    op.drop_table("carbon_inventory_factors")
    op.drop_table("carbon_inventory_rows")
    op.drop_index("ix_carbon_inventories_dataset_digest", "carbon_inventories")
    op.drop_index("ix_carbon_inventories_year", "carbon_inventories")
    op.drop_index("ix_carbon_inventories_region_adcode", "carbon_inventories")
    op.drop_table("carbon_inventories")
