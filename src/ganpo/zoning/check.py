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


#: the layer files a site may be given as
LAYER_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")


def site_geometry(site: str, *, files: bool = True) -> BaseGeometry:
    """The site from WKT or GeoJSON text in longitude/latitude, or (``files``) from a layer
    file (all its features, dissolved), projected to the equal-area CRS. The platform
    passes ``files=False``: a request never names a file on the server.

    Refused, with the file, feature or value: a layer file that does not exist or is of
    another kind, cannot be read, has no CRS, no feature or no geometry, or coordinates its
    CRS cannot hold; text that is no geometry, an empty one, or coordinates that are no
    longitudes and latitudes; a polygon that is invalid (self-intersecting, no area), and
    features of different kinds that do not dissolve into one."""
    import geopandas as gpd
    import shapely

    from ganpo.io.regions import CHINA_ALBERS

    text = site.strip()
    path = Path(text) if files and len(text) < 4096 and "\n" not in text else None
    if path is not None and path.suffix.lower() in LAYER_SUFFIXES:
        return _layer_site(path)
    if path is not None and path.suffix and _is_file(path):
        raise InputError(
            en=f"a {path.suffix} file is not a site layer; give a .gpkg, .geojson or .shp layer "
            "(or WKT)",
            zh=f"选址文件须为 .gpkg、.geojson 或 .shp 图层（或 WKT），不能是 {path.suffix} 文件",
            source=path.name,
            field="site",
            values=[path.suffix],
        )
    try:
        geom = shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(text)
    except Exception as exc:  # shapely.errors.GEOSException and friends
        raise InputError(
            en=f"the site is neither WKT, GeoJSON nor a layer file (.gpkg, .geojson, .shp): {exc}",
            zh="选址须为 WKT、GeoJSON 或图层文件",
            field="site",
        ) from exc
    if geom is None or geom.is_empty:
        raise InputError(en="the site geometry is empty", zh="选址几何为空", field="site")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(
            en=f"the site's coordinates ({minx:g}, {miny:g}) … ({maxx:g}, {maxy:g}) are not "
            "longitudes and latitudes; give WKT in EPSG:4326, or a layer file with its CRS",
            zh=f"坐标（{minx:g}, {miny:g}）不是经纬度，"
            "请给出 EPSG:4326 的 WKT 或带坐标系的图层文件",
            field="site",
            values=[f"{minx:g} {miny:g}"],
        )
    _valid_site(geom, "the site", "选址")
    return gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(CHINA_ALBERS).iloc[0]


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; WKT or GeoJSON text may make no valid path at all."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL character
        return False


def _layer_site(path: Path) -> BaseGeometry:
    """The features of the layer file ``path``, dissolved, in the equal-area CRS."""
    import geopandas as gpd
    from shapely import union_all
    from shapely.geometry.base import BaseGeometry

    from ganpo.io.regions import CHINA_ALBERS
    from ganpo.zoning.units import _check_coordinates

    if not _is_file(path):
        raise InputError(
            en="the site layer file does not exist; check the path",
            zh="选址图层文件不存在，请检查路径",
            source=path.name,
            field="site",
        )
    try:
        layer = gpd.read_file(path)
    except UnicodeDecodeError as exc:
        raise InputError(
            en=f"the site layer's text or field names are not UTF-8 ({exc.reason}), as a GeoJSON "
            "file's must be and a shapefile's .cpg may say: save it as UTF-8 with field names "
            "that fit, or give a GeoPackage",
            zh="选址图层的文本或字段名不是 UTF-8 编码（GeoJSON 须为 "
            "UTF-8），请另存为 UTF-8 或改用 GeoPackage",
            source=path.name,
            field="site",
        ) from exc
    except Exception as exc:  # pyogrio raises several kinds for a broken file
        raise InputError(
            en=f"cannot read the site layer: {exc}; give a .gpkg, .geojson or .shp layer",
            zh="选址图层无法读取，请给出 .gpkg、.geojson 或 .shp 图层",
            source=path.name,
            field="site",
        ) from exc
    if layer.empty:
        raise InputError(
            en="the site layer holds no feature; draw the site in it",
            zh="选址图层中没有要素",
            source=path.name,
            field="site",
        )
    if layer.crs is None:
        raise InputError(
            en="the site layer has no coordinate reference system (a shapefile without .prj); "
            "set its CRS in a GIS, or give the site as WKT in longitude/latitude",
            zh="选址图层缺少坐标系（shapefile 缺少 .prj），请在 GIS 中设置坐标系",
            source=path.name,
            field="crs",
        )
    geoms = [g for g in layer.geometry if isinstance(g, BaseGeometry) and not g.is_empty]
    if not geoms:
        raise InputError(
            en=f"none of the site layer's {len(layer)} feature(s) has a geometry",
            zh=f"选址图层的 {len(layer)} 个要素均无几何图形",
            source=path.name,
            field="site",
        )
    _check_coordinates(layer, path.name, "site")
    for i, g in enumerate(layer.geometry, start=1):
        if isinstance(g, BaseGeometry) and not g.is_empty:
            _valid_site(g, f"{path.name}: feature {i}", f"{path.name} 的第 {i} 个要素")
    site = union_all(list(layer.to_crs(CHINA_ALBERS).geometry))
    if site.geom_type == "GeometryCollection":
        kinds = sorted({g.geom_type for g in geoms})
        raise InputError(
            en=f"the site layer mixes {', '.join(kinds)} features that do not dissolve into one "
            "kind; give points, lines or polygons, one layer each",
            zh="选址图层混有点、线、面要素，请每次只给一种",
            source=path.name,
            field="site",
            values=kinds,
        )
    return site


def _valid_site(geom: BaseGeometry, where: str, where_zh: str) -> None:
    """A site polygon must be valid: a self-intersecting one, or one without area, has no
    area to measure in the units."""
    from shapely.validation import explain_validity

    if not geom.is_valid:
        why = explain_validity(geom)
        raise InputError(
            en=f"{where} is an invalid {geom.geom_type} ({why}); repair it in a GIS: a polygon "
            "encloses an area and its boundary does not cross itself, a line joins distinct "
            "points",
            zh=f"{where_zh}图形无效（{why}），请在 GIS 中修复：面须围成面积且边界不自相交，"
            "线须连接不同的点",
            field="site",
            values=[why],
        )


def _kind(geom: BaseGeometry) -> str:
    if geom.geom_type in ("Point", "MultiPoint"):
        return "point"
    if geom.geom_type in ("LineString", "MultiLineString", "LinearRing"):
        return "line"
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return "polygon"
    raise InputError(
        en=f"a {geom.geom_type} site: give points, lines or polygons of one kind",
        zh="选址须为点、线或面之一",
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
            en=f"the site lies {out_share:.1%} outside the region {ds.region} of the zoning data; "
            "check the coordinates (longitude, latitude) or use the zoning data of its region",
            zh="选址超出分区管控数据范围",
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
