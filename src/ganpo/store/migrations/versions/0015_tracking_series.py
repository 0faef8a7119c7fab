"""tracking: monitoring series (append-only revisions) and issued yearly reports

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=60), nullable=False),
        sa.Column("unit_code", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "indicator", "unit_code", "year", "revision", name="uq_tracking_observation_revision"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tracking_observations_indicator", "tracking_observations", ["indicator"])
    op.create_index("ix_tracking_observations_year", "tracking_observations", ["year"])
    op.create_table(
        "tracking_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_name", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "version", name="uq_tracking_report_version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tracking_reports_year", "tracking_reports", ["year"])


def downgrade() -> None:
    op.drop_index("ix_tracking_reports_year", "tracking_reports")
    op.drop_table("tracking_reports")
    op.drop_index("ix_tracking_observations_year", "tracking_observations")
    op.drop_index("ix_tracking_observations_indicator", "tracking_observations")
    op.drop_table("tracking_observations")
