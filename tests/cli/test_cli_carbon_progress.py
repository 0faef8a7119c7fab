"""``ganpo carbon progress``: dual-control progress of two stored inventories (2022, 2023)
of a hand-checked micro dataset (two counties of 南昌市, cement only) against hand-made
targets: totals, intensities, progress and warnings in the table and JSON; bad input
refused with one clear message (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganpo.cli.common import console, err_console
from ganpo.cli.main import app

runner = CliRunner(env={"COLUMNS": "160"})
INTERNAL = ("co2_total", "co2_intensity", "unit_code", "on_track", "reduction_pct")

# 2022: 360102 10 万t clinker, 360103 4 万t; 2023: 9 and 4 (5 202 t CO2 per 万t clinker)
CLINKER = {(360102, 2022): 10, (360103, 2022): 4, (360102, 2023): 9, (360103, 2023): 4}
# GDP at 2022 constant prices [亿元]
GDP = {(360102, 2022): 100.0, (360103, 2022): 50.0, (360102, 2023): 104.0, (360103, 2023): 52.0}

TARGETS = """
[[targets]]
key = "gulou-intensity"
indicator = "co2_intensity"
unit_code = 360102
period = [2021, 2025]
kind = "reduction_pct"
value = 18.0
value_unit = "%"
base_year = 2020
base_value = 0.06
source = "test"
status = "synthetic"

[[targets]]
key = "xihu-intensity"
indicator = "co2_intensity"
unit_code = 360103
period = [2021, 2025]
kind = "reduction_pct"
value = 18.0
value_unit = "%"
base_year = 2020
base_value = 0.0425
source = "test"
status = "synthetic"

[[targets]]
key = "nanchang-total"
indicator = "co2_total"
unit_code = 360100
period = [2023, 2025]
kind = "ceiling"
value = 6.5
value_unit = "万t CO2"
annual = true
source = "test"
status = "synthetic"
"""


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    """A console 200 columns wide whatever ran before in this process."""
    saved = (console._width, err_console._width)
    console.width = err_console.width = 200
    yield
    console._width, err_console._width = saved


def flat(text: str) -> str:
    return " ".join(text.split())


def _dataset(folder: Path, years: tuple[int, ...] = (2022, 2023)) -> Path:
    folder.mkdir()
    rows = "".join(f"{u},{y},{q},万t\n" for (u, y), q in CLINKER.items() if y in years)
    (folder / "cement_clinker.csv").write_text(
        "unit_code,year,quantity,unit\n" + rows, encoding="utf-8"
    )
    (folder / "carbon-dataset.toml").write_text(
        'title_zh = "微型测试数据"\ntitle_en = "micro test data"\nregion = 360000\n'
        f'level = "county"\nyears = {list(years)}\nfuel_set = "cn-statistics"\n'
        'grid = "national"\n[tables]\ncement = "cement_clinker.csv"\n',
        encoding="utf-8",
    )
    return folder


def _gdp(path: Path, skip: tuple[int, int] | None = None) -> Path:
    rows = "".join(f"{u},{y},{g},亿元\n" for (u, y), g in GDP.items() if (u, y) != skip)
    path.write_text("unit_code,year,gdp_constant_2022,unit\n" + rows, encoding="utf-8")
    return path


def _run(*args: str) -> object:
    return runner.invoke(app, ["carbon", *args])


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, Path, Path]:
    """Inventories 1 (2022) and 2 (2023) of the micro dataset, GWP AR6; the GDP and
    targets files."""
    db = str(tmp_path / "g.sqlite")
    data = _dataset(tmp_path / "micro")
    for year in ("2022", "2023"):
        r = runner.invoke(app, ["carbon", "run", str(data), "-y", year, "--gwp", "AR6",
                                "--database", db])  # fmt: skip
        assert r.exit_code == 0, r.output
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS, encoding="utf-8")
    return db, _gdp(tmp_path / "gdp.csv"), targets


def test_county_progress_json(store: tuple[str, Path, Path]) -> None:
    db, gdp, targets = store
    r = runner.invoke(app, ["carbon", "progress", "1", "2", "--targets", str(targets), "--gdp",
                            str(gdp), "--level", "county", "--format", "json",
                            "--database", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    got = {(x["unit_code"], x["year"]): x for x in json.loads(r.output)}
    assert set(got) == {(360102, 2022), (360102, 2023), (360103, 2022), (360103, 2023)}
    # 360102 in 2023: 9 万t × 5 202 t = 46 818 t = 4.68 万t; GDP 104 亿元 = 1 040 000 万元;
    # intensity 46 818 / 1 040 000 = 0.0450 t/万元
    a = got[(360102, 2023)]
    assert a["co2_total_10k_t"] == 4.68 and a["gdp_100m_yuan"] == 104.0
    assert a["co2_intensity_t_per_10k_yuan"] == 0.045
    # target 0.06 × (1 − 18 %) = 0.0492; time elapsed (2023 − 2020)/(2025 − 2020) = 60 %;
    # task achieved (0.06 − 0.04502)/(0.06 − 0.0492) = 138.7 %; rate achieved
    # (0.04502/0.06)^(1/3) − 1 = −9.13 %, required (0.0492/0.04502)^(1/2) − 1 = +4.54 %
    assert a["target_value"] == 0.0492 and a["time_elapsed_pct"] == 60.0
    assert a["task_achieved_pct"] == 138.7
    assert (a["achieved_rate_pct"], a["required_rate_pct"]) == (-9.13, 4.54)
    assert a["status_en"] == "on track" and a["warning_zh"] == ""
    # 360103 in 2023: 20 808 t / 520 000 万元 = 0.040015; target 0.0425 × 0.82 = 0.03485
    # (0.0349 rounded from the float 0.0348500…01);
    # task (0.0425 − 0.040015)/(0.0425 − 0.03485) = 32.5 % < 60 %: 27.5 points behind
    # (red at 20); rates (0.040015/0.0425)^(1/3) − 1 = −1.99 %, (0.03485/0.040015)^(1/2)
    # − 1 = −6.68 % (4.69 points short: red at 2)
    b = got[(360103, 2023)]
    assert b["co2_intensity_t_per_10k_yuan"] == 0.04 and b["target_value"] == 0.0349
    assert b["task_achieved_pct"] == 32.5
    assert (b["achieved_rate_pct"], b["required_rate_pct"]) == (-1.99, -6.68)
    assert b["status_zh"] == "进度滞后" and b["status_en"] == "behind schedule"
    assert b["warning_level_en"] == "red (level 1); red (level 1)"
    assert (
        "落后27.5个百分点" in b["warning_zh"]
        and "27.5 percentage points behind" in (b["warning_en"])
    )
    # 2022: time elapsed 40 %; 360103's intensity 20 808 / 500 000 = 0.0416
    assert got[(360103, 2022)]["co2_intensity_t_per_10k_yuan"] == 0.0416
    assert got[(360103, 2022)]["time_elapsed_pct"] == 40.0


def test_city_table_with_warning(store: tuple[str, Path, Path]) -> None:
    db, gdp, targets = store
    r = runner.invoke(app, ["carbon", "progress", "1", "2", "--targets", str(targets), "--gdp",
                            str(gdp), "--database", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    out = flat(r.output)
    # 南昌市 = 360102 + 360103: 2023 total 46 818 + 20 808 t = 6.76 万t > the ceiling 6.5:
    # 4.0 % above (yellow: above 0 %); intensity 67 626 t / 1 560 000 万元 = 0.043350 (0.0433
    # printed: the float is just below)
    assert "南昌市" in out and "6.76" in out and "0.0433" in out, out
    assert "二氧化碳排放总量" in out and "total CO₂ emissions" in out
    assert "≤ 6.50 万吨二氧化碳" in out
    assert "预警 warning · 黄色（三级） yellow (level 3)" in out
    assert "超出目标4.0%" in out and "4.0 % above it" in out
    assert "万吨二氧化碳" in out and "吨二氧化碳/万元" in out and "2022 年不变价" in out
    assert not [k for k in INTERNAL if k in out], out


def _refused(args: list[str], *words: str) -> None:
    r = runner.invoke(app, ["carbon", "progress", *args])
    assert r.exit_code == 2, r.output
    text = flat(r.output)
    assert all(w in text for w in words), text
    assert "Traceback" not in text


def test_bad_input(store: tuple[str, Path, Path], tmp_path: Path) -> None:
    db, gdp, targets = store
    common = ["--targets", str(targets), "--gdp", str(gdp), "--database", db]
    _refused(["1", "9", *common], "no carbon inventory 9", "stored ids: 1, 2")
    _refused(["1", "1", *common], "more than one inventory of the year 2022")
    r = runner.invoke(app, ["carbon", "run", str(tmp_path / "micro"), "-y", "2023", "--gwp",
                            "AR5", "--database", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    _refused(["1", "3", *common], "different GWP sets (AR5, AR6)")
    bad = tmp_path / "bad.toml"
    bad.write_text(TARGETS.replace('"co2_total"', '"co2_totals"'), encoding="utf-8")
    _refused(["1", "2", "--targets", str(bad), "--gdp", str(gdp), "--database", db],
             "co2_totals", "co2_intensity")  # fmt: skip
    short = _gdp(tmp_path / "short.csv", skip=(360103, 2023))
    _refused(["1", "2", "--targets", str(targets), "--gdp", str(short), "--level", "county",
              "--database", db], "no GDP of", "西湖区", "360103", "2023")  # fmt: skip


def test_gdp_not_found(store: tuple[str, Path, Path], monkeypatch: pytest.MonkeyPatch,
                       tmp_path: Path) -> None:  # fmt: skip
    db, _, targets = store
    monkeypatch.chdir(tmp_path)
    _refused(["1", "2", "--targets", str(targets), "--database", db],
             "no GDP table found", "micro test data", "--gdp FILE", "微型测试数据")  # fmt: skip


def test_gdp_of_the_demo_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --gdp the GDP table is the demo folder's when that folder is the
    inventories' dataset (same digest)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    folder = _dataset(tmp_path / "data" / "carbon-demo")
    rows = "".join(f"{u},{y},{g},{g},亿元\n" for (u, y), g in GDP.items())
    (folder / "gdp.csv").write_text(
        "unit_code,year,gdp_current,gdp_constant_2022,unit\n" + rows, encoding="utf-8"
    )
    toml = folder / "carbon-dataset.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'gdp = "gdp.csv"\n', encoding="utf-8")
    (tmp_path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    for year in ("2022", "2023"):
        r = runner.invoke(app, ["carbon", "run", "data/carbon-demo", "-y", year, "--gwp", "AR6",
                                "--database", "g.sqlite"])  # fmt: skip
        assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["carbon", "progress", "1", "2", "--targets", "targets.toml",
                            "--format", "json", "--database", "g.sqlite"])  # fmt: skip
    assert r.exit_code == 0, r.output
    (city,) = [x for x in json.loads(r.output) if x["year"] == 2023]
    assert city["unit_name"].startswith("南昌市") and city["gdp_100m_yuan"] == 156.0


def test_project_check_by_hand(store: tuple[str, Path, Path]) -> None:
    """项目碳评价: a project adding 1 万t CO2 a year to 鼓楼 (360102) in 2023. Without GDP:
    (46 818 + 10 000) t / 1 040 000 万元 = 0.054633 t/万元; task achieved (0.06 − 0.054633)
    / (0.06 − 0.0492) = 49.7 % against 60 % of the time: 10.3 points behind, a new warning.
    With 10 亿元 of GDP: 56 818 / 1 140 000 = 0.049840, task 94.1 %: on track, none."""
    db, gdp, targets = store
    common = ["--targets", str(targets), "--gdp", str(gdp), "--level", "county",
              "--unit", "360102", "--emissions", "1", "--database", db]  # fmt: skip
    r = runner.invoke(app, ["carbon", "project-check", "1", "2", *common, "--format", "json"])
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.output)
    assert (row["unit_code"], row["year"], row["target"]) == (360102, 2023, "gulou-intensity")
    assert round(row["actual_before"], 6) == 0.045017 and round(row["actual_after"], 6) == 0.054633
    assert round(row["task_achieved_pct_after"], 1) == 49.7
    assert (row["status_before"], row["status_after"]) == ("on track", "behind schedule")
    r = runner.invoke(app, ["carbon", "project-check", "1", "2", *common])
    assert r.exit_code == 0, r.output
    out = flat(r.output)
    assert "项目每年新增二氧化碳排放1万吨" in out and "由4.682万吨增至5.682万吨" in out
    assert "新增预警 new warning" in out and "落后10.3个百分点" in out
    assert "进度正常 → 进度滞后" in out
    r = runner.invoke(app, ["carbon", "project-check", "1", "2", *common, "--added-gdp", "10"])
    assert r.exit_code == 0, r.output
    assert "不新增或升级预警" in flat(r.output)


def test_project_check_refuses_a_unit_without_targets(store: tuple[str, Path, Path]) -> None:
    db, gdp, targets = store
    r = runner.invoke(app, ["carbon", "project-check", "1", "2", "--targets", str(targets),
                            "--gdp", str(gdp), "--unit", "360200", "--emissions", "1",
                            "--database", db])  # fmt: skip
    assert r.exit_code == 2 and "360200 is not a city of the inventories" in flat(r.output)
    r = runner.invoke(app, ["carbon", "project-check", "1", "2", "--targets", str(targets),
                            "--gdp", str(gdp), "--unit", "360102", "--emissions", "-1",
                            "--level", "county", "--database", db])  # fmt: skip
    assert r.exit_code == 2 and "0 or more" in flat(r.output)
