"""The ecosystem map from a department's land layer: 三调 polygons rasterised by the
cell-centre rule, rasters of other classifications reclassified (and resampled), codes
without a crosswalk entry refused with their areas, and an account on 三调 polygons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine, from_origin
from shapely.geometry import box

from ganpo.catalog.crosswalks import load_crosswalk
from ganpo.engine.account import run_account
from ganpo.errors import InputError, ManifestError
from ganpo.io.landcover import (
    TargetGrid,
    check_polygon_codes,
    ecosystem_map,
    rasterize_land_polygons,
)
from ganpo.io.manifest import LayerEntry, load_manifest, write_manifest
from tinydata import ALBERS, RES, X0, Y0, A, B, write_raster

SANDIAO = load_crosswalk("sandiao")


def _polygons(rows: list[tuple[str | None, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"DLBM": [c for c, _ in rows]}, geometry=[g for _, g in rows], crs=ALBERS
    )


def test_polygons_by_the_cell_centre_rule() -> None:
    # 10 m cells, 3 rows × 5 columns; x offsets from X0 (centres at 5, 15, 25, 35, 45):
    #   paddy 0101 on [0, 16): holds the centres 5 and 15     → columns 0–1 paddy (51)
    #   canal 1107 on [16, 19): a 3 m sliver, holds no centre → no cell (cell-centre rule)
    #   inland flat 1106 on [19, 40) × top 12 m: row 0        → floodplain wetland (42)
    #   bamboo 0302 on [19, 40) × the rest: rows 1–2          → bamboo forest (16)
    #   nothing on [40, 50): column 4 has no polygon          → nodata (255)
    frame = _polygons(
        [
            ("0101", box(X0, Y0 - 30, X0 + 16, Y0)),
            ("1107", box(X0 + 16, Y0 - 30, X0 + 19, Y0)),
            ("1106", box(X0 + 19, Y0 - 12, X0 + 40, Y0)),
            ("0302", box(X0 + 19, Y0 - 30, X0 + 40, Y0 - 12)),
        ]
    )
    grid = TargetGrid(frame.crs.to_wkt(), from_origin(X0, Y0, 10, 10), 5, 3)
    (window, block), *_ = list(rasterize_land_polygons(frame, "DLBM", SANDIAO, grid))
    assert (window.width, window.height) == (5, 3)
    assert block.tolist() == [
        [51, 51, 42, 42, 255],
        [51, 51, 16, 16, 255],
        [51, 51, 16, 16, 255],
    ]


def test_covering_grid_snaps_outward() -> None:
    g = TargetGrid.covering((X0 + 3, Y0 - 212, X0 + 398, Y0 - 1), ALBERS, 100)
    assert (g.width, g.height) == (4, 3)
    assert g.transform == Affine(100, 0, X0, 0, -100, Y0)


def test_codes_without_crosswalk_entry_are_refused_with_their_areas() -> None:
    frame = _polygons(
        [
            ("0301", box(X0, Y0 - 1000, X0 + 1000, Y0)),
            ("1208", box(X0, Y0 - 2000, X0 + 1000, Y0 - 1000)),  # 1 km², not in 三调
            ("1208", box(X0 + 1000, Y0 - 500, X0 + 1500, Y0)),  # 0.25 km² more
            ("99", box(X0 + 1000, Y0 - 1000, X0 + 1500, Y0 - 500)),  # 0.25 km²
            (None, box(X0 + 2000, Y0 - 100, X0 + 2100, Y0)),  # 0.01 km², no code
        ]
    )
    with pytest.raises(InputError) as err:
        check_polygon_codes(frame, "DLBM", SANDIAO, Path("dltb.gpkg"))
    assert str(err.value) == (
        "dltb.gpkg: 3 land class code(s) have no entry in ganpo's 三调工作分类 (third "
        "national land survey, GB/T 21010-2017) crosswalk: (empty) (0.01 km²), 1208 "
        "(1.25 km²), 99 (0.25 km²); add them to catalog/data/crosswalks/sandiao.csv (with "
        "the ecosystem type they are) or correct the codes in the layer / 3 个地类编码在 "
        "ganpo 的三调工作分类 (third national land survey, GB/T 21010-2017)对照表中没有对应"
        "项：（空）（0.01 平方千米）、1208（1.25 平方千米）、99（0.25 平方千米）；请在对照表 "
        "sandiao.csv 中补充（注明其生态系统类型），或更正图层中的编码"
    )
    assert err.value.field == "DLBM" and err.value.values == ["", "1208", "99"]


def _entry(path: str, **kw: object) -> LayerEntry:
    return LayerEntry(
        path=path, source="test", synthetic=True, role="ecosystem_type", unit="code", **kw
    )  # type: ignore[arg-type]


def test_raster_of_another_scheme_is_reclassified(tmp_path: Path) -> None:
    clcd = np.array([[1, 2], [9, 6]], dtype="uint8")  # cropland, forest, wetland, snow
    write_raster(tmp_path / "clcd.tif", clcd, nodata=None)
    land = ecosystem_map(tmp_path / "clcd.tif", _entry("clcd.tif", scheme="clcd"), tmp_path / "d")
    assert land.converted and land.path.parent == tmp_path / "d"
    with rasterio.open(land.path) as src:
        assert src.read(1).tolist() == [[5, 1], [4, 85]] and src.nodata == 255
        assert src.transform == from_origin(X0, Y0, RES, RES)
    again = ecosystem_map(tmp_path / "clcd.tif", _entry("clcd.tif", scheme="clcd"), tmp_path / "d")
    assert again.path == land.path and again.sha256 == land.sha256  # cached
    # ganpo's own codes on their grid: read as they are
    plain = ecosystem_map(tmp_path / "clcd.tif", _entry("clcd.tif"), tmp_path / "d")
    assert not plain.converted and plain.path == tmp_path / "clcd.tif"


def test_raster_code_without_entry_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    clcd = np.array([[1, 2], [12, 12]], dtype="uint8")  # 12 is no CLCD class
    write_raster(tmp_path / "clcd.tif", clcd, nodata=None)
    with pytest.raises(InputError) as err:
        ecosystem_map(tmp_path / "clcd.tif", _entry("clcd.tif", scheme="clcd"), tmp_path / "d")
    # 2 cells × 100 m × 100 m = 0.02 km²
    assert "1 land class code(s) have no entry in ganpo's CLCD (China Land Cover Dataset) " \
        "crosswalk: 12 (0.02 km²)" in str(err.value)  # fmt: skip
    assert list((tmp_path / "d").iterdir()) == []  # no half-written map


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_raster_of_another_scheme(tmp_path: Path, dtype: str) -> None:
    """A float map of whole source codes is reclassified as the Byte map; a value that is
    no source code (3.5, NaN as a value, 2.0000001) is refused with its area, never cut to
    a code (decision 0076's rule, for another scheme's codes)."""
    whole = np.array([[1, 2], [9, 6]], dtype=dtype)
    write_raster(tmp_path / "f.tif", whole, nodata=None)
    land = ecosystem_map(tmp_path / "f.tif", _entry("f.tif", scheme="clcd"), tmp_path / "d")
    with rasterio.open(land.path) as src:
        assert src.read(1).tolist() == [[5, 1], [4, 85]] and src.dtypes[0] == "uint8"
    near = np.float32(2.0000002) if dtype == "float32" else 2.0000001
    for bad, shown in [(3.5, "3.5"), (np.nan, "NaN"), (near, repr(float(near)))]:
        values = whole.copy()
        values[1, 1] = bad
        write_raster(tmp_path / "g.tif", values, nodata=None)
        out = tmp_path / f"e{shown}"
        with pytest.raises(InputError) as err:
            ecosystem_map(tmp_path / "g.tif", _entry("g.tif", scheme="clcd"), out)
        assert f"crosswalk: {shown} (0.01 km²)" in str(err.value), str(err.value)
        assert not out.exists() or list(out.iterdir()) == []


def test_geographic_raster_is_put_on_an_equal_area_grid(tmp_path: Path) -> None:
    # 40 × 40 cells of 0.001° near 115°E 28°N: west half tree cover (10), east half
    # cropland (40), a nodata (0) strip on the north edge
    wc = np.full((40, 40), 10, dtype="uint8")
    wc[:, 20:] = 40
    wc[:2, :] = 0
    write_raster(
        tmp_path / "wc.tif",
        wc,
        nodata=0,
        crs="EPSG:4326",
        transform=from_origin(115, 28, 0.001, 0.001),
    )
    entry = _entry("wc.tif", scheme="worldcover", cell_size=100.0)
    land = ecosystem_map(tmp_path / "wc.tif", entry, tmp_path / "d")
    with rasterio.open(land.path) as src:
        out = src.read(1)
        assert src.res == (100.0, 100.0) and "Albers" in src.crs.to_wkt()
    forest, crop = int((out == 1).sum()), int((out == 5).sum())
    # 0.001° ≈ 98 m × 111 m here: 38 × 40 valid source cells ≈ 16.5 km² ≈ 1 650 cells of
    # 1 ha; nearest resampling of two equal halves: each within 10 % of the other
    assert set(np.unique(out)) == {1, 5, 255}
    assert 1_400 < forest + crop < 1_900 and abs(forest - crop) < 0.1 * (forest + crop)


def test_polygons_need_a_cell_size_and_sandiao_needs_polygons(tmp_path: Path) -> None:
    frame = _polygons([("0101", box(X0, Y0 - 100, X0 + 100, Y0))])
    frame.to_file(tmp_path / "dltb.gpkg", driver="GPKG")
    with pytest.raises(ManifestError, match=r"needs code_column .* and cell_size"):
        ecosystem_map(tmp_path / "dltb.gpkg", _entry("dltb.gpkg", scheme="sandiao"), tmp_path)
    write_raster(tmp_path / "x.tif", np.ones((2, 2), dtype="uint8"), nodata=None)
    with pytest.raises(ManifestError, match=r"三调 \(sandiao\) codes are text"):
        ecosystem_map(tmp_path / "x.tif", _entry("x.tif", scheme="sandiao"), tmp_path)
    with pytest.raises(ValueError, match="only apply to the ecosystem map"):
        LayerEntry(path="p.tif", source="s", synthetic=True, role="dem", unit="m", scheme="clcd")


# --- an account on 三调 polygons --------------------------------------------------------

#: 三调 codes standing for the tiny map's types (tinydata.TINY_ECO [[1, 1, 7, 5], [2, 6, 1, 3]])
DLBM = [["0301", "0301", "1102", "0103"], ["0305", "0701", "0301", "0404"]]


def _sandiao_dataset(tiny: Callable[..., Path], codes: list[list[str]]) -> Path:
    manifest = tiny()
    ds = load_manifest(manifest, verify=False)
    rows = [
        (codes[r][c], box(X0 + c * RES, Y0 - (r + 1) * RES, X0 + (c + 1) * RES, Y0 - r * RES))
        for r in range(2)
        for c in range(4)
    ]
    _polygons(rows).to_file(ds.root / "2022" / "dltb.gpkg", driver="GPKG")
    m = ds.manifest
    eco = next(x for x in m.layers if x.role == "ecosystem_type")
    m.layers[m.layers.index(eco)] = _entry(
        "2022/dltb.gpkg", year=2022, scheme="sandiao", cell_size=RES, grid_crs=ALBERS
    )
    return write_manifest(m, ds.root)


def test_account_on_sandiao_polygons(tiny: Callable[..., Path]) -> None:
    path = _sandiao_dataset(tiny, DLBM)
    acc = run_account(path, 2022, price_policy="as_given")
    # the same water conservation as the raster of level-1 codes (test_account_tiny):
    # forest 0301 and shrub 0305 are level-1 types, lake 1102, dry land 0103, housing 0701
    # have no runoff coefficient, other grassland 0404 is level-1 grassland
    wc = acc.results[acc.results.indicator == "water_conservation"]
    q = wc.groupby("county_adcode")["quantity"].sum()
    assert q[A] == pytest.approx(22_830.4, rel=1e-9) and q[B] == pytest.approx(16_636.8, rel=1e-9)
    assert set(acc.extent["ecosystem_code"]) == {1, 2, 3, 5, 6, 7}  # level 1
    roles = acc.inputs.set_index("role")
    assert roles.loc["land_cover", "path"] == "2022/dltb.gpkg"
    converted = roles.loc["ecosystem_type"]
    assert converted["path"].startswith("derived/ecosystem_type_sandiao_")
    assert (
        "三调工作分类" in converted["source"]
        and "cell-centre rule, 100 m cells" in converted["source"]
    )
    assert any(
        n.startswith("ecosystem map made from 2022/dltb.gpkg: 三调工作分类") for n in acc.notes
    )
    built = path.parent / converted["path"]
    mtime = built.stat().st_mtime_ns
    run_account(path, 2022, price_policy="as_given")
    assert built.stat().st_mtime_ns == mtime  # converted once, then reused


def test_account_refuses_an_unmapped_sandiao_code(tiny: Callable[..., Path]) -> None:
    codes = [row[:] for row in DLBM]
    codes[1][3] = "1208"  # 后备耕地: a local code, not in the 三调工作分类
    with pytest.raises(
        InputError, match=r"dltb.gpkg: 1 land class code\(s\) .* crosswalk: 1208 \(0.01 km²\)"
    ):
        run_account(_sandiao_dataset(tiny, codes), 2022, price_policy="as_given")
