"""Boundary checks (issue 13 step 3): each problem refused with a message naming the file,
layer, units, areas and what to do, in English and Chinese; a declared repair accepts it
and becomes a decision (kind boundary_repair)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from ganpo.io.boundaries import SLIVER_M2, BoundaryError
from ganpo.io.datum import gcj02_to_wgs84, wgs84_to_gcj02
from ganpo.io.regions import CHINA_ALBERS, counties_by_adcode
from ganpo.io.units import COUNTY_ATTRIBUTES, read_units_checked
from tinydata import RES, TOWNSHIPS, X0, Y0, A, B, build_tiny, column_box, townships_frame

A1, A2, B1, B2 = (t[0] for t in TOWNSHIPS)


def _units(tmp_path: Path, rows: list[tuple[int, str, int, object]] | None = None) -> Path:
    """The tiny dataset's units file with a townships layer of ``rows``."""
    path = build_tiny(tmp_path / "t").parent / "units.gpkg"
    townships_frame(rows).to_file(path, layer="townships", driver="GPKG")  # type: ignore[arg-type]
    return path


def _rows(**geoms: object) -> list[tuple[int, str, int, object]]:
    """The four townships, some polygons replaced (``A1=…``)."""
    names = {"A1": A1, "A2": A2, "B1": B1, "B2": B2}
    replaced = {names[k]: v for k, v in geoms.items()}
    return [(c, n, p, replaced.get(c, column_box(col))) for c, n, p, col in TOWNSHIPS]


def _read(path: Path, *repair: str):  # type: ignore[no-untyped-def]
    return read_units_checked(
        path, "townships", level="township", parents=["counties"], repair=list(repair)
    )


def _problems(path: Path) -> BoundaryError:
    with pytest.raises(BoundaryError) as info:
        _read(path)
    return info.value


def test_clean_townships_pass(tmp_path: Path) -> None:
    read = _read(_units(tmp_path))
    assert len(read.units) == 4 and read.decisions == ()


def test_invalid_polygon(tmp_path: Path) -> None:
    # a bow tie over A1's column: its two halves cross at the column's centre
    x, y = X0, Y0
    bowtie = Polygon([(x, y), (x + RES, y - 2 * RES), (x + RES, y), (x, y - 2 * RES)])
    path = _units(tmp_path, _rows(A1=bowtie))
    error = _problems(path)
    assert str(path) in str(error) and "layer 'townships'" in str(error)
    (problem,) = [p for p in error.problems if p.kind == "invalid"]
    assert problem.unit_codes == (A1,)
    assert problem.message_en.startswith(
        f"layer 'townships': unit {A1} (甲县一乡) has an invalid polygon: Self-intersection "
        f"at x={x + RES / 2:.1f}, y={y - RES:.1f} ("
    )
    assert "°E" in problem.message_en and "make_valid" in problem.message_en
    assert problem.message_zh.startswith(f"图层 townships：单元 {A1}（甲县一乡）的多边形无效")
    # declared: repaired with make_valid, a decision; the repaired bow tie is two triangles
    read = _read(path, "make_valid", "trust_gaps")
    assert read.units.set_index("unit_code").geometry[A1].area == pytest.approx(RES * RES)
    (decision,) = [d for d in read.decisions if d.subject.endswith("make_valid")]
    assert decision.kind == "boundary_repair" and decision.basis == "manifest"
    assert decision.unit_code == A1 and decision.source == str(path)
    assert decision.message_en.startswith("1 unit(s) of layer townships had invalid polygons")
    assert "make_valid" in decision.message_zh


def test_overlap(tmp_path: Path) -> None:
    # A1 reaches half a column into A2: 50 m × 200 m = 10 000 m² shared
    wide = box(X0, Y0 - 2 * RES, X0 + 1.5 * RES, Y0)
    path = _units(tmp_path, _rows(A1=wide))
    (problem,) = _problems(path).problems
    assert problem.kind == "overlap" and problem.unit_codes == (A1, A2)
    assert problem.area_m2 == pytest.approx(10_000.0)
    assert problem.message_en.startswith(
        f"layer 'townships': units {A1} and {A2} overlap by 10,000 m² (near "
    )
    assert 'repair = ["trust_overlaps"]' in problem.message_en
    assert f"单元 {A1} 与 {A2} 重叠 10,000 平方米" in problem.message_zh
    read = _read(path, "trust_overlaps")
    (decision,) = read.decisions
    assert decision.values[-1] == pytest.approx(10_000.0)
    assert "counts once, for the unit of the higher code" in decision.message_en


def test_sliver_is_noise(tmp_path: Path) -> None:
    # an overlap of 0.04 m × 200 m = 8 m² is below the 10 m² tolerance: not a problem
    sliver = box(X0, Y0 - 2 * RES, X0 + RES + 0.8 * SLIVER_M2 / (2 * RES), Y0)
    assert _read(_units(tmp_path, _rows(A1=sliver))).decisions == ()


def test_gap(tmp_path: Path) -> None:
    # A2 covers only its top cell: the bottom cell of county A lies in no township; measured
    # inside the county shrunk by the 1 m edge tolerance: 99 m × 99 m = 9 801 m²
    top = box(X0 + RES, Y0 - RES, X0 + 2 * RES, Y0)
    path = _units(tmp_path, _rows(A2=top))
    (problem,) = _problems(path).problems
    assert problem.kind == "gap" and problem.unit_codes == (A,)
    assert problem.area_m2 == pytest.approx(99.0 * 99.0)
    assert problem.message_en.startswith(
        f"layer 'townships': 9,801 m² (24.5%) of parent {A} lie in none of its units (near "
    )
    assert f"上级 {A} 有 9,801 平方米（24.5%）不属于其任何下级单元" in problem.message_zh
    (decision,) = _read(path, "trust_gaps").decisions
    assert "those cells count in no unit" in decision.message_en


def test_not_nested(tmp_path: Path) -> None:
    # B2 reaches one column east of county B: 100 m × 200 m = 20 000 m² outside,
    # 19 800 m² beyond the 1 m tolerance
    long = box(X0 + 3 * RES, Y0 - 2 * RES, X0 + 5 * RES, Y0)
    path = _units(tmp_path, _rows(B2=long))
    (problem,) = _problems(path).problems
    assert problem.kind == "not_nested" and problem.unit_codes == (B2,)
    assert problem.area_m2 == pytest.approx(99.0 * 200.0)
    assert problem.message_en.startswith(
        f"layer 'townships': unit {B2} (乙县二乡) reaches 19,800 m² beyond its parent {B} "
        "(more than 1 m outside, near "
    )
    read = _read(path, "clip_to_parent")
    assert read.units.set_index("unit_code").geometry[B2].area == pytest.approx(20_000.0)
    (decision,) = read.decisions
    assert decision.subject == "units.townships.clip_to_parent"


def test_parent_missing(tmp_path: Path) -> None:
    rows = _rows()
    rows[3] = (B2, "乙县二乡", 360199, column_box(3))
    path = _units(tmp_path, rows)
    problems = _problems(path).problems
    missing = [p for p in problems if p.kind == "parent_missing"]
    assert [p.unit_codes for p in missing] == [(B2,)]
    assert missing[0].message_en == (
        f"layer 'townships': parent code(s) 360199 of unit(s) {B2} are not in layer "
        "'counties'; correct parent_code, or add the parents to a layer named in the [units] "
        "entry's parents"
    )
    with pytest.raises(BoundaryError):  # no repair accepts it
        _read(path, "trust_gaps", "clip_to_parent", "trust_overlaps", "make_valid")


def test_parent_missing_from_built_in_counties(tmp_path: Path) -> None:
    path = _units(tmp_path, [(990101001, "某乡", 990101, column_box(0))])
    with pytest.raises(BoundaryError, match=r"are not in the built-in county boundaries"):
        read_units_checked(path, "townships", level="township")


def test_duplicate_codes(tmp_path: Path) -> None:
    rows = _rows()
    rows[1] = (A1, "甲县二乡", A, column_box(1))
    problems = _problems(_units(tmp_path, rows)).problems
    (dup,) = [p for p in problems if p.kind == "duplicate_code"]
    assert dup.message_en.startswith(
        f"layer 'townships': unit code(s) appear more than once: {A1} (2×); give each unit "
        "its own code"
    )
    assert dup.repair is None


def test_code_equal_to_a_county_adcode_refused(tmp_path: Path) -> None:
    rows = _rows()
    rows[0] = (A, "甲县一乡", A, column_box(0))
    (clash,) = [p for p in _problems(_units(tmp_path, rows)).problems if p.kind == "code_clash"]
    assert f"unit code(s) {A} equal a county's adcode" in clash.message_en


def test_message_lists_every_problem_in_both_languages(tmp_path: Path) -> None:
    wide = box(X0, Y0 - 2 * RES, X0 + 1.5 * RES, Y0)
    long = box(X0 + 3 * RES, Y0 - 2 * RES, X0 + 5 * RES, Y0)
    path = _units(tmp_path, _rows(A1=wide, B2=long))
    text = str(_problems(path))
    assert text.startswith(
        f"{path}: layer 'townships': 2 boundary problem(s), the units were refused / "
        "边界问题 2 处，行政单元未被接受:\n  1. layer 'townships': unit "
    )
    assert "\n  2. layer 'townships': units" in text and " / 图层 townships" in text


# ------------------------------------------------------------------------- GCJ-02


def _real_counties(tmp_path: Path, shift: bool) -> Path:
    """Two real counties of Nanchang (东湖区, 西湖区) as a county-level units file, their
    coordinates moved into GCJ-02 when ``shift``."""
    counties = counties_by_adcode([360102, 360103], "EPSG:4326")
    if shift:
        counties = counties.set_geometry(
            shapely.transform(counties.geometry.to_numpy(), wgs84_to_gcj02)
        )
    path = tmp_path / "real.gpkg"
    counties.to_crs(CHINA_ALBERS).to_file(path, layer="counties", driver="GPKG")
    return path


def test_gcj02_offset_refused_and_converted(tmp_path: Path) -> None:
    path = _real_counties(tmp_path, shift=True)
    with pytest.raises(BoundaryError) as info:
        read_units_checked(path)
    (problem,) = info.value.problems
    assert problem.kind == "datum_gcj02" and problem.unit_codes == (360102, 360103)
    assert "the file is most likely in GCJ-02, the datum of Amap (Gaode)" in problem.message_en
    assert "ganpo data gcj02-to-wgs84 FILE OUT" in problem.message_en
    assert 'repair = ["from_gcj02"]' in problem.message_en
    assert "文件很可能采用 GCJ-02" in problem.message_zh
    # declared: converted when read, and then it matches the built-in boundaries
    read = read_units_checked(path, repair=["from_gcj02"])
    (decision,) = read.decisions
    assert decision.subject == "units.counties.from_gcj02"
    reference = counties_by_adcode([360102, 360103], CHINA_ALBERS)
    diff = shapely.symmetric_difference(
        read.units.geometry.to_numpy(), reference.geometry.to_numpy()
    )
    assert shapely.area(diff).sum() < 1.0  # m²: the inverse is exact to far below 1 m


def test_wgs84_file_passes_and_a_wrong_conversion_is_caught(tmp_path: Path) -> None:
    path = _real_counties(tmp_path, shift=False)
    assert read_units_checked(path).decisions == ()
    with pytest.raises(BoundaryError) as info:
        read_units_checked(path, repair=["from_gcj02"])
    assert [p.kind for p in info.value.problems] == ["datum_converted"]
    assert read_units_checked(path, repair=["from_gcj02", "trust_datum"]).decisions


def test_gcj02_conversion_round_trip() -> None:
    # within Jiangxi the offset is 300–700 m; the inverse returns the point to < 1 µm
    lonlat = np.array([[114.0, 25.0], [115.89, 28.68], [118.4, 29.9]])
    shifted = wgs84_to_gcj02(lonlat)
    metres = np.hypot(
        (shifted[:, 0] - lonlat[:, 0]) * 111_320 * np.cos(np.radians(lonlat[:, 1])),
        (shifted[:, 1] - lonlat[:, 1]) * 110_574,
    )
    assert ((metres > 300) & (metres < 700)).all(), metres
    assert np.abs(gcj02_to_wgs84(shifted) - lonlat).max() < 1e-11


def test_county_layer_columns_kept(tmp_path: Path) -> None:
    counties = gpd.read_file(build_tiny(tmp_path / "t").parent / "units.gpkg", layer="counties")
    assert all(c in counties.columns for c in COUNTY_ATTRIBUTES)
    assert B in set(counties["county_adcode"])
