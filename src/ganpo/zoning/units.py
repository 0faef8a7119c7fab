"""A zoning dataset: the environmental control units (环境管控单元), the ecological red lines
(生态保护红线) and the requirement lists (生态环境准入清单), read from a folder and validated.

The folder holds ``zoning-dataset.toml`` (title, region adcode, version year, whether
synthetic, the source publication, the file names and the tolerances), a units layer
(``code``, ``name``, ``category``, ``county_adcode`` and polygons in any CRS), an
optional red-lines layer (``code``, ``name``) and ``requirements.toml``.

Checks, every problem reported at once: a unit code follows the technical guide's form
``ZH`` + the 6-digit county adcode + the category digit (1 priority protection, 2 key
control, 3 general control) + a 4-digit number, and is unique; its category and county
agree with the code; geometries are valid polygons; units overlap by no more than
``overlap_tolerance_m2`` each pair; the units cover the region up to
``gap_tolerance_pct`` of its area (the region: the union of its counties' boundaries);
each requirement names an existing scope, one of the four dimensions, one of the four
effects and valid industry codes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ganpo.errors import InputError
from ganpo.zoning.industries import industry

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

DATASET_FILE = "zoning-dataset.toml"
CODE_PATTERN = re.compile(r"^ZH(\d{6})([123])(\d{4})$")
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "priority": ("1", "优先保护单元", "priority protection unit"),
    "key": ("2", "重点管控单元", "key control unit"),
    "general": ("3", "一般管控单元", "general control unit"),
}
DIMENSIONS: dict[str, tuple[str, str]] = {
    "spatial_layout": ("空间布局约束", "spatial layout constraints"),
    "pollutant_discharge": ("污染物排放管控", "pollutant discharge control"),
    "environmental_risk": ("环境风险防控", "environmental risk prevention"),
    "resource_efficiency": ("资源开发效率要求", "resource-use efficiency"),
}
EFFECTS: dict[str, tuple[str, str]] = {
    "prohibited": ("禁止", "prohibited"),
    "restricted": ("限制", "restricted"),
    "allowed": ("允许", "allowed"),
    "judgement": ("需人工研判", "needs a person's judgement"),
}
Effect = Literal["prohibited", "restricted", "allowed", "judgement"]


class Requirement(BaseModel):
    """One clause of a requirement list. ``scope``: ``category:priority|key|general`` (all
    units of a category), ``unit:<code>`` (one unit), ``region:<adcode>`` (the general
    requirements of the province, a city or a county) or ``redline`` (inside the
    ecological red lines). ``industries``: GB/T 4754 codes it covers (section letters or
    numeric codes; empty: every project). ``effect`` ``judgement``: a free-text clause
    that a person must apply."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    scope: str = Field(min_length=1)
    dimension: Literal[
        "spatial_layout", "pollutant_discharge", "environmental_risk", "resource_efficiency"
    ]
    effect: Effect
    industries: list[str] = Field(default_factory=list)
    text_zh: str = Field(min_length=1)
    text_en: str = Field(min_length=1)
    source: str = Field(min_length=1)


class _Description(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title_zh: str
    title_en: str
    region: int
    version: int = Field(ge=2000, le=2100)
    synthetic: bool = False
    note: str = ""
    source: str = ""
    units: str
    redlines: str | None = None
    requirements: str
    overlap_tolerance_m2: float = Field(default=100.0, ge=0)
    gap_tolerance_pct: float = Field(default=0.5, ge=0, le=100)


@dataclass
class ZoningDataset:
    """A validated zoning dataset, geometries in the equal-area CRS of :mod:`ganpo.io.regions`."""

    title_zh: str
    title_en: str
    region: int
    version: int
    synthetic: bool
    units: gpd.GeoDataFrame
    redlines: gpd.GeoDataFrame
    requirements: list[Requirement]
    region_geometry: BaseGeometry
    gap_pct: float = 0.0
    notes: list[str] = field(default_factory=list)
    source: str = ""


def _problems_error(problems: list[str], source: str) -> InputError:
    shown = "; ".join(problems[:12]) + (
        f"; … {len(problems) - 12} more" if len(problems) > 12 else ""
    )
    return InputError(
        en=f"{len(problems)} problem(s) in the zoning dataset: {shown}",
        zh="分区管控数据有误",
        source=source,
        values=problems,
    )


def _read_layer(folder: Path, name: str, columns: list[str], what: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    from ganpo.io.regions import CHINA_ALBERS

    path = folder / name
    if not path.is_file():
        raise InputError(
            en=f"the {what} layer {name!r} is not in the dataset folder",
            zh="缺少图层文件",
            source=DATASET_FILE,
            field=what,
            values=[name],
        )
    try:
        layer = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds for a broken file
        what_zh = {"units": "环境管控单元", "red lines": "生态保护红线"}.get(what, what)
        raise InputError(
            en=f"cannot read the {what} layer: {exc}",
            zh=f"{what_zh}图层 {name} 无法读取：请给出可读的 .gpkg、.geojson 或 .shp 图层",
            source=name,
        ) from exc
    missing = [c for c in columns if c not in layer.columns]
    if missing:
        raise InputError(
            en=f"the {what} layer lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(columns)}",
            zh="图层缺少字段",
            source=name,
            field=missing[0],
        )
    if layer.crs is None:
        raise InputError(
            en=f"the {what} layer has no coordinate reference system; save it with one",
            zh="图层缺少坐标系",
            source=name,
        )
    _check_coordinates(layer, name, what)
    return layer.to_crs(CHINA_ALBERS)


def _check_coordinates(layer: gpd.GeoDataFrame, name: str, what: str) -> None:
    """Refuse a layer whose coordinates its CRS cannot hold: longitudes and latitudes out
    of range (metres of a projected map labelled EPSG:4326), or coordinates that do not
    project to finite numbers."""
    import math

    from ganpo.io.regions import CHINA_ALBERS

    present = layer[~layer.geometry.isna()]
    if present.empty:
        return
    x0, y0, x1, y1 = (float(v) for v in present.total_bounds)
    if layer.crs.is_geographic and not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InputError(
            en=f"the {what} layer's coordinates ({x0:.6g}, {y0:.6g}) – ({x1:.6g}, {y1:.6g}) are no "
            f"longitudes and latitudes, yet its CRS {layer.crs.to_string()} says they are: the "
            "layer was probably saved with the wrong CRS; set the one its coordinates are in",
            zh=f"图层坐标（{x0:.6g}, {y0:.6g}）不是经纬度，"
            f"与其坐标系 {layer.crs.to_string()} 不符，请设置正确的坐标系",
            source=name,
            field="crs",
            values=[layer.crs.to_string()],
        )
    bounds = present.to_crs(CHINA_ALBERS).total_bounds
    if not all(math.isfinite(float(v)) for v in bounds):
        raise InputError(
            en=f"the {what} layer's coordinates ({x0:.6g}, {y0:.6g}) – ({x1:.6g}, {y1:.6g}) cannot "
            f"be projected from its CRS {layer.crs.to_string()}: set the CRS its coordinates "
            "are in",
            zh=f"图层坐标无法从其坐标系 {layer.crs.to_string()} 投影，请设置正确的坐标系",
            source=name,
            field="crs",
            values=[layer.crs.to_string()],
        )


def read_zoning(folder: Path | str) -> ZoningDataset:
    """Read and validate a zoning dataset folder (every problem at once)."""
    import geopandas as gpd
    from shapely import STRtree, union_all

    from ganpo.io.regions import load_counties

    folder = Path(folder)
    desc_path = folder / DATASET_FILE
    if not desc_path.is_file():
        raise InputError(
            en=f"no {DATASET_FILE} in the folder {folder.name!r}: a zoning dataset is a folder "
            f"with {DATASET_FILE}, its layers and requirements (`ganpo zoning demo` writes one)",
            zh="该文件夹不是分区管控数据集",
            source=folder.name,
        )
    try:
        desc = _Description.model_validate(tomllib.loads(desc_path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            en=f"cannot read {DATASET_FILE}: {exc}; save it as UTF-8 TOML",
            zh="无法读取数据集说明（须为 UTF-8 编码的 TOML）",
            source=DATASET_FILE,
        ) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        value = first.get("input")
        shown = f" = {value!r}" if isinstance(value, (bool, int, float, str)) else ""
        raise InputError(
            en=f"{where}{shown}: {first['msg']}",
            zh=f"数据集说明中 {where}{shown} 无效，请更正",
            source=DATASET_FILE,
            field=where,
        ) from exc
    counties = load_counties(int(str(desc.region)[:2] + "0000"))
    if desc.region % 10000 == 0:
        inside = counties
    elif desc.region % 100 == 0:
        inside = counties[counties["city_adcode"] == desc.region]
    else:
        inside = counties[counties["county_adcode"] == desc.region]
    if inside.empty:
        raise InputError(
            en=f"{DATASET_FILE}: region {desc.region} has no counties",
            zh="区域代码无对应区县",
            source=DATASET_FILE,
            field="region",
            values=[desc.region],
        )
    region_geom = union_all(list(inside.geometry))
    units = _read_layer(folder, desc.units, ["code", "name", "category", "county_adcode"], "units")
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, r in units.iterrows():
        code = str(r["code"])
        m = CODE_PATTERN.match(code)
        if code in seen:
            problems.append(f"unit code {code} is given twice (features {seen[code]} and {i})")
        seen.setdefault(code, int(str(i)))
        if not m:
            problems.append(
                f"unit code {code!r} (feature {i}) is not of the form ZH + 6-digit county adcode "
                "+ category digit (1, 2, 3) + 4 digits"
            )
            continue
        cat = str(r["category"])
        if cat not in CATEGORIES:
            problems.append(f"unit {code}: category {cat!r} is not one of {', '.join(CATEGORIES)}")
        elif CATEGORIES[cat][0] != m.group(2):
            problems.append(
                f"unit {code}: category {cat} but the code's category digit is {m.group(2)}"
            )
        if int(m.group(1)) != int(r["county_adcode"]):
            problems.append(
                f"unit {code}: county_adcode {r['county_adcode']} differs from the code's "
                f"{m.group(1)}"
            )
        if int(r["county_adcode"]) not in set(inside["county_adcode"]):
            problems.append(
                f"unit {code}: county {r['county_adcode']} is not in region {desc.region}"
            )
        g = r.geometry
        if g is None or g.is_empty:
            problems.append(f"unit {code}: empty geometry")
        elif g.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(f"unit {code}: a {g.geom_type}, not a polygon")
        elif not g.is_valid:
            problems.append(
                f"unit {code}: invalid geometry (self-intersecting?); repair it in a GIS"
            )
    good = units[[g is not None and not g.is_empty and g.is_valid for g in units.geometry]]
    geoms = list(good.geometry)
    codes = [str(c) for c in good["code"]]
    tree = STRtree(geoms)
    pairs = tree.query(geoms, predicate="intersects") if geoms else ([], [])
    for a, b in zip(*pairs, strict=True):
        if a < b:
            area = geoms[a].intersection(geoms[b]).area
            if area > desc.overlap_tolerance_m2:
                problems.append(
                    f"units {codes[a]} and {codes[b]} overlap by {area / 1e4:,.2f} hm² (tolerance "
                    f"{desc.overlap_tolerance_m2:g} m²)"
                )
    covered = union_all(geoms) if geoms else None
    gap = region_geom.difference(covered) if covered is not None else region_geom
    gap_pct = 100.0 * gap.area / region_geom.area
    if gap_pct > desc.gap_tolerance_pct:
        problems.append(
            f"the units leave {gap.area / 1e6:,.2f} km² of the region uncovered ({gap_pct:.2f} % "
            f"of it; tolerance {desc.gap_tolerance_pct:g} %)"
        )
    redlines = (
        _read_layer(folder, desc.redlines, ["code", "name"], "red lines")
        if desc.redlines
        else gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs=units.crs)
    )
    problems += _red_line_problems(redlines, region_geom, desc.region, desc.overlap_tolerance_m2)
    requirements = _requirements(folder / desc.requirements, set(codes), inside, problems)
    if problems:
        raise _problems_error(problems, folder.name)
    notes = [desc.note] if desc.note else []
    return ZoningDataset(
        title_zh=desc.title_zh,
        title_en=desc.title_en,
        region=desc.region,
        version=desc.version,
        synthetic=desc.synthetic,
        units=units.reset_index(drop=True),
        redlines=redlines.reset_index(drop=True),
        requirements=requirements,
        region_geometry=region_geom,
        gap_pct=gap_pct,
        notes=notes,
        source=desc.source,
    )


def _red_line_problems(
    redlines: gpd.GeoDataFrame, region: BaseGeometry, adcode: int, tolerance_m2: float
) -> list[str]:
    """Each red line has a code of its own and a valid polygon that holds some of the
    region: one of another region, or of a layer read in the wrong CRS, would never be
    found by a site (one that crosses the region's boundary is kept whole)."""
    import shapely

    problems: list[str] = []
    seen: dict[str, int] = {}
    polygons: list[tuple[int, str, BaseGeometry]] = []
    for i, (code_value, g) in enumerate(zip(redlines["code"], redlines.geometry, strict=True)):
        code = str(code_value)
        if code in seen:
            problems.append(f"red line code {code} is given twice (features {seen[code]} and {i})")
        seen.setdefault(code, i)
        if g is None or g.is_empty or not g.is_valid:
            problems.append(f"red line {code}: empty or invalid geometry")
        elif g.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(f"red line {code} (feature {i}): a {g.geom_type}, not a polygon")
        else:
            polygons.append((i, code, g))
    shapely.prepare(region)
    within = shapely.contains(region, [g for _, _, g in polygons]) if polygons else []
    for (i, code, g), inside in zip(polygons, within, strict=True):
        if not inside and g.intersection(region).area <= tolerance_m2:
            problems.append(
                f"red line {code} (feature {i}) lies outside region {adcode}: it holds none of "
                "the region's area; give the region's red lines, in the CRS their coordinates "
                "are in"
            )
    return problems


def _requirements(
    path: Path, codes: set[str], inside: Any, problems: list[str]
) -> list[Requirement]:
    if not path.is_file():
        problems.append(f"requirements file {path.name!r} is not in the folder")
        return []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8")).get("requirements", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: cannot be read: {exc}")
        return []
    adcodes = (
        set(inside["county_adcode"]) | set(inside["city_adcode"]) | set(inside["province_adcode"])
    )
    out: list[Requirement] = []
    ids: set[str] = set()
    for n, item in enumerate(raw, start=1):
        try:
            req = Requirement.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            problems.append(f"{path.name}, requirement {n}: {where}: {first['msg']}")
            continue
        if req.id in ids:
            problems.append(f"{path.name}: requirement id {req.id!r} is given twice")
        ids.add(req.id)
        kind, _, value = req.scope.partition(":")
        if kind == "category" and value not in CATEGORIES:
            problems.append(f"requirement {req.id}: scope category {value!r} does not exist")
        elif kind == "unit" and value not in codes:
            problems.append(
                f"requirement {req.id}: scope unit {value!r} is not a unit of the layer"
            )
        elif kind == "region" and (not value.isdigit() or int(value) not in adcodes):
            problems.append(f"requirement {req.id}: scope region {value!r} is not in the region")
        elif kind not in ("category", "unit", "region", "redline"):
            problems.append(
                f"requirement {req.id}: scope {req.scope!r} is not category:…, unit:…, "
                "region:… or redline"
            )
        for code in req.industries:
            try:
                industry(code)
            except InputError:
                problems.append(
                    f"requirement {req.id}: industry code {code!r} is not in GB/T 4754-2017"
                )
        out.append(req)
    return out
