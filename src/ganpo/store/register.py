"""Repository of the ecological asset register: parcels, packages and their valuations.

Every change is one transaction with its audit row (:func:`ganpo.store.platform.audit`):
both are stored or neither. A deposit is refused when the parcel overlaps a parcel already
in the register (unless the caller allows layered rights explicitly), so the register
never holds the same land twice by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyproj import CRS
from shapely import wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import InputError, UnknownNameError
from ganpo.store.failures import not_written
from ganpo.store.lifecycle import lock_usable_accounts, states_in
from ganpo.store.platform import as_utc as _utc
from ganpo.store.platform import audit
from ganpo.store.register_models import (
    PARCEL_STATUSES,
    RIGHTS_TYPES,
    RegisterPackage,
    RegisterPackageParcel,
    RegisterParcel,
    RegisterValuation,
)

#: Overlaps smaller than this [m²] are taken as digitising slivers, not overlaps.
OVERLAP_TOLERANCE_M2 = 1.0


@dataclass(frozen=True)
class ParcelRecord:
    """A parcel as read from the register."""

    id: int
    code: str
    name: str
    owner: str
    rights_type: str
    area_m2: float
    adcode: int
    geometry: BaseGeometry
    crs: str
    composition: dict[int, float]
    composition_account_id: int | None
    status: str
    notes: list[str]
    created_by: str
    created_at: datetime
    package: str | None = None

    def public(self) -> dict[str, Any]:
        """JSON-ready fields (without geometry)."""
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "owner": self.owner,
            "rights_type": self.rights_type,
            "area_m2": self.area_m2,
            "area_ha": self.area_m2 / 1e4,
            "adcode": self.adcode,
            "composition_m2": {str(k): v for k, v in self.composition.items()},
            "composition_account_id": self.composition_account_id,
            "status": self.status,
            "notes": list(self.notes),
            "created_by": self.created_by,
            "created_at": _utc(self.created_at).isoformat(),
            "package": self.package,
        }


@dataclass(frozen=True)
class PackageRecord:
    """A package with its parcels."""

    id: int
    code: str
    name: str
    description: str
    created_by: str
    created_at: datetime
    parcels: list[ParcelRecord] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "created_by": self.created_by,
            "created_at": _utc(self.created_at).isoformat(),
            "parcels": [p.code for p in self.parcels],
            "area_m2": sum(p.area_m2 for p in self.parcels),
        }


@dataclass(frozen=True)
class NewParcel:
    """What a deposit stores; geometry in ``crs`` (the account grid's, equal-area)."""

    code: str
    name: str
    owner: str
    rights_type: str
    adcode: int
    geometry: BaseGeometry
    crs: str
    composition: dict[int, float]
    composition_account_id: int | None
    notes: list[str] = field(default_factory=list)


def _record(row: RegisterParcel, package: str | None = None) -> ParcelRecord:
    return ParcelRecord(
        id=row.id,
        code=row.code,
        name=row.name,
        owner=row.owner,
        rights_type=row.rights_type,
        area_m2=row.area_m2,
        adcode=int(row.adcode),
        geometry=wkb.loads(row.geometry_wkb),
        crs=row.crs,
        composition={int(k): float(v) for k, v in (row.composition or {}).items()},
        composition_account_id=row.composition_account_id,
        status=row.status,
        notes=list(row.notes or []),
        created_by=row.created_by,
        created_at=_utc(row.created_at),
        package=package,
    )


def _check_fields(p: NewParcel) -> None:
    if p.rights_type not in RIGHTS_TYPES:
        raise UnknownNameError("rights type", p.rights_type, RIGHTS_TYPES)
    for name in ("code", "name", "owner"):
        value = getattr(p, name)
        if not str(value).strip():
            raise InputError(
                en=f"the parcel's {name} is empty; every parcel needs a code, a name and an owner",
                zh=f"地块{name}不能为空",
                field=name,
            )
    if len(p.code) > 64:
        raise InputError(
            en="the parcel code is longer than 64 characters",
            zh=f"地块编码 {p.code[:20]!r}… 超过 64 个字符，请缩短编码",
            field="code",
        )


def _same_crs(a: str, b: str) -> bool:
    return a == b or CRS.from_user_input(a).equals(CRS.from_user_input(b))


def overlaps(
    session: Session, geometry: BaseGeometry, crs: str, *, exclude_id: int | None = None
) -> list[tuple[str, float]]:
    """Codes of the registered (not withdrawn) parcels the geometry overlaps, with m²."""
    import geopandas as gpd

    rows = session.scalars(select(RegisterParcel).where(RegisterParcel.status != "withdrawn"))
    found = []
    for row in rows:
        if row.id == exclude_id:
            continue
        other = wkb.loads(row.geometry_wkb)
        if not _same_crs(row.crs, crs):
            other = gpd.GeoSeries([other], crs=row.crs).to_crs(crs).iloc[0]
        if not other.intersects(geometry):
            continue
        area = float(other.intersection(geometry).area)
        if area > OVERLAP_TOLERANCE_M2:
            found.append((row.code, area))
    return found


def add_parcel(
    engine: Engine, parcel: NewParcel, *, actor: str, allow_overlap: bool = False
) -> int:
    """Deposit a parcel (one transaction with its audit row); its id.

    Refused: a code already used, an unknown rights type, an overlap with a registered
    parcel (unless ``allow_overlap``, for rights layered on the same land, which is then
    noted on the parcel).
    """
    _check_fields(parcel)
    try:
        with Session(engine) as session, session.begin():
            if parcel.composition_account_id is not None:
                lock_usable_accounts(
                    session, [parcel.composition_account_id], f"parcel {parcel.code}"
                )
            if session.scalar(select(RegisterParcel.id).where(RegisterParcel.code == parcel.code)):
                raise InputError(
                    en=f"a parcel with code {parcel.code!r} is already in the register; codes "
                    "are unique",
                    zh="地块编码已存在",
                    field="code",
                    values=[parcel.code],
                )
            hits = overlaps(session, parcel.geometry, parcel.crs)
            notes = list(parcel.notes)
            if hits and not allow_overlap:
                listed = ", ".join(f"{c} ({a / 1e4:,.2f} ha)" for c, a in hits)
                raise InputError(
                    en=f"parcel {parcel.code} overlaps registered parcel(s) {listed}; the same "
                    "land cannot be deposited twice. Correct the boundary, withdraw the "
                    "other parcel, or (for layered rights on the same land) allow the "
                    "overlap explicitly (--allow-overlap)",
                    zh="与已登记地块重叠",
                    field="geometry",
                    values=[c for c, _ in hits],
                )
            if hits:
                notes.append(
                    "overlaps (allowed, layered rights): "
                    + ", ".join(f"{c} {a / 1e4:,.2f} ha" for c, a in hits)
                )
            row = RegisterParcel(
                code=parcel.code,
                name=parcel.name,
                owner=parcel.owner,
                rights_type=parcel.rights_type,
                area_m2=float(parcel.geometry.area),
                adcode=int(parcel.adcode),
                geometry_wkb=wkb.dumps(parcel.geometry),
                crs=parcel.crs,
                composition={str(k): float(v) for k, v in parcel.composition.items()},
                composition_account_id=parcel.composition_account_id,
                status="deposited",
                notes=notes,
                created_by=actor,
                created_at=datetime.now(UTC),
            )
            session.add(row)
            session.flush()
            pid = row.id
            audit(
                session,
                actor=actor,
                action="register.parcel.deposit",
                entity="register_parcel",
                entity_id=parcel.code,
                before=None,
                after=_record(row).public(),
            )
    except SQLAlchemyError as exc:
        raise not_written("parcel", "地块", exc) from exc
    return pid


def _package_of(session: Session) -> dict[int, str]:
    rows = session.execute(
        select(RegisterPackageParcel.parcel_id, RegisterPackage.code).join(
            RegisterPackage, RegisterPackage.id == RegisterPackageParcel.package_id
        )
    )
    return {int(pid): str(code) for pid, code in rows}


def list_parcels(engine: Engine, adcodes: set[int] | None = None) -> list[ParcelRecord]:
    """Parcels in code order; only those in ``adcodes`` when given (a viewer's counties)."""
    with Session(engine) as session:
        stmt = select(RegisterParcel).order_by(RegisterParcel.code)
        if adcodes is not None:
            stmt = stmt.where(RegisterParcel.adcode.in_(sorted(adcodes)))
        packages = _package_of(session)
        return [_record(r, packages.get(r.id)) for r in session.scalars(stmt)]


def get_parcel(engine: Engine, code: str) -> ParcelRecord:
    with Session(engine) as session:
        row = session.scalar(select(RegisterParcel).where(RegisterParcel.code == code))
        if row is None:
            codes = session.scalars(select(RegisterParcel.code).order_by(RegisterParcel.code))
            raise UnknownNameError("parcel", code, list(codes))
        return _record(row, _package_of(session).get(row.id))


def update_parcel(
    engine: Engine, code: str, changes: dict[str, Any], *, actor: str
) -> ParcelRecord:
    """Change a parcel's name, owner, rights type or status (audited)."""
    allowed = {"name", "owner", "rights_type", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise InputError(
            en=f"cannot change {', '.join(sorted(unknown))}; editable fields: "
            f"{', '.join(sorted(allowed))} (the geometry is fixed: withdraw and deposit anew)",
            zh=f"不能修改 {', '.join(sorted(unknown))}；可修改的字段："
            f"{', '.join(sorted(allowed))}（地块边界不可修改：请撤回后重新登记）",
            field=sorted(unknown)[0],
        )
    if "rights_type" in changes and changes["rights_type"] not in RIGHTS_TYPES:
        raise UnknownNameError("rights type", str(changes["rights_type"]), RIGHTS_TYPES)
    if "status" in changes and changes["status"] not in PARCEL_STATUSES:
        raise UnknownNameError("parcel status", str(changes["status"]), PARCEL_STATUSES)
    with Session(engine) as session, session.begin():
        row = session.scalar(select(RegisterParcel).where(RegisterParcel.code == code))
        if row is None:
            raise UnknownNameError("parcel", code, session.scalars(select(RegisterParcel.code)))
        packages = _package_of(session)
        if changes.get("status") == "withdrawn" and row.id in packages:
            raise InputError(
                en=f"parcel {code} is in package {packages[row.id]}; remove the package first",
                zh="地块已打包，不能退出",
                field="status",
            )
        before = _record(row).public()
        for k, v in changes.items():
            setattr(row, k, v)
        session.flush()
        after = _record(row, packages.get(row.id))
        audit(
            session,
            actor=actor,
            action="register.parcel.update",
            entity="register_parcel",
            entity_id=code,
            before=before,
            after=after.public(),
        )
    return after


def delete_parcel(engine: Engine, code: str, *, actor: str) -> None:
    """Remove a parcel that is in no package (audited)."""
    with Session(engine) as session, session.begin():
        row = session.scalar(select(RegisterParcel).where(RegisterParcel.code == code))
        if row is None:
            raise UnknownNameError("parcel", code, session.scalars(select(RegisterParcel.code)))
        package = _package_of(session).get(row.id)
        if package:
            raise InputError(
                en=f"parcel {code} is in package {package}; delete the package first",
                zh="地块已打包，不能删除",
                field="code",
            )
        before = _record(row).public()
        session.delete(row)
        audit(
            session,
            actor=actor,
            action="register.parcel.delete",
            entity="register_parcel",
            entity_id=code,
            before=before,
            after=None,
        )


def add_package(
    engine: Engine,
    code: str,
    name: str,
    parcel_codes: list[str],
    *,
    actor: str,
    description: str = "",
) -> int:
    """Bundle registered parcels into a new package (one transaction, audited)."""
    if not code.strip() or not name.strip():
        raise InputError(
            en="a package needs a code and a name", zh="资产包需要编码和名称", field="code"
        )
    if not parcel_codes:
        raise InputError(
            en="a package needs at least one parcel", zh="资产包至少包含一个地块", field="parcels"
        )
    if len(set(parcel_codes)) != len(parcel_codes):
        twice = sorted({c for c in parcel_codes if parcel_codes.count(c) > 1})
        raise InputError(
            en="a parcel is listed twice",
            zh=f"地块 {', '.join(twice)} 被重复列出，每个地块只列一次",
            field="parcels",
            values=parcel_codes,
        )
    with Session(engine) as session, session.begin():
        if session.scalar(select(RegisterPackage.id).where(RegisterPackage.code == code)):
            raise InputError(
                en=f"a package with code {code!r} already exists",
                zh="资产包编码已存在",
                field="code",
                values=[code],
            )
        rows = list(
            session.scalars(select(RegisterParcel).where(RegisterParcel.code.in_(parcel_codes)))
        )
        missing = sorted(set(parcel_codes) - {r.code for r in rows})
        if missing:
            raise UnknownNameError(
                "parcel", ", ".join(missing), session.scalars(select(RegisterParcel.code))
            )
        packages = _package_of(session)
        taken = [f"{r.code} (in {packages[r.id]})" for r in rows if r.id in packages]
        gone = [r.code for r in rows if r.status == "withdrawn"]
        if taken or gone:
            raise InputError(
                en="cannot package "
                + "; ".join(
                    x
                    for x in (
                        f"already packaged: {', '.join(taken)}" if taken else "",
                        f"withdrawn: {', '.join(gone)}" if gone else "",
                    )
                    if x
                ),
                zh="地块已打包或已退出",
                field="parcels",
                values=taken + gone,
            )
        pkg = RegisterPackage(
            code=code,
            name=name,
            description=description,
            created_by=actor,
            created_at=datetime.now(UTC),
        )
        session.add(pkg)
        session.flush()
        for r in rows:
            session.add(RegisterPackageParcel(package_id=pkg.id, parcel_id=r.id))
            r.status = "packaged"
        pkg_id = pkg.id
        audit(
            session,
            actor=actor,
            action="register.package.create",
            entity="register_package",
            entity_id=code,
            before=None,
            after={"code": code, "name": name, "parcels": sorted(parcel_codes)},
        )
    return pkg_id


def get_package(engine: Engine, code: str) -> PackageRecord:
    with Session(engine) as session:
        pkg = session.scalar(select(RegisterPackage).where(RegisterPackage.code == code))
        if pkg is None:
            raise UnknownNameError("package", code, session.scalars(select(RegisterPackage.code)))
        rows = session.scalars(
            select(RegisterParcel)
            .join(RegisterPackageParcel, RegisterPackageParcel.parcel_id == RegisterParcel.id)
            .where(RegisterPackageParcel.package_id == pkg.id)
            .order_by(RegisterParcel.code)
        )
        return PackageRecord(
            id=pkg.id,
            code=pkg.code,
            name=pkg.name,
            description=pkg.description,
            created_by=pkg.created_by,
            created_at=_utc(pkg.created_at),
            parcels=[_record(r, code) for r in rows],
        )


def list_packages(engine: Engine) -> list[PackageRecord]:
    with Session(engine) as session:
        codes = list(session.scalars(select(RegisterPackage.code).order_by(RegisterPackage.code)))
    return [get_package(engine, c) for c in codes]


def delete_package(engine: Engine, code: str, *, actor: str) -> None:
    """Dissolve a package: its parcels return to 'deposited' (audited)."""
    pkg = get_package(engine, code)
    with Session(engine) as session, session.begin():
        session.execute(
            delete(RegisterPackageParcel).where(RegisterPackageParcel.package_id == pkg.id)
        )
        for p in pkg.parcels:
            row = session.get(RegisterParcel, p.id)
            if row is not None and row.status == "packaged":
                row.status = "deposited"
        session.execute(delete(RegisterPackage).where(RegisterPackage.id == pkg.id))
        audit(
            session,
            actor=actor,
            action="register.package.delete",
            entity="register_package",
            entity_id=code,
            before=pkg.public(),
            after=None,
        )


def add_valuation(
    engine: Engine,
    *,
    target_kind: str,
    target_code: str,
    account_id: int,
    discount_rate: float,
    horizon_years: int,
    flow_cny: float,
    asset_value_cny: float,
    detail: dict[str, Any],
    actor: str,
) -> int:
    """Store a valuation of a parcel or package (with its inputs; audited)."""
    if target_kind not in ("parcel", "package"):
        raise InputError(
            en="target_kind must be parcel or package",
            zh=f"target_kind 须为 parcel（地块）或 package（资产包），实为 {target_kind!r}",
            field="target_kind",
        )
    with Session(engine) as session, session.begin():
        lock_usable_accounts(session, [account_id], f"valuation of {target_kind} {target_code}")
        row = RegisterValuation(
            target_kind=target_kind,
            target_code=target_code,
            account_id=account_id,
            discount_rate=discount_rate,
            horizon_years=horizon_years,
            flow_cny=flow_cny,
            asset_value_cny=asset_value_cny,
            detail=detail,
            created_by=actor,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        vid = row.id
        audit(
            session,
            actor=actor,
            action=f"register.{target_kind}.value",
            entity="register_valuation",
            entity_id=str(vid),
            before=None,
            after={
                "target": f"{target_kind} {target_code}",
                "account_id": account_id,
                "discount_rate": discount_rate,
                "horizon_years": horizon_years,
                "flow_cny": flow_cny,
                "asset_value_cny": asset_value_cny,
            },
        )
    return vid


def list_valuations(engine: Engine, target_code: str | None = None) -> list[dict[str, Any]]:
    """Stored valuations (of one target, or all), oldest first; ``account_status`` tells
    the standing of the account each used, now (e.g. ``superseded by #5 …``; '' when
    current): a valuation keeps the account it used."""
    with Session(engine) as session:
        stmt = select(RegisterValuation).order_by(RegisterValuation.id)
        if target_code is not None:
            stmt = stmt.where(RegisterValuation.target_code == target_code)
        rows = list(session.scalars(stmt))
        states = states_in(session, (v.account_id for v in rows))
        return [
            {
                "id": v.id,
                "target_kind": v.target_kind,
                "target_code": v.target_code,
                "account_id": v.account_id,
                "account_status": states[v.account_id].note(),
                "discount_rate": v.discount_rate,
                "horizon_years": v.horizon_years,
                "flow_cny": v.flow_cny,
                "asset_value_cny": v.asset_value_cny,
                "created_by": v.created_by,
                "created_at": _utc(v.created_at).isoformat(),
            }
            for v in rows
        ]
