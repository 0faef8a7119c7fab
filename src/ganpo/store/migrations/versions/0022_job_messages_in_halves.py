"""platform jobs keep their message in two halves: ``message_en`` and ``message_zh``

Revision ID: 0022
Revises: 0021

A job's message was one string, "English / 中文", split again wherever it was read; a half
that itself holds " / " (a unit such as "t / ha") could be split in the wrong place. The
job now keeps the two halves as they are made (decision 0098). A job stored before 0022
has only the whole message: it is split here, once (by :func:`_halves`, a frozen copy of
``ganpo.errors.halves`` as it was at 0022; a message without a Chinese half becomes both
halves). The downgrade joins the halves again.
"""

from __future__ import annotations

import re
from bisect import bisect_right

import sqlalchemy as sa
from alembic import op

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

# The split of "English / 中文" as ganpo.errors had it when 0022 was written, copied, not
# imported: a migration must do on an old store what it did then, whatever the
# application's code becomes later (and must still import when that code moves).
_SEPARATOR = " / "
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]")
_LATIN = re.compile(r"[A-Za-z]")
_CHINESE_WEIGHT = 3
_PAIRED_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》"}


def _quoted(message: str) -> list[bool]:
    """For each character, whether it is inside a quoted value (an ASCII quote opens one
    only with no letter or digit before it, and closes only with none after it)."""
    closers: dict[str, list[int]] = {}
    for k, c in enumerate(message):
        if c in _PAIRED_QUOTES.values():
            closers.setdefault(c, []).append(k)
        elif c in "'\"":
            after = message[k + 1 : k + 2]
            if not (after.isascii() and after.isalnum()):
                closers.setdefault(c, []).append(k)
    inside = [False] * len(message)
    i = 0
    while i < len(message):
        c = message[i]
        close = _PAIRED_QUOTES.get(c)
        if close is None and c in "'\"":
            before = message[i - 1] if i else " "
            close = None if before.isascii() and before.isalnum() else c
        ends = closers.get(close, []) if close is not None else []
        n = bisect_right(ends, i)
        if n == len(ends):
            i += 1
            continue
        end = ends[n]
        for k in range(i, end + 1):
            inside[k] = True
        i = end + 1
    return inside


def _split_points(message: str, quoted: list[bool]) -> list[int]:
    """The start of each separator outside quoted values."""
    points = []
    i = message.find(_SEPARATOR)
    while i != -1:
        if not any(quoted[i : i + len(_SEPARATOR)]):
            points.append(i)
        i = message.find(_SEPARATOR, i + 1)
    return points


def _englishness(message: str, quoted: list[bool], start: int, end: int) -> int:
    """Latin letters less weighted Chinese characters in ``message[start:end]``, outside
    quoted values."""
    score = 0
    for k in range(start, end):
        if quoted[k]:
            continue
        c = message[k]
        if _LATIN.match(c):
            score += 1
        elif _CHINESE.match(c):
            score -= _CHINESE_WEIGHT
    return score


def _halves(message: str) -> tuple[str, str]:
    """The English and the Chinese half of ``"English / 中文"``: of the separators outside
    quoted values followed by Chinese, the one with the most English before it (the later
    on a tie); a message without one is both halves."""
    quoted = _quoted(message)
    chinese = [k for k, c in enumerate(message) if not quoted[k] and _CHINESE.match(c)]
    best, best_score, score, start = -1, 0, 0, 0
    for point in _split_points(message, quoted):
        score += _englishness(message, quoted, start, point)
        start = point + len(_SEPARATOR)
        if not chinese or start > chinese[-1]:
            break
        if best == -1 or score >= best_score:
            best, best_score = point, score
    if best == -1:
        return message, message
    return message[:best], message[best + len(_SEPARATOR) :]


def upgrade() -> None:
    with op.batch_alter_table("platform_jobs", schema=None) as batch:
        batch.add_column(sa.Column("message_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("message_zh", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_jobs.c.id, _jobs.c.message)).all()
    if rows:
        split = [(job_id, *_halves(message or "")) for job_id, message in rows]
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
                {"job_id": job_id, "whole": en if en == zh else f"{en}{_SEPARATOR}{zh}"}
                for job_id, en, zh in rows
            ],
        )
    with op.batch_alter_table("platform_jobs", schema=None) as batch:
        batch.alter_column("message", existing_type=sa.Text(), nullable=False)
        batch.drop_column("message_zh")
        batch.drop_column("message_en")
