"""Tables of the applications (prefix ``apply_``): versioned rules, runs and their lines.

- ``apply_rules``: every version of every rule (transfer rule, compensation agreement,
  assessment framework), with its digest and its full body as JSON; a version is never
  changed or deleted while a run uses it.
- ``apply_runs``: one transfer allocation, compensation settlement or assessment, with
  the rule version, the accounts and the input files (with SHA-256) it used.
- ``apply_lines``: the run's rows (one per county, or per section × indicator); amounts in
  CNY and, for allocations, exactly in fen (integer).
- ``apply_settlements``: the settlement ledger, one row per settlement of an agreement
  and year (the newest row of an agreement-year is the one in force).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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


class ApplyRule(Base):
    """One version of a rule."""

    __tablename__ = "apply_rules"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_apply_rules_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))


class ApplyRun(Base):
    """An allocation, a settlement or an assessment, with everything it used."""

    __tablename__ = "apply_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("apply_rules.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    budget_cny: Mapped[float | None] = mapped_column(Float)
    total_cny: Mapped[float | None] = mapped_column(Float)
    account_ids: Mapped[list[int]] = mapped_column(JSON)
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # role, path, sha256
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))


class ApplyLine(Base):
    """One row of a run (a county's allocation or assessment; a section's indicator)."""

    __tablename__ = "apply_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("apply_runs.id", ondelete="CASCADE"), index=True)
    county_adcode: Mapped[int | None] = mapped_column(BigInteger, index=True)
    item: Mapped[str] = mapped_column(String(100))
    value: Mapped[float | None] = mapped_column(Float)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApplySettlement(Base):
    """The settlement ledger of the compensation agreements."""

    __tablename__ = "apply_settlements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("apply_runs.id", ondelete="CASCADE"), unique=True
    )
    agreement: Mapped[str] = mapped_column(String(200), index=True)
    year: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(40))
    index_value: Mapped[float | None] = mapped_column(Float)
    met: Mapped[bool | None] = mapped_column(Boolean)
    payer: Mapped[str] = mapped_column(Text)
    payee: Mapped[str] = mapped_column(Text)
    amount_cny: Mapped[float] = mapped_column(Float)
    gaps: Mapped[list[str]] = mapped_column(JSON)
