"""Checks of administrative boundaries (边界检查), run whenever units are read.

An account adds up cells per unit, so its units must be sound: each polygon valid, each
place in one unit only, each unit inside its parent and the parent covered by its units,
each code once, and the coordinates in the datum of the rasters. This module finds every
problem of one units file at once and refuses the file (:class:`BoundaryError`, English
and Chinese, naming the file, layer, unit codes, areas and what to do) unless its manifest
entry declares a repair that accepts the problem (``[units] repair``,
:data:`ganpo.io.roles.BOUNDARY_REPAIRS`). Each repair applied is a
:class:`~ganpo.io.decisions.Decision` (kind ``boundary_repair``) stored with the account.

Tolerances (decision 0021):

- :data:`SLIVER_M2`: an overlap, gap or part outside a parent of at most 10 m² is noise
  (a 1 km border drawn 1 cm apart by two editors), not a problem.
- :data:`EDGE_TOLERANCE_M`: a unit is inside its parent when no point of it lies farther
  than 1 m outside (parents from the same file: one survey), or 500 m (parents from the
  built-in Tianditu county boundaries, generalised with vertices ~1.9 km apart, whose
  edges lie up to a few hundred metres off a detailed survey); gaps are measured inside
  the parent shrunk by the same distance.
- The datum check compares the units of each county with the built-in county boundary
  (WGS84) as given and after the GCJ-02 → WGS84 conversion: a file the conversion brings
  to less than half its mismatch (:data:`DATUM_RATIO`) is in GCJ-02, the datum of Amap
  (高德), Tencent and other Chinese web maps, shifted 300–700 m from WGS84.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from ganpo.errors import ManifestError, preview
from ganpo.io.datum import gcj02_to_wgs84, in_lonlat, wgs84_to_gcj02
from ganpo.io.decisions import Decision

#: overlaps, gaps and parts outside a parent up to this area are noise [m²]
SLIVER_M2 = 10.0
#: how far a unit may reach outside its parent [m], by where the parents come from
EDGE_TOLERANCE_M = {"file": 1.0, "built_in": 500.0}
#: a file is in GCJ-02 when converting it to WGS84 leaves less than this share of its
#: mismatch with the built-in boundaries
DATUM_RATIO = 0.5
#: and when the mismatch the conversion removes is at least this share of the units' area
#: (below it both are generalisation noise)
DATUM_MIN_SHARE = 0.002
#: the detail the datum check compares boundaries at [m] (Douglas-Peucker tolerance)
DATUM_DETAIL_M = 25.0
#: problems shown in a message (the rest counted)
MAX_SHOWN = 20

#: the kinds of problem, and the repair that accepts each (None: fix the file)
PROBLEM_REPAIRS: dict[str, str | None] = {
    "duplicate_code": None,
    "code_clash": None,
    "parent_missing": None,
    "invalid": "make_valid",
    "datum_gcj02": "from_gcj02",
    "datum_converted": "trust_datum",
    "not_nested": "clip_to_parent",
    "overlap": "trust_overlaps",
    "gap": "trust_gaps",
}


class BoundaryError(ManifestError):
    """Boundary problems no declared repair accepts; ``problems`` lists them all."""

    def __init__(self, message: str, *, source: Path, layer: str, problems: list[Problem]):
        super().__init__(message, source=source, field=layer, values=[p.kind for p in problems])
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One boundary problem: its ``kind`` (a key of :data:`PROBLEM_REPAIRS`), the layer,
    the unit codes concerned, the area concerned [m²] (when there is one), and the
    sentences that say what was found and what to do."""

    kind: str
    layer: str
    unit_codes: tuple[int, ...]
    area_m2: float | None
    message_en: str
    message_zh: str

    @property
    def repair(self) -> str | None:
        return PROBLEM_REPAIRS[self.kind]

    def line(self) -> str:
        return f"{self.message_en} / {self.message_zh}"


# --------------------------------------------------------------------------- helpers


def _area(m2: float) -> tuple[str, str]:
    """An area in words, English and Chinese."""
    if m2 < 1e5:
        return f"{m2:,.0f} m²", f"{m2:,.0f} 平方米"
    return f"{m2 / 1e6:,.2f} km²", f"{m2 / 1e6:,.2f} 平方千米"


def _where(geom: Any, crs: Any) -> str:
    """Near which longitude/latitude a problem lies (a point inside it)."""
    if geom is None or shapely.is_empty(geom):
        return ""
    point = shapely.point_on_surface(geom)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(point.x, point.y)
    return f"{lon:.4f}°E {lat:.4f}°N"


def _names(frame: pd.DataFrame) -> dict[int, str]:
    column = "unit_name" if "unit_name" in frame.columns else "county_name"
    return dict(zip(frame["unit_code"].astype("int64"), frame[column].astype(str), strict=True))


def _repair_hint(kind: str) -> tuple[str, str]:
    repair = PROBLEM_REPAIRS[kind]
    if repair is None:
        return "", ""
    return (
        f', or declare repair = ["{repair}"] in the manifest\'s [units] entry',
        f'，或在清单 [units] 中声明 repair = ["{repair}"]',
    )


@dataclass
class _Layer:
    """A layer being checked (the chain's :class:`~ganpo.io.units.Layer`, mutable)."""

    name: str
    frame: gpd.GeoDataFrame
    county: bool
    built_in: bool


class _Checker:
    def __init__(self, chain: Sequence[Any], level: str, source: Path, repair: Sequence[str]):
        self.layers = [_Layer(c.name, c.frame.copy(), c.county, c.built_in) for c in chain]
        self.level, self.source, self.repair = level, source, set(repair)
        self.problems: list[Problem] = []
        self.decisions: list[Decision] = []

    # ----------------------------------------------------------------- bookkeeping

    def problem(
        self,
        kind: str,
        layer: str,
        codes: Sequence[int],
        area_m2: float | None,
        en: str,
        zh: str,
    ) -> None:
        hint_en, hint_zh = _repair_hint(kind)
        self.problems.append(
            Problem(kind, layer, tuple(int(c) for c in codes), area_m2, en + hint_en, zh + hint_zh)
        )

    def decide(self, repair: str, layer: str, found: list[Problem], en: str, zh: str) -> None:
        codes = sorted({c for p in found for c in p.unit_codes})
        area = sum(p.area_m2 or 0.0 for p in found)
        self.decisions.append(
            Decision(
                kind="boundary_repair",
                subject=f"units.{layer}.{repair}",
                message_en=en,
                message_zh=zh,
                basis="manifest",
                unit_code=codes[0] if len(codes) == 1 else None,
                source=str(self.source),
                values=(*(int(c) for c in codes[:50]), float(area)),
            )
        )

    def accepted(self, kind: str, found: list[Problem]) -> bool:
        """Keep ``found`` as problems unless its repair is declared (then True)."""
        repair = PROBLEM_REPAIRS[kind]
        if found and (repair is None or repair not in self.repair):
            self.problems.extend(found)
            return False
        return bool(found)

    # ----------------------------------------------------------------- the checks

    def run(self) -> None:
        own = [x for x in self.layers if not x.built_in]
        for x in own:
            self.duplicates(x)
        self.code_clash()
        for x in own:
            self.validity(x)
        self.datum()
        datum_bad = any(p.kind.startswith("datum") for p in self.problems)
        for child, parent in zip(self.layers, self.layers[1:], strict=False):
            missing = self.parents_missing(child, parent)
            if not datum_bad and not missing:
                self.nesting(child, parent)
        for x in own:
            self.overlaps(x)
        if not datum_bad:
            for child, parent in zip(self.layers, self.layers[1:], strict=False):
                self.gaps(child, parent)

    def duplicates(self, x: _Layer) -> None:
        codes = x.frame["unit_code"].astype("int64")
        dup = sorted(set(codes[codes.duplicated()]))
        if dup:
            counts = codes.value_counts()
            shown = preview(f"{c} ({counts[c]}×)" for c in dup)
            self.problem(
                "duplicate_code",
                x.name,
                dup,
                None,
                f"layer {x.name!r}: unit code(s) appear more than once: {shown}; give each "
                "unit its own code (merge the parts of one unit into one multipolygon)",
                f"图层 {x.name}：单元代码重复：{shown}；每个单元只能有一个代码（同一单元的多块"
                "请合并为一个多面要素）",
            )

    def code_clash(self) -> None:
        if self.level == "county":
            return
        counties = set(self.layers[-1].frame["unit_code"].astype("int64"))
        finest = self.layers[0]
        clash = sorted(set(finest.frame["unit_code"].astype("int64")) & counties)
        if clash:
            self.problem(
                "code_clash",
                finest.name,
                clash,
                None,
                f"layer {finest.name!r}: unit code(s) {preview(clash)} equal a county's "
                "adcode; the account gives statistics reported per county the county's "
                "adcode as unit code, so a finer unit needs another code (e.g. county "
                "adcode × 1000 + n for a township)",
                f"图层 {finest.name}：单元代码 {preview(clash)} 与县级行政区划代码相同；"
                "按县填报的统计数据以县代码为单元代码，乡镇等单元须另用代码（如县代码×1000+序号）",
            )

    def validity(self, x: _Layer) -> None:
        geoms = x.frame.geometry.to_numpy()
        bad = np.flatnonzero(~shapely.is_valid(geoms) | shapely.is_empty(geoms))
        if len(bad) == 0:
            return
        names = _names(x.frame)
        found: list[Problem] = []
        for i in bad:
            code = int(x.frame["unit_code"].iloc[i])
            reason = shapely.is_valid_reason(geoms[i]) if geoms[i] is not None else "empty"
            match = re.search(r"\[([-\d.e+]+) ([-\d.e+]+)\]", reason or "")
            where = ""
            if match:
                px, py = float(match.group(1)), float(match.group(2))
                where = f" at x={px:.1f}, y={py:.1f} ({_where(shapely.Point(px, py), x.frame.crs)})"
            what = re.sub(r"\[.*\]", "", reason or "empty geometry")
            found.append(
                Problem(
                    "invalid",
                    x.name,
                    (code,),
                    None,
                    f"layer {x.name!r}: unit {code} ({names.get(code, '')}) has an invalid "
                    f"polygon: {what}{where}; redraw it in a GIS (e.g. QGIS 'Fix geometries')"
                    + _repair_hint("invalid")[0],
                    f"图层 {x.name}：单元 {code}（{names.get(code, '')}）的多边形无效："
                    f"{what}{where}；请在 GIS 中修复（如 QGIS「修复几何图形」）"
                    + _repair_hint("invalid")[1],
                )
            )
        if self.accepted("invalid", found):
            fixed = shapely.make_valid(geoms[bad])
            # keep the polygonal parts: make_valid may add the lines of a collapsed ring
            fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
            x.frame.loc[x.frame.index[bad], x.frame.geometry.name] = fixed
            codes = [int(c) for c in x.frame["unit_code"].iloc[bad]]
            en, zh = _area(float(shapely.area(fixed).sum()))
            self.decide(
                "make_valid",
                x.name,
                found,
                f"{len(bad)} unit(s) of layer {x.name} had invalid polygons "
                f"({preview(codes)}); as the manifest declares, they were repaired with GEOS "
                f"make_valid (their polygonal parts kept, {en} in all)",
                f"图层 {x.name} 中 {len(bad)} 个单元的多边形无效（{preview(codes)}）；按清单声明，"
                f"已用 GEOS make_valid 修复（保留面状部分，共 {zh}）",
            )
        else:
            # go on with repaired copies so the other checks can measure areas
            x.frame.loc[x.frame.index[bad], x.frame.geometry.name] = [
                _polygonal(g) for g in shapely.make_valid(geoms[bad])
            ]

    def datum(self) -> None:
        if "trust_datum" in self.repair:
            self.decide(
                "trust_datum",
                self.layers[0].name,
                [],
                "the datum check of the boundaries was skipped, as the manifest declares",
                "按清单声明，未检查边界的坐标基准",
            )
            return
        finest = self.layers[0]
        counties = _county_of(self.layers)
        frame = gpd.GeoDataFrame(
            {"county_adcode": counties.to_numpy()},
            geometry=finest.frame.geometry.to_numpy(),
            crs=finest.frame.crs,
        )
        frame = frame[frame["county_adcode"] >= 0]
        if frame.empty:
            return
        from ganpo.io.regions import counties_by_adcode

        ref = counties_by_adcode(set(frame["county_adcode"]), frame.crs.to_wkt())
        if ref.empty:
            return  # counties ganpo does not know: nothing to compare with
        outline = frame.dissolve(by="county_adcode")
        outline = outline[outline.index.isin(ref["county_adcode"])]
        if outline.empty:
            return
        reference = ref.set_index("county_adcode").loc[outline.index].geometry.to_numpy()
        # compared at 25 m detail: far finer than the 300–700 m offset, and fast
        outline = outline.set_geometry(outline.geometry.simplify(DATUM_DETAIL_M))
        given = outline.geometry.to_numpy()
        total = float(shapely.area(given).sum())
        d0 = float(shapely.area(shapely.symmetric_difference(given, reference)).sum())
        d_from = d_to = d0
        if d0 > DATUM_MIN_SHARE * total:  # else they match as given: nothing to explain
            as_wgs = in_lonlat(outline, gcj02_to_wgs84)
            d_from = float(shapely.area(shapely.symmetric_difference(as_wgs, reference)).sum())
            if not d_from < DATUM_RATIO * d0:
                as_gcj = in_lonlat(outline, wgs84_to_gcj02)
                d_to = float(shapely.area(shapely.symmetric_difference(as_gcj, reference)).sum())
        codes = [int(c) for c in outline.index]
        a0, a1 = _area(d0)[0], _area(min(d_from, d_to))[0]
        z0, z1 = _area(d0)[1], _area(min(d_from, d_to))[1]
        if d_from < DATUM_RATIO * d0 and d0 - d_from > DATUM_MIN_SHARE * total:
            self.problem(
                "datum_gcj02",
                finest.name,
                codes,
                d0,
                f"layer {finest.name!r}: the units of {len(codes)} county(ies) "
                f"({preview(codes)}) differ from the built-in county boundaries (WGS84) by "
                f"{a0} as given, but by only {a1} once converted from GCJ-02: the file is most "
                "likely in GCJ-02, the datum of Amap (Gaode), Tencent and other Chinese web "
                "maps, shifted 300–700 m from WGS84. Convert it to WGS84 before use "
                "(`ganpo data gcj02-to-wgs84 FILE OUT`)",
                f"图层 {finest.name}：{len(codes)} 个县（{preview(codes)}）的单元与内置县界"
                f"（WGS84）相差 {z0}，按 GCJ-02 转换后仅差 {z1}：文件很可能采用 GCJ-02"
                "（高德、腾讯等国内网络地图的坐标），与 WGS84 偏移 300–700 米。请先转换为 WGS84"
                "（`ganpo data gcj02-to-wgs84 文件 输出`）",
            )
        elif d_to < DATUM_RATIO * d0 and d0 - d_to > DATUM_MIN_SHARE * total:
            self.problem(
                "datum_converted",
                finest.name,
                codes,
                d0,
                f"layer {finest.name!r}: the units of {len(codes)} county(ies) "
                f"({preview(codes)}) differ from the built-in county boundaries (WGS84) by "
                f"{a0}, but by only {a1} if shifted from WGS84 to GCJ-02: a GCJ-02 → WGS84 "
                "conversion was most likely applied to a file already in WGS84 (or applied "
                'twice). Use the original WGS84 file, or remove "from_gcj02" from the '
                "manifest's repair",
                f"图层 {finest.name}：{len(codes)} 个县（{preview(codes)}）的单元与内置县界"
                f"（WGS84）相差 {z0}，若再由 WGS84 转为 GCJ-02 则仅差 {z1}："
                "很可能对本已是 WGS84 的文件做了 GCJ-02→WGS84 转换（或转换了两次）。"
                "请使用原 WGS84 文件，或从清单 repair 中删去 "
                '"from_gcj02"',
            )
        elif "from_gcj02" in self.repair:
            self.decide(
                "from_gcj02",
                finest.name,
                [],
                "the boundaries were converted from GCJ-02 to WGS84 when read, as the "
                f"manifest declares; they now differ from the built-in county boundaries by {a0}",
                f"按清单声明，读取边界时已由 GCJ-02 转换为 WGS84；与内置县界相差 {z0}",
            )

    def parents_missing(self, child: _Layer, parent: _Layer) -> bool:
        known = set(parent.frame["unit_code"].astype("int64"))
        wanted = child.frame["parent_code"].astype("int64")
        missing = sorted(set(wanted) - known)
        if not missing:
            return False
        orphans = child.frame.loc[wanted.isin(missing), "unit_code"].astype("int64").tolist()
        where = (
            "the built-in county boundaries (no county has that adcode)"
            if parent.built_in
            else f"layer {parent.name!r}"
        )
        where_zh = "内置县界（无此行政区划代码）" if parent.built_in else f"图层 {parent.name}"
        self.problem(
            "parent_missing",
            child.name,
            orphans,
            None,
            f"layer {child.name!r}: parent code(s) {preview(missing)} of unit(s) "
            f"{preview(orphans)} are not in {where}; correct parent_code, or add the parents "
            "to a layer named in the [units] entry's parents",
            f"图层 {child.name}：单元 {preview(orphans)} 的上级代码 {preview(missing)} 不在"
            f"{where_zh}中；请更正 parent_code，或把上级单元加入 [units] parents 所列图层",
        )
        return True

    def nesting(self, child: _Layer, parent: _Layer) -> None:
        tol = EDGE_TOLERANCE_M["built_in" if parent.built_in else "file"]
        parents = parent.frame.drop_duplicates("unit_code").set_index("unit_code").geometry
        owner = parents.loc[child.frame["parent_code"].astype("int64")].to_numpy()
        geoms = child.frame.geometry.to_numpy()
        outside = shapely.difference(geoms, shapely.buffer(owner, tol))
        area = shapely.area(outside)
        bad = np.flatnonzero(area > SLIVER_M2)
        if len(bad) == 0:
            return
        names = _names(child.frame)
        found = []
        for i in bad:
            code = int(child.frame["unit_code"].iloc[i])
            up = int(child.frame["parent_code"].iloc[i])
            en, zh = _area(float(area[i]))
            where = _where(outside[i], child.frame.crs)
            found.append(
                Problem(
                    "not_nested",
                    child.name,
                    (code,),
                    float(area[i]),
                    f"layer {child.name!r}: unit {code} ({names.get(code, '')}) reaches {en} "
                    f"beyond its parent {up} (more than {tol:g} m outside, near {where}); "
                    "correct its boundary or its parent_code" + _repair_hint("not_nested")[0],
                    f"图层 {child.name}：单元 {code}（{names.get(code, '')}）有 {zh} 超出上级 "
                    f"{up}（超出 {tol:g} 米以上，约在 {where}）；请更正边界或 parent_code"
                    + _repair_hint("not_nested")[1],
                )
            )
        if self.accepted("not_nested", found):
            clipped = shapely.intersection(geoms[bad], owner[bad])
            child.frame.loc[child.frame.index[bad], child.frame.geometry.name] = [
                _polygonal(g) for g in clipped
            ]
            codes = [p.unit_codes[0] for p in found]
            en, zh = _area(float(area[bad].sum()))
            self.decide(
                "clip_to_parent",
                child.name,
                found,
                f"{len(found)} unit(s) of layer {child.name} reached beyond their parent "
                f"({preview(codes)}); as the manifest declares, the {en} outside were cut away",
                f"图层 {child.name} 中 {len(found)} 个单元超出上级（{preview(codes)}）；"
                f"按清单声明，已裁去超出部分 {zh}",
            )

    def overlaps(self, x: _Layer) -> None:
        geoms = x.frame.geometry.to_numpy()
        tree = shapely.STRtree(geoms)
        a, b = tree.query(geoms, predicate="intersects")
        keep = a < b
        a, b = a[keep], b[keep]
        if len(a) == 0:
            return
        shared = shapely.intersection(geoms[a], geoms[b])
        area = shapely.area(shared)
        bad = np.flatnonzero(area > SLIVER_M2)
        if len(bad) == 0:
            return
        codes = x.frame["unit_code"].astype("int64").to_numpy()
        found = []
        for k in bad:
            ca, cb = int(codes[a[k]]), int(codes[b[k]])
            en, zh = _area(float(area[k]))
            where = _where(shared[k], x.frame.crs)
            found.append(
                Problem(
                    "overlap",
                    x.name,
                    (ca, cb),
                    float(area[k]),
                    f"layer {x.name!r}: units {ca} and {cb} overlap by {en} (near {where}); "
                    "correct the boundaries so that each place lies in one unit"
                    + _repair_hint("overlap")[0],
                    f"图层 {x.name}：单元 {ca} 与 {cb} 重叠 {zh}（约在 {where}）；请修正边界，"
                    "使每处只属于一个单元" + _repair_hint("overlap")[1],
                )
            )
        if self.accepted("overlap", found):
            en, zh = _area(float(area[bad].sum()))
            self.decide(
                "trust_overlaps",
                x.name,
                found,
                f"{len(found)} pair(s) of units of layer {x.name} overlap ({en} in all); as "
                "the manifest declares they were accepted: a cell whose centre lies in two "
                "units counts once, for the unit of the higher code",
                f"图层 {x.name} 中有 {len(found)} 对单元重叠（共 {zh}）；按清单声明予以接受："
                "中心落在两个单元内的栅格只计一次，计入代码较大的单元",
            )

    def gaps(self, child: _Layer, parent: _Layer) -> None:
        tol = EDGE_TOLERANCE_M["built_in" if parent.built_in else "file"]
        parents = parent.frame.drop_duplicates("unit_code").set_index("unit_code").geometry
        used = sorted(set(child.frame["parent_code"].astype("int64")) & set(parents.index))
        if not used:
            return
        groups = child.frame.groupby(child.frame["parent_code"].astype("int64"))
        cover = {int(k): shapely.union_all(g.geometry.to_numpy()) for k, g in groups}
        inner = shapely.buffer(parents.loc[used].to_numpy(), -tol)
        holes = shapely.difference(inner, np.array([cover[c] for c in used], dtype=object))
        area = shapely.area(holes)
        bad = np.flatnonzero(area > SLIVER_M2)
        if len(bad) == 0:
            return
        found = []
        for k in bad:
            code = used[k]
            en, zh = _area(float(area[k]))
            share = area[k] / max(shapely.area(parents.loc[code]), 1.0)
            where = _where(holes[k], child.frame.crs)
            found.append(
                Problem(
                    "gap",
                    child.name,
                    (code,),
                    float(area[k]),
                    f"layer {child.name!r}: {en} ({share:.1%}) of parent {code} lie in none "
                    f"of its units (near {where}); add the missing units or correct the "
                    "boundaries" + _repair_hint("gap")[0],
                    f"图层 {child.name}：上级 {code} 有 {zh}（{share:.1%}）不属于其任何下级单元"
                    f"（约在 {where}）；请补齐缺少的单元或修正边界" + _repair_hint("gap")[1],
                )
            )
        if self.accepted("gap", found):
            en, zh = _area(float(area[bad].sum()))
            codes = [p.unit_codes[0] for p in found]
            self.decide(
                "trust_gaps",
                child.name,
                found,
                f"{en} of {len(found)} parent unit(s) ({preview(codes)}) lie in none of their "
                f"units of layer {child.name}; as the manifest declares this was accepted: "
                "those cells count in no unit, so their parents' totals leave them out",
                f"{len(found)} 个上级单元（{preview(codes)}）共有 {zh} 不属于图层 {child.name} "
                "的任何单元；按清单声明予以接受：这些栅格不计入任何单元，上级合计也不含它们",
            )


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry (make_valid may return a collection)."""
    if geom is None:
        return shapely.Polygon()
    if isinstance(geom, shapely.GeometryCollection):
        parts = [p for p in geom.geoms if isinstance(p, shapely.Polygon | shapely.MultiPolygon)]
        return shapely.union_all(parts) if parts else shapely.Polygon()
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    return shapely.Polygon()


def _county_of(layers: Sequence[Any]) -> pd.Series:
    """The county adcode of each unit of the finest layer (-1 where a parent is missing)."""
    finest = layers[0].frame
    if layers[0].county:
        return finest["unit_code"].astype("int64").reset_index(drop=True)
    codes = finest["parent_code"].astype("int64")
    for up in layers[1:-1]:
        step = pd.Series(
            up.frame["parent_code"].astype("int64").to_numpy(), index=up.frame["unit_code"]
        )
        codes = codes.map(step[~step.index.duplicated()])
    return codes.astype("Int64").fillna(-1).astype("int64").reset_index(drop=True)


def check_chain(
    chain: Sequence[Any], *, level: str, source: Path, repair: Sequence[str]
) -> tuple[list[Any], list[Decision]]:
    """Check a units file's layers (:class:`ganpo.io.units.Layer`, finest first, the last
    one the counties) and apply the declared repairs.

    Returns the layers as repaired and the decisions the repairs made. Raises
    :class:`BoundaryError` listing every problem no declared repair accepts."""
    from ganpo.io.units import Layer

    checker = _Checker(chain, level, Path(source), repair)
    checker.run()
    if checker.problems:
        raise _error(checker.problems, Path(source), chain[0].name)
    return [Layer(x.name, x.frame, x.county, x.built_in) for x in checker.layers], checker.decisions


def find_problems(
    chain: Sequence[Any], *, level: str, source: Path, repair: Sequence[str]
) -> tuple[list[Problem], list[Decision], list[Any]]:
    """Every problem of a units file (those a declared repair accepts are not problems),
    the decisions of the repairs and the layers as repaired: what ``ganpo data
    check-units`` prints."""
    from ganpo.io.units import Layer

    checker = _Checker(chain, level, Path(source), repair)
    checker.run()
    layers = [Layer(x.name, x.frame, x.county, x.built_in) for x in checker.layers]
    return checker.problems, checker.decisions, layers


def _error(problems: list[Problem], source: Path, layer: str) -> BoundaryError:
    shown = "\n".join(f"  {i}. {p.line()}" for i, p in enumerate(problems[:MAX_SHOWN], 1))
    more = len(problems) - MAX_SHOWN
    if more > 0:
        shown += f"\n  … and {more} more / 另有 {more} 处"
    return BoundaryError(
        f"layer {layer!r}: {len(problems)} boundary problem(s), the units were refused / "
        f"边界问题 {len(problems)} 处，行政单元未被接受:\n{shown}",
        source=source,
        layer=layer,
        problems=problems,
    )


__all__ = [
    "DATUM_RATIO",
    "EDGE_TOLERANCE_M",
    "SLIVER_M2",
    "BoundaryError",
    "Problem",
    "check_chain",
    "find_problems",
]
