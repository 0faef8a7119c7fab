"""Tables of the statistical reporting workflow (统计报表制度), prefix ``report_``.

A *submission* is one form (table or layer role) of one year; it keeps every *version*
ever uploaded (never overwritten) and an *event* per action (upload, submit, return with
a comment, approve, adopt the base data, explain). A version's ``flags`` are the soft
findings of its plausibility checks (unusual values, fluctuations; docs/decisions/0027),
each of which needs an *explanation* by the reporter before the version can be submitted.
``account_submissions`` records which submission versions an account was computed from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON as SAJSON
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ganpo.store.models import Base


class ReportSubmission(Base):
    """One form of one year; its state is the state of its current version."""

    __tablename__ = "report_submissions"
    __table_args__ = (UniqueConstraint("year", "form", name="uq_report_submissions_year_form"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    form: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))  # table | layer
    department: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20))
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportVersion(Base):
    """One uploaded file of a submission, stored under a generated name, never changed."""

    __tablename__ = "report_versions"
    __table_args__ = (
        UniqueConstraint("submission_id", "version", name="uq_report_versions_submission_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("report_submissions.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(10))  # upload | base
    original_name: Mapped[str] = mapped_column(String(255))  # display only, sanitised
    media: Mapped[str] = mapped_column(String(10))  # csv | xlsx | geotiff
    upload_file: Mapped[str] = mapped_column(String(100))  # generated name, as received
    upload_sha256: Mapped[str] = mapped_column(String(64))
    data_file: Mapped[str] = mapped_column(String(100))  # generated name, canonical form
    data_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    columns: Mapped[dict[str, str]] = mapped_column(SAJSON, default=dict)  # column -> unit
    n_rows: Mapped[int | None] = mapped_column(Integer)
    #: soft findings of the plausibility checks, each with its key, cell and message
    flags: Mapped[list[dict[str, Any]] | None] = mapped_column(SAJSON, default=list)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportEvent(Base):
    """One action on a submission: who, when, from which state to which, and why."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("report_submissions.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportExplanation(Base):
    """The reporter's explanation of one flagged finding of a version (the latest one
    given; every change is in the audit log and the events)."""

    __tablename__ = "report_explanations"
    __table_args__ = (
        UniqueConstraint(
            "submission_id", "version", "flag_key", name="uq_report_explanations_flag"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("report_submissions.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    flag_key: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountSubmission(Base):
    """A submission version an account was computed from."""

    __tablename__ = "account_submissions"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("report_submissions.id", ondelete="RESTRICT"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
