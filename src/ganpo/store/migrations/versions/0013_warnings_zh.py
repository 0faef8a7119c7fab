"""account warnings in Chinese: ``accounts.warnings_zh`` beside ``accounts.warnings``

A run gives each warning in English and in Chinese where it raises it; the Chinese report
prints the Chinese. Accounts stored before 0013 have none (NULL): their reports print the
English warnings as the run wrote them.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# plain ALTER TABLE (SQLite ≥ 3.35 drops a column in place): no rebuild of `accounts`,
# whose rebuild would cascade to every table that refers to it where foreign keys are on


def upgrade() -> None:
    op.add_column("accounts", sa.Column("warnings_zh", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "warnings_zh")
