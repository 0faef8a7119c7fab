"""Tables of the ecological credit evaluation of entities (docs/decisions/0054): the
records the departments reported about firms, co-operatives, villages and households
(approved through the reporting forms, or linked from another store), the appeals against
them, and every grade issued with its explanation and evidence.

Nothing is edited away: a record an appeal corrects keeps its row with status
``corrected`` (or ``withdrawn``) and the correction is a new row naming it; a grade is
never changed, a new grade is the entity's next ``version``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ganpo.store.models import Base

#: a record's status, with its names
RECORD_STATUSES: dict[str, tuple[str, str]] = {
    "in_force": ("有效", "in force"),
    "corrected": ("已更正", "corrected"),
    "withdrawn": ("已撤销", "withdrawn"),
}
#: an appeal's status, with its names
APPEAL_STATUSES: dict[str, tuple[str, str]] = {
    "open": ("待处理", "open"),
    "upheld": ("申诉成立", "upheld"),
    "rejected": ("申诉不成立", "rejected"),
}


class RatingRecord(Base):
    """One record about an entity: an indicator's event, its date, amount and evidence."""

    __tablename__ = "rating_records"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: what makes an import idempotent: a digest of the submission version and the row
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    entity_id: Mapped[str] = mapped_column(String(40), index=True)
    entity_kind: Mapped[str] = mapped_column(String(20))
    entity_name: Mapped[str] = mapped_column(Text)
    indicator: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(64))
    occurred_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)
    evidence_ref: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20))  # form | inclusive | correction
    status: Mapped[str] = mapped_column(String(20))
    replaces_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("rating_records.id"), nullable=True
    )
    synthetic: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))


class RatingAppeal(Base):
    """An appeal against one record, and its decision."""

    __tablename__ = "rating_appeals"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, ForeignKey("rating_records.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    filed_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    correction_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("rating_records.id"), nullable=True
    )


class RatingGrade(Base):
    """A grade issued to an entity (or "not rated" with its reason), never changed."""

    __tablename__ = "rating_grades"
    __table_args__ = (
        UniqueConstraint("entity_id", "version", name="uq_rating_grade_version"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    entity_kind: Mapped[str] = mapped_column(String(20))
    entity_name: Mapped[str] = mapped_column(Text)
    as_of: Mapped[date] = mapped_column(Date)
    rule_name: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[str] = mapped_column(String(40))
    rule_sha256: Mapped[str] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(20))
    grade_zh: Mapped[str] = mapped_column(Text)
    grade_en: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str] = mapped_column(String(100))
