"""Forest and wetland sink credits on parcels of the asset register (issue 16 point 3,
decision 0052): a sink project on register parcels, its measured net sequestration from
the stored GEP account of the vintage year, and its issuance into the carbon-inclusive
registry's one ledger.

The figure used. The quantity of a project of kind *k* (forest or wetland) for vintage
*y* is measured from the GEP account of year *y* (the preferred stored account of that year
with a carbon-sequestration value raster, or the one named):

.. math:: Q = \\sum_{c} a_c \\, [\\mathrm{eco}_c \\in k] \\, V_c / p

with :math:`V_c` the account's carbon-sequestration value of cell *c* [CNY], :math:`p` the
carbon price the account valued it at [CNY t⁻¹ CO2] (so :math:`V_c/p` is the cell's net
sequestration [t CO2], as the account computed it from NPP or NEP), :math:`a_c` the share of
the cell's area inside the union of the project's parcels (exact partial-cell coverage,
exactextract, as :mod:`ganpo.apply.vep` sums a site's flows) and :math:`\\mathrm{eco}_c` the
level-1 ecosystem type of the cell in the account's ecosystem map. Cells of other types on
the parcels (cropland, shrub …) are not credited: they are reported beside the figure. The
credits issued are

.. math:: N = \\lfloor Q (1 - b) \\times 1000 \\rfloor \\quad [\\mathrm{kg\\ CO_2}]

with *b* the methodology's buffer share (:file:`catalog/data/carbon/inclusive/sinks/`,
ganpo's choice, said there), one credit per kilogram as every credit of the registry; a
smaller quantity may be asked, never a larger one.

Why this figure: it is the one carbon truth the platform already accounts and publishes
for the year (the GEP account's carbon sequestration), on the exact area of the parcels,
so a sink credit can be traced to a stored, checksummed raster. Simplifications, said:
the GEP's NPP/NEP-based flux is a yearly *flow*, not the stock change a forest-carbon
project measures by plot inventory (CCER afforestation methodologies); no baseline is
deducted (the whole net sequestration of the year is taken as additional); leakage is not
estimated. The buffer covers these only roughly; it is not a published share.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import rasterio
from pydantic import BaseModel, ConfigDict, Field
from shapely.ops import unary_union
from sqlalchemy import Engine

from ganpo.apply.gepdata import stored_account
from ganpo.apply.vep import account_layers, check_site_codes, clip_to_region, to_crs
from ganpo.carbon.inclusive import (
    METHODOLOGY_CODE,
    METHODOLOGY_DIR,
    EvidenceItem,
    load_versions,
    pick_version,
)
from ganpo.carbon.sinks_account import GEP_INDICATOR
from ganpo.catalog.ecosystems import RASTER_NODATA, by_key, level1_code
from ganpo.catalog.files import load_toml_model
from ganpo.errors import InputError
from ganpo.io.raster_files import reading
from ganpo.store import inclusive as inclusive_store
from ganpo.store import inclusive_sinks as store
from ganpo.store import register as register_store
from ganpo.store.lifecycle import preferred_account
from ganpo.store.models import CURRENT_STATUSES
from ganpo.store.register import ParcelRecord
from ganpo.store.repository import list_accounts, load_account

#: the folder of the shipped sink methodologies
SINK_METHODOLOGY_DIR = METHODOLOGY_DIR / "sinks"
#: the units of the GEP account's carbon sequestration taken as tonnes of CO2
T_CO2_UNITS = {"t CO2": 1.0, "tCO2": 1.0}


class SinkMethodology(BaseModel):
    """One version of a sink methodology: the kinds it covers, its quantity rule (text),
    the buffer share with its source, the evidence an issuance carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(**METHODOLOGY_CODE)
    version: int = Field(ge=1)
    title_zh: str
    title_en: str
    kinds: list[Literal["forest", "wetland"]] = Field(min_length=1)
    participant_kinds: list[Literal["person", "firm", "village"]]
    indicator: Literal["carbon_sequestration"]
    quantity_zh: str
    quantity_en: str
    buffer_share: float = Field(ge=0.0, lt=1.0)
    buffer_source: str
    buffer_status: Literal["published", "choice", "synthetic"]
    crediting_period_years: int = Field(ge=1, le=60)
    effective_from: date
    evidence: list[EvidenceItem] = Field(min_length=1)

    def content(self) -> dict[str, Any]:
        """The content as JSON-able data (its digest pins the version in the registry)."""
        return self.model_dump(mode="json")

    def credits(self, measured_t: float) -> int:
        """Whole kilograms of CO2 issuable from ``measured_t`` tonnes, after the buffer.

        >>> sink_methodology("FWS", 1).credits(13.2)  # 13.2 t × 0.8 = 10.56 t
        10560
        """
        return max(math.floor(measured_t * (1.0 - self.buffer_share) * 1000.0 + 1e-6), 0)


def load_sink_methodologies(folder: Path | None = None) -> dict[tuple[str, int], SinkMethodology]:
    """Every sink methodology version in ``folder`` (default: the shipped ones)."""
    return load_versions(
        folder or SINK_METHODOLOGY_DIR,
        lambda path: load_toml_model(path, SinkMethodology, "sink methodology"),
        "sink methodology",
        "碳汇方法学",
    )


@cache
def _shipped() -> dict[tuple[str, int], SinkMethodology]:
    return load_sink_methodologies()


def sink_methodology(code: str = "FWS", version: int | None = None) -> SinkMethodology:
    """Sink methodology ``code`` at ``version`` (default: its newest)."""
    return pick_version(_shipped(), code, version, "sink methodology", "sink methodology")


# --- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """The net sequestration measured on a project's parcels for one vintage."""

    account_id: int
    year: int
    kind: str
    measured_t: float  # on the cells of the project's kind [t CO2]
    other_t: float  # on the other cells of the parcels, not credited [t CO2]
    kind_area_m2: float
    area_m2: float  # of the parcels' union inside the account's region
    area_outside_m2: float
    price_cny_per_t: float
    raster_sha256: str
    synthetic: bool

    def detail(self) -> dict[str, Any]:
        return {
            "account": self.account_id,
            "year": self.year,
            "kind": self.kind,
            "measured_t": self.measured_t,
            "other_cells_t": self.other_t,
            "kind_area_m2": self.kind_area_m2,
            "area_m2": self.area_m2,
            "area_outside_region_m2": self.area_outside_m2,
            "price_cny_per_t": self.price_cny_per_t,
            "raster_sha256": self.raster_sha256,
            "synthetic": self.synthetic,
        }


def account_for(engine: Engine, vintage: int, account_id: int | None = None) -> int:
    """The GEP account a vintage is measured from: ``account_id`` if given (its year must
    be the vintage), else the preferred current account of that year that has a
    carbon-sequestration value raster. None: an error that names the years there are."""
    if account_id is not None:
        acc = stored_account(engine, account_id).account  # unknown or withdrawn: refused
        if int(acc.year) != vintage:
            raise InputError(
                en=f"account {account_id} is of {acc.year}, not of vintage {vintage}: a vintage is "
                "measured from its own year's account",
                zh=f"核算 {account_id} 为 {acc.year} 年，与签发年份 {vintage} 不符",
                field="account",
                values=[account_id, vintage],
            )
        return int(account_id)
    with_carbon = [
        a
        for a in list_accounts(engine)
        if a.status in CURRENT_STATUSES
        and GEP_INDICATOR in set(load_account(engine, a.id).rasters["indicator"])
    ]
    chosen = preferred_account(a for a in with_carbon if int(a.year) == vintage)
    if chosen is None:
        years = sorted({int(a.year) for a in with_carbon})
        raise InputError(
            en=f"no stored GEP account of {vintage} has a carbon-sequestration raster, so the "
            f"vintage cannot be measured (accounts with one: "
            f"{', '.join(map(str, years)) or 'none'}). Run the {vintage} account with "
            f"--rasters DIR (`ganpo account run … --year {vintage} --rasters DIR`), then "
            "issue again",
            zh=f"没有 {vintage} 年带固碳栅格的 GEP 核算，无法计量该年碳汇：请先以 "
            f"--rasters 运行 {vintage} 年核算",
            field="vintage",
            values=[vintage],
        )
    return int(chosen.id)


@dataclass(frozen=True)
class _Cells:
    """The cells a polygon touches: their ids, covered shares and values, and the grid."""

    ids: np.ndarray
    coverage: np.ndarray
    values: np.ndarray
    grid: tuple[Any, int, int]  # transform, width, height


def _cells(path: Path, frame: gpd.GeoDataFrame, what: str) -> _Cells:
    from exactextract import exact_extract

    with reading(path, what), rasterio.open(path) as src:
        row = exact_extract(src, frame, ["cell_id", "coverage", "values"], output="pandas")
        grid = (src.transform, int(src.width), int(src.height))
    r = row.iloc[0]
    return _Cells(
        np.atleast_1d(np.asarray(r["cell_id"], dtype="int64")),
        np.atleast_1d(np.asarray(r["coverage"], dtype="float64")),
        np.atleast_1d(np.asarray(r["values"], dtype="float64")),
        grid,
    )


def measure(
    engine: Engine,
    parcels: list[ParcelRecord],
    kind: str,
    vintage: int,
    account_id: int | None = None,
) -> Measurement:
    """The net sequestration of ``kind`` cells on the union of ``parcels`` in ``vintage``
    (the formula of the module's docstring) [t CO2]."""
    aid = account_for(engine, vintage, account_id)
    layers = account_layers(engine, aid)
    s = layers.stored
    raster = layers.rasters.get(GEP_INDICATOR)
    if raster is None:
        raise InputError(
            en=f"account {aid} ({vintage}) has no carbon-sequestration value raster: its profile "
            "does not compute carbon per cell. Use an account whose profile does",
            zh=f"核算 {aid} 无固碳价值栅格",
            field="account",
            values=[aid],
        )
    rows = s.results[s.results["indicator"] == GEP_INDICATOR]
    prices = rows["price"].dropna().unique()
    units = rows["quantity_unit"].dropna().unique()
    if len(prices) != 1 or len(units) != 1 or str(units[0]) not in T_CO2_UNITS or prices[0] <= 0:
        raise InputError(
            en=f"account {aid} valued carbon sequestration at {len(prices)} price(s) in "
            f"{', '.join(map(str, units)) or 'no unit'}: the tonnes of CO2 per cell cannot be "
            "told from its value raster (one positive price per t CO2 is needed)",
            zh=f"核算 {aid} 的固碳价格不唯一或单位不是 t CO2，无法由价值栅格得到实物量",
            field="account",
            values=[aid],
        )
    price = float(prices[0]) / T_CO2_UNITS[str(units[0])]
    if layers.ecosystem_raster is None:
        raise InputError(
            en=f"account {aid} lists no ecosystem map, so {kind} cells cannot be told from the "
            "others",
            zh=f"核算 {aid} 无生态系统类型图，无法区分{store.SINK_KINDS[kind][0]}像元",
            field="account",
            values=[aid],
        )
    geom = unary_union([to_crs(p.geometry, p.crs, layers.crs_wkt) for p in parcels])
    what = f"parcels {', '.join(p.code for p in parcels)}"
    site, outside = clip_to_region(geom, layers, what=what)
    frame = gpd.GeoDataFrame({"site": [1]}, geometry=[site], crs=layers.crs_wkt)
    c = _cells(raster, frame, f"value raster of {GEP_INDICATOR}")
    check_site_codes(layers.ecosystem_raster, site)  # a value that is no code: refused
    e = _cells(layers.ecosystem_raster, frame, "ecosystem_type")
    same_grid = c.grid[1:] == e.grid[1:] and c.grid[0].almost_equals(e.grid[0])
    if not same_grid or not np.array_equal(c.ids, e.ids):
        raise InputError(
            en=f"account {aid}: the ecosystem map is not on the grid of the carbon raster, so "
            "cells cannot be matched",
            zh=f"核算 {aid} 的生态系统类型图与固碳栅格网格不一致",
            field="account",
            values=[aid],
        )
    target = by_key(kind).code
    codes = np.nan_to_num(e.values, nan=-1.0).astype("int64")
    level1 = np.array(
        [level1_code(int(x)) if 0 <= x != RASTER_NODATA else -1 for x in codes], dtype="int64"
    )
    cov = c.coverage
    tonnes = np.where(np.isfinite(c.values), c.values, 0.0) * cov / price
    mine = level1 == target
    cell_area = layers.cell_area_m2
    return Measurement(
        account_id=aid,
        year=int(s.account.year),
        kind=kind,
        measured_t=math.fsum(tonnes[mine]),
        other_t=math.fsum(tonnes[~mine]),
        kind_area_m2=math.fsum(cov[mine]) * cell_area,
        area_m2=float(site.area),
        area_outside_m2=float(outside),
        price_cny_per_t=price,
        raster_sha256=str(s.rasters.loc[s.rasters["indicator"] == GEP_INDICATOR, "sha256"].iloc[0]),
        synthetic=bool(s.account.synthetic),
    )


# --- projects and issuance ----------------------------------------------------------------


def add_project(
    engine: Engine,
    *,
    code: str,
    name: str,
    kind: str,
    owner_participant: int,
    parcels: list[str],
    vintages: list[int],
    created_by: str,
    methodology: SinkMethodology | None = None,
) -> int:
    """Set up a sink project under a sink methodology (default: the newest ``FWS``): the
    kind and the owner's kind must be ones it covers, every vintage on or after its
    effective date and within one crediting period; the register and double-counting
    checks are the store's."""
    m = methodology or sink_methodology()
    if kind not in m.kinds:
        raise InputError(
            en=f"{m.code} v{m.version} covers {', '.join(m.kinds)} sinks, not {kind!r}",
            zh="该方法学不适用于此类碳汇",
            field="kind",
            values=[kind],
        )
    early = [v for v in vintages if int(v) < m.effective_from.year]
    if early:
        raise InputError(
            en=f"{m.code} v{m.version} is effective from {m.effective_from}; vintage "
            f"{early[0]} is earlier",
            zh=f"方法学自 {m.effective_from} 起施行，年份 {early[0]} 早于此",
            field="vintage",
            values=early,
        )
    years = sorted({int(v) for v in vintages})
    if years and years[-1] - years[0] + 1 > m.crediting_period_years:
        raise InputError(
            en=f"vintages {years[0]}–{years[-1]} span {years[-1] - years[0] + 1} years, more than "
            f"the crediting period of {m.code} v{m.version} ({m.crediting_period_years} years)",
            zh=f"年份跨度超过方法学计入期（{m.crediting_period_years} 年）",
            field="vintage",
            values=[years[0], years[-1]],
        )
    owner_kind = inclusive_store.participant(engine, owner_participant).kind
    if owner_kind not in m.participant_kinds:
        raise InputError(
            en=f"{m.code} v{m.version} is open to {', '.join(m.participant_kinds)}, not to a "
            f"{owner_kind}",
            zh="该方法学不适用于此类参与者",
            field="owner",
            values=[owner_kind],
        )
    mid = inclusive_store.record_methodology(engine, m.code, m.version, m.content())
    return store.add_project(
        engine,
        code=code,
        name=name,
        kind=kind,
        owner_participant=owner_participant,
        methodology_id=mid,
        parcels=parcels,
        vintages=vintages,
        created_by=created_by,
    )


def _digest(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _methodology_of(p: store.SinkProject) -> SinkMethodology:
    return sink_methodology(p.methodology, p.version)


@dataclass(frozen=True)
class Issued:
    """An issuance with its measurement and its serials as shown."""

    project: str
    measurement: Measurement
    credits: int
    serials: str
    record: store.SinkIssued


def issue(
    engine: Engine,
    project_code: str,
    vintage: int,
    *,
    issued_by: str,
    verified_by: str,
    reason: str,
    account_id: int | None = None,
    quantity_t: float | None = None,
) -> Issued:
    """Measure a project's vintage and issue its credits into the ledger: all that is
    measured net of the buffer, or ``quantity_t`` tonnes (refused if more). The register
    records of the parcels and the account's raster checksum are its evidence (SHA-256 of
    their canonical JSON)."""
    from ganpo.carbon.inclusive import serial_range

    p = store.project(engine, project_code)
    m = _methodology_of(p)
    if vintage not in p.parcels:
        raise InputError(
            en=f"sink project {project_code} has no vintage {vintage} (it has "
            f"{', '.join(map(str, p.vintages))})",
            zh=f"碳汇项目 {project_code} 没有 {vintage} 年",
            field="vintage",
            values=[project_code, vintage],
        )
    records = [register_store.get_parcel(engine, c) for c in p.parcels[vintage]]
    meas = measure(engine, records, p.kind, vintage, account_id)
    allowed = m.credits(meas.measured_t)
    if allowed < 1:
        raise InputError(
            en=f"sink project {project_code} measured {meas.measured_t:,.3f} t CO2 of {p.kind} "
            f"sequestration in {vintage} (account {meas.account_id}; other cells "
            f"{meas.other_t:,.3f} t, not credited): nothing to issue",
            zh=f"碳汇项目 {project_code} "
            f"{vintage} 年实测{store.SINK_KINDS[p.kind][0]}净固碳量不足一个单位，无可签发",
            field="measured",
            values=[project_code, vintage, meas.measured_t],
        )
    if quantity_t is None:
        credits = allowed
    else:
        if not math.isfinite(quantity_t) or quantity_t <= 0:
            raise InputError(
                en=f"quantity {quantity_t!r} t CO2 is not a positive number",
                zh="签发量须为正数",
                field="quantity",
                values=[quantity_t],
            )
        credits = math.floor(quantity_t * 1000.0 + 1e-6)
    evidence = [
        inclusive_store.Evidence(
            item="register_extract",
            name=f"register-{project_code}-{vintage}.json",
            sha256=_digest(
                [
                    {
                        "code": r.code,
                        "owner": r.owner,
                        "rights_type": r.rights_type,
                        "status": r.status,
                        "crs": r.crs,
                        "geometry_sha256": hashlib.sha256(r.geometry.wkb).hexdigest(),
                    }
                    for r in records
                ]
            ),
        ),
        inclusive_store.Evidence(
            item="gep_account",
            name=f"account-{meas.account_id}-{GEP_INDICATOR}.json",
            sha256=_digest(meas.detail()),
        ),
    ]
    rec = store.issue_sink(
        engine,
        project_code=project_code,
        vintage=vintage,
        account_id=meas.account_id,
        measured_t=meas.measured_t,
        buffer_share=m.buffer_share,
        quantity_kg=credits,
        unit="t CO2",
        detail=meas.detail() | {"methodology": f"{m.code} v{m.version}"},
        evidence=evidence,
        issued_by=issued_by,
        verified_by=verified_by,
        reason=reason,
    )
    shown = serial_range(
        p.methodology, p.version, vintage, rec.region_adcode, rec.first_serial, rec.last_serial
    )
    return Issued(project_code, meas, credits, shown, rec)
