"""Tables of the carbon-inclusive registry (碳普惠, issue 16): methodology versions as they
were first used, participants (pseudonymous), submissions with their evidence, the assets
excluded from claims (CCER projects, inventory sinks), issued credit blocks and the
append-only ledger.

Prefix ``inclusive_``. One credit is one kilogram of CO2e; serial numbers are one global
sequence of integers, a block of credits a range of them (``first_serial``..``last_serial``,
both included). The ledger is never updated or deleted: migration 0018 adds database
triggers that refuse it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
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

#: a submission's standing
SUBMISSION_STATUSES: dict[str, str] = {
    "submitted": "待审核 submitted",
    "approved": "已通过 approved",
    "rejected": "已驳回 rejected",
    "issued": "已签发 issued",
}
#: the kinds of ledger entry
LEDGER_KINDS: dict[str, str] = {
    "issuance": "签发 issuance",
    "transfer": "转让 transfer",
    "redemption": "兑换 redemption",
    "retirement": "注销 retirement",
}
#: the kinds of participant
PARTICIPANT_KINDS: dict[str, str] = {
    "person": "个人 person",
    "firm": "企业 firm",
    "village": "村集体 village",
}
#: why an asset cannot be claimed (Chinese, English)
EXCLUSION_KINDS: dict[str, tuple[str, str]] = {
    "ccer": ("已登记为 CCER 项目", "in a registered CCER project"),
    "inventory": ("已计入温室气体清单碳汇", "counted in an inventory's sink"),
}


class InclusiveMethodology(Base):
    """A methodology version as first used by the registry: its content and digest, so
    that a later change of the same version is caught (credits keep their version)."""

    __tablename__ = "inclusive_methodologies"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_inclusive_methodology"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, object]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InclusiveParticipant(Base):
    """A participant: a pseudonym (a keyed hash of the identity, never a name or ID
    number), its kind and region, and its consent."""

    __tablename__ = "inclusive_participants"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    region_adcode: Mapped[int] = mapped_column(BigInteger, index=True)
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consent_scope: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InclusiveSubmission(Base):
    """An activity claimed under a methodology version for an asset and a period."""

    __tablename__ = "inclusive_submissions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("inclusive_participants.id"), index=True)
    methodology_id: Mapped[int] = mapped_column(ForeignKey("inclusive_methodologies.id"))
    asset_id: Mapped[str] = mapped_column(String(200), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40))
    reduction_kg: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_reason: Mapped[str | None] = mapped_column(Text)


class InclusiveEvidence(Base):
    """One evidence item of a submission: the methodology's item it answers, a file name
    and the SHA-256 of its content (the content itself stays with the participant)."""

    __tablename__ = "inclusive_evidence"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("inclusive_submissions.id"), primary_key=True
    )
    item: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))


class InclusiveExclusion(Base):
    """An asset that may not be claimed: in a CCER project, or counted in an inventory's
    sink, over a period (open ends: always)."""

    __tablename__ = "inclusive_exclusions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(Text)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)


class InclusiveBlock(Base):
    """The credits issued for one submission: serials ``first_serial``..``last_serial``,
    with the methodology version, vintage year and region they were issued under."""

    __tablename__ = "inclusive_blocks"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("inclusive_submissions.id"), unique=True)
    methodology_id: Mapped[int] = mapped_column(ForeignKey("inclusive_methodologies.id"))
    vintage: Mapped[int] = mapped_column(Integer)
    region_adcode: Mapped[int] = mapped_column(BigInteger)
    first_serial: Mapped[int] = mapped_column(BigInteger, unique=True)
    last_serial: Mapped[int] = mapped_column(BigInteger, unique=True)


class InclusiveLedgerEntry(Base):
    """One change of holding: issuance (to), transfer (from, to), redemption or
    retirement (from) of the serials ``first_serial``..``last_serial`` of one block."""

    __tablename__ = "inclusive_ledger"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    block_id: Mapped[int] = mapped_column(ForeignKey("inclusive_blocks.id"), index=True)
    first_serial: Mapped[int] = mapped_column(BigInteger)
    last_serial: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    from_participant: Mapped[int | None] = mapped_column(
        ForeignKey("inclusive_participants.id"), index=True
    )
    to_participant: Mapped[int | None] = mapped_column(
        ForeignKey("inclusive_participants.id"), index=True
    )
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by_user: Mapped[str] = mapped_column(String(100))


#: the kinds of sink project (decision 0052)
SINK_KINDS: dict[str, tuple[str, str]] = {
    "forest": ("森林碳汇", "forest sink"),
    "wetland": ("湿地碳汇", "wetland sink"),
}


class InclusiveSinkProject(Base):
    """A forest or wetland sink project on parcels of the asset register, owned by a
    participant, under a sink methodology version (decision 0052)."""

    __tablename__ = "inclusive_sink_projects"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    owner_participant: Mapped[int] = mapped_column(ForeignKey("inclusive_participants.id"))
    methodology_id: Mapped[int] = mapped_column(ForeignKey("inclusive_methodologies.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InclusiveSinkParcel(Base):
    """A register parcel in a sink project for one vintage year: a parcel is in at most
    one sink project per vintage (the double-counting guard, also as a unique key)."""

    __tablename__ = "inclusive_sink_parcels"
    __table_args__ = (
        UniqueConstraint("parcel_code", "vintage", name="uq_inclusive_sink_parcel_vintage"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("inclusive_sink_projects.id"), primary_key=True
    )
    parcel_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    vintage: Mapped[int] = mapped_column(Integer, primary_key=True)


class InclusiveSinkIssuance(Base):
    """The issuance of a sink project for one vintage (at most one): the account it was
    measured from, the measured net sequestration, the buffer withheld, and the block of
    credits issued (through the claim recorded for it, so the same ledger holds them)."""

    __tablename__ = "inclusive_sink_issuances"
    __table_args__ = (
        UniqueConstraint("project_id", "vintage", name="uq_inclusive_sink_issuance"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("inclusive_sink_projects.id"))
    vintage: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(Integer)
    measured_t: Mapped[float] = mapped_column(Float)
    buffer_share: Mapped[float] = mapped_column(Float)
    quantity_kg: Mapped[int] = mapped_column(BigInteger)
    detail: Mapped[dict[str, object]] = mapped_column(JSON)
    submission_id: Mapped[int] = mapped_column(ForeignKey("inclusive_submissions.id"), unique=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("inclusive_blocks.id"), unique=True)
    issued_by: Mapped[str] = mapped_column(String(100))
    verified_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
