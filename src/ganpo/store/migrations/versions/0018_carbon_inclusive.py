"""carbon-inclusive registry (碳普惠): methodologies used, participants, submissions,
evidence, exclusions, credit blocks and the append-only ledger (triggers refuse UPDATE and
DELETE of the ledger)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_REFUSAL = "inclusive_ledger is append-only / 碳普惠账本只能追加"


def upgrade() -> None:
    op.create_table(
        "inclusive_methodologies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "version", name="uq_inclusive_methodology"),
    )
    op.create_table(
        "inclusive_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_adcode", sa.BigInteger(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_scope", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pseudonym"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_inclusive_participants_region_adcode", "inclusive_participants", ["region_adcode"]
    )
    op.create_table(
        "inclusive_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("methodology_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("reduction_kg", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["methodology_id"], ["inclusive_methodologies.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["inclusive_participants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_inclusive_submissions_participant_id", "inclusive_submissions", ["participant_id"]
    )
    op.create_index("ix_inclusive_submissions_asset_id", "inclusive_submissions", ["asset_id"])
    op.create_table(
        "inclusive_evidence",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["inclusive_submissions.id"]),
        sa.PrimaryKeyConstraint("submission_id", "item"),
    )
    op.create_table(
        "inclusive_exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_inclusive_exclusions_asset_id", "inclusive_exclusions", ["asset_id"])
    op.create_table(
        "inclusive_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("methodology_id", sa.Integer(), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("region_adcode", sa.BigInteger(), nullable=False),
        sa.Column("first_serial", sa.BigInteger(), nullable=False),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["methodology_id"], ["inclusive_methodologies.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["inclusive_submissions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id"),
        sa.UniqueConstraint("first_serial"),
        sa.UniqueConstraint("last_serial"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "inclusive_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("first_serial", sa.BigInteger(), nullable=False),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("from_participant", sa.Integer(), nullable=True),
        sa.Column("to_participant", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.Text(), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_user", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["block_id"], ["inclusive_blocks.id"]),
        sa.ForeignKeyConstraint(["from_participant"], ["inclusive_participants.id"]),
        sa.ForeignKeyConstraint(["to_participant"], ["inclusive_participants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_inclusive_ledger_block_id", "inclusive_ledger", ["block_id"])
    op.create_index(
        "ix_inclusive_ledger_from_participant", "inclusive_ledger", ["from_participant"]
    )
    op.create_index("ix_inclusive_ledger_to_participant", "inclusive_ledger", ["to_participant"])
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER inclusive_ledger_no_{event.lower()} BEFORE {event} ON "
                f"inclusive_ledger BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION inclusive_ledger_refuse() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{_REFUSAL}'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER inclusive_ledger_append_only BEFORE UPDATE OR DELETE ON "
            "inclusive_ledger FOR EACH ROW EXECUTE FUNCTION inclusive_ledger_refuse()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS inclusive_ledger_no_update")
        op.execute("DROP TRIGGER IF EXISTS inclusive_ledger_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS inclusive_ledger_append_only ON inclusive_ledger")
        op.execute("DROP FUNCTION IF EXISTS inclusive_ledger_refuse()")
    for index, table in (
        ("ix_inclusive_ledger_to_participant", "inclusive_ledger"),
        ("ix_inclusive_ledger_from_participant", "inclusive_ledger"),
        ("ix_inclusive_ledger_block_id", "inclusive_ledger"),
    ):
        op.drop_index(index, table)
    op.drop_table("inclusive_ledger")
    op.drop_table("inclusive_blocks")
    op.drop_index("ix_inclusive_exclusions_asset_id", "inclusive_exclusions")
    op.drop_table("inclusive_exclusions")
    op.drop_table("inclusive_evidence")
    op.drop_index("ix_inclusive_submissions_asset_id", "inclusive_submissions")
    op.drop_index("ix_inclusive_submissions_participant_id", "inclusive_submissions")
    op.drop_table("inclusive_submissions")
    op.drop_index("ix_inclusive_participants_region_adcode", "inclusive_participants")
    op.drop_table("inclusive_participants")
    op.drop_table("inclusive_methodologies")
