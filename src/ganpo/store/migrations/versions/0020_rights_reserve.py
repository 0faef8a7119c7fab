"""rights reserve (权益储备库): emission rights, wetland and forestry elements, reserve
packages, deals and the append-only holder ledger (triggers refuse UPDATE and DELETE of
the ledger and the deals)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_APPEND_ONLY = ("reserve_ledger", "reserve_deals")


def _refusal(table: str) -> str:
    return f"{table} is append-only / 储备库台账只能追加"


def upgrade() -> None:
    op.create_table(
        "reserve_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "reserve_rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("asset_type", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parcel_id"], ["register_parcels.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["package_id"], ["reserve_packages.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("parcel_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reserve_rights_package_id", "reserve_rights", ["package_id"])
    op.create_table(
        "reserve_deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("price_cny", sa.Float(), nullable=True),
        sa.Column("deal_date", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_user", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reserve_deals_lot", "reserve_deals", ["lot"])
    op.create_table(
        "reserve_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_holder", sa.String(length=200), nullable=True),
        sa.Column("to_holder", sa.String(length=200), nullable=True),
        sa.Column("held_from", sa.Date(), nullable=False),
        sa.Column("by_user", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["reserve_deals.id"]),
        sa.ForeignKeyConstraint(["right_id"], ["reserve_rights.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reserve_ledger_right_id", "reserve_ledger", ["right_id"])
    op.create_index("ix_reserve_ledger_deal_id", "reserve_ledger", ["deal_id"])
    if op.get_bind().dialect.name == "sqlite":
        for table in _APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{_refusal(table)}'); END"
                )
    else:
        for table in _APPEND_ONLY:
            op.execute(
                f"CREATE FUNCTION {table}_refuse() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION '{_refusal(table)}'; END $$ LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse()"
            )


def downgrade() -> None:
    for table in _APPEND_ONLY:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_refuse()")
    op.drop_index("ix_reserve_ledger_deal_id", "reserve_ledger")
    op.drop_index("ix_reserve_ledger_right_id", "reserve_ledger")
    op.drop_table("reserve_ledger")
    op.drop_index("ix_reserve_deals_lot", "reserve_deals")
    op.drop_table("reserve_deals")
    op.drop_index("ix_reserve_rights_package_id", "reserve_rights")
    op.drop_table("reserve_rights")
    op.drop_table("reserve_packages")
