"""Site valuation (VEP, 生态产品价值 of a site): the service flows and asset value of a polygon.

A polygon (drawn GeoJSON or an uploaded GeoJSON / GeoPackage / shapefile, in any CRS) is
reprojected to the grid of a stored account and laid over the account's per-cell value
rasters (CNY per cell, written by ``run_account(rasters_dir=...)``). Each raster is summed
with **exact partial-pixel coverage** (exactextract: a cell half inside the polygon counts
half), giving the site's annual flow of every raster service [CNY a⁻¹]. The asset value is
the net present value of those flows (GB/T 43677-2024 style; 博文静 et al. 2017, 生态学报
37(12):4182-4190, discount the flows of forest assets the same way):

.. math::  V = \\sum_{t=1}^{n} F / (1+r)^{t-1} = F \\cdot \\mathrm{npv\\_factor}(r, n)

Services valued from statistics tables at county level (material products, recreation,
purification, flood regulation …) have no per-cell value: they are **not** in a site's
value and are listed as excluded, with the reason.

Quantities are value / price where the account valued the indicator at one price in one
unit (every raster service in the shipped profiles); otherwise the quantity is left empty
and a note says why. Uncertainty: the account's Monte Carlo interval of the indicator over
the whole region is scaled to the site in proportion to its value (p05_site =
value_site × p05_region / value_region). This assumes the relative uncertainty is the same
everywhere (the uncertain inputs are region-wide prices and coefficients); the interval
of the total adds the bounds of the indicators, i.e. assumes fully correlated draws (the
account does not store its draws), so it is conservative (wide). The region's intervals
are centred on its point values (every parameter's value is the median or mode of its
distribution, :mod:`ganpo.engine.uncertainty`), so a site's scaled interval brackets the
site's value in the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely import make_valid as shapely_make_valid
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.validation import explain_validity
from sqlalchemy import Engine

from ganpo.apply.gepdata import stored_account
from ganpo.catalog.ecosystems import RASTER_NODATA, by_code, level1_code
from ganpo.catalog.indicators import indicators
from ganpo.engine.stages.codes import block_codes
from ganpo.errors import InputError, StoreError
from ganpo.io.manifest import sha256_file
from ganpo.io.raster_files import open_raster, reading
from ganpo.io.units import dataset_counties
from ganpo.services.asset import npv_factor
from ganpo.store.repository import StoredAccount

#: Default discount rate and horizon of a published ecological-asset study (博文静 et al.
#: 2017, 生态学报 37(12):4182-4190: r = 2.77 %, n = 100 a). Parameters, not a standard's
#: prescription.
DEFAULT_DISCOUNT_RATE = 0.0277
DEFAULT_HORIZON_YEARS = 100
#: Below this a positive rate cannot be told from 0 in the closed form of the NPV factor
#: ((1 − v^n)/(1 − v) with v = 1/(1+r) loses all digits, and 1 − v is 0 for r < 1.1e-16).
MIN_POSITIVE_DISCOUNT_RATE = 1e-9
MAX_HORIZON_YEARS = 1000
#: A site smaller than this inside the region is refused (a mistyped or degenerate polygon).
MIN_SITE_AREA_M2 = 1.0

COVERAGE_METHOD = (
    "exact partial-pixel coverage (exactextract 0.3): each cell counts with the fraction of "
    "its area inside the polygon / 按像元被覆盖面积比例精确计算"
)
WGS84 = "EPSG:4326"


def check_valuation(discount_rate: float, horizon_years: int) -> float:
    """Check the discount rate r [-] and horizon n [a] of an asset value; the NPV factor [a].

    r must be 0 (no discounting) or lie in [10⁻⁹, 1]; n in [1, 1000] years. Anything else
    (negative, NaN, a rate so small that 1 + r rounds to 1) is an :class:`InputError`.

    >>> round(check_valuation(0.0277, 100), 3)
    34.687
    """
    r, n = float(discount_rate), horizon_years
    if not (r == 0.0 or MIN_POSITIVE_DISCOUNT_RATE <= r <= 1.0):
        raise InputError(
            en=f"discount rate {discount_rate!r} is not 0 or a rate in "
            f"[{MIN_POSITIVE_DISCOUNT_RATE:g}, 1] (0.0277 = 2.77 %); give 0 for no "
            "discounting",
            zh="贴现率应为 0 或 1e-9 至 1 之间的小数",
            field="discount_rate",
            values=[discount_rate],
        )
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_HORIZON_YEARS:
        raise InputError(
            en=f"horizon {horizon_years!r} is not a whole number of years in "
            f"[1, {MAX_HORIZON_YEARS}]",
            zh=f"年限应为 1 至 {MAX_HORIZON_YEARS} 的整数",
            field="horizon_years",
            values=[horizon_years],
        )
    return npv_factor(r, n)


# --- reading and checking polygons -------------------------------------------------------


def read_features(
    source: Path | str | Mapping[str, Any], *, layer: str | None = None
) -> gpd.GeoDataFrame:
    """Polygons from a file (GeoJSON, GeoPackage, shapefile …) or a GeoJSON mapping.

    A mapping may be a geometry, a Feature or a FeatureCollection; GeoJSON without a
    ``crs`` member is WGS84 longitude/latitude (RFC 7946). Properties are kept as columns.
    """
    if isinstance(source, Mapping):
        return _from_geojson(source)
    path = Path(source)
    if not path.exists():
        raise InputError(
            en="file not found; give a GeoJSON, GeoPackage or shapefile",
            zh="文件不存在",
            source=path,
        )
    try:
        frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(
            en=f"cannot read polygons ({exc}); give a GeoJSON, GeoPackage or shapefile",
            zh="无法读取多边形文件",
            source=path,
        ) from exc
    if frame.crs is None:
        raise InputError(
            en="the file has no CRS; add one (a .prj beside a shapefile, or save with a CRS)",
            zh="文件缺少坐标系",
            source=path,
            field="crs",
        )
    if frame.empty:
        raise InputError(en="the file holds no features", zh="文件中没有要素", source=path)
    return frame


def _from_geojson(obj: Mapping[str, Any]) -> gpd.GeoDataFrame:
    kind = obj.get("type")
    crs: Any = WGS84
    named = obj.get("crs", {})
    if isinstance(named, Mapping) and isinstance(named.get("properties"), Mapping):
        crs = named["properties"].get("name", WGS84)
        try:
            crs = CRS.from_user_input(crs) if isinstance(crs, str) else None
        except CRSError:
            crs = None
        if crs is None:
            bad = named["properties"].get("name")
            raise InputError(
                en=f"the GeoJSON 'crs' name {bad!r} is not a coordinate reference system; "
                "give e.g. 'EPSG:4326' or leave 'crs' out for WGS84 lon/lat",
                zh="GeoJSON 的坐标系名称无效",
                field="crs",
                values=[str(bad)],
            )
    try:
        if kind == "FeatureCollection":
            feats = list(obj.get("features", []))
            if not feats:
                raise InputError(
                    en="the FeatureCollection is empty", zh="要素集合为空", field="features"
                )
            frame = gpd.GeoDataFrame.from_features(feats, crs=crs)
        elif kind == "Feature":
            frame = gpd.GeoDataFrame.from_features([obj], crs=crs)
        elif kind in ("Polygon", "MultiPolygon", "Point", "LineString", "MultiLineString"):
            frame = gpd.GeoDataFrame(geometry=[shape(obj)], crs=crs)
        else:
            raise InputError(
                en=f"GeoJSON type {kind!r} is not a geometry, Feature or FeatureCollection",
                zh="不是有效的 GeoJSON",
                field="type",
                values=[kind],
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            en=f"malformed GeoJSON: {exc}", zh="GeoJSON 格式错误", field="geometry"
        ) from exc
    return frame


def check_polygon(
    geometry: BaseGeometry | None, *, what: str = "polygon", make_valid: bool = False
) -> BaseGeometry:
    """The geometry if it is a non-empty valid (multi)polygon; otherwise a clear error.

    An invalid polygon (self-intersection, …) is refused with shapely's explanation; with
    ``make_valid`` it is repaired (shapely.make_valid, keeping the polygonal parts) instead.
    """
    if geometry is None or geometry.is_empty:
        raise InputError(en=f"the {what} is empty", zh="多边形为空", field="geometry")
    if not geometry.is_valid:
        reason = explain_validity(geometry)
        if not make_valid:
            raise InputError(
                en=f"the {what} is not a valid polygon: {reason}. Fix it in a GIS, or pass "
                "make_valid (CLI --make-valid) to repair it automatically",
                zh=f"多边形无效：{reason}；请修正或使用 --make-valid 自动修复",
                field="geometry",
                values=[reason],
            )
        geometry = shapely_make_valid(geometry)
    polys = _polygonal(geometry)
    if polys is None or polys.area <= 0:
        raise InputError(
            en=f"the {what} is a {geometry.geom_type}, not a polygon with an area",
            zh="几何类型不是面",
            field="geometry",
            values=[geometry.geom_type],
        )
    return polys


def _polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return unary_union(parts) if parts else None


def to_crs(geometry: BaseGeometry, src_crs: Any, dst_crs: Any) -> BaseGeometry:
    """Reproject one geometry."""
    if CRS.from_user_input(src_crs).equals(CRS.from_user_input(dst_crs)):
        return geometry
    out: BaseGeometry = gpd.GeoSeries([geometry], crs=src_crs).to_crs(dst_crs).iloc[0]
    return out


# --- the account's rasters ---------------------------------------------------------------


def value_raster(indicator: str) -> tuple[str, str]:
    """How a message names an account's value raster of ``indicator``."""
    return f"value raster of {indicator}", f"{indicator} 价值栅格"


@cache
def _verified(path: str, size: int, mtime_ns: int, sha256: str) -> bool:
    return sha256_file(Path(path)) == sha256


def verify_file(path: Path, sha256: str, what: str) -> None:
    """Refuse a file missing or changed since the account recorded its checksum."""
    if not path.exists():
        raise StoreError(
            en=f"{path}: the {what} is missing. Re-run the account with --rasters DIR to write "
            "it again",
            zh=f"{what} 文件缺失",
        )
    st = path.stat()
    if not _verified(str(path), st.st_size, st.st_mtime_ns, sha256):
        raise StoreError(
            en=f"{path}: the {what} has changed since the account wrote it (checksum mismatch); "
            "its values no longer belong to the account. Re-run the account",
            zh="文件已被改动",
        )


@dataclass(frozen=True)
class AccountLayers:
    """What a site valuation needs from a stored account."""

    stored: StoredAccount
    rasters: dict[str, Path]  # indicator -> value raster (CNY per cell)
    crs_wkt: str
    cell_area_m2: float
    units: gpd.GeoDataFrame  # counties in the raster CRS
    region: BaseGeometry
    ecosystem_raster: Path | None

    @property
    def account_id(self) -> int:
        return int(self.stored.account.id)


def account_layers(engine: Engine, account_id: int) -> AccountLayers:
    """Load an account, verify its value rasters' checksums and read its county polygons."""
    s = stored_account(engine, account_id)
    if s.rasters.empty:
        raise InputError(
            en=f"account {account_id} has no per-cell value rasters, so no site can be valued "
            "from it; run the account with --rasters DIR (`ganpo demo` writes them)",
            zh="该核算未输出价值栅格",
            field="account",
            values=[account_id],
        )
    rasters = {}
    for row in s.rasters.itertuples():
        path = Path(str(row.path))
        verify_file(path, str(row.sha256), f"value raster of {row.indicator}")
        rasters[str(row.indicator)] = path
    indicator, first = next(iter(rasters.items()))
    with open_raster(first, value_raster(indicator)) as src:
        crs_wkt = src.crs.to_wkt()
        cell_area = abs(src.transform.a * src.transform.e - src.transform.b * src.transform.d)
    root = Path(s.account.dataset_root)
    units = _account_units(s, root).to_crs(crs_wkt)
    eco = _input_path(s, root, "ecosystem_type")
    return AccountLayers(
        stored=s,
        rasters=rasters,
        crs_wkt=crs_wkt,
        cell_area_m2=cell_area,
        units=units,
        region=units.geometry.union_all(),
        ecosystem_raster=eco,
    )


def _input_path(s: StoredAccount, root: Path, role: str) -> Path | None:
    rows = s.inputs[s.inputs["role"] == role]
    if rows.empty:
        return None
    row = rows.iloc[0]
    path = root / str(row["path"])
    verify_file(path, str(row["sha256"]), f"{role} input")
    return path


def _account_units(s: StoredAccount, root: Path) -> gpd.GeoDataFrame:
    path = _input_path(s, root, "units")
    if path is None:
        raise InputError(
            en=f"account {s.account.id} lists no units file; cannot tell where its region is",
            zh=f"核算 {s.account.id} 未列出行政单元文件，无法确定其区域范围；"
            "请选择带有行政单元文件的核算",
            field="units",
        )
    # the file is verified above; its counties (of units of any level, decision 0021)
    frame = dataset_counties(root)
    keep = s.counties[["county_adcode", "county_name", "city_adcode", "city_name"]]
    return frame[["county_adcode", "geometry"]].merge(keep, on="county_adcode")


# --- zonal sums --------------------------------------------------------------------------


def raster_sums(
    geometry: BaseGeometry, crs_wkt: str, rasters: Mapping[str, Path]
) -> dict[str, float]:
    """Coverage-weighted sum of each raster over the polygon (nodata/NaN cells skipped)."""
    from exactextract import exact_extract

    frame = gpd.GeoDataFrame({"site": [1]}, geometry=[geometry], crs=crs_wkt)
    out = {}
    for key, path in rasters.items():
        with reading(path, value_raster(key)), rasterio.open(path) as src:
            table = exact_extract(src, frame, ["sum"], output="pandas")
        value = float(table["sum"].iloc[0])
        out[key] = 0.0 if math.isnan(value) else value
    return out


def check_site_codes(eco_raster: Path, geometry: BaseGeometry) -> None:
    """Refuse (:class:`InputError`) an ecosystem map that holds a value that is no code
    (3.5, NaN, −5, 300) in the cells under ``geometry``'s bounding box, read as the account
    reads the map (:func:`ganpo.engine.stages.codes.block_codes`, any dtype, its declared
    nodata skipped as exactextract skips it): the account's words, the file, the values,
    the first cell. A map the account checked passes; one stored before that check
    (decision 0069) may not."""
    from rasterio.errors import WindowError
    from rasterio.features import geometry_window

    with reading(eco_raster, "ecosystem_type"), rasterio.open(eco_raster) as src:
        try:
            window = geometry_window(src, [geometry])
        except WindowError:  # off the map: nothing under it is read
            return
        origin = (int(window.row_off), int(window.col_off))
        _, _, found = block_codes(src.read(1, window=window), src.nodata, origin)
    found.refuse(Path(eco_raster))


def ecosystem_composition(
    geometry: BaseGeometry, crs_wkt: str, eco_raster: Path, cell_area_m2: float
) -> dict[int, float]:
    """Area [m²] of each level-1 ecosystem type inside the polygon (partial cells counted
    by share; the sub-types of a map coded by level 2 are added to their level-1 type, as
    the account reports them).

    Types covering less than 10⁻⁶ of the polygon are dropped (numerical slivers).

    The map's cells under the polygon are checked first (:func:`check_site_codes`): a
    value that is no code there (3.5, NaN, −5, 300) is refused, never cut to a code or
    skipped.
    """
    from exactextract import exact_extract

    check_site_codes(eco_raster, geometry)
    frame = gpd.GeoDataFrame({"site": [1]}, geometry=[geometry], crs=crs_wkt)
    with reading(eco_raster, "ecosystem_type"), rasterio.open(eco_raster) as src:
        row = exact_extract(src, frame, ["unique", "frac", "count"], output="pandas").iloc[0]
    codes = np.atleast_1d(row["unique"]) if row["count"] else np.array([], dtype=int)
    fracs = np.atleast_1d(row["frac"]) if row["count"] else np.array([])
    total = float(row["count"]) * cell_area_m2
    # shares below 10⁻⁶ are slivers of reprojected edges touching a neighbouring cell
    out: dict[int, float] = {}
    for c, f in sorted(zip(codes, fracs, strict=True)):
        if int(c) != RASTER_NODATA and f > 1e-6:
            code = level1_code(int(c))
            out[code] = out.get(code, 0.0) + float(f) * total
    return dict(sorted(out.items()))


# --- the valuation -----------------------------------------------------------------------


@dataclass
class SiteValue:
    """The annual service flows and asset value of one site under one account."""

    account_id: int
    year: int
    crs_wkt: str
    geometry: BaseGeometry  # the site inside the region, in the account's CRS
    area_m2: float
    area_outside_m2: float
    counties: pd.DataFrame  # county_adcode, county_name, area_m2
    flows: pd.DataFrame  # indicator, name_zh, name_en, category, quantity, …, value_cny, p05, p95
    excluded: pd.DataFrame  # indicator, name_zh, name_en, category, region_value_cny, reason
    discount_rate: float
    horizon_years: int
    synthetic: bool
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)  # account, rasters, checksums

    @property
    def flow_cny(self) -> float:
        return float(self.flows["value_cny"].sum())

    @property
    def factor(self) -> float:
        return npv_factor(self.discount_rate, self.horizon_years)

    @property
    def asset_value_cny(self) -> float:
        return self.flow_cny * self.factor

    @property
    def main_county(self) -> int:
        return int(self.counties.sort_values("area_m2", ascending=False)["county_adcode"].iloc[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result (geometry as GeoJSON in WGS84)."""
        wgs = to_crs(self.geometry, self.crs_wkt, WGS84)
        return {
            "account_id": self.account_id,
            "year": self.year,
            "synthetic": self.synthetic,
            "area_m2": self.area_m2,
            "area_ha": self.area_m2 / 1e4,
            "area_outside_region_m2": self.area_outside_m2,
            "counties": _records(self.counties),
            "flows": _records(self.flows),
            "flow_cny_per_year": self.flow_cny,
            "flow_p05_cny": float(self.flows["p05_cny"].sum(min_count=1)),
            "flow_p95_cny": float(self.flows["p95_cny"].sum(min_count=1)),
            "discount_rate": self.discount_rate,
            "horizon_years": self.horizon_years,
            "npv_factor": self.factor,
            "asset_value_cny": self.asset_value_cny,
            "asset_formula": "V = Σ_{t=1..n} F/(1+r)^(t−1) (GB/T 43677-2024; 博文静 et al. 2017)",
            "excluded": _records(self.excluded),
            "coverage_method": COVERAGE_METHOD,
            "provenance": self.provenance,
            "notes": list(self.notes),
            "geometry_wgs84": json.loads(gpd.GeoSeries([wgs]).to_json())["features"][0]["geometry"],
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append(
            {
                str(k): (
                    None
                    if isinstance(v, float) and math.isnan(v)
                    else (v.item() if isinstance(v, np.generic) else v)
                )
                for k, v in row.items()
            }
        )
    return out


def clip_to_region(
    geometry: BaseGeometry, layers: AccountLayers, *, what: str = "polygon"
) -> tuple[BaseGeometry, float]:
    """The part of the (account-CRS) polygon inside the region, and the area left out."""
    inside = geometry.intersection(layers.region)
    inside = _polygonal(inside) if not inside.is_empty else None
    if inside is None or inside.area <= 0:
        raise InputError(
            en=f"the {what} lies outside the account's region (account {layers.account_id}, "
            f"{layers.stored.account.dataset_name}): no overlap with its counties. Check the "
            "coordinates and the CRS (GeoJSON without 'crs' is read as WGS84 lon/lat)",
            zh="多边形不在核算区域内",
            field="geometry",
            values=[tuple(round(v) for v in geometry.bounds)],
        )
    if inside.area < MIN_SITE_AREA_M2:
        raise InputError(
            en=f"the {what} covers only {inside.area:.3g} m² of the region, less than "
            f"{MIN_SITE_AREA_M2:g} m²: too small to value (check the coordinates and the CRS)",
            zh="多边形在核算区域内的面积过小",
            field="geometry",
            values=[inside.area],
        )
    return inside, float(geometry.area - inside.area)


def value_geometry(
    layers: AccountLayers,
    geometry: BaseGeometry,
    crs: Any,
    *,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
    make_valid: bool = False,
    what: str = "polygon",
) -> SiteValue:
    """Value one polygon given in ``crs`` against an account's layers."""
    check_valuation(discount_rate, horizon_years)  # validates both before any work
    geometry = check_polygon(geometry, what=what, make_valid=make_valid)
    local = check_polygon(to_crs(geometry, crs, layers.crs_wkt), what=what, make_valid=True)
    site, outside = clip_to_region(local, layers, what=what)
    notes = []
    if outside > 1e-6 * max(local.area, 1.0):
        notes.append(
            f"{outside / 1e4:,.2f} ha of the polygon lie outside the region and are not "
            "valued / 多边形超出核算区域的部分未计价"
        )
    sums = raster_sums(site, layers.crs_wkt, layers.rasters)
    s = layers.stored
    flows = _flow_table(sums, s)
    excluded = _excluded(s, set(sums))
    counties = site_counties(site, layers.units)
    return SiteValue(
        account_id=layers.account_id,
        year=int(s.account.year),
        crs_wkt=layers.crs_wkt,
        geometry=site,
        area_m2=float(site.area),
        area_outside_m2=outside,
        counties=counties,
        flows=flows,
        excluded=excluded,
        discount_rate=discount_rate,
        horizon_years=horizon_years,
        synthetic=bool(s.account.synthetic),
        notes=notes + _quantity_notes(flows),
        provenance=_provenance(layers),
    )


def _provenance(layers: AccountLayers) -> dict[str, Any]:
    """What the valuation read: the account and the checksums of its value rasters."""
    a = layers.stored.account
    return {
        "account_id": int(a.id),
        "dataset": a.dataset_name,
        "year": int(a.year),
        "profile": a.profile,
        "parameter_set": f"{a.parameter_set} v{a.parameter_set_version}",
        "price_policy": a.price_policy,
        "code_version": a.code_version,
        "value_rasters": {
            str(r.indicator): {"path": str(r.path), "sha256": str(r.sha256)}
            for r in layers.stored.rasters.itertuples()
        },
    }


def value_site(
    engine: Engine,
    account_id: int,
    source: Path | str | Mapping[str, Any] | BaseGeometry,
    *,
    crs: Any = WGS84,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
    make_valid: bool = False,
) -> SiteValue:
    """Value a site: a polygon file, a GeoJSON mapping, or a shapely geometry in ``crs``.

    Several features in a file are valued as one site (their union, overlaps counted once).
    """
    check_valuation(discount_rate, horizon_years)
    if isinstance(source, BaseGeometry):
        geometry, src_crs = source, crs
    else:
        frame = read_features(source)
        checked = [
            check_polygon(g, what=f"feature {i + 1}", make_valid=make_valid)
            for i, g in enumerate(frame.geometry)
        ]
        geometry, src_crs = unary_union(checked), frame.crs
    layers = account_layers(engine, account_id)
    return value_geometry(
        layers,
        geometry,
        src_crs,
        discount_rate=discount_rate,
        horizon_years=horizon_years,
        make_valid=make_valid,
    )


def _flow_table(sums: Mapping[str, float], s: StoredAccount) -> pd.DataFrame:
    catalogue = indicators()
    res = s.results
    iv = s.intervals
    rows = []
    for ind, value in sums.items():
        info = catalogue.get(ind)
        sub = res[res["indicator"] == ind]
        prices = sub["price"].dropna().unique()
        units = sub["quantity_unit"].unique()
        price = float(prices[0]) if len(prices) == 1 and len(units) == 1 else math.nan
        quantity = value / price if price and not math.isnan(price) else math.nan
        region_value = float(sub["value_cny"].sum())
        band = iv[(iv["indicator"] == ind) & (iv["county_adcode"] == 0)] if not iv.empty else iv
        if not band.empty and region_value > 0:
            p05 = value * float(band["p05_cny"].iloc[0]) / region_value
            p95 = value * float(band["p95_cny"].iloc[0]) / region_value
        else:
            p05 = p95 = math.nan
        rows.append(
            {
                "indicator": ind,
                "name_zh": info.name_zh if info else ind,
                "name_en": info.name_en if info else ind,
                "category": info.category if info else "",
                "quantity": quantity,
                "quantity_unit": str(units[0]) if len(units) == 1 else "",
                "price": price,
                "price_unit": str(sub["price_unit"].iloc[0]) if len(sub) else "",
                "value_cny": value,
                "p05_cny": p05,
                "p95_cny": p95,
            }
        )
    order = list(catalogue)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["_o"] = [order.index(i) if i in order else len(order) for i in frame["indicator"]]
    return frame.sort_values("_o").drop(columns="_o").reset_index(drop=True)


def _quantity_notes(flows: pd.DataFrame) -> list[str]:
    if flows.empty:
        return []
    missing = flows.loc[flows["quantity"].isna(), "indicator"].tolist()
    notes = []
    if missing:
        notes.append(
            f"no quantity for {', '.join(missing)}: the account valued them at several prices "
            "or units, so value / price is not one number / 多价格指标不给出实物量"
        )
    if flows["p05_cny"].notna().any():
        notes.append(
            "intervals: the account's region-wide Monte Carlo 5–95 % interval of each "
            "indicator scaled to the site in proportion to its value; the total adds the "
            "bounds (fully correlated, conservative) / 区间按价值比例由全区区间缩放"
        )
    else:
        notes.append("the account has no Monte Carlo intervals / 该核算无不确定性区间")
    return notes


def _excluded(s: StoredAccount, raster_indicators: set[str]) -> pd.DataFrame:
    catalogue = indicators()
    other = (
        s.results[~s.results["indicator"].isin(raster_indicators)]
        .groupby("indicator", sort=False)["value_cny"]
        .sum()
    )
    rows = [
        {
            "indicator": ind,
            "name_zh": catalogue[ind].name_zh if ind in catalogue else ind,
            "name_en": catalogue[ind].name_en if ind in catalogue else ind,
            "category": catalogue[ind].category if ind in catalogue else "",
            "region_value_cny": float(v),
            "reason": "valued from county statistics, no per-cell value: not attributable to "
            "a site / 来自统计表的县级价值，无法落到地块",
        }
        for ind, v in other.items()
    ]
    return pd.DataFrame(
        rows,
        columns=["indicator", "name_zh", "name_en", "category", "region_value_cny", "reason"],
    )


def site_counties(site: BaseGeometry, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """The counties a site reaches, with the area inside each, largest first."""
    hits = units[units.intersects(site)]
    areas = hits.geometry.intersection(site).area
    out = pd.DataFrame(
        {
            "county_adcode": hits["county_adcode"].astype("int64").to_numpy(),
            "county_name": hits["county_name"].astype(str).to_numpy(),
            "area_m2": areas.to_numpy(dtype="float64"),
        }
    )
    return out[out["area_m2"] > 0].sort_values("area_m2", ascending=False).reset_index(drop=True)


def composition_table(composition: Mapping[int, float]) -> pd.DataFrame:
    """Ecosystem composition as a bilingual table with shares."""
    total = sum(composition.values()) or 1.0
    return pd.DataFrame(
        [
            {
                "ecosystem_code": int(c),
                "name_zh": by_code(int(c)).name_zh,
                "name_en": by_code(int(c)).name_en,
                "area_ha": a / 1e4,
                "share": a / total,
            }
            for c, a in sorted(composition.items())
        ],
        columns=["ecosystem_code", "name_zh", "name_en", "area_ha", "share"],
    )
