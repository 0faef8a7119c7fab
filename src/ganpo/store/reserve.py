"""Repository of the rights reserve (权益储备库): acquisitions, packages, sales, leases,
returns, and the holder ledger of every right.

Every operation is one transaction: the deal, one ledger row per right it moves, the
rights' new holder and status, and the audit row are stored together or not at all. The
rights a deal moves are locked first (``SELECT … FOR UPDATE`` on PostgreSQL, in id order so
that two deals never wait on each other), and their state is checked under the lock: of
two concurrent sales of the same right exactly one succeeds, the other is refused as
"already sold". SQLite serialises writers by itself.

The ledger is append-only (triggers of migration 0020) and :func:`replay` rebuilds from it
who held each right from when to when; the ``holder``/``status`` kept on the right are that
replay's last state (a test checks they agree after every step).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import InputError, UnknownNameError
from ganpo.store.failures import not_written
from ganpo.store.platform import as_utc as _utc
from ganpo.store.platform import audit
from ganpo.store.register_models import RegisterParcel
from ganpo.store.reserve_models import (
    ASSET_TYPES,
    DEAL_KINDS,
    RESERVE_HOLDER,
    ReserveDeal,
    ReserveLedger,
    ReservePackage,
    ReserveRight,
)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def holder_name(holder: str | None) -> str:
    """A holder as people read it (``None`` is the reserve)."""
    return RESERVE_HOLDER if holder is None else holder


@dataclass(frozen=True)
class NewRight:
    """A right entering the reserve: what an acquisition stores besides the deal.

    ``attributes`` are the type's own fields (checked by :mod:`ganpo.apply.reserve`):
    pollutant, quantity, permit, region and term of an emission right; areas and stand
    volume of a wetland or forestry element, whose ``parcel_code`` names its register
    parcel."""

    code: str
    asset_type: str
    name: str
    attributes: dict[str, Any]
    parcel_code: str | None = None


@dataclass(frozen=True)
class RightRecord:
    """A right as read from the reserve."""

    id: int
    code: str
    asset_type: str
    name: str
    parcel_code: str | None
    attributes: dict[str, Any]
    holder: str | None
    status: str
    package: str | None
    created_by: str
    created_at: datetime

    def public(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "asset_type": self.asset_type,
            "name": self.name,
            "parcel": self.parcel_code,
            "attributes": dict(self.attributes),
            "holder": holder_name(self.holder),
            "status": self.status,
            "package": self.package,
            "created_by": self.created_by,
            "created_at": _utc(self.created_at).isoformat(),
        }


@dataclass(frozen=True)
class LedgerRow:
    """One change of holder of one right, with the deal that made it."""

    id: int
    right: str
    kind: str
    from_holder: str | None
    to_holder: str | None
    held_from: date
    deal_id: int
    lot: str
    price_cny: float | None
    term_end: date | None
    by_user: str

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "right": self.right,
            "kind": self.kind,
            "from": holder_name(self.from_holder),
            "to": holder_name(self.to_holder),
            "held_from": self.held_from.isoformat(),
            "deal": self.deal_id,
            "lot": self.lot,
            "price_cny": self.price_cny,
            "term_end": self.term_end.isoformat() if self.term_end else None,
            "by": self.by_user,
        }


@dataclass(frozen=True)
class Period:
    """``holder`` held the right from ``start`` (None: before the ledger) to ``end``
    (None: holds it now)."""

    holder: str | None
    start: date | None
    end: date | None


@dataclass
class Replay:
    """A right's holders over time, rebuilt from its ledger rows."""

    periods: list[Period] = field(default_factory=list)
    holder: str | None = None
    status: str = "reserve"


class LedgerConflictError(ValueError):
    """A ledger row moves a right from someone who did not hold it."""


#: the status a right is in after a ledger row of each kind
_STATUS_AFTER = {"acquisition": "reserve", "sale": "sold", "lease": "leased", "return": "reserve"}


def replay(rows: Iterable[LedgerRow]) -> Replay:
    """Who held a right from when to when, from its ledger rows in order (pure).

    The first row is an acquisition from the original holder (held before the ledger
    began); every row must move the right from its current holder, on a date not before
    the last change; :class:`LedgerConflictError` names the row that does not."""
    out = Replay()
    last: date | None = None
    for i, r in enumerate(rows):
        if i == 0:
            if r.kind != "acquisition":
                raise LedgerConflictError(
                    f"ledger row {r.id}: a right's first row is its acquisition, not a " + r.kind
                )
            out.periods.append(Period(r.from_holder, None, r.held_from))
        else:
            if r.from_holder != out.holder:
                raise LedgerConflictError(
                    f"ledger row {r.id} moves {r.right} from {holder_name(r.from_holder)}, "
                    f"but {holder_name(out.holder)} held it"
                )
            if last is not None and r.held_from < last:
                raise LedgerConflictError(
                    f"ledger row {r.id} of {r.right} is dated {r.held_from}, before the "
                    f"last change ({last})"
                )
            prev = out.periods[-1]
            out.periods[-1] = Period(prev.holder, prev.start, r.held_from)
        out.periods.append(Period(r.to_holder, r.held_from, None))
        out.holder = r.to_holder
        out.status = _STATUS_AFTER[r.kind]
        last = r.held_from
    return out


def _check_name(value: str, what: str) -> str:
    value = str(value).strip()
    if not value:
        raise InputError(en=f"the {what} is empty; name them", zh=f"{what}不能为空", field=what)
    if value == RESERVE_HOLDER:
        raise InputError(
            en=f"{value!r} is the name the reserve itself goes by; give the {what}'s own name",
            zh="该名称为储备库自身",
            field=what,
            values=[value],
        )
    if len(value) > 200:
        raise InputError(
            en=f"the {what} is longer than 200 characters",
            zh=f"{what} 超过 200 个字符，请缩短",
            field=what,
        )
    return value


def _check_price(price_cny: float) -> float:
    if not math.isfinite(price_cny) or price_cny < 0:
        raise InputError(
            en=f"price {price_cny} CNY is not a non-negative number",
            zh="价格须为非负数",
            field="price",
            values=[price_cny],
        )
    return float(price_cny)


def check_digest(digest: str | None, *, required: bool) -> str | None:
    """A SHA-256 hex digest of the evidence (lower case), or None when not required."""
    if digest is None or not digest.strip():
        if required:
            raise InputError(
                en="an acquisition needs the SHA-256 digest of its evidence (the signed contract "
                "or transfer record): give --evidence FILE",
                zh="收储须附证明材料摘要",
                field="evidence",
            )
        return None
    d = digest.strip().lower()
    if not _SHA256.match(d):
        raise InputError(
            en=f"{digest!r} is not a SHA-256 digest (64 hexadecimal characters)",
            zh="摘要格式错误",
            field="evidence",
            values=[digest],
        )
    return d


def _packages(session: Session) -> dict[int, str]:
    return {
        int(i): str(c) for i, c in session.execute(select(ReservePackage.id, ReservePackage.code))
    }


def _parcels(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(
        select(RegisterParcel.id, RegisterParcel.code).where(RegisterParcel.id.in_(wanted))
    )
    return {int(i): str(c) for i, c in rows}


def _record(row: ReserveRight, packages: dict[int, str], parcels: dict[int, str]) -> RightRecord:
    return RightRecord(
        id=row.id,
        code=row.code,
        asset_type=row.asset_type,
        name=row.name,
        parcel_code=parcels.get(row.parcel_id) if row.parcel_id is not None else None,
        attributes=dict(row.attributes or {}),
        holder=row.holder,
        status=row.status,
        package=packages.get(row.package_id) if row.package_id is not None else None,
        created_by=row.created_by,
        created_at=_utc(row.created_at),
    )


def _records(session: Session, rows: Sequence[ReserveRight]) -> list[RightRecord]:
    packages = _packages(session)
    parcels = _parcels(session, (r.parcel_id for r in rows))
    return [_record(r, packages, parcels) for r in rows]


def _all_codes(session: Session) -> list[str]:
    return [str(c) for c in session.scalars(select(ReserveRight.code))] + [
        str(c) for c in session.scalars(select(ReservePackage.code))
    ]


def _lock_lot(session: Session, lot: str) -> tuple[list[ReserveRight], str | None]:
    """The rights of a lot (a package, or a right in no package), locked, in id order."""
    pkg = session.scalar(select(ReservePackage).where(ReservePackage.code == lot))
    stmt = select(ReserveRight).order_by(ReserveRight.id).with_for_update()
    if pkg is not None:
        return list(session.scalars(stmt.where(ReserveRight.package_id == pkg.id))), pkg.code
    rows = list(session.scalars(stmt.where(ReserveRight.code == lot)))
    if not rows:
        raise UnknownNameError("reserve right or package", lot, _all_codes(session))
    if rows[0].package_id is not None:
        raise InputError(
            en=f"right {lot} is in package {_packages(session)[rows[0].package_id]}; it is sold, "
            "leased and returned with its package",
            zh="该权益已打包，须按资产包交易",
            field="lot",
            values=[lot],
        )
    return rows, None


def _last_change(session: Session, ids: list[int]) -> date | None:
    value = session.scalar(
        select(func.max(ReserveLedger.held_from)).where(ReserveLedger.right_id.in_(ids))
    )
    return value if isinstance(value, date) else None


def _deal(
    session: Session,
    *,
    kind: str,
    lot: str,
    counterparty: str,
    price_cny: float | None,
    on: date,
    term_end: date | None,
    evidence: str | None,
    note: str,
    actor: str,
) -> ReserveDeal:
    deal = ReserveDeal(
        kind=kind,
        lot=lot,
        counterparty=counterparty,
        price_cny=price_cny,
        deal_date=on,
        term_end=term_end,
        evidence_sha256=evidence,
        note=note,
        by_user=actor,
        recorded_at=datetime.now(UTC),
    )
    session.add(deal)
    session.flush()
    return deal


def _move(
    session: Session, deal: ReserveDeal, rows: list[ReserveRight], to: str | None, actor: str
) -> None:
    for r in rows:
        session.add(
            ReserveLedger(
                right_id=r.id,
                deal_id=deal.id,
                kind=deal.kind,
                from_holder=r.holder,
                to_holder=to,
                held_from=deal.deal_date,
                by_user=actor,
                recorded_at=deal.recorded_at,
            )
        )
        r.holder = to
        r.status = _STATUS_AFTER[deal.kind]
    session.flush()


def _audit_deal(session: Session, deal: ReserveDeal, rights: list[str], actor: str) -> None:
    audit(
        session,
        actor=actor,
        action=f"reserve.{deal.kind}",
        entity="reserve_deal",
        entity_id=str(deal.id),
        before=None,
        after={
            "kind": deal.kind,
            "lot": deal.lot,
            "rights": rights,
            "counterparty": deal.counterparty,
            "price_cny": deal.price_cny,
            "date": deal.deal_date.isoformat(),
            "term_end": deal.term_end.isoformat() if deal.term_end else None,
            "evidence_sha256": deal.evidence_sha256,
        },
    )


def _what_zh(what: str) -> str:
    """The Chinese of what :func:`_transaction` names: a deal's record by the Chinese of
    its kind (:data:`DEAL_KINDS`), or the package.

    >>> _what_zh("sale"), _what_zh("package")
    ('出让记录', '资产包')
    """
    if what in DEAL_KINDS:
        return f"{DEAL_KINDS[what].split(' ', 1)[0]}记录"
    return "资产包" if what == "package" else what


@contextmanager
def _transaction(what: str) -> Iterator[None]:
    """Turn a database failure of an operation into a StoreError naming it (the
    transaction inside was rolled back)."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise not_written(what, _what_zh(what), exc) from exc


def acquire(
    engine: Engine,
    code: str,
    *,
    from_holder: str,
    price_cny: float,
    on: date,
    evidence_sha256: str | None,
    actor: str,
    new: NewRight | None = None,
    note: str = "",
) -> list[RightRecord]:
    """Acquire a right into the reserve (收储), at a price, on a date, with evidence.

    With ``new`` the right enters the register of the reserve for the first time (its code
    must be unused; a parcel backs at most one right). Without it, ``code`` is a right (or
    a package) the reserve sold earlier and buys back from its holder. The rights acquired
    are returned."""
    from_holder = _check_name(from_holder, "holder")
    price = _check_price(price_cny)
    evidence = check_digest(evidence_sha256, required=True)
    if new is not None and new.code != code:
        raise InputError(
            en=f"right code {new.code!r} differs from {code!r}",
            zh=f"权益代码 {new.code!r} 与 {code!r} 不一致",
            field="code",
        )
    with _transaction("acquisition"), Session(engine) as session, session.begin():
        if new is not None:
            rows = [_new_right(session, new, actor)]
            rows[0].holder = from_holder
        else:
            rows, _ = _lock_lot(session, code)
            bad = [r for r in rows if r.status != "sold" or r.holder != from_holder]
            if bad:
                what = ", ".join(
                    f"{r.code} {r.status} (held by {holder_name(r.holder)})" for r in bad
                )
                raise InputError(
                    en=f"{code} cannot be bought back from {from_holder}: {what}; only rights "
                    "the reserve sold can be bought back, from their holder",
                    zh="只能从现持有人处回购已出让的权益",
                    field="holder",
                    values=[from_holder],
                )
            _check_chronology(on, _last_change(session, [r.id for r in rows]), code)
        deal = _deal(
            session,
            kind="acquisition",
            lot=code,
            counterparty=from_holder,
            price_cny=price,
            on=on,
            term_end=None,
            evidence=evidence,
            note=note,
            actor=actor,
        )
        _move(session, deal, rows, None, actor)
        _audit_deal(session, deal, [r.code for r in rows], actor)
        return _records(session, rows)


def _new_right(session: Session, new: NewRight, actor: str) -> ReserveRight:
    if new.asset_type not in ASSET_TYPES:
        raise UnknownNameError("reserve asset type", new.asset_type, ASSET_TYPES)
    code = new.code.strip()
    if not code or len(code) > 64:
        raise InputError(
            en="a right needs a code of 1 to 64 characters", zh="权益编码", field="code"
        )
    if not new.name.strip():
        raise InputError(en="a right needs a name", zh="权益名称不能为空", field="name")
    if session.scalar(select(ReserveRight.id).where(ReserveRight.code == code)) or session.scalar(
        select(ReservePackage.id).where(ReservePackage.code == code)
    ):
        raise InputError(
            en=f"code {code!r} is already used in the reserve; codes are unique",
            zh="编码已存在",
            field="code",
            values=[code],
        )
    parcel_id = None
    if (new.parcel_code is None) != (new.asset_type == "emission"):
        raise InputError(
            en="wetland and forestry elements stand on a register parcel (give its code); "
            "emission rights stand on none",
            zh="湿地、林业要素须指定登记地块",
            field="parcel",
        )
    if new.parcel_code is not None:
        parcel = session.scalar(
            select(RegisterParcel).where(RegisterParcel.code == new.parcel_code)
        )
        if parcel is None:
            raise UnknownNameError(
                "register parcel", new.parcel_code, session.scalars(select(RegisterParcel.code))
            )
        if parcel.status == "withdrawn":
            raise InputError(
                en=f"parcel {parcel.code} is withdrawn from the register",
                zh="地块已退出登记",
                field="parcel",
                values=[parcel.code],
            )
        taken = session.scalar(select(ReserveRight.code).where(ReserveRight.parcel_id == parcel.id))
        if taken:
            raise InputError(
                en=f"parcel {parcel.code} already backs reserve right {taken}; a parcel backs "
                "one right",
                zh="该地块已对应储备权益",
                field="parcel",
                values=[parcel.code, taken],
            )
        parcel_id = parcel.id
    row = ReserveRight(
        code=code,
        asset_type=new.asset_type,
        name=new.name.strip(),
        parcel_id=parcel_id,
        attributes=dict(new.attributes),
        holder=None,
        status="reserve",
        package_id=None,
        created_by=actor,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def _check_chronology(on: date, last: date | None, lot: str) -> None:
    if last is not None and on < last:
        raise InputError(
            en=f"{lot}: the date {on} is before the last change of holder ({last}); the ledger "
            "runs forward in time",
            zh="日期早于上一次权属变更",
            field="date",
            values=[on.isoformat()],
        )


def add_package(
    engine: Engine, code: str, name: str, right_codes: list[str], *, actor: str
) -> list[RightRecord]:
    """Bundle rights held by the reserve into a package sold or leased as one (打包)."""
    code, name = code.strip(), name.strip()
    if not code or not name or len(code) > 64:
        raise InputError(
            en="a package needs a code (≤ 64 characters) and a name",
            zh="资产包编码与名称",
            field="code",
        )
    if not right_codes:
        raise InputError(
            en="a package needs at least one right", zh="资产包至少含一项权益", field="rights"
        )
    if len(set(right_codes)) != len(right_codes):
        twice = sorted({c for c in right_codes if right_codes.count(c) > 1})
        raise InputError(
            en="a right is listed twice",
            zh=f"权益 {', '.join(twice)} 被重复列出，每项权益只列一次",
            field="rights",
            values=right_codes,
        )
    with _transaction("package"), Session(engine) as session, session.begin():
        if code in _all_codes(session):
            raise InputError(
                en=f"code {code!r} is already used in the reserve",
                zh="编码已存在",
                field="code",
                values=[code],
            )
        rows = list(
            session.scalars(
                select(ReserveRight)
                .where(ReserveRight.code.in_(right_codes))
                .order_by(ReserveRight.id)
                .with_for_update()
            )
        )
        missing = sorted(set(right_codes) - {r.code for r in rows})
        if missing:
            raise UnknownNameError("reserve right", ", ".join(missing), _all_codes(session))
        packages = _packages(session)
        bad = [f"{r.code} (in {packages[r.package_id]})" for r in rows if r.package_id] + [
            f"{r.code} ({r.status})" for r in rows if r.status != "reserve"
        ]
        if bad:
            raise InputError(
                en="only rights the reserve holds and that are in no package can be bundled: "
                + ", ".join(bad),
                zh="只能打包在库且未打包的权益",
                field="rights",
                values=bad,
            )
        pkg = ReservePackage(code=code, name=name, created_by=actor, created_at=datetime.now(UTC))
        session.add(pkg)
        session.flush()
        for r in rows:
            r.package_id = pkg.id
        audit(
            session,
            actor=actor,
            action="reserve.package",
            entity="reserve_package",
            entity_id=code,
            before=None,
            after={"code": code, "name": name, "rights": sorted(right_codes)},
        )
        return _records(session, rows)


def sell(
    engine: Engine,
    lot: str,
    *,
    buyer: str,
    price_cny: float,
    on: date,
    actor: str,
    evidence_sha256: str | None = None,
    note: str = "",
) -> int:
    """Sell a right or a package held by the reserve (出让); the deal's id.

    Refused: a right that is not in the reserve (sold, or leased out: a leased right is
    sold after its return)."""
    buyer = _check_name(buyer, "buyer")
    price = _check_price(price_cny)
    evidence = check_digest(evidence_sha256, required=False)
    return _move_lot(
        engine,
        "sale",
        lot,
        counterparty=buyer,
        price_cny=price,
        on=on,
        term_end=None,
        evidence=evidence,
        note=note,
        actor=actor,
    )


def lease(
    engine: Engine,
    lot: str,
    *,
    lessee: str,
    price_cny: float,
    start: date,
    end: date,
    actor: str,
    evidence_sha256: str | None = None,
    note: str = "",
) -> int:
    """Lease a right or a package out for a term (出租); the deal's id. ``price_cny`` is
    the rent of the whole term."""
    lessee = _check_name(lessee, "lessee")
    price = _check_price(price_cny)
    if end <= start:
        raise InputError(
            en=f"the lease term ends ({end}) before it starts ({start}); give an end after the "
            "start",
            zh="租期结束日须晚于开始日",
            field="end",
            values=[start.isoformat(), end.isoformat()],
        )
    evidence = check_digest(evidence_sha256, required=False)
    return _move_lot(
        engine,
        "lease",
        lot,
        counterparty=lessee,
        price_cny=price,
        on=start,
        term_end=end,
        evidence=evidence,
        note=note,
        actor=actor,
    )


#: how a sale and a lease say what is done to the lot (in the refusal of a lot not in the
#: reserve)
_DOING = {"sale": "sold", "lease": "leased"}


def _move_lot(
    engine: Engine,
    kind: Literal["sale", "lease"],
    lot: str,
    *,
    counterparty: str,
    price_cny: float,
    on: date,
    term_end: date | None,
    evidence: str | None,
    note: str,
    actor: str,
) -> int:
    """A sale or a lease of a lot the reserve holds, in one transaction; the deal's id.

    The lot's rights are locked, must all be in the reserve, the deal may not be dated
    before their last change of holder nor run (to ``term_end``, or ``on`` for a sale)
    past an emission right's term; then the deal, the ledger rows moving the rights to
    ``counterparty`` and the audit row are written. The arguments are checked by the
    caller."""
    with _transaction(kind), Session(engine) as session, session.begin():
        rows, _ = _lock_lot(session, lot)
        _require_status(rows, "reserve", lot, _DOING[kind])
        _check_chronology(on, _last_change(session, [r.id for r in rows]), lot)
        _check_term(rows, on if term_end is None else term_end, lot)
        deal = _deal(
            session,
            kind=kind,
            lot=lot,
            counterparty=counterparty,
            price_cny=price_cny,
            on=on,
            term_end=term_end,
            evidence=evidence,
            note=note,
            actor=actor,
        )
        _move(session, deal, rows, counterparty, actor)
        _audit_deal(session, deal, [r.code for r in rows], actor)
        return deal.id


def return_lease(engine: Engine, lot: str, *, on: date, actor: str, note: str = "") -> int:
    """Take a leased right or package back into the reserve (租期届满收回); the deal's id."""
    with _transaction("return"), Session(engine) as session, session.begin():
        rows, _ = _lock_lot(session, lot)
        if any(r.status != "leased" for r in rows):
            raise InputError(
                en=f"{lot} is not leased out ({', '.join(sorted({r.status for r in rows}))}); "
                "only a leased right returns",
                zh="未出租，无需收回",
                field="lot",
                values=[lot],
            )
        _check_chronology(on, _last_change(session, [r.id for r in rows]), lot)
        lessees = sorted({str(r.holder) for r in rows})
        deal = _deal(
            session,
            kind="return",
            lot=lot,
            counterparty=", ".join(lessees),
            price_cny=None,
            on=on,
            term_end=None,
            evidence=None,
            note=note,
            actor=actor,
        )
        _move(session, deal, rows, None, actor)
        _audit_deal(session, deal, [r.code for r in rows], actor)
        return deal.id


def _term_end(row: ReserveRight) -> date | None:
    """The day an emission right's term ends (start + years), None for other rights."""
    a = row.attributes or {}
    if "term_start" not in a or "term_years" not in a:
        return None
    start = date.fromisoformat(str(a["term_start"]))
    try:
        return start.replace(year=start.year + int(a["term_years"]))
    except ValueError:  # 29 February
        return start.replace(year=start.year + int(a["term_years"]), day=28)


def _check_term(rows: list[ReserveRight], until: date, lot: str) -> None:
    """Refuse a deal that runs past the term of an emission right it moves."""
    for r in rows:
        end = _term_end(r)
        if end is not None and until > end:
            raise InputError(
                en=f"{lot}: the term of emission right {r.code} ends on {end}, before {until}; a "
                "right cannot be sold or leased beyond its term",
                zh="超出排污权有效期限",
                field="date",
                values=[r.code, end.isoformat()],
            )


def _require_status(rows: list[ReserveRight], wanted: str, lot: str, doing: str) -> None:
    bad = [r for r in rows if r.status != wanted]
    if bad:
        what = ", ".join(f"{r.code} {r.status} (held by {holder_name(r.holder)})" for r in bad)
        raise InputError(
            en=f"{lot} cannot be {doing}: {what}; only rights in the reserve can be {doing}",
            zh="只能出让或出租在库的权益（已出让或出租中）",
            field="lot",
            values=[r.code for r in bad],
        )


def get_right(engine: Engine, code: str) -> RightRecord:
    with Session(engine) as session:
        row = session.scalar(select(ReserveRight).where(ReserveRight.code == code))
        if row is None:
            raise UnknownNameError("reserve right", code, _all_codes(session))
        return _records(session, [row])[0]


def list_rights(engine: Engine) -> list[RightRecord]:
    """Every right of the reserve, in code order."""
    with Session(engine) as session:
        rows = list(session.scalars(select(ReserveRight).order_by(ReserveRight.code)))
        return _records(session, rows)


def list_packages(engine: Engine) -> dict[str, tuple[str, list[str]]]:
    """Package code → (name, right codes)."""
    with Session(engine) as session:
        out: dict[str, tuple[str, list[str]]] = {}
        for pkg in session.scalars(select(ReservePackage).order_by(ReservePackage.code)):
            codes = session.scalars(
                select(ReserveRight.code)
                .where(ReserveRight.package_id == pkg.id)
                .order_by(ReserveRight.code)
            )
            out[pkg.code] = (pkg.name, list(codes))
        return out


def ledger(engine: Engine, code: str | None = None) -> list[LedgerRow]:
    """Ledger rows (of one right, or all), in the order they were written."""
    with Session(engine) as session:
        stmt = (
            select(ReserveLedger, ReserveRight.code, ReserveDeal)
            .join(ReserveRight, ReserveRight.id == ReserveLedger.right_id)
            .join(ReserveDeal, ReserveDeal.id == ReserveLedger.deal_id)
            .order_by(ReserveLedger.id)
        )
        if code is not None:
            if session.scalar(select(ReserveRight.id).where(ReserveRight.code == code)) is None:
                raise UnknownNameError("reserve right", code, _all_codes(session))
            stmt = stmt.where(ReserveRight.code == code)
        return [
            LedgerRow(
                id=row.id,
                right=str(rcode),
                kind=row.kind,
                from_holder=row.from_holder,
                to_holder=row.to_holder,
                held_from=row.held_from,
                deal_id=deal.id,
                lot=deal.lot,
                price_cny=deal.price_cny,
                term_end=deal.term_end,
                by_user=row.by_user,
            )
            for row, rcode, deal in session.execute(stmt)
        ]


def deals(engine: Engine) -> list[dict[str, Any]]:
    """Every deal, oldest first."""
    with Session(engine) as session:
        return [
            {
                "id": d.id,
                "kind": d.kind,
                "lot": d.lot,
                "counterparty": d.counterparty,
                "price_cny": d.price_cny,
                "date": d.deal_date.isoformat(),
                "term_end": d.term_end.isoformat() if d.term_end else None,
                "evidence_sha256": d.evidence_sha256,
                "by": d.by_user,
            }
            for d in session.scalars(select(ReserveDeal).order_by(ReserveDeal.id))
        ]
