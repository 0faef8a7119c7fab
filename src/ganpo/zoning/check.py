"""A site or plan checked against the zoning units (项目选址/规划与分区管控符合性分析).

The site is a point, a line or a polygon (or several, as an uploaded layer), given in
longitude and latitude (EPSG:4326) or in a layer file with its own CRS. The check reports:

- the units it falls in, with the area (hm²) or the length (km) inside each and its share
  of the site; a point lies in one unit;
- the ecological red lines it touches, with the same measures;
- the clauses that apply: those of each unit hit, of its category, of the general
  requirements of its county, city and province (``region:``) and, where a red line is
  touched, of the red lines; a clause with industries applies when the project's industry
  (GB/T 4754) is among them, one without to every project; its effect is the list's
  (prohibited, restricted, allowed), or "needs a person's judgement" where the clause is
  free text that no rule can decide (the list marks those);
- an overall verdict: prohibited if any clause prohibits, else restricted if any restricts,
  else needs judgement if any does, else allowed.

A site that leaves the region is refused with the share outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganpo.errors import InputError
from ganpo.zoning.industries import Industry, industry
from ganpo.zoning.units import CATEGORIES, DIMENSIONS, EFFECTS, Requirement, ZoningDataset

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

_ORDER = ("prohibited", "restricted", "judgement", "allowed")
#: a site may stick out of the region by this share of its measure (boundary rounding)
OUTSIDE_TOLERANCE = 1e-4


@dataclass
class SiteCheck:
    """The result of a check (tables of plain records, for the CLI, the report and the API)."""

    kind: str  # point, line, polygon
    measure: float  # hm² for a polygon, km for a line, 0 for a point
    industry: Industry
    units: list[dict[str, Any]] = field(default_factory=list)
    redlines: list[dict[str, Any]] = field(default_factory=list)
    clauses: list[dict[str, Any]] = field(default_factory=list)
    verdict: str = "allowed"
    synthetic: bool = False

    @property
    def verdict_zh(self) -> str:
        return EFFECTS[self.verdict][0]

    @property
    def verdict_en(self) -> str:
        return EFFECTS[self.verdict][1]


def site_geometry(site: str, *, files: bool = True) -> BaseGeometry:
    """The site from WKT or GeoJSON text in longitude/latitude, or (``files``) from a layer
    file (all its features, dissolved), projected to the equal-area CRS. The platform
    passes ``files=False``: a request never names a file on the server."""
    import geopandas as gpd
    import shapely
    from shapely import union_all

    from ganpo.io.regions import CHINA_ALBERS

    text = site.strip()
    path = Path(text) if files and len(text) < 4096 else None
    if (
        path is not None
        and path.suffix.lower() in (".gpkg", ".geojson", ".json", ".shp")
        and path.is_file()
    ):
        try:
            layer = gpd.read_file(path)
        except Exception as exc:
            raise InputError(f"cannot read the site layer: {exc}", source=path.name) from exc
        if layer.crs is None or layer.empty:
            raise InputError(
                "the site layer is empty or has no CRS / 选址图层为空或缺少坐标系", source=path.name
            )
        return union_all(list(layer.to_crs(CHINA_ALBERS).geometry))
    try:
        geom = shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(text)
    except Exception as exc:  # shapely.errors.GEOSException and friends
        raise InputError(
            f"the site is neither WKT, GeoJSON nor a layer file (.gpkg, .geojson, .shp): {exc} "
            "/ 选址须为 WKT、GeoJSON 或图层文件",
            field="site",
        ) from exc
    if geom is None or geom.is_empty:
        raise InputError("the site geometry is empty / 选址几何为空", field="site")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(
            f"the site's coordinates ({minx:g}, {miny:g}) … ({maxx:g}, {maxy:g}) are not "
            "longitudes and latitudes; give WKT in EPSG:4326, or a layer file with its CRS "
            "/ 坐标须为经纬度",
            field="site",
        )
    return gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(CHINA_ALBERS).iloc[0]


def _kind(geom: BaseGeometry) -> str:
    if geom.geom_type in ("Point", "MultiPoint"):
        return "point"
    if geom.geom_type in ("LineString", "MultiLineString", "LinearRing"):
        return "line"
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return "polygon"
    raise InputError(
        f"a {geom.geom_type} site: give points, lines or polygons of one kind "
        "/ 选址须为点、线或面之一",
        field="site",
    )


def _measure(geom: BaseGeometry, kind: str) -> float:
    return geom.area / 1e4 if kind == "polygon" else geom.length / 1e3 if kind == "line" else 0.0


def _applies(req: Requirement, ind: Industry) -> bool:
    return not req.industries or any(ind.matches(code) for code in req.industries)


def check_site(ds: ZoningDataset, site: BaseGeometry, industry_code: str) -> SiteCheck:
    """Check ``site`` (in the dataset's CRS, :func:`site_geometry`) for a project of
    ``industry_code``; see the module's description."""
    ind = industry(industry_code)
    kind = _kind(site)
    total = _measure(site, kind)
    outside = site.difference(ds.region_geometry)
    out_share = (
        (1.0 if not site.intersects(ds.region_geometry) else 0.0)
        if kind == "point"
        else _measure(outside, kind) / total
        if total
        else 0.0
    )
    if out_share > OUTSIDE_TOLERANCE:
        raise InputError(
            f"the site lies {out_share:.1%} outside the region {ds.region} of the zoning data; "
            "check the coordinates (longitude, latitude) or use the zoning data of its region "
            "/ 选址超出分区管控数据范围",
            field="site",
            values=[f"{out_share:.4f}"],
        )
    result = SiteCheck(kind=kind, measure=total, industry=ind, synthetic=ds.synthetic)
    hit_units = ds.units[ds.units.intersects(site)]
    for _, u in hit_units.iterrows():
        part = site.intersection(u.geometry)
        m = _measure(part, kind)
        if kind != "point" and m <= 0:
            continue
        cat = str(u["category"])
        result.units.append(
            {
                "code": str(u["code"]),
                "name": str(u["name"]),
                "category": cat,
                "category_zh": CATEGORIES[cat][1],
                "category_en": CATEGORIES[cat][2],
                "county_adcode": int(u["county_adcode"]),
                "measure": m,
                "share_pct": 100.0 * m / total if total else 100.0,
            }
        )
    for _, r in ds.redlines[ds.redlines.intersects(site)].iterrows():
        m = _measure(site.intersection(r.geometry), kind)
        result.redlines.append(
            {
                "code": str(r["code"]),
                "name": str(r["name"]),
                "measure": m,
                "share_pct": 100.0 * m / total if total else 100.0,
            }
        )
    seen: set[tuple[str, str]] = set()
    for u in result.units:
        county = u["county_adcode"]
        scopes = {
            f"unit:{u['code']}",
            f"category:{u['category']}",
            f"region:{county}",
            f"region:{county // 100 * 100}",
            f"region:{county // 10000 * 10000}",
        }
        for req in ds.requirements:
            if req.scope in scopes and _applies(req, ind):
                _clause(result, req, u["code"], seen)
    if result.redlines:
        for req in ds.requirements:
            if req.scope == "redline" and _applies(req, ind):
                _clause(result, req, "redline", seen)
    effects = {c["effect"] for c in result.clauses}
    result.verdict = next((e for e in _ORDER if e in effects), "allowed")
    return result


def _clause(result: SiteCheck, req: Requirement, where: str, seen: set[tuple[str, str]]) -> None:
    if (req.id, where) in seen:
        return
    seen.add((req.id, where))
    effect = req.effect
    result.clauses.append(
        {
            "unit": where,
            "id": req.id,
            "dimension": req.dimension,
            "dimension_zh": DIMENSIONS[req.dimension][0],
            "dimension_en": DIMENSIONS[req.dimension][1],
            "effect": effect,
            "effect_zh": EFFECTS[effect][0],
            "effect_en": EFFECTS[effect][1],
            "text_zh": req.text_zh,
            "text_en": req.text_en,
            "source": req.source,
        }
    )
