"""Units at the finest level given (decision 0021): counties as before, townships and
villages with their county, city and province from the parent chain."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from ganpo.errors import ManifestError
from ganpo.io.manifest import load_manifest
from ganpo.io.units import (
    UNIT_MODEL,
    county_polygons,
    county_table,
    dataset_units,
    read_units,
    read_units_checked,
)
from tinydata import ALBERS, RES, X0, Y0, A, B, build_tiny, column_box, townships_frame, use_units


def test_county_dataset_unchanged(tmp_path: Path) -> None:
    units = read_units(build_tiny(tmp_path / "t").parent / "units.gpkg")
    assert list(units.columns) == [*UNIT_MODEL, "geometry"]
    assert units["unit_code"].tolist() == [A, B] == units["county_adcode"].tolist()
    assert set(units["level"]) == {"county"}
    assert units["unit_name"].tolist() == ["甲县", "乙县"]
    assert units["parent_code"].tolist() == [360100, 360100]  # a county's parent: its city
    assert units["area_km2"].tolist() == pytest.approx([0.04, 0.04])  # 2 × 2 cells of 1 ha


def test_townships_take_their_county_from_the_counties_layer(tmp_path: Path) -> None:
    read = dataset_units(load_manifest(use_units(build_tiny(tmp_path / "t"))))
    units = read.units
    assert read.level == "township" and read.counties_from == "layer 'counties'"
    assert units["unit_code"].tolist() == [A * 1000 + 1, A * 1000 + 2, B * 1000 + 1, B * 1000 + 2]
    assert units["county_adcode"].tolist() == [A, A, B, B] == units["parent_code"].tolist()
    assert units["county_name"].tolist() == ["甲县", "甲县", "乙县", "乙县"]
    assert set(units["city_name"]) == {"某市"} and set(units["province_adcode"]) == {360000}
    assert units["area_km2"].tolist() == pytest.approx([0.02] * 4)  # one column of 2 cells
    # the counties the townships roll up to: their polygons, the sums of the areas
    assert read.counties["county_adcode"].tolist() == [A, B]
    assert read.counties["area_km2"].tolist() == pytest.approx([0.04, 0.04])
    table = county_table(units)
    assert table["county_adcode"].tolist() == [A, B]
    assert table["area_km2"].tolist() == pytest.approx([0.04, 0.04])
    dissolved = county_polygons(units)
    assert dissolved.area.tolist() == pytest.approx([40_000.0, 40_000.0])


def test_villages_follow_the_chain_to_their_county(tmp_path: Path) -> None:
    """villages → townships → counties: each village gets the county of its township."""
    path = build_tiny(tmp_path / "t")
    ds = load_manifest(path, verify=False)
    townships_frame().to_file(ds.root / "units.gpkg", layer="townships", driver="GPKG")
    top = [(A * 1000 + 1) * 1000 + 1, "上村", A * 1000 + 1, box(X0, Y0 - RES, X0 + RES, Y0)]
    low = [
        (A * 1000 + 1) * 1000 + 2,
        "下村",
        A * 1000 + 1,
        box(X0, Y0 - 2 * RES, X0 + RES, Y0 - RES),
    ]
    rest = [
        ((c * 1000) + 1, f"村{c}", c, column_box(col))
        for c, col in ((A * 1000 + 2, 1), (B * 1000 + 1, 2), (B * 1000 + 2, 3))
    ]
    villages = townships_frame([tuple(top), tuple(low), *rest])  # type: ignore[list-item]
    use_units(path, villages, name="villages", level="village", parents=("townships", "counties"))
    units = dataset_units(load_manifest(path)).units
    assert units["level"].unique().tolist() == ["village"]
    assert units["county_adcode"].tolist() == [A, A, A, B, B]
    assert units["parent_code"].tolist()[:2] == [A * 1000 + 1] * 2  # their township


def test_townships_with_built_in_counties(tmp_path: Path) -> None:
    """No counties layer: the parents are ganpo's built-in Tianditu counties."""
    from ganpo.demo.townships import synthetic_townships
    from ganpo.io.regions import counties_by_adcode

    counties = counties_by_adcode([360102, 360103], ALBERS)  # 东湖区, 西湖区 (Nanchang)
    towns = synthetic_townships(counties, seed=1)
    path = tmp_path / "units.gpkg"
    towns.to_file(path, layer="townships", driver="GPKG")
    read = read_units_checked(path, "townships", level="township")
    assert read.counties_from.startswith("built-in")
    assert set(read.units["county_name"]) == {"东湖区", "西湖区"}
    assert set(read.units["city_name"]) == {"南昌市"}
    assert read.units["area_km2"].sum() == pytest.approx(counties.area.sum() / 1e6, rel=1e-9)


def test_non_integer_code_refused(tmp_path: Path) -> None:
    build_tiny(tmp_path / "t")
    frame = townships_frame()
    frame["unit_code"] = frame["unit_code"].astype(str)
    frame.loc[1, "unit_code"] = "甲二"
    frame.to_file(tmp_path / "t" / "units.gpkg", layer="townships", driver="GPKG")
    with pytest.raises(
        ManifestError, match=r"column unit_code: not an integer code in row 2: '甲二'"
    ):
        read_units(tmp_path / "t" / "units.gpkg", "townships", level="township")


def test_missing_columns_refused(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"code": [1]}, geometry=[column_box(0)], crs=ALBERS)
    frame.to_file(tmp_path / "u.gpkg", layer="townships", driver="GPKG")
    with pytest.raises(
        ManifestError,
        match=r"layer 'townships' lacks column\(s\) unit_code, unit_name, parent_code",
    ):
        read_units(tmp_path / "u.gpkg", "townships", level="township")


def test_unknown_level_refused(tmp_path: Path) -> None:
    path = build_tiny(tmp_path / "t").parent / "units.gpkg"
    with pytest.raises(
        ManifestError, match=r"unknown units level 'district'; valid levels: county"
    ):
        read_units(path, level="district")


def test_a_units_file_is_checked_once_per_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A units file read and checked again, unchanged, is not read again: it is kept by
    the SHA-256 of its bytes and the arguments. Rewritten in place, it is read anew; a
    caller that changes what it was given does not change what the next one gets."""
    import ganpo.io.units as units_module

    units_module.forget_checked_units()
    path = build_tiny(tmp_path / "t").parent / "units.gpkg"
    reads: list[Path] = []
    original = units_module.read_chain

    def counted(p: Path, *args: object, **kw: object) -> object:
        reads.append(Path(p))
        return original(p, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(units_module, "read_chain", counted)
    first = read_units_checked(path)
    first.units.loc[0, "unit_name"] = "改了"
    second = read_units_checked(path)
    assert len(reads) == 1
    assert second.units["unit_name"].tolist() == ["甲县", "乙县"]
    assert second.counties["county_adcode"].tolist() == [A, B]
    read_units_checked(path, check=False)  # other arguments: read again
    assert len(reads) == 2
    frame = gpd.read_file(path, layer="counties")
    frame[frame["county_adcode"] == A].to_file(path, layer="counties", driver="GPKG")
    third = read_units_checked(path)
    assert len(reads) == 3
    assert third.units["unit_code"].tolist() == [A]
    units_module.forget_checked_units()
