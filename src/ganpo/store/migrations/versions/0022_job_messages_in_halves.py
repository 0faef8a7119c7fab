"""platform jobs keep their message in two halves: ``message_en`` and ``message_zh``

Revision ID: 0022
Revises: 0021

A job's message was one string, "English / 中文", split again wherever it was read; a half
that itself holds " / " (a unit such as "t / ha") could be split in the wrong place. The
job now keeps the two halves as they are made (decision 0098). A job stored before 0022
has only the whole message: it is split here, once (:func:`ganpo.errors.halves`; a message
without a Chinese half becomes both halves). The downgrade joins the halves again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ganpo.errors import SEPARATOR, halves

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_jobs = sa.table(
    "platform_jobs",
    sa.column("id", sa.String()),
    sa.column("message", sa.Text()),
    sa.column("message_en", sa.Text()),
    sa.column("message_zh", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("platform_jobs", schema=None) as batch:
        batch.add_column(sa.Column("message_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("message_zh", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_jobs.c.id, _jobs.c.message)).all()
    if rows:
        split = [(job_id, *halves(message or "")) for job_id, message in rows]
        bind.execute(
            _jobs.update()
            .where(_jobs.c.id == sa.bindparam("job_id"))
            .values(message_en=sa.bindparam("en"), message_zh=sa.bindparam("zh")),
            [{"job_id": job_id, "en": en, "zh": zh} for job_id, en, zh in split],
        )
    with op.batch_alter_table("platform_jobs", schema=None) as batch:
        batch.alter_column("message_en", existing_type=sa.Text(), nullable=False)
        batch.alter_column("message_zh", existing_type=sa.Text(), nullable=False)
        batch.drop_column("message")


def downgrade() -> None:
    with op.batch_alter_table("platform_jobs", schema=None) as batch:
        batch.add_column(sa.Column("message", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_jobs.c.id, _jobs.c.message_en, _jobs.c.message_zh)).all()
    if rows:
        bind.execute(
            _jobs.update()
            .where(_jobs.c.id == sa.bindparam("job_id"))
            .values(message=sa.bindparam("whole")),
            [
                {"job_id": job_id, "whole": en if en == zh else f"{en}{SEPARATOR}{zh}"}
                for job_id, en, zh in rows
            ],
        )
    with op.batch_alter_table("platform_jobs", schema=None) as batch:
        batch.alter_column("message", existing_type=sa.Text(), nullable=False)
        batch.drop_column("message_zh")
        batch.drop_column("message_en")
