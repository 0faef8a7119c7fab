"""The ecological asset register (生态资产登记与收储), as a county "two mountains" company
(两山公司) keeps it: deposit parcels, bundle them into packages, value a package.

A deposit reprojects the parcel to the account's equal-area grid, refuses a polygon
outside the region or overlapping a registered parcel, and records its area, its county
(the one holding most of it) and its ecosystem-type composition computed from the
account's ecosystem raster (exact partial-cell coverage). A package is valued on the
**union** of its parcels, so land covered by two parcels (allowed only for layered rights)
is counted once; the per-parcel values and the overlap that was not double counted are
reported beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import Engine

from ganpo.apply.vep import (
    DEFAULT_DISCOUNT_RATE,
    DEFAULT_HORIZON_YEARS,
    WGS84,
    AccountLayers,
    SiteValue,
    account_layers,
    check_polygon,
    check_valuation,
    clip_to_region,
    ecosystem_composition,
    read_features,
    site_counties,
    to_crs,
    value_geometry,
)
from ganpo.errors import InputError, halves_of
from ganpo.store import register as store
from ganpo.store.register import NewParcel, ParcelRecord


def prepare_parcel(
    layers: AccountLayers,
    geometry: BaseGeometry,
    crs: Any,
    *,
    code: str,
    name: str,
    owner: str,
    rights_type: str,
    make_valid: bool = False,
) -> NewParcel:
    """Check and describe a parcel against an account (nothing stored)."""
    geometry = check_polygon(geometry, what=f"parcel {code}", make_valid=make_valid)
    local = check_polygon(
        to_crs(geometry, crs, layers.crs_wkt), what=f"parcel {code}", make_valid=True
    )
    inside, outside = clip_to_region(local, layers, what=f"parcel {code}")
    if outside > 1e-6 * local.area:
        raise InputError(
            en=f"parcel {code} reaches {outside / 1e4:,.2f} ha outside the account's region; a "
            "registered parcel must lie inside it. Clip it to the region",
            zh="地块超出核算区域",
            field="geometry",
            values=[code],
        )
    comp = (
        ecosystem_composition(inside, layers.crs_wkt, layers.ecosystem_raster, layers.cell_area_m2)
        if layers.ecosystem_raster is not None
        else {}
    )
    adcode = int(site_counties(inside, layers.units)["county_adcode"].iloc[0])
    return NewParcel(
        code=code,
        name=name,
        owner=owner,
        rights_type=rights_type,
        adcode=adcode,
        geometry=inside,
        crs=layers.crs_wkt,
        composition=comp,
        composition_account_id=layers.account_id,
        notes=[] if comp else ["no ecosystem raster in the account: composition unknown"],
    )


def deposit_parcel(
    engine: Engine,
    account_id: int,
    geometry: BaseGeometry,
    crs: Any = WGS84,
    *,
    code: str,
    name: str,
    owner: str,
    rights_type: str,
    actor: str,
    allow_overlap: bool = False,
    make_valid: bool = False,
) -> ParcelRecord:
    """Deposit one parcel into the register (one transaction, audited)."""
    layers = account_layers(engine, account_id)
    parcel = prepare_parcel(
        layers,
        geometry,
        crs,
        code=code,
        name=name,
        owner=owner,
        rights_type=rights_type,
        make_valid=make_valid,
    )
    store.add_parcel(engine, parcel, actor=actor, allow_overlap=allow_overlap)
    return store.get_parcel(engine, code)


PARCEL_FIELDS = ("code", "name", "owner", "rights_type")


def deposit_features(
    engine: Engine,
    account_id: int,
    source: Path | str | Mapping[str, Any],
    *,
    actor: str,
    defaults: Mapping[str, str] | None = None,
    allow_overlap: bool = False,
    make_valid: bool = False,
) -> list[ParcelRecord]:
    """Deposit every feature of a file or FeatureCollection; properties give the fields.

    Each feature needs ``code``, ``name``, ``owner`` and ``rights_type`` (from its
    properties, else from ``defaults``). All features are checked before any is stored;
    each deposit is then its own transaction (the first refused stops the rest, and the
    message says which were stored).
    """
    frame = read_features(source)
    layers = account_layers(engine, account_id)
    defaults = dict(defaults or {})
    prepared = []
    for i, row in enumerate(frame.itertuples(index=False)):
        props = row._asdict()
        values = {}
        for f in PARCEL_FIELDS:
            # shapefiles cut field names at 10 characters (rights_type → rights_typ)
            v = props.get(f, props.get(f[:10], defaults.get(f)))
            if v is None or (isinstance(v, float) and pd.isna(v)) or not str(v).strip():
                raise InputError(
                    en=f"feature {i + 1} has no {f!r}; give it as a property of the feature or "
                    f"as an option (--{f.replace('_', '-')})",
                    zh=f"要素缺少属性 {f}",
                    source=str(source) if not isinstance(source, Mapping) else None,
                    field=f,
                    values=[i + 1],
                )
            values[f] = str(v)
        prepared.append(
            prepare_parcel(layers, row.geometry, frame.crs, make_valid=make_valid, **values)
        )
    codes = [p.code for p in prepared]
    if len(set(codes)) != len(codes):
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise InputError(
            en="two features have the same code",
            zh=f"文件中有要素的编码重复（{', '.join(twice)}），请让每个要素的编码唯一",
            field="code",
            values=codes,
        )
    union_check = [
        (a.code, b.code)
        for k, a in enumerate(prepared)
        for b in prepared[k + 1 :]
        if a.geometry.intersection(b.geometry).area > store.OVERLAP_TOLERANCE_M2
    ]
    if union_check and not allow_overlap:
        raise InputError(
            en="features of the file overlap each other: "
            + ", ".join(f"{a}/{b}" for a, b in union_check)
            + "; nothing was stored",
            zh="文件内地块相互重叠",
            field="geometry",
            values=union_check,
        )
    done: list[ParcelRecord] = []
    for p in prepared:
        try:
            store.add_parcel(engine, p, actor=actor, allow_overlap=allow_overlap)
        except Exception as exc:
            if done:
                stored = ", ".join(d.code for d in done)
                en, zh = halves_of(exc)
                raise InputError(
                    en=f"{en} (stored before this one: {stored})",
                    zh=f"{zh}（在此之前已保存：{stored}）",
                    field="code",
                    values=[p.code],
                ) from exc
            raise
        done.append(store.get_parcel(engine, p.code))
    return done


@dataclass
class PackageValue:
    """A package valued on the union of its parcels, with each parcel's own value."""

    package: str
    union: SiteValue
    parcels: dict[str, SiteValue]

    @property
    def sum_of_parcels_cny(self) -> float:
        return sum(v.flow_cny for v in self.parcels.values())

    @property
    def overlap_not_double_counted_cny(self) -> float:
        """Σ parcel flows − union flow: the value of land two parcels share [CNY a⁻¹].

        Differences below 10⁻⁶ of the flow are the rounding of partial cells split along
        shared edges (exactextract sums each polygon separately) and are reported as 0.
        """
        diff = self.sum_of_parcels_cny - self.union.flow_cny
        return 0.0 if abs(diff) < 1e-6 * max(abs(self.union.flow_cny), 1.0) else diff

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "flow_cny_per_year": self.union.flow_cny,
            "asset_value_cny": self.union.asset_value_cny,
            "sum_of_parcel_flows_cny": self.sum_of_parcels_cny,
            "overlap_not_double_counted_cny": self.overlap_not_double_counted_cny,
            "union": self.union.to_dict(),
            "parcels": {
                code: {
                    "flow_cny_per_year": v.flow_cny,
                    "asset_value_cny": v.asset_value_cny,
                    "area_m2": v.area_m2,
                }
                for code, v in self.parcels.items()
            },
        }


def value_parcel(
    engine: Engine,
    code: str,
    account_id: int,
    *,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
    actor: str | None = None,
) -> SiteValue:
    """Value a registered parcel; stored as a valuation when ``actor`` is given."""
    check_valuation(discount_rate, horizon_years)
    parcel = store.get_parcel(engine, code)
    layers = account_layers(engine, account_id)
    value = value_geometry(
        layers,
        parcel.geometry,
        parcel.crs,
        discount_rate=discount_rate,
        horizon_years=horizon_years,
        what=f"parcel {code}",
    )
    if actor is not None:
        _record(engine, "parcel", code, value, {}, actor)
    return value


def value_package(
    engine: Engine,
    code: str,
    account_id: int,
    *,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
    actor: str | None = None,
) -> PackageValue:
    """Value a package on the union of its parcels (overlaps counted once)."""
    check_valuation(discount_rate, horizon_years)
    pkg = store.get_package(engine, code)
    layers = account_layers(engine, account_id)
    geoms = [to_crs(p.geometry, p.crs, layers.crs_wkt) for p in pkg.parcels]
    kw: dict[str, Any] = {"discount_rate": discount_rate, "horizon_years": horizon_years}
    parcels = {
        p.code: value_geometry(layers, g, layers.crs_wkt, what=f"parcel {p.code}", **kw)
        for p, g in zip(pkg.parcels, geoms, strict=True)
    }
    union = value_geometry(layers, unary_union(geoms), layers.crs_wkt, what=f"package {code}", **kw)
    result = PackageValue(package=code, union=union, parcels=parcels)
    if result.overlap_not_double_counted_cny > 0:
        union.notes.append(
            f"parcels overlap: {result.overlap_not_double_counted_cny:,.0f} CNY a⁻¹ of shared "
            "land counted once / 地块重叠部分只计一次"
        )
    if actor is not None:
        extra = {
            "parcels": {k: v.flow_cny for k, v in parcels.items()},
            "overlap_not_double_counted_cny": result.overlap_not_double_counted_cny,
        }
        _record(engine, "package", code, union, extra, actor)
    return result


def _record(
    engine: Engine, kind: str, code: str, value: SiteValue, extra: dict[str, Any], actor: str
) -> None:
    """Store a valuation with the flows it summed and what it read (audited)."""
    flows = {
        str(k): float(v)
        for k, v in zip(value.flows["indicator"], value.flows["value_cny"], strict=True)
    }
    store.add_valuation(
        engine,
        target_kind=kind,
        target_code=code,
        account_id=value.account_id,
        discount_rate=value.discount_rate,
        horizon_years=value.horizon_years,
        flow_cny=value.flow_cny,
        asset_value_cny=value.asset_value_cny,
        detail={"flows": flows, "provenance": value.provenance, **extra},
        actor=actor,
    )
