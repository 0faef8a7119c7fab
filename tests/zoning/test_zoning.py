"""Zoning control: industry codes, the validation of a zoning dataset (every problem at
once), and the check of a site against units cut by hand (areas known exactly) and against
the synthetic demo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, box
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.demo.zoning import build_zoning_demo
from ganpo.errors import InputError
from ganpo.zoning.check import check_site, site_geometry
from ganpo.zoning.industries import division_count, industry
from ganpo.zoning.units import read_zoning
from zoning_support import hand_zoning, lonlat

DONGHU = 360102  # 南昌市东湖区


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_zoning_demo(tmp_path_factory.mktemp("zoning") / "demo")


_lonlat = lonlat


# ---------------------------------------------------------------------------- industries
def test_industry_codes_of_gbt_4754() -> None:
    assert division_count() == 97
    chem = industry("C2611")
    assert (chem.division, chem.section, chem.zh) == ("26", "C", "化学原料和化学制品制造业")
    assert chem.matches("C") and chem.matches("26") and chem.matches("261")
    assert chem.matches("C26") and not chem.matches("B26")
    assert not chem.matches("B") and not chem.matches("25")
    assert industry("44").section == "D" and industry("97").section == "T"
    assert industry("b").section == "B"
    for bad, words in (
        ("98", "divisions 01 to 97"),
        ("B26", "section C, not B"),
        ("26x", "not a GB/T 4754-2017 code"),
    ):
        with pytest.raises(InputError, match=words):
            industry(bad)


# ------------------------------------------------------------------------- a hand dataset
_hand = hand_zoning


def test_a_square_across_two_units_is_split_by_area(tmp_path: Path) -> None:
    """A 2 km square centred on the cut: 200 hm² in each unit, 100 hm² of it (the south-west
    km²) in the red line; a chemical plant is prohibited in the priority unit."""
    ds = read_zoning(_hand(tmp_path / "z"))
    c = ds.units.union_all().centroid
    cut_x = ds.units.geometry.iloc[0].bounds[2]  # the west unit's east edge
    square = box(cut_x - 1000, c.y - 1000, cut_x + 1000, c.y + 1000)
    assert ds.region_geometry.contains(square)
    r = check_site(ds, site_geometry(_lonlat(square, ds.units.crs)), "C2611")
    got = {u["code"]: (round(u["measure"], 1), round(u["share_pct"], 1)) for u in r.units}
    assert got == {"ZH36010210001": (200.0, 50.0), "ZH36010230001": (200.0, 50.0)}
    assert r.kind == "polygon" and round(r.measure, 1) == 400.0
    assert [(x["code"], round(x["measure"], 1)) for x in r.redlines] == [("HX1", 100.0)]
    assert sorted(c["id"] for c in r.clauses) == ["G1", "P1", "R1"]
    assert r.verdict == "prohibited"
    # software in the same place: only the general clause and the red line if touched
    soft = check_site(ds, site_geometry(_lonlat(square, ds.units.crs)), "65")
    assert sorted(c["id"] for c in soft.clauses) == ["G1", "R1"] and soft.verdict == "judgement"


def test_lines_are_measured_in_km_and_points_fall_in_one_unit(tmp_path: Path) -> None:
    ds = read_zoning(_hand(tmp_path / "z"))
    west = ds.units.geometry.iloc[0]
    cut_x = west.bounds[2]
    y = ds.units.union_all().centroid.y
    line = LineString([(cut_x - 1500, y), (cut_x + 500, y)])
    r = check_site(ds, site_geometry(_lonlat(line, ds.units.crs)), "54")
    got = {u["code"]: round(u["measure"], 2) for u in r.units}
    assert got == {"ZH36010210001": 1.5, "ZH36010230001": 0.5} and r.kind == "line"
    pt = west.representative_point()
    p = check_site(ds, site_geometry(_lonlat(pt, ds.units.crs)), "C26")
    assert [u["code"] for u in p.units] == ["ZH36010210001"] and p.verdict == "prohibited"


def test_bad_sites_are_refused(tmp_path: Path) -> None:
    ds = read_zoning(_hand(tmp_path / "z"))
    with pytest.raises(InputError, match="outside the region"):
        check_site(ds, site_geometry("POINT (116.0 40.0)"), "26")  # Beijing
    with pytest.raises(InputError, match="not longitudes and latitudes"):
        site_geometry("POINT (1000000 3000000)")
    with pytest.raises(InputError, match="neither WKT"):
        site_geometry("a field next to the river")
    pt = _lonlat(Point(ds.units.geometry.iloc[0].representative_point()), ds.units.crs)
    with pytest.raises(InputError, match="divisions 01 to 97"):
        check_site(ds, site_geometry(pt), "99")


def test_every_problem_of_a_dataset_at_once(tmp_path: Path) -> None:
    bad_req = """
[[requirements]]
id = "X"
scope = "category:mountain"
dimension = "spatial_layout"
effect = "prohibited"
industries = ["Z9"]
text_zh = "x"
text_en = "x"
source = "t"
"""
    folder = _hand(tmp_path / "z", overlap=500.0, bad_code=True, requirements=bad_req)
    with pytest.raises(InputError) as err:
        read_zoning(folder)
    text = str(err.value)
    assert "overlap by" in text and "not of the form ZH" in text
    assert "scope category 'mountain'" in text and "industry code 'Z9'" in text
    with pytest.raises(InputError, match="uncovered"):
        read_zoning(_hand(tmp_path / "gap", drop_east=True))


# ------------------------------------------------------------------------------- the demo
def test_the_demo_is_valid_and_marked_synthetic(demo: Path) -> None:
    ds = read_zoning(demo)
    assert ds.synthetic and len(ds.units) == 300 and len(ds.redlines) == 100
    assert ds.gap_pct < 0.01
    assert set(ds.units["category"]) == {"priority", "key", "general"}


def test_the_cli_checks_a_site_on_the_demo(demo: Path, tmp_path: Path) -> None:
    ds = read_zoning(demo)
    unit = ds.units[ds.units["code"] == "ZH36113010001"].geometry.iloc[0]  # 婺源县
    pt = _lonlat(unit.representative_point(), ds.units.crs)
    runner = CliRunner(env={"COLUMNS": "120"})
    r = runner.invoke(app, ["zoning", "check", str(demo), "--site", pt, "--industry", "C26"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "结论 verdict: 禁止 / prohibited" in out and "合成数据 SYNTHETIC" in out
    assert "ZH36113010001" in out and "P-SL-01" in out
    j = runner.invoke(app, ["zoning", "check", str(demo), "--site", pt, "--industry", "65",
                            "--format", "json"])  # fmt: skip
    rows = json.loads(j.output)
    assert {x["id"] for x in rows} == {"P-SL-02"} and rows[0]["verdict"] == "judgement"
    bad = runner.invoke(app, ["zoning", "check", str(demo), "--site", pt, "--industry", "98"])
    assert bad.exit_code == 2 and "divisions 01 to 97" in " ".join(bad.output.split())
    broken = tmp_path / "broken"
    shutil.copytree(demo, broken)
    (broken / "units.gpkg").write_bytes(b"not a geopackage")
    v = runner.invoke(app, ["zoning", "validate", str(broken)])
    assert v.exit_code == 2 and "cannot read the units layer" in " ".join(v.output.split())
