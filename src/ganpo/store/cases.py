"""Stored zoning violations and ecological damage cases with their compensation payments
(docs/decisions/0041-violations-and-damage-cases.md).

Violations are append-only: recording a case that is stored already adds its next
revision when anything differs and leaves the store as it is when nothing does; the
newest revision is in force. A damage case is recorded once with the valuation it was
assessed with (a second case with the same number is refused); its payments are added one
by one. Every write is one transaction with its audit row (:func:`ganpo.store.platform.
audit`): a batch that fails in any part writes nothing.
"""

from __future__ import annotations

import getpass
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import InputError, StoreError
from ganpo.store import failures
from ganpo.store.cases_models import (
    PAYMENT_KINDS,
    VIOLATION_KINDS,
    VIOLATION_STATUSES,
    DamageCase,
    DamagePayment,
    ZoningViolation,
)
from ganpo.store.platform import audit

#: the fields of a violation compared to decide whether a case changed
_VIOLATION_FIELDS = (
    "county_adcode",
    "unit_code",
    "found_on",
    "kind",
    "description",
    "penalty_cny",
    "status",
    "closed_on",
    "source",
    "synthetic",
)


@dataclass(frozen=True)
class ViolationRecord:
    """One zoning violation case as an enforcement department records it."""

    case_no: str
    county_adcode: int
    found_on: date
    kind: str
    description: str
    penalty_cny: float
    status: str
    source: str
    unit_code: str = ""
    closed_on: date | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class StoredViolation(ViolationRecord):
    """A violation read back: its revision and who recorded it when."""

    revision: int = 1
    recorded_at: datetime | None = None
    recorded_by: str = ""


@dataclass(frozen=True)
class RecordedCases:
    """What recording a batch did, by case number."""

    added: list[str]
    revised: list[str]
    unchanged: list[str]


def _who(recorded_by: str | None) -> str:
    return recorded_by or getpass.getuser()


def _check_violation(v: ViolationRecord) -> None:
    bad = []
    if not v.case_no.strip():
        bad.append("case number empty / 案件编号为空")
    if v.kind not in VIOLATION_KINDS:
        bad.append(f"kind {v.kind!r} not one of {', '.join(VIOLATION_KINDS)}")
    if v.status not in VIOLATION_STATUSES:
        bad.append(f"status {v.status!r} not one of {', '.join(VIOLATION_STATUSES)}")
    if not math.isfinite(v.penalty_cny) or v.penalty_cny < 0:
        bad.append(f"penalty {v.penalty_cny!r} is not an amount ≥ 0")
    if v.closed_on is not None and v.closed_on < v.found_on:
        bad.append(f"closed on {v.closed_on} before it was found ({v.found_on})")
    if bad:
        raise InputError(
            en=f"violation {v.case_no!r}: " + "; ".join(bad),
            zh="违规案件记录无效",
            field="case_no",
            values=[v.case_no],
        )


def _violation_dict(row: ZoningViolation) -> dict[str, Any]:
    return {f: getattr(row, f) for f in _VIOLATION_FIELDS}


def _stored_violation(row: ZoningViolation) -> StoredViolation:
    at = row.recorded_at
    return StoredViolation(
        case_no=row.case_no,
        county_adcode=int(row.county_adcode),
        found_on=row.found_on,
        kind=row.kind,
        description=row.description,
        penalty_cny=float(row.penalty_cny),
        status=row.status,
        source=row.source,
        unit_code=row.unit_code or "",
        closed_on=row.closed_on,
        synthetic=bool(row.synthetic),
        revision=int(row.revision),
        recorded_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        recorded_by=row.recorded_by,
    )


def _json(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in d.items()}


def record_violations(
    engine: Engine, violations: Iterable[ViolationRecord], *, recorded_by: str | None = None
) -> RecordedCases:
    """Record a batch of violation cases in one transaction (a new case gets revision 1,
    a changed one its next revision, an identical one nothing); the same case twice in
    the batch is refused naming it."""
    batch: dict[str, ViolationRecord] = {}
    for v in violations:
        _check_violation(v)
        if v.case_no in batch:
            raise InputError(
                en=f"violation case {v.case_no!r} is given twice; keep one row per case",
                zh="违规案件编号重复",
                field="case_no",
                values=[v.case_no],
            )
        batch[v.case_no] = v
    who, when = _who(recorded_by), datetime.now(UTC)
    added: list[str] = []
    revised: list[str] = []
    unchanged: list[str] = []
    try:
        with Session(engine) as session, session.begin():
            newest: dict[str, ZoningViolation] = {}
            if batch:
                for row in session.scalars(
                    select(ZoningViolation).where(ZoningViolation.case_no.in_(list(batch)))
                ):
                    if row.case_no not in newest or row.revision > newest[row.case_no].revision:
                        newest[row.case_no] = row
            for case_no, v in batch.items():
                last = newest.get(case_no)
                now = {f: getattr(v, f) for f in _VIOLATION_FIELDS}
                before = _violation_dict(last) if last is not None else None
                if before is not None and before == now:
                    unchanged.append(case_no)
                    continue
                (revised if last is not None else added).append(case_no)
                revision = 1 if last is None else last.revision + 1
                session.add(
                    ZoningViolation(
                        case_no=case_no,
                        revision=revision,
                        recorded_at=when,
                        recorded_by=who,
                        **now,
                    )
                )
                audit(
                    session,
                    actor=who,
                    action="violation.record",
                    entity="zoning_violation",
                    entity_id=f"{case_no}#{revision}",
                    before=_json(before) if before is not None else None,
                    after=_json(now),
                )
    except SQLAlchemyError as exc:
        raise failures.not_written(
            "violations", "违规案件", exc, verb="recorded", plural=True
        ) from exc
    return RecordedCases(added, revised, unchanged)


def violations_in_force(
    engine: Engine,
    *,
    counties: Iterable[int] | None = None,
    found_from: date | None = None,
    found_to: date | None = None,
) -> list[StoredViolation]:
    """The newest revision of every violation case (of ``counties``, found between the
    two dates inclusive when given), in case-number order."""
    with Session(engine) as session:
        stmt = select(ZoningViolation)
        if counties is not None:
            stmt = stmt.where(ZoningViolation.county_adcode.in_([int(c) for c in counties]))
        newest: dict[str, ZoningViolation] = {}
        for row in session.scalars(stmt):
            if row.case_no not in newest or row.revision > newest[row.case_no].revision:
                newest[row.case_no] = row
        out = [_stored_violation(newest[k]) for k in sorted(newest)]
    return [
        v
        for v in out
        if (found_from is None or v.found_on >= found_from)
        and (found_to is None or v.found_on <= found_to)
    ]


# ----------------------------------------------------------------------------- damage


@dataclass(frozen=True)
class DamageRecord:
    """A damage case with the valuation it was assessed with (CNY at ``price_year``)."""

    case_no: str
    title: str
    damage_date: date
    county_adcode: int
    counties: list[dict[str, Any]]
    account_id: int
    price_year: int
    area_m2: float
    interim_cny: float
    permanent_cny: float
    total_cny: float
    assessment: dict[str, Any]
    synthetic: bool = False


@dataclass(frozen=True)
class PaymentRecord:
    """One payment of compensation or restoration cost for a damage case."""

    paid_on: date
    amount_cny: float
    kind: str
    reference: str


@dataclass(frozen=True)
class StoredDamageCase(DamageRecord):
    """A damage case read back, with its id and payments (oldest first)."""

    id: int = 0
    payments: list[PaymentRecord] = field(default_factory=list)
    recorded_at: datetime | None = None
    recorded_by: str = ""

    @property
    def paid_cny(self) -> float:
        return float(sum(p.amount_cny for p in self.payments))


def save_damage_case(engine: Engine, case: DamageRecord, *, recorded_by: str | None = None) -> int:
    """Store a damage case with its valuation and return its id; a case number stored
    already is refused naming it (a case is recorded once; payments are added to it)."""
    if not case.case_no.strip():
        raise InputError(en="give the damage case a number", zh="损害案件编号为空", field="case_no")
    who = _who(recorded_by)
    try:
        with Session(engine) as session, session.begin():
            found = session.scalars(
                select(DamageCase.id).where(DamageCase.case_no == case.case_no)
            ).first()
            if found is not None:
                raise InputError(
                    en=f"damage case {case.case_no!r} is stored already (id {found}); a case is "
                    "recorded once: add its payments (`ganpo apply damage-cases pay`)",
                    zh="损害案件已存在",
                    field="case_no",
                    values=[case.case_no],
                )
            row = DamageCase(**asdict(case), recorded_at=datetime.now(UTC), recorded_by=who)
            session.add(row)
            session.flush()
            summary = {k: v for k, v in asdict(case).items() if k != "assessment"}
            audit(
                session,
                actor=who,
                action="damage.record",
                entity="damage_case",
                entity_id=str(row.id),
                before=None,
                after=_json(summary),
            )
            return int(row.id)
    except SQLAlchemyError as exc:
        raise StoreError(
            en=f"the damage case was not stored: {failures.cause(exc)}", zh="损害案件未存储"
        ) from exc


def _case_id(session: Session, case_no: str) -> int:
    found = session.scalars(select(DamageCase.id).where(DamageCase.case_no == case_no)).first()
    if found is None:
        known = list(session.scalars(select(DamageCase.case_no).order_by(DamageCase.case_no)))
        raise InputError(
            en=f"no damage case {case_no!r}; stored cases: {', '.join(known) or 'none'}",
            zh="无此损害案件",
            field="case_no",
            values=[case_no],
        )
    return int(found)


def add_payment(
    engine: Engine, case_no: str, payment: PaymentRecord, *, recorded_by: str | None = None
) -> int:
    """Add a payment to a stored damage case; return the payment's id."""
    if payment.kind not in PAYMENT_KINDS:
        raise InputError(
            en=f"payment kind {payment.kind!r} is not one of {', '.join(PAYMENT_KINDS)}",
            zh="支付类型无效",
            field="kind",
            values=[payment.kind],
        )
    if not math.isfinite(payment.amount_cny) or payment.amount_cny <= 0:
        raise InputError(
            en=f"payment amount {payment.amount_cny!r} must be a positive amount",
            zh="支付金额须为正数",
            field="amount",
            values=[payment.amount_cny],
        )
    who = _who(recorded_by)
    try:
        with Session(engine) as session, session.begin():
            case_id = _case_id(session, case_no)
            case = session.get(DamageCase, case_id)
            assert case is not None
            if payment.paid_on < case.damage_date:
                raise InputError(
                    en=f"payment on {payment.paid_on} is before the damage of case {case_no!r} "
                    f"({case.damage_date})",
                    zh="支付日期早于损害发生日期",
                    field="date",
                    values=[payment.paid_on.isoformat()],
                )
            row = DamagePayment(
                case_id=case_id, **asdict(payment), recorded_at=datetime.now(UTC), recorded_by=who
            )
            session.add(row)
            session.flush()
            audit(
                session,
                actor=who,
                action="damage.payment",
                entity="damage_case",
                entity_id=str(case_id),
                before=None,
                after=_json({"payment_id": row.id, **asdict(payment)}),
            )
            return int(row.id)
    except SQLAlchemyError as exc:
        raise StoreError(
            en=f"the payment was not stored: {failures.cause(exc)}", zh="支付记录未存储"
        ) from exc


def list_damage_cases(
    engine: Engine, *, counties: Iterable[int] | None = None
) -> list[StoredDamageCase]:
    """The stored damage cases (those touching ``counties`` when given), with their
    payments, in case-number order."""
    wanted = None if counties is None else {int(c) for c in counties}
    out = []
    with Session(engine) as session:
        for row in session.scalars(select(DamageCase).order_by(DamageCase.case_no)):
            touched = {int(c["county_adcode"]) for c in row.counties} | {int(row.county_adcode)}
            if wanted is not None and not touched & wanted:
                continue
            pays = session.scalars(
                select(DamagePayment)
                .where(DamagePayment.case_id == row.id)
                .order_by(DamagePayment.paid_on, DamagePayment.id)
            )
            at = row.recorded_at
            out.append(
                StoredDamageCase(
                    case_no=row.case_no,
                    title=row.title,
                    damage_date=row.damage_date,
                    county_adcode=int(row.county_adcode),
                    counties=list(row.counties),
                    account_id=int(row.account_id),
                    price_year=int(row.price_year),
                    area_m2=float(row.area_m2),
                    interim_cny=float(row.interim_cny),
                    permanent_cny=float(row.permanent_cny),
                    total_cny=float(row.total_cny),
                    assessment=dict(row.assessment),
                    synthetic=bool(row.synthetic),
                    id=int(row.id),
                    payments=[
                        PaymentRecord(p.paid_on, float(p.amount_cny), p.kind, p.reference)
                        for p in pays
                    ],
                    recorded_at=at if at.tzinfo else at.replace(tzinfo=UTC),
                    recorded_by=row.recorded_by,
                )
            )
    return out
