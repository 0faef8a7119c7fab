"""Tables of the cases a departure audit lists (issue 18 point 5): zoning violations
found by the enforcement departments and ecological damage cases with the compensation
paid for them (docs/decisions/0041-violations-and-damage-cases.md).

A violation is append-only like a monitoring value: a case loaded again with anything
changed (its status, closing date, penalty) is a new row with the next ``revision`` of its
case number; the newest is in force. A damage case keeps the valuation it was recorded
with (its losses and the whole assessment as JSON); payments of compensation are rows of
their own, never edited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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

#: a violation's status, with its names
VIOLATION_STATUSES: dict[str, tuple[str, str]] = {
    "open": ("立案查处中", "under investigation"),
    "rectifying": ("整改中", "being rectified"),
    "rectified": ("已整改", "rectified"),
    "closed": ("已结案", "closed"),
}
#: what a violation breached, with its names
VIOLATION_KINDS: dict[str, tuple[str, str]] = {
    "red_line": ("生态保护红线内违规活动", "activity inside an ecological red line"),
    "prohibited_industry": ("准入清单禁止类项目", "project of a prohibited industry"),
    "restricted_industry": ("限制类项目未落实要求", "restricted project without its conditions"),
    "discharge": ("污染物排放超出管控要求", "discharge beyond the unit's limits"),
    "resource_use": ("资源利用效率未达要求", "resource use below the unit's requirement"),
    "other": ("其他违反分区管控要求的行为", "other breach of the zoning requirements"),
}
#: what a damage payment is
PAYMENT_KINDS: dict[str, tuple[str, str]] = {
    "compensation": ("损害赔偿金", "compensation"),
    "restoration": ("生态修复费用", "restoration cost"),
}


class ZoningViolation(Base):
    """One revision of one zoning violation case."""

    __tablename__ = "zoning_violations"
    __table_args__ = (
        UniqueConstraint("case_no", "revision", name="uq_zoning_violation_revision"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(100), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    county_adcode: Mapped[int] = mapped_column(BigInteger, index=True)
    unit_code: Mapped[str] = mapped_column(String(40), default="", server_default="")
    found_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    penalty_cny: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))


class DamageCase(Base):
    """An ecological damage case and the valuation it was recorded with."""

    __tablename__ = "damage_cases"
    __table_args__ = (
        UniqueConstraint("case_no", name="uq_damage_case_no"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    damage_date: Mapped[date] = mapped_column(Date)
    #: the county holding most of the damaged area; ``counties`` all of them with areas
    county_adcode: Mapped[int] = mapped_column(BigInteger, index=True)
    counties: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    account_id: Mapped[int] = mapped_column(Integer)  # the pre-damage (baseline) account
    price_year: Mapped[int] = mapped_column(Integer)
    area_m2: Mapped[float] = mapped_column(Float)
    interim_cny: Mapped[float] = mapped_column(Float)
    permanent_cny: Mapped[float] = mapped_column(Float)
    total_cny: Mapped[float] = mapped_column(Float)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)
    synthetic: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))


class DamagePayment(Base):
    """One payment of compensation or restoration cost for a damage case."""

    __tablename__ = "damage_payments"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("damage_cases.id", ondelete="RESTRICT"), index=True
    )
    paid_on: Mapped[date] = mapped_column(Date)
    amount_cny: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))
