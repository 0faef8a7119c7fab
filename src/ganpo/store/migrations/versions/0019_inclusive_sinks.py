"""forest and wetland sink projects on register parcels, and their issuance into the
carbon-inclusive ledger (decision 0052)

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inclusive_sink_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("owner_participant", sa.Integer(), nullable=False),
        sa.Column("methodology_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_participant"], ["inclusive_participants.id"]),
        sa.ForeignKeyConstraint(["methodology_id"], ["inclusive_methodologies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "inclusive_sink_parcels",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("parcel_code", sa.String(length=64), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["inclusive_sink_projects.id"]),
        sa.PrimaryKeyConstraint("project_id", "parcel_code", "vintage"),
        sa.UniqueConstraint("parcel_code", "vintage", name="uq_inclusive_sink_parcel_vintage"),
    )
    op.create_table(
        "inclusive_sink_issuances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("measured_t", sa.Float(), nullable=False),
        sa.Column("buffer_share", sa.Float(), nullable=False),
        sa.Column("quantity_kg", sa.BigInteger(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["inclusive_sink_projects.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["inclusive_submissions.id"]),
        sa.ForeignKeyConstraint(["block_id"], ["inclusive_blocks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "vintage", name="uq_inclusive_sink_issuance"),
        sa.UniqueConstraint("submission_id"),
        sa.UniqueConstraint("block_id"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("inclusive_sink_issuances")
    op.drop_table("inclusive_sink_parcels")
    op.drop_table("inclusive_sink_projects")
