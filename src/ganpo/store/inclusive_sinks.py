"""Forest and wetland sink projects of the carbon-inclusive registry (decision 0052): a
project on parcels of the asset register, owned by a participant, for vintage years; its
issuance, one per project and vintage, into the registry's one ledger.

The double-counting guard, checked when a project is set up and again when it is issued
(a parcel may have been withdrawn, excluded or claimed in between), in one transaction:

* every parcel is in the register and not withdrawn;
* a parcel is in at most one sink project per vintage (also a unique key of the table);
* a parcel on the exclusion list (a CCER project, an inventory's sink) over the vintage
  year is refused;
* a parcel claimed by a carbon-inclusive submission (e.g. forest management) over the
  vintage year is refused, and :func:`ganpo.store.inclusive.submit` refuses the converse.

An issuance is recorded as a claim of the project's owner (asset ``sink:<code>``, the
vintage year as its period, the measured net sequestration as its quantity, reviewed by a
verifier other than the issuer) whose block of serials enters the same ledger as every
other credit (balances, transfers, retirements and their locks are those of
:mod:`ganpo.store.inclusive`); the serials' region is the county of the parcels (the one
with the largest registered area), where the carbon is sequestered, not the owner's.
The project row is locked (``FOR UPDATE`` on PostgreSQL, SQLite's write lock) so that two
concurrent issuances of the same project and vintage cannot both pass the check; the
unique key (project, vintage) refuses the second anyway.

The store does not import :mod:`ganpo.carbon`: what is measured and how much may be
issued is decided in :mod:`ganpo.carbon.sink_credits`; the store checks the quantity
against the measured figure it is given and records both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ganpo.errors import InputError, StoreError, UnknownNameError
from ganpo.store.inclusive import (
    _HEX64,
    Evidence,
    _now,
    _participant,
    issue_block,
    write_claim,
)
from ganpo.store.inclusive_ledger import Entry, replay
from ganpo.store.inclusive_models import (
    EXCLUSION_KINDS,
    SINK_KINDS,
    InclusiveBlock,
    InclusiveExclusion,
    InclusiveLedgerEntry,
    InclusiveMethodology,
    InclusiveSinkIssuance,
    InclusiveSinkParcel,
    InclusiveSinkProject,
    InclusiveSubmission,
)
from ganpo.store.lifecycle import write_lock
from ganpo.store.platform import audit
from ganpo.store.register_models import RegisterParcel

#: the asset id of a sink project's claims (the prefix cannot clash with a parcel code
#: of the register, which has no colon)
SINK_ASSET_PREFIX = "sink:"
MIN_VINTAGE, MAX_VINTAGE = 1990, 2100


@dataclass(frozen=True)
class SinkIssued:
    """One issuance of a sink project: its vintage, the figures and the block."""

    vintage: int
    account_id: int
    measured_t: float
    buffer_share: float
    quantity_kg: int
    first_serial: int
    last_serial: int
    region_adcode: int  # the serials' region: the parcels' county
    block_id: int
    issued_by: str
    verified_by: str
    issued_at: str


@dataclass(frozen=True)
class SinkProject:
    """A sink project as stored, with its parcels by vintage and its issuances."""

    id: int
    code: str
    name: str
    kind: str
    owner_participant: int
    methodology: str
    version: int
    parcels: dict[int, list[str]]  # vintage -> parcel codes
    issuances: list[SinkIssued] = field(default_factory=list)

    @property
    def vintages(self) -> list[int]:
        return sorted(self.parcels)


def _year(vintage: int) -> tuple[date, date]:
    return date(vintage, 1, 1), date(vintage, 12, 31)


def _check_vintage(vintage: int) -> None:
    if isinstance(vintage, bool) or not MIN_VINTAGE <= int(vintage) <= MAX_VINTAGE:
        raise InputError(
            en=f"vintage {vintage!r} is not a year in [{MIN_VINTAGE}, {MAX_VINTAGE}]",
            zh=f"年份 {vintage!r} 无效",
            field="vintage",
            values=[vintage],
        )


def _check_parcels(
    session: Session, codes: Sequence[str], vintages: Sequence[int], project_id: int | None
) -> None:
    """The double-counting guard of the module's docstring, for ``codes`` × ``vintages``
    (``project_id``: the project itself, whose own membership is not a conflict)."""
    rows = {
        r.code: r
        for r in session.scalars(select(RegisterParcel).where(RegisterParcel.code.in_(codes)))
    }
    for code in codes:
        row = rows.get(code)
        if row is None:
            raise InputError(
                en=f"parcel {code} is not in the asset register: deposit it first (`ganpo apply "
                "register add`)",
                zh=f"地块 {code} 不在生态资产登记簿中，请先登记入库",
                field="parcels",
                values=[code],
            )
        if row.status == "withdrawn":
            raise InputError(
                en=f"parcel {code} was withdrawn from the register and cannot carry sink credits",
                zh=f"地块 {code} 已退出登记簿，不能签发碳汇减排量",
                field="parcels",
                values=[code],
            )
    SP, SJ, X, S = (
        InclusiveSinkParcel,
        InclusiveSinkProject,
        InclusiveExclusion,
        InclusiveSubmission,
    )
    for vintage in vintages:
        start, end = _year(vintage)
        other = session.execute(
            select(SP.parcel_code, SJ.code)
            .join(SJ, SJ.id == SP.project_id)
            .where(SP.parcel_code.in_(codes), SP.vintage == vintage)
            .where(SP.project_id != (project_id if project_id is not None else -1))
        ).first()
        if other is not None:
            raise InputError(
                en=f"parcel {other.parcel_code} is already in sink project {other.code} for "
                f"{vintage}: a parcel's sequestration is credited once (double counting)",
                zh=f"地块 {other.parcel_code} 已属碳汇项目 {other.code}（{vintage} 年），"
                "不得重复计入",
                field="parcels",
                values=[other.parcel_code, other.code, vintage],
            )
        excluded = session.scalars(
            select(X).where(
                X.asset_id.in_(codes),
                or_(X.period_start.is_(None), X.period_start <= end),
                or_(X.period_end.is_(None), X.period_end >= start),
            )
        ).first()
        if excluded is not None:
            zh, en = EXCLUSION_KINDS[excluded.kind]
            raise InputError(
                en=f"parcel {excluded.asset_id} is {en} ({excluded.reference}) in {vintage}: its "
                "sequestration is counted there and cannot be credited again (double "
                "counting)",
                zh=f"地块 {excluded.asset_id} {zh}（{excluded.reference}），不得重复计入",
                field="parcels",
                values=[excluded.asset_id, vintage],
            )
        claimed = session.execute(
            select(S.id, S.asset_id).where(
                S.asset_id.in_(codes),
                S.status != "rejected",
                S.period_start <= end,
                S.period_end >= start,
            )
        ).first()
        if claimed is not None:
            raise InputError(
                en=f"parcel {claimed.asset_id} is claimed in {vintage} by carbon-inclusive "
                f"submission {claimed.id}: its carbon is credited there (double counting); "
                "reject that claim or leave the parcel out",
                zh=f"地块 {claimed.asset_id} 已在碳普惠提交 {claimed.id} 中申报（{vintage} 年），"
                "不得重复计入",
                field="parcels",
                values=[claimed.asset_id, claimed.id, vintage],
            )


def add_project(
    engine: Engine,
    *,
    code: str,
    name: str,
    kind: str,
    owner_participant: int,
    methodology_id: int,
    parcels: Sequence[str],
    vintages: Sequence[int],
    created_by: str,
) -> int:
    """Set up a sink project on register parcels for vintage years (the guard of the
    module's docstring) and return its id."""
    code, name = code.strip(), name.strip()
    if not code or any(c.isspace() or c == ":" for c in code) or len(code) > 64:
        raise InputError(
            en=f"project code {code!r} must be 1–64 characters without spaces or colons",
            zh="项目编码须为 1–64 个字符，不含空格和冒号",
            field="code",
            values=[code],
        )
    if not name:
        raise InputError(en="a sink project needs a name", zh="碳汇项目须有名称", field="name")
    if kind not in SINK_KINDS:
        raise InputError(
            en=f"sink kind {kind!r} is not one of {', '.join(SINK_KINDS)}",
            zh=f"碳汇类型须为 {'、'.join(z for z, _ in SINK_KINDS.values())}",
            field="kind",
            values=[kind],
        )
    codes = sorted({p.strip() for p in parcels if p.strip()})
    if not codes:
        raise InputError(
            en="a sink project needs parcels", zh="碳汇项目须包含地块", field="parcels"
        )
    years = sorted({int(v) for v in vintages})
    if not years:
        raise InputError(
            en="a sink project needs vintage years", zh="碳汇项目须注明年份", field="vintage"
        )
    for v in years:
        _check_vintage(v)
    try:
        with Session(engine) as session, session.begin():
            write_lock(session)
            owner = _participant(session, owner_participant, lock=True)
            if owner.withdrawn_at is not None:
                raise InputError(
                    en=f"participant {owner_participant} withdrew its consent: it can own no new "
                    "project",
                    zh=f"参与者 {owner_participant} 已撤回同意，不能登记新项目",
                    field="owner",
                    values=[owner_participant],
                )
            if session.scalar(
                select(InclusiveSinkProject.id).where(InclusiveSinkProject.code == code)
            ):
                raise InputError(
                    en=f"sink project {code} exists already",
                    zh=f"碳汇项目 {code} 已存在",
                    field="code",
                    values=[code],
                )
            _check_parcels(session, codes, years, None)
            row = InclusiveSinkProject(
                code=code,
                name=name,
                kind=kind,
                owner_participant=owner_participant,
                methodology_id=methodology_id,
                created_by=created_by,
                created_at=_now(),
            )
            session.add(row)
            session.flush()
            session.add_all(
                InclusiveSinkParcel(project_id=row.id, parcel_code=c, vintage=v)
                for c in codes
                for v in years
            )
            session.flush()
            audit(
                session,
                actor=created_by,
                action="inclusive.sink_project",
                entity="inclusive_sink_project",
                entity_id=str(row.id),
                before=None,
                after={
                    "code": code,
                    "kind": kind,
                    "owner": owner_participant,
                    "methodology_id": methodology_id,
                    "parcels": codes,
                    "vintages": years,
                },
            )
            return row.id
    except IntegrityError as exc:  # a concurrent project took a parcel-vintage first
        raise InputError(
            en=f"sink project {code} was not stored: a concurrent project took one of its "
            "parcels for one of its vintages (or its code); list the projects and try again",
            zh=f"碳汇项目 {code} 未保存：其地块或编码已被同时登记的项目占用",
            field="parcels",
            values=[code],
        ) from exc


def _issued_rows(session: Session, project_id: int) -> list[SinkIssued]:
    Iss, B = InclusiveSinkIssuance, InclusiveBlock
    rows = session.execute(
        select(Iss, B.first_serial, B.last_serial, B.region_adcode)
        .join(B, B.id == Iss.block_id)
        .where(Iss.project_id == project_id)
        .order_by(Iss.vintage)
    ).all()
    return [
        SinkIssued(
            vintage=i.vintage,
            account_id=i.account_id,
            measured_t=i.measured_t,
            buffer_share=i.buffer_share,
            quantity_kg=i.quantity_kg,
            first_serial=int(first),
            last_serial=int(last),
            region_adcode=int(region),
            block_id=i.block_id,
            issued_by=i.issued_by,
            verified_by=i.verified_by,
            issued_at=f"{i.issued_at:%Y-%m-%d}",
        )
        for i, first, last, region in rows
    ]


def _project(session: Session, row: InclusiveSinkProject) -> SinkProject:
    parcels: dict[int, list[str]] = {}
    for code, vintage in session.execute(
        select(InclusiveSinkParcel.parcel_code, InclusiveSinkParcel.vintage)
        .where(InclusiveSinkParcel.project_id == row.id)
        .order_by(InclusiveSinkParcel.vintage, InclusiveSinkParcel.parcel_code)
    ):
        parcels.setdefault(int(vintage), []).append(str(code))
    m = session.get(InclusiveMethodology, row.methodology_id)
    assert m is not None
    return SinkProject(
        id=row.id,
        code=row.code,
        name=row.name,
        kind=row.kind,
        owner_participant=row.owner_participant,
        methodology=m.code,
        version=m.version,
        parcels=parcels,
        issuances=_issued_rows(session, row.id),
    )


def project(engine: Engine, code: str) -> SinkProject:
    """A sink project by its code (an unknown code is named with the known ones)."""
    with Session(engine) as session:
        row = session.scalars(
            select(InclusiveSinkProject).where(InclusiveSinkProject.code == code)
        ).one_or_none()
        if row is None:
            known = list(session.scalars(select(InclusiveSinkProject.code)))
            raise UnknownNameError("sink project", code, known)
        return _project(session, row)


def projects(engine: Engine) -> list[SinkProject]:
    """Every sink project, by code."""
    with Session(engine) as session:
        rows = session.scalars(select(InclusiveSinkProject).order_by(InclusiveSinkProject.code))
        return [_project(session, r) for r in rows]


def issue_sink(
    engine: Engine,
    *,
    project_code: str,
    vintage: int,
    account_id: int,
    measured_t: float,
    buffer_share: float,
    quantity_kg: int,
    unit: str,
    detail: dict[str, object],
    evidence: Sequence[Evidence],
    issued_by: str,
    verified_by: str,
    reason: str,
) -> SinkIssued:
    """Issue ``quantity_kg`` credits of a sink project for ``vintage`` into the ledger, in
    one transaction: the claim of the project's owner (already verified by
    ``verified_by``, who is not ``issued_by``), its evidence, the block of serials, the
    issuance entry and the record of the measurement. Refused: a vintage the project does
    not have, a second issuance of the same project and vintage, more credits than the
    measured figure net of the buffer (whole kilograms), a parcel that fails the guard."""
    _check_vintage(vintage)
    if not math.isfinite(measured_t) or not 0.0 <= buffer_share < 1.0:
        raise InputError(
            en=f"measured {measured_t!r} t CO2 with buffer share {buffer_share!r} is not a "
            "figure to issue from",
            zh="实测量或缓冲比例无效",
            field="measured",
            values=[measured_t, buffer_share],
        )
    allowed = math.floor(measured_t * (1.0 - buffer_share) * 1000.0 + 1e-6)
    if int(quantity_kg) < 1:
        raise InputError(
            en=f"sink project {project_code}, {vintage}: {quantity_kg} credits is less than one "
            f"(the measured net sequestration after the buffer is {allowed} kg CO2)",
            zh="签发量不足一个单位",
            field="quantity",
            values=[quantity_kg],
        )
    if int(quantity_kg) > allowed:
        raise InputError(
            en=f"sink project {project_code}, {vintage}: {quantity_kg} kg CO2 is more than "
            f"measured: {measured_t:,.3f} t CO2 measured, less a buffer of "
            f"{buffer_share:.0%}, allows at most {allowed} credits (kg)",
            zh=f"签发量 {quantity_kg} 超过实测碳汇量扣除缓冲后的 {allowed} kgCO2",
            field="quantity",
            values=[quantity_kg, allowed],
        )
    if verified_by.strip() == issued_by.strip():
        raise InputError(
            en=f"{issued_by} cannot verify the issuance it makes: another user verifies the "
            "measured figure",
            zh="签发人不能核验自己的签发，须由他人核验",
            field="verifier",
            values=[verified_by],
        )
    if not reason.strip():
        raise InputError(
            en="the verification needs its reason", zh="核验须说明理由", field="reason"
        )
    for ev in evidence:
        if not _HEX64.match(ev.sha256):
            raise InputError(
                en=f"evidence {ev.name!r}: {ev.sha256!r} is not a SHA-256",
                zh="证据校验值无效",
                field="sha256",
                values=[ev.name],
            )
    start, end = _year(vintage)
    try:
        with Session(engine) as session, session.begin():
            write_lock(session)
            row = session.scalars(
                select(InclusiveSinkProject)
                .where(InclusiveSinkProject.code == project_code)
                .with_for_update()
            ).one_or_none()
            if row is None:
                known = list(session.scalars(select(InclusiveSinkProject.code)))
                raise UnknownNameError("sink project", project_code, known)
            codes = list(
                session.scalars(
                    select(InclusiveSinkParcel.parcel_code).where(
                        InclusiveSinkParcel.project_id == row.id,
                        InclusiveSinkParcel.vintage == vintage,
                    )
                )
            )
            if not codes:
                years = sorted(
                    set(
                        session.scalars(
                            select(InclusiveSinkParcel.vintage).where(
                                InclusiveSinkParcel.project_id == row.id
                            )
                        )
                    )
                )
                raise InputError(
                    en=f"sink project {project_code} has no vintage {vintage} (it has "
                    f"{', '.join(map(str, years))})",
                    zh=f"碳汇项目 {project_code} 没有 {vintage} 年",
                    field="vintage",
                    values=[project_code, vintage],
                )
            done = session.scalars(
                select(InclusiveSinkIssuance).where(
                    InclusiveSinkIssuance.project_id == row.id,
                    InclusiveSinkIssuance.vintage == vintage,
                )
            ).one_or_none()
            if done is not None:
                raise InputError(
                    en=f"sink project {project_code} was issued for {vintage} already, on "
                    f"{done.issued_at:%Y-%m-%d} ({done.quantity_kg} credits): one issuance "
                    "per project and vintage",
                    zh=f"碳汇项目 {project_code} 的 {vintage} 年减排量已于 "
                    f"{done.issued_at:%Y-%m-%d} 签发，每个项目每年只签发一次",
                    field="vintage",
                    values=[project_code, vintage],
                )
            _check_parcels(session, codes, [vintage], row.id)
            owner = _participant(session, row.owner_participant, lock=True)
            if owner.withdrawn_at is not None:
                raise InputError(
                    en=f"the project's owner (participant {owner.id}) withdrew its consent: "
                    "nothing more is issued to it",
                    zh="项目业主已撤回同意，不再签发",
                    field="owner",
                    values=[owner.id],
                )
            now = _now()
            sub = write_claim(
                session,
                participant_id=row.owner_participant,
                methodology_id=row.methodology_id,
                asset_id=f"{SINK_ASSET_PREFIX}{project_code}",
                period_start=start,
                period_end=end,
                quantity=measured_t,
                unit=unit,
                reduction_kg=quantity_kg,
                evidence=evidence,
                submitted_by=issued_by,
                submitted_at=now,
                verified=(verified_by, reason),
            )
            by_county: dict[int, float] = {}
            for adcode, area in session.execute(
                select(RegisterParcel.adcode, RegisterParcel.area_m2).where(
                    RegisterParcel.code.in_(codes)
                )
            ):
                by_county[int(adcode)] = by_county.get(int(adcode), 0.0) + float(area)
            block = issue_block(
                session,
                sub,
                region_adcode=max(sorted(by_county), key=lambda a: by_county[a]),
                vintage=vintage,
                by_user=issued_by,
            )
            rec = InclusiveSinkIssuance(
                project_id=row.id,
                vintage=vintage,
                account_id=int(account_id),
                measured_t=float(measured_t),
                buffer_share=float(buffer_share),
                quantity_kg=int(quantity_kg),
                detail=detail,
                submission_id=sub.id,
                block_id=block.id,
                issued_by=issued_by,
                verified_by=verified_by,
                issued_at=now,
            )
            session.add(rec)
            session.flush()
            audit(
                session,
                actor=issued_by,
                action="inclusive.sink_issuance",
                entity="inclusive_sink_issuance",
                entity_id=str(rec.id),
                before=None,
                after={
                    "project": project_code,
                    "vintage": vintage,
                    "account": int(account_id),
                    "measured_t": float(measured_t),
                    "buffer_share": float(buffer_share),
                    "quantity_kg": int(quantity_kg),
                    "first_serial": block.first_serial,
                    "last_serial": block.last_serial,
                    "verified_by": verified_by,
                    "evidence": {e.item: e.sha256 for e in evidence},
                },
            )
            return SinkIssued(
                vintage=vintage,
                account_id=int(account_id),
                measured_t=float(measured_t),
                buffer_share=float(buffer_share),
                quantity_kg=int(quantity_kg),
                first_serial=int(block.first_serial),
                last_serial=int(block.last_serial),
                region_adcode=int(block.region_adcode),
                block_id=int(block.id),
                issued_by=issued_by,
                verified_by=verified_by,
                issued_at=f"{now:%Y-%m-%d}",
            )
    except IntegrityError as exc:  # the unique key (project, vintage) under a race
        raise StoreError(
            en=f"sink project {project_code} was not issued for {vintage}: another issuance of "
            "it was stored at the same moment; list the project",
            zh=f"碳汇项目 {project_code} 的 {vintage} 年签发冲突，请查看项目",
        ) from exc


@dataclass(frozen=True)
class SinkCredit:
    """Sink credits issued on a parcel (collateral evidence): the project, the vintage,
    the serials and where they are now (held, retired, redeemed), in credits (kg CO2)."""

    project: str
    project_name: str
    kind: str
    parcels: list[str]
    vintage: int
    methodology: str
    version: int
    region_adcode: int
    first_serial: int
    last_serial: int
    quantity_kg: int
    held_kg: int
    retired_kg: int
    redeemed_kg: int
    measured_t: float
    account_id: int


def sink_credits_on(engine: Engine, parcel_codes: Sequence[str]) -> list[SinkCredit]:
    """The sink credits issued on any of ``parcel_codes`` (by project and vintage), with
    how many of them are held, retired or redeemed now (the block's ledger replayed)."""
    codes = list(parcel_codes)
    if not codes:
        return []
    SP, SJ, Iss, B, M = (
        InclusiveSinkParcel,
        InclusiveSinkProject,
        InclusiveSinkIssuance,
        InclusiveBlock,
        InclusiveMethodology,
    )
    L = InclusiveLedgerEntry
    out = []
    with Session(engine) as session:
        rows = session.execute(
            select(SJ.id, SJ.code, SJ.name, SJ.kind, Iss, B, M.code.label("m"), M.version)
            .join(Iss, Iss.project_id == SJ.id)
            .join(B, B.id == Iss.block_id)
            .join(M, M.id == B.methodology_id)
            .where(
                select(SP.parcel_code)
                .where(SP.project_id == SJ.id, SP.vintage == Iss.vintage, SP.parcel_code.in_(codes))
                .exists()
            )
            .order_by(SJ.code, Iss.vintage)
        ).all()
        for pid, code, name, kind, iss, block, m, version in rows:
            entries = session.execute(
                select(L.kind, L.first_serial, L.last_serial, L.from_participant, L.to_participant)
                .where(L.block_id == block.id)
                .order_by(L.id)
            ).all()
            runs = replay(Entry(*e) for e in entries).runs_in(block.first_serial, block.last_serial)
            by_state = {"held": 0, "retired": 0, "redeemed": 0}
            for r in runs:
                by_state[r.state] += r.quantity
            parcels = sorted(
                session.scalars(
                    select(SP.parcel_code).where(SP.project_id == pid, SP.vintage == iss.vintage)
                )
            )
            out.append(
                SinkCredit(
                    project=code,
                    project_name=name,
                    kind=kind,
                    parcels=parcels,
                    vintage=iss.vintage,
                    methodology=m,
                    version=int(version),
                    region_adcode=int(block.region_adcode),
                    first_serial=int(block.first_serial),
                    last_serial=int(block.last_serial),
                    quantity_kg=int(iss.quantity_kg),
                    held_kg=by_state["held"],
                    retired_kg=by_state["retired"],
                    redeemed_kg=by_state["redeemed"],
                    measured_t=float(iss.measured_t),
                    account_id=int(iss.account_id),
                )
            )
    return out
