"""ecological asset register: parcels and packages

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_parcels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("rights_type", sa.String(length=20), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("adcode", sa.BigInteger(), nullable=False),
        sa.Column("geometry_wkb", sa.LargeBinary(), nullable=False),
        sa.Column("crs", sa.Text(), nullable=False),
        sa.Column("composition", sa.JSON(), nullable=False),
        sa.Column("composition_account_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_register_parcels_adcode", "register_parcels", ["adcode"])
    op.create_table(
        "register_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "register_package_parcels",
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["package_id"], ["register_packages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parcel_id"], ["register_parcels.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("package_id", "parcel_id"),
        sa.UniqueConstraint("parcel_id"),
    )
    op.create_table(
        "register_valuations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_code", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("discount_rate", sa.Float(), nullable=False),
        sa.Column("horizon_years", sa.Integer(), nullable=False),
        sa.Column("flow_cny", sa.Float(), nullable=False),
        sa.Column("asset_value_cny", sa.Float(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_register_valuations_target_code", "register_valuations", ["target_code"])


def downgrade() -> None:
    op.drop_index("ix_register_valuations_target_code", table_name="register_valuations")
    op.drop_table("register_valuations")
    op.drop_table("register_package_parcels")
    op.drop_table("register_packages")
    op.drop_index("ix_register_parcels_adcode", table_name="register_parcels")
    op.drop_table("register_parcels")
