"""Importing a province's published zoning files (``ganpo zoning import``) and comparing two
versions (``ganpo zoning diff``), on the synthetic demo's units of 新余市's two counties
(渝水区 360502, 分宜县 360521) written as a province would publish them: a GBK shapefile
without ``.cpg``, in CGCS2000 longitude and latitude, with Chinese field names, and the
requirement list as an Excel table with the published Chinese headers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import Workbook
from shapely import make_valid
from shapely.geometry import Polygon
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.demo.zoning import build_zoning_demo
from ganpo.errors import InputError
from ganpo.io.regions import CHINA_ALBERS
from ganpo.zoning.check import check_site, site_geometry
from ganpo.zoning.diff import diff_zoning
from ganpo.zoning.importer import _read_vector, _repair, import_zoning, split_clauses
from ganpo.zoning.mapping import ImportMapping, read_mapping
from ganpo.zoning.units import read_zoning
from zoning_support import CATEGORY_ZH, HEADERS, IMPORT_MAPPING, clause_rows

CITY = 360500  # 新余市: 渝水区 and 分宜县
#: the shared mapping without its version (the tests give ``--version``) and without a scope
#: for the red lines (the list here has no row for them)
MAPPING = IMPORT_MAPPING.replace("version = 2023\n", "").replace('"生态保护红线" = "redline"\n', "")
assert MAPPING.count("\n") == IMPORT_MAPPING.count("\n") - 2


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_zoning_demo(tmp_path_factory.mktemp("zdemo") / "demo")


@pytest.fixture(scope="module")
def demo_units(demo: Path) -> gpd.GeoDataFrame:
    """The demo's units of 新余市 (equal-area CRS), as the expected result of an import."""
    units = gpd.read_file(demo / "units.gpkg")
    return units[units["county_adcode"] // 100 * 100 == CITY].reset_index(drop=True)


def _in_cgcs2000(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """The polygons in CGCS2000 longitude and latitude, made valid there as the publisher's
    GIS would (the demo's rings that nearly touch cross once reprojected)."""
    return gpd.GeoSeries(make_valid(geoms.to_crs(4490).values), crs=4490)


def _publish_units(units: gpd.GeoDataFrame, path: Path, *, cpg: bool = False) -> Path:
    """The units as a province's shapefile: GBK attributes, Chinese field names, CGCS2000."""
    published = gpd.GeoDataFrame(
        {
            "单元编码": units["code"],
            "单元名称": units["name"],
            "管控类别": [CATEGORY_ZH.get(c, c) for c in units["category"]],
        },
        geometry=_in_cgcs2000(units.geometry).values,
        crs=4490,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    published.to_file(path, encoding="gbk")
    if not cpg:
        path.with_suffix(".cpg").unlink()
    return path


def _publish_table(rows: list[list[str]], path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _mapping(tmp: Path, text: str = MAPPING) -> ImportMapping:
    path = tmp / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return read_mapping(path)


def _sources(tmp: Path, units: gpd.GeoDataFrame) -> tuple[Path, Path]:
    return (
        _publish_units(units, tmp / "src" / "units.shp"),
        _publish_table(clause_rows(units), tmp / "list.xlsx"),
    )


def test_split_numbered_clauses() -> None:
    assert split_clauses("（1）甲；（2）乙\n3、丙") == ["甲；", "乙", "丙"]
    assert split_clauses("执行GB 3838-2002 Ⅲ类标准") == ["执行GB 3838-2002 Ⅲ类标准"]


def test_gbk_shapefile_imports_equal_to_its_source(
    tmp_path: Path, demo: Path, demo_units: gpd.GeoDataFrame
) -> None:
    units_shp, table = _sources(tmp_path, demo_units)
    red = gpd.read_file(demo / "redlines.gpkg")
    red = red[red["code"].str[2:6] == "3605"]
    red_shp = tmp_path / "src" / "red.shp"
    gpd.GeoDataFrame(
        {"红线编码": red["code"], "红线名称": red["name"]},
        geometry=red.geometry.values,
        crs=red.crs,
    ).to_file(red_shp, encoding="gbk")
    result = import_zoning(
        units_shp, table, _mapping(tmp_path), tmp_path / "out", version=2023, redlines_path=red_shp
    )
    assert result.encoding == "gb18030"  # no .cpg, not UTF-8: read as GB 18030 (GBK)
    assert result.repaired == []  # valid in CGCS2000, still valid in the equal-area CRS
    ds = read_zoning(result.folder)
    assert (ds.region, ds.version, ds.source) == (CITY, 2023, "测试用发布成果")
    assert sorted(ds.redlines["name"]) == sorted(red["name"])  # GBK with its .cpg
    assert len(red) == 2
    got = ds.units.sort_values("code").reset_index(drop=True)
    want = demo_units.sort_values("code").reset_index(drop=True)
    assert list(got["code"]) == list(want["code"]) and len(got) == 6
    assert list(got["name"]) == list(want["name"])  # Chinese names survive GBK
    assert list(got["category"]) == list(want["category"])
    assert list(got["county_adcode"]) == list(want["county_adcode"])
    published = _in_cgcs2000(want.geometry).to_crs(want.crs)  # what the shapefile holds
    for g, w in zip(got.geometry, published, strict=True):
        # the shapefile keeps the coordinates as doubles and both sides project them the
        # same way: equal up to floating-point noise, far below 1 m² on units of ~100 km²
        assert g.symmetric_difference(w).area < 1.0
    # 2 priority units × 2 numbered clauses + 6 discharge clauses + 1 city clause; the
    # "/", "" and "无" cells hold none
    assert len(ds.requirements) == 11
    by_text = {(r.scope, r.text_zh): r for r in ds.requirements}
    chem = by_text[("unit:ZH36050210001", "禁止新建化工项目。")]
    assert (chem.effect, chem.industries, chem.dimension) == (
        "prohibited",
        ["C26"],
        "spatial_layout",
    )
    assert by_text[("unit:ZH36050210001", "严格控制开发强度。")].effect == "judgement"
    city = by_text[("region:360500", "加强环境风险防控。")]
    assert (city.dimension, city.effect) == ("environmental_risk", "judgement")
    assert result.clauses_by_effect == {"prohibited": 2, "judgement": 9}
    # the imported dataset serves the check: a chemical plant in a priority unit
    prio = ds.units[ds.units["code"] == "ZH36050210001"].geometry.iloc[0]
    site = gpd.GeoSeries([prio.representative_point()], crs=ds.units.crs).to_crs(4326)
    r = check_site(ds, site_geometry(site.iloc[0].wkt), "C2611")
    assert r.verdict == "prohibited"


def test_only_polygons_broken_by_rounding_are_repaired() -> None:
    """A hole that pokes 1 mm out of its shell (what reprojecting rings that nearly touch
    does) is repaired: the sliver outside is < 1 m² (1 mm × 200 m / 2 = 0.1 m²), within the
    100 m² overlap tolerance. A bow tie is not: its ring's signed area is 0 m² and its
    repair 500,000 m² (two triangles of 1000 m × 500 m / 2)."""
    shell = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    hole = [(-0.001, 500), (500, 400), (500, 600)]
    units = gpd.GeoDataFrame(
        {"code": ["A", "B"]},
        geometry=[Polygon(shell, [hole]), Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])],
        crs=CHINA_ALBERS,
    )
    assert not units.is_valid.any()
    fixed, repaired = _repair(units, 100.0)
    assert [c for c, _ in repaired] == ["A"] and abs(repaired[0][1]) < 1.0
    assert list(fixed.is_valid) == [True, False]  # B is left for the validation to refuse
    assert fixed.geometry.iloc[0].area == pytest.approx(1000**2 - 500 * 200 / 2, abs=1.0)


def test_shapefile_rings_are_read_by_where_they_lie(tmp_path: Path, demo: Path) -> None:
    """The demo's general unit of 青原区 is a valid MultiPolygon (a large part and a sliver);
    in a shapefile, read by the winding order of its rings, it comes back as one polygon
    whose "hole" lies outside its shell; read by where the rings lie, it is itself."""
    units = gpd.read_file(demo / "units.gpkg")
    unit = units[units["code"] == "ZH36080330001"]
    assert unit.is_valid.all()
    unit.to_file(tmp_path / "one.shp")
    layer, _ = _read_vector(tmp_path / "one.shp", None, None, "units")
    got, want = layer.geometry.iloc[0], unit.geometry.iloc[0]
    assert got.is_valid
    assert got.symmetric_difference(want).area < 1e-6  # same coordinates, same CRS


def test_a_polygon_invalid_as_published_is_the_publishers_to_repair(
    tmp_path: Path, demo_units: gpd.GeoDataFrame
) -> None:
    units = demo_units.copy()
    units.loc[2, "geometry"] = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    units_shp = tmp_path / "units.gpkg"
    gpd.GeoDataFrame(
        {"单元编码": units["code"], "单元名称": units["name"],
         "管控类别": [CATEGORY_ZH[c] for c in units["category"]]},
        geometry=units.geometry.values, crs=units.crs,
    ).to_file(units_shp)  # fmt: skip
    table = _publish_table(clause_rows(demo_units), tmp_path / "list.xlsx")
    code = units.loc[2, "code"]
    with pytest.raises(
        InputError, match=rf"feature 3 \({code}\): the published polygon is invalid"
    ):
        import_zoning(units_shp, table, _mapping(tmp_path), tmp_path / "out", version=2023)


def test_a_wrong_mapping_names_the_missing_column(
    tmp_path: Path, demo_units: gpd.GeoDataFrame
) -> None:
    units_shp, table = _sources(tmp_path, demo_units)
    bad = MAPPING.replace('category = "管控类别"', 'category = "管控分类"').replace(
        '"资源开发效率要求" = "resource_efficiency"', '"资源利用效率" = "resource_efficiency"'
    )
    with pytest.raises(InputError) as err:
        import_zoning(units_shp, table, _mapping(tmp_path, bad), tmp_path / "out", version=2023)
    msg = str(err.value)
    assert "units.shp: column '管控分类' (mapped as units.category) is not in the file" in msg
    assert "'单元编码', '单元名称', '管控类别'" in msg  # the columns it has
    assert "list.xlsx: column '资源利用效率'" in msg
    assert err.value.field == "管控分类"
    assert not (tmp_path / "out").exists()


def test_a_mapping_with_unknown_values_is_refused_whole(tmp_path: Path) -> None:
    bad = MAPPING.replace(
        'category = "管控类别"', 'category = "管控类别"\nencoding = "gbx"\ncrs = "EPSG:99999"'
    )
    bad = bad.replace('"一般管控单元" = "general"', '"一般管控单元" = "normal"')
    with pytest.raises(InputError) as err:
        _mapping(tmp_path, bad)
    msg = str(err.value)
    assert "units.encoding: Value error, unknown encoding 'gbx'" in msg
    assert "units.crs: Value error, unknown CRS 'EPSG:99999'" in msg
    assert "units.categories.一般管控单元: Input should be 'priority', 'key' or 'general'" in msg


def test_an_unmapped_category_value_is_named_with_its_features(
    tmp_path: Path, demo_units: gpd.GeoDataFrame
) -> None:
    units = demo_units.sort_values("code").reset_index(drop=True)
    units.loc[[0, 3], "category"] = "生态空间"  # features 1 and 4 of the shapefile
    units_shp = _publish_units(units, tmp_path / "src" / "units.shp", cpg=True)
    table = _publish_table(clause_rows(demo_units), tmp_path / "list.xlsx")
    with pytest.raises(InputError) as err:
        import_zoning(units_shp, table, _mapping(tmp_path), tmp_path / "out", version=2023)
    assert (
        "category value '生态空间' (features 1, 4) is not in [units.categories] of the mapping"
        in str(err.value)
    )


def test_an_unknown_scope_is_named_with_its_rows(
    tmp_path: Path, demo_units: gpd.GeoDataFrame
) -> None:
    units_shp = _publish_units(demo_units, tmp_path / "src" / "units.shp")
    rows = clause_rows(demo_units)
    rows[-1][0] = "分宜县城区"  # written on the table's row 8 (header on row 1)
    table = _publish_table(rows, tmp_path / "list.xlsx")
    with pytest.raises(InputError, match=r"scope '分宜县城区' .*\(row 8\) is not a unit code"):
        import_zoning(units_shp, table, _mapping(tmp_path), tmp_path / "out", version=2023)


def test_overlapping_units_are_refused_and_nothing_is_written(
    tmp_path: Path, demo_units: gpd.GeoDataFrame
) -> None:
    units = demo_units.copy()
    key = units["code"] == "ZH36050220001"
    units.loc[key, "geometry"] = units.loc[key].geometry.buffer(500).intersection(units.union_all())
    units_shp, table = _sources(tmp_path, units)
    with pytest.raises(InputError, match=r"units ZH36050220001 and ZH36050230001 overlap by"):
        import_zoning(units_shp, table, _mapping(tmp_path), tmp_path / "out", version=2023)
    assert not (tmp_path / "out").exists()
    # no staging folder is left behind either
    assert {p.name for p in tmp_path.iterdir()} == {"src", "list.xlsx", "mapping.toml"}


def test_the_diff_of_two_versions_is_exact(tmp_path: Path, demo_units: gpd.GeoDataFrame) -> None:
    """2026 moves the general land within 1 km of 分宜县's key unit into it, renumbers
    渝水区's general unit (…30001 → …30002), renames 渝水区's priority unit, and edits one
    clause."""
    mapping = _mapping(tmp_path)
    old_units = demo_units
    new_units = demo_units.copy()
    key = new_units["code"] == "ZH36052120001"
    gen = new_units["code"] == "ZH36052130001"
    key_geom, gen_geom = new_units.loc[key].geometry.iloc[0], new_units.loc[gen].geometry.iloc[0]
    piece = gen_geom.intersection(key_geom.buffer(1000))
    new_units.loc[key, "geometry"] = gpd.GeoSeries([key_geom.union(piece)]).values
    new_units.loc[gen, "geometry"] = gpd.GeoSeries([gen_geom.difference(piece)]).values
    new_units.loc[new_units["code"] == "ZH36050230001", "code"] = "ZH36050230002"
    new_units.loc[new_units["code"] == "ZH36050210001", "name"] = "袁河源头优先保护单元"
    rows_new = clause_rows(new_units)
    rows_new[-1][5] = "加强环境风险防控，建立应急预案。"
    datasets = []
    for year, units, rows in ((2023, old_units, clause_rows(old_units)),
                              (2026, new_units, rows_new)):  # fmt: skip
        # GeoPackages in the equal-area CRS: no reprojection, so areas compare exactly
        layer = tmp_path / f"u{year}.gpkg"
        gpd.GeoDataFrame(
            {"单元编码": units["code"], "单元名称": units["name"],
             "管控类别": [CATEGORY_ZH[c] for c in units["category"]]},
            geometry=units.geometry.values, crs=units.crs,
        ).to_file(layer)  # fmt: skip
        table = _publish_table(rows, tmp_path / f"list{year}.xlsx")
        out = tmp_path / "zoning" / f"{CITY}-{year}"
        datasets.append(read_zoning(import_zoning(layer, table, mapping, out, version=year).folder))
    d = diff_zoning(*datasets)
    assert (d.version_old, d.version_new) == (2023, 2026)
    got = {(u.code, u.change, u.what) for u in d.units}
    assert got == {
        ("ZH36050210001", "changed", ("name",)),
        ("ZH36050230001", "removed", ()),
        ("ZH36050230002", "added", ()),
        ("ZH36052120001", "changed", ("geometry",)),
        ("ZH36052130001", "changed", ("geometry",)),
    }
    moved = {u.code: u for u in d.units}
    piece_hm2 = piece.area / 1e4
    assert piece_hm2 > 100  # a real move, not noise
    assert moved["ZH36052120001"].area_change_hm2 == pytest.approx(piece_hm2, rel=1e-9)
    assert moved["ZH36052130001"].area_change_hm2 == pytest.approx(-piece_hm2, rel=1e-9)
    assert moved["ZH36052120001"].moved_hm2 == pytest.approx(piece_hm2, rel=1e-9)
    renumbered = demo_units[demo_units["code"] == "ZH36050230001"].geometry.iloc[0].area / 1e4
    assert moved["ZH36050230001"].area_change_hm2 == pytest.approx(-renumbered, rel=1e-12)
    # clauses: the renumbered unit's discharge clause moves to the new code; one text edited
    clauses = {(c.change, c.scope, c.text_zh) for c in d.clauses}
    name = demo_units[demo_units["code"] == "ZH36050210001"]["name"].iloc[0]
    gen_name = demo_units[demo_units["code"] == "ZH36050230001"]["name"].iloc[0]
    assert clauses == {
        ("removed", "unit:ZH36050230001", f"{gen_name}排放管控要求"),
        ("added", "unit:ZH36050230002", f"{gen_name}排放管控要求"),
        ("removed", "unit:ZH36050210001", f"{name}排放管控要求"),
        ("added", "unit:ZH36050210001", "袁河源头优先保护单元排放管控要求"),
        ("removed", "region:360500", "加强环境风险防控。"),
        ("added", "region:360500", "加强环境风险防控，建立应急预案。"),
    }
    # the command line lists the same, as JSON records
    res = CliRunner().invoke(
        app, ["zoning", "diff", str(tmp_path / "zoning" / "360500-2023"),
              str(tmp_path / "zoning" / "360500-2026"), "--format", "json"]
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert '"ZH36050230002"' in res.stdout and '"加强环境风险防控，建立应急预案。"' in res.stdout


def test_the_import_command_writes_a_year_and_refuses_to_overwrite(
    tmp_path: Path, demo_units: gpd.GeoDataFrame
) -> None:
    units_shp, table = _sources(tmp_path, demo_units)
    (tmp_path / "mapping.toml").write_text(MAPPING, encoding="utf-8")
    args = ["zoning", "import", "--units", str(units_shp), "--requirements", str(table),
            "--mapping", str(tmp_path / "mapping.toml"), "--version", "2023",
            "--out", str(tmp_path / "ds")]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "6 units" in res.output and "11 clauses" in res.output
    res = CliRunner().invoke(app, args)
    assert res.exit_code != 0 and "exists already" in res.output
    assert read_zoning(tmp_path / "ds").version == 2023


def test_a_long_table_one_row_per_clause(tmp_path: Path, demo_units: gpd.GeoDataFrame) -> None:
    units_shp = _publish_units(demo_units, tmp_path / "src" / "units.shp")
    csv = tmp_path / "list.csv"
    csv.write_bytes(
        "范围,维度,条款\n"
        "优先保护单元,空间布局约束,禁止新建化工项目\n"
        "ZH36052120001,污染物排放管控,（1）执行特别排放限值；（2）总量减量替代\n"
        "新余市,资源开发效率,节约用水\n".encode("gb18030")
    )
    long = MAPPING.split("[requirements]")[0] + (
        '[requirements]\nscope = "范围"\ndimension = "维度"\ntext = "条款"\n'
        '[requirements.scopes]\n"新余市" = "region:360500"\n'
    )
    with pytest.raises(InputError, match=r"dimension '资源开发效率' .*\(row 4\) is not one of"):
        import_zoning(units_shp, csv, _mapping(tmp_path, long), tmp_path / "out", version=2023)
    csv.write_bytes(csv.read_bytes().replace("资源开发效率,".encode("gb18030"),
                                             "资源开发效率要求,".encode("gb18030")))  # fmt: skip
    ds = import_zoning(
        units_shp, csv, _mapping(tmp_path, long), tmp_path / "out", version=2023
    ).dataset
    got = [(r.id, r.scope, r.dimension, r.effect, r.text_zh) for r in ds.requirements]
    assert got == [
        ("priority-SL-1", "category:priority", "spatial_layout", "judgement", "禁止新建化工项目"),
        ("ZH36052120001-PD-1", "unit:ZH36052120001", "pollutant_discharge", "judgement",
         "执行特别排放限值；"),
        ("ZH36052120001-PD-2", "unit:ZH36052120001", "pollutant_discharge", "judgement",
         "总量减量替代"),
        ("360500-RE-1", "region:360500", "resource_efficiency", "judgement", "节约用水"),
    ]  # fmt: skip


def test_a_refused_replacement_keeps_the_old_version(
    tmp_path: Path, demo_units: gpd.GeoDataFrame
) -> None:
    units_shp, table = _sources(tmp_path, demo_units)
    mapping = _mapping(tmp_path)
    out = import_zoning(units_shp, table, mapping, tmp_path / "out", version=2023).folder
    before = (out / "requirements.toml").read_bytes()
    gap = demo_units[demo_units["code"] != "ZH36050210001"]  # a unit missing: a gap
    _publish_units(gap, tmp_path / "src2" / "units.shp")
    with pytest.raises(InputError, match=r"uncovered") as err:
        import_zoning(tmp_path / "src2" / "units.shp", table, mapping, out, version=2023,
                      replace=True)  # fmt: skip
    # every problem at once: the gap and the clauses of the missing unit
    assert "scope unit 'ZH36050210001' is not a unit of the layer" in str(err.value)
    assert (out / "requirements.toml").read_bytes() == before
    assert read_zoning(out).version == 2023


def test_the_shipped_mapping_imports_the_published_layout(
    tmp_path: Path, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--mapping jiangxi` on the whole (synthetic) province written with the published
    headers as a GeoPackage and a GB 18030 CSV, into the default folder of the year."""
    units = gpd.read_file(demo / "units.gpkg")
    gpd.GeoDataFrame(
        {"环境管控单元编码": units["code"], "环境管控单元名称": units["name"],
         "管控单元分类": [CATEGORY_ZH[c] for c in units["category"]]},
        geometry=units.geometry.values, crs=units.crs,
    ).to_file(tmp_path / "units.gpkg")  # fmt: skip
    lines = [",".join(HEADERS), "全省,江西省总体要求,,严格落实生态保护红线管控要求,,,"]
    lines += [f"{c},,,,,,1.落实总量控制。2.节约集约用地。" for c in units["code"]]
    (tmp_path / "list.csv").write_bytes("\n".join(lines).encode("gb18030"))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(
        app, ["zoning", "import", "--units", "units.gpkg", "--requirements", "list.csv",
              "--mapping", "jiangxi", "--version", "2024"]
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    ds = read_zoning(tmp_path / "data" / "zoning" / "360000-2024")
    assert len(ds.units) == len(units) and ds.version == 2024
    assert len(ds.requirements) == 1 + 2 * len(units)
    assert {r.effect for r in ds.requirements} == {"judgement"}  # no keyword rules shipped
    assert ds.requirements[0].scope == "region:360000"
