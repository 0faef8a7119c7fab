"""table plausibility: a version's flagged findings and the reporters' explanations

Revision ID: 0012
Revises: 0011

- ``report_versions.flags``: the soft findings of a table's plausibility checks (unusual
  values, fluctuations against last year; docs/decisions/0027), stored with the version
  they were found in (JSON; versions stored before this revision have none).
- ``report_explanations``: the reporter's explanation of each flagged finding of a version
  (one per finding, the latest given), which a reviewer sees before approving and which
  the approved dataset carries into the account as an override Decision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flags", sa.JSON(), nullable=True))
    op.create_table(
        "report_explanations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("flag_key", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["report_submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "submission_id", "version", "flag_key", name="uq_report_explanations_flag"
        ),
    )
    with op.batch_alter_table("report_explanations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_explanations_submission_id", ["submission_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_explanations", schema=None) as batch_op:
        batch_op.drop_index("ix_report_explanations_submission_id")
    op.drop_table("report_explanations")
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.drop_column("flags")
