"""A corpus of bad inputs of the greenhouse-gas inventory, run end to end through
``ganpo carbon run`` (in the style of tests/cli/test_bad_input_corpus.py, the GEP account's).

Each case starts from a tiny carbon dataset — the synthetic demo's activity tables
(:func:`ganpo.demo.carbon.build_carbon_demo`) cut down to five counties of Nanchang, 2022
and 2023 — and a SQLite store holding its good inventory of 2022, run through the CLI (both
built once per module and worker, then copied into the case's folder). The case snapshots
the store, applies ONE mutation to one cell, row, column or file of the dataset (its
tables or its ``carbon-dataset.toml``) and runs ``ganpo carbon run`` on it into the same
store. A case's id starts with its class:

* ``refused:<what>`` — exit code 2; no traceback; the message names the table or file,
  the column or field and the value (a regex per case) and has its Chinese half; the
  store is unchanged: its SQLite dump is the same statement for statement.
* ``accepted`` — the input is fine (a GB 18030 CSV, an .xlsx named .csv, a year written
  2022.0, a quantity given in t rather than 万t): exit code 0 and an inventory whose
  county rows equal the good inventory's (to 10⁻⁹).

``pytest --collect-only -q tests/cli/test_bad_input_corpus_carbon.py`` lists the cases.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corpus_support import (
    as_number,
    assert_refused,
    has_chinese_half,
    reencode,
    replace_once,
    workbook_bytes,
)
from corpus_support import store_dump as dump
from ganpo.cli.main import app
from ganpo.demo.carbon import build_carbon_demo

runner = CliRunner()

#: the counties kept from the demo (Nanchang: 东湖区, 西湖区, 南昌县, 安义县, 进贤县)
KEEP = {"360102", "360103", "360121", "360123", "360124"}
FUEL = "fuel_combustion.csv"
DESCRIPTION = "carbon-dataset.toml"


# --------------------------------------------------------------------------- mutations


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """A table's note lines (``#``) and its rows (the header first) as cells."""
    lines = path.read_text(encoding="utf-8").splitlines()
    notes = [x for x in lines if x.startswith("#")]
    return notes, list(csv.reader(x for x in lines if not x.startswith("#")))


def _write(path: Path, notes: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text("\n".join([*notes, out.getvalue()]), encoding="utf-8")


def _first(rows: list[list[str]]) -> int:
    """The index of the first row of 2022 (the forest table's first row: its years are
    those of the forest inventories)."""
    year = rows[0].index("year")
    return next((i for i, r in enumerate(rows) if i and r[year] == "2022"), 1)


def cell(table: str, column: str, value: str) -> Callable[[Path], None]:
    """Set ``column`` of the table's first row of 2022 to the text ``value``."""

    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / table)
        rows[_first(rows)][rows[0].index(column)] = value
        _write(folder / table, notes, rows)

    return mutate


def gdp_scaled(table: str, by: float, unit: str) -> Callable[[Path], None]:
    """Every GDP of the table multiplied by ``by`` (a whole number) and written with the
    unit ``unit`` (blank: none given): the same GDP in another unit, or a slip of it."""

    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / table)
        money = [j for j, c in enumerate(rows[0]) if c.startswith("gdp_")]
        for r in rows[1:]:
            for j in money:
                r[j] = f"{float(r[j]) * by:.0f}"
            r[rows[0].index("unit")] = unit
        _write(folder / table, notes, rows)

    return mutate


def repeat_row(table: str) -> Callable[[Path], None]:
    """Write the table's first row of 2022 twice."""

    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / table)
        i = _first(rows)
        _write(folder / table, notes, [*rows[: i + 1], rows[i], *rows[i + 1 :]])

    return mutate


def drop_column(table: str, column: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / table)
        j = rows[0].index(column)
        _write(folder / table, notes, [r[:j] + r[j + 1 :] for r in rows])

    return mutate


def in_tonnes(folder: Path) -> None:
    """The fuel table's first row of 2022 in t instead of 万t (its quantity × 10⁴)."""
    notes, rows = _rows(folder / FUEL)
    i, q, u = _first(rows), rows[0].index("quantity"), rows[0].index("unit")
    assert rows[i][u] == "万t"
    rows[i][q], rows[i][u] = f"{float(rows[i][q]) * 1e4:.6g}", "t"
    _write(folder / FUEL, notes, rows)


def gb18030(table: str) -> Callable[[Path], None]:
    """The table saved in GB 18030, as Chinese Excel saves "CSV"."""
    return lambda folder: reencode(folder / table, "gb18030")


def workbook(table: str, *, formula: bool = False) -> Callable[[Path], None]:
    """The table as an .xlsx workbook under its .csv name (numbers as numbers); with
    ``formula`` the first quantity is a formula of itself."""

    def mutate(folder: Path) -> None:
        _, rows = _rows(folder / table)
        q = rows[0].index("quantity") if formula else -1
        cells: list[list[Any]] = [list(rows[0])]
        for k, r in enumerate(rows[1:]):
            cells.append([as_number(c) for c in r])
            if formula and k == 0:
                cells[-1][q] = f"={r[q]}*1"
        (folder / table).write_bytes(workbook_bytes(cells))

    return mutate


def describe(old: str, new: str) -> Callable[[Path], None]:
    """Replace ``old`` by ``new`` in carbon-dataset.toml."""

    return lambda folder: replace_once(folder / DESCRIPTION, old, new)


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One mutation: its class, what it does to the dataset folder and, for a refusal, a
    regex the message must match (besides having a Chinese half)."""

    name: str
    cls: str
    mutate: Callable[[Path], None]
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


#: the first data row: row 3 of the file, under a note line and the header, as a
#: spreadsheet shows it
ROW3 = r"row 3 \(unit code 3601\d\d, 2022\)"
QTY = rf"table '{FUEL}' \(fuel combustion\), {ROW3}: column 'quantity' value"

CASES = [
    # ---- activity quantities
    Case("fuel-quantity-nan", "refused:value", cell(FUEL, "quantity", "nan"),
         rf"{QTY} nan is not a number.*化石燃料燃烧活动水平表（{FUEL}）第 3 行（单位代码 3601\d\d，2022 年）：quantity"),
    Case("fuel-quantity-empty", "refused:value", cell(FUEL, "quantity", ""),
         rf"{QTY} nan is not a number"),
    Case("fuel-quantity-negative", "refused:value", cell(FUEL, "quantity", "-5"),
         rf"{QTY} -5.0 is negative.*为负数"),
    Case("fuel-quantity-text", "refused:value", cell(FUEL, "quantity", "abc"),
         rf"{QTY} 'abc' is not a number.*不是数值"),
    Case("fuel-quantity-thousands-separator", "refused:value", cell(FUEL, "quantity", "1,234"),
         rf"{QTY} '1,234' is not a number"),
    Case("fuel-quantity-infinite", "refused:value", cell(FUEL, "quantity", "inf"),
         rf"{QTY} inf is infinite.*为无穷大"),
    Case("fuel-quantity-1e308", "refused:value", cell(FUEL, "quantity", "1e308"),
         rf"{QTY} 1e\+308 is larger than 1e\+15.*超过 1e\+15"),
    # below 1e15 in the row's unit, yet 10⁴ times the world's coal: the roll-up's whole
    # grams overflowed (OverflowError, exit 1)
    Case("fuel-quantity-1e9", "refused:value", cell(FUEL, "quantity", "1e9"),
         rf"error: {FUEL}: unit code 3601\d\d, category 1\.A\.[0-9.a]+ \(.*\): [0-9.e+]+ t "
         rf"CO2e, .* more than 1e\+12 t .*a quantity or its unit in {FUEL} is wrong.*"
         rf"请核对{FUEL}中该单位该类别的数量和单位"),
    Case("electricity-quantity-infinite", "refused:value",
         cell("electricity.csv", "quantity", "inf"),
         r"table 'electricity.csv' \(electricity consumption\), row 3 .*'quantity' value inf is infinite"),
    Case("livestock-quantity-1e308", "refused:value", cell("livestock.csv", "quantity", "1e308"),
         r"table 'livestock.csv' \(livestock\), row 3 .*'quantity' value 1e\+308 is larger"),
    Case("rice-days-infinite", "refused:value", cell("rice.csv", "days", "inf"),
         r"table 'rice.csv' \(rice cultivation\), row 3 .*column 'days' value inf is infinite.*days"),
    Case("forest-stock-infinite", "refused:value", cell("forest_stock.csv", "quantity", "inf"),
         r"forest_stock\.csv.*row 3 \(unit code 360102, 2021\).*'quantity' value inf is "
         r"infinite"),
    Case("landfill-doc-percent", "refused:value", cell("landfill.csv", "doc", "12"),
         r"table 'landfill.csv' \(solid waste disposal\), row 3 .*column 'doc' value 12.0 is not a fraction.*"
         r"须为 0 到 1"),
    Case("landfill-cover-text", "refused:value", cell("landfill.csv", "oxidising_cover", "yes"),
         r"column 'oxidising_cover' value 'yes' is not yes/no.*须为是或否"),
    # ---- units of measure
    Case("fuel-unit-energy-for-coal", "refused:unit", cell(FUEL, "unit", "万kWh"),
         rf"{ROW3}: column 'unit' value '万kWh' does not fit fuel 'raw_coal'.*单位 万kWh"),
    Case("fuel-unit-volume-for-coal", "refused:unit", cell(FUEL, "unit", "万m³"),
         r"column 'unit' value '万m³' does not fit fuel 'raw_coal'"),
    Case("fuel-unit-garbage", "refused:unit", cell(FUEL, "unit", "xyz!!"),
         r"column 'unit' value 'xyz!!' does not fit"),
    Case("electricity-unit-mass", "refused:unit", cell("electricity.csv", "unit", "t"),
         r"table 'electricity.csv' \(electricity consumption\), row 3 .*column 'unit' value 't' cannot be read as "
         r"'kWh'.*无法换算为 kWh"),
    Case("livestock-unit-mass", "refused:unit", cell("livestock.csv", "unit", "kg"),
         r"column 'unit' value 'kg' is not a head count.*存栏量单位"),
    # ---- codes and items
    Case("unit-code-unknown", "refused:code", cell(FUEL, "unit_code", "999999"),
         r"column 'unit_code' value 999999 is not an administrative code.*不是行政区划代码"),
    Case("unit-code-other-province", "refused:code", cell(FUEL, "unit_code", "440103"),
         r"column 'unit_code' value 440103 is 荔湾区.*not a unit of the region 360000.*不属于"),
    Case("unit-code-a-name", "refused:code", cell(FUEL, "unit_code", "东湖区"),
         r"column 'unit_code' value '东湖区' is not an administrative code"),
    Case("fuel-sector-unknown", "refused:code", cell(FUEL, "category_code", "1.A.9"),
         rf"table '{FUEL}' \(fuel combustion\), {ROW3}: column 'category_code' value '1.A.9' is not a "
         rf"fuel-combustion sector.*化石燃料燃烧活动水平表（{FUEL}）第 3 行（单位代码 3601\d\d，2022 年）："
         r"部门代码 1.A.9"),
    Case("fuel-unknown", "refused:code", cell(FUEL, "fuel", "uranium"),
         rf"{ROW3}: .*no factors for fuel 'uranium'"),
    Case("livestock-animal-unknown", "refused:code", cell("livestock.csv", "animal", "dragon"),
         r"column 'animal' value 'dragon' has no factor.*dragon"),
    # ---- years
    Case("year-with-text", "refused:year", cell(FUEL, "year", "2022年"),
         rf"table '{FUEL}', row 3 .*column 'year' value '2022年' is not a year.*不是年份"),
    Case("year-empty", "refused:year", cell(FUEL, "year", ""),
         rf"table '{FUEL}', row 3 .*column 'year' value nan is not a year"),
    Case("year-fractional", "refused:year", cell(FUEL, "year", "2022.5"),
         r"column 'year' value 2022.5 is not a year"),
    Case("year-not-of-the-dataset", "refused:year", cell(FUEL, "year", "2099"),
         r"column 'year' value 2099 is not one of the dataset's years \(2022, 2023\).*"
         r"不是数据集的年份"),
    # ---- rows and columns
    Case("fuel-row-twice", "refused:row", repeat_row(FUEL),
         rf"table '{FUEL}', row 4 \(unit code 3601\d\d, 2022\) repeats row 3: .*category_code "
         r"1\.A\.[0-9.a]+, fuel raw_coal, unit 万t.*重复计算"),
    Case("electricity-row-twice", "refused:row", repeat_row("electricity.csv"),
         r"table 'electricity.csv', row 4 .* repeats row 3"),
    Case("forest-row-twice", "refused:row", repeat_row("forest_stock.csv"),
         r"table 'forest_stock.csv', row 4 .* repeats row 3: .*forest_type chinese_fir"),
    Case("column-missing", "refused:column", drop_column(FUEL, "quantity"),
         rf"table '{FUEL}' lacks column\(s\) quantity.*缺少列 quantity"),
    # ---- files
    Case("workbook-with-a-formula", "refused:file", workbook(FUEL, formula=True),
         rf"{FUEL}: 1 problem\(s\): row 2, column quantity: '=[0-9.]+\*1' is a formula.*公式"),
    # ---- the description
    Case("region-text", "refused:description", describe("region = 360000", 'region = "abc"'),
         r"carbon-dataset.toml: region = 'abc' is not an adcode.*region 的值 'abc'"),
    Case("region-fraction", "refused:description", describe("region = 360000", "region = 1.5"),
         r"region = 1.5 is not an adcode"),
    Case("years-a-string", "refused:description",
         describe("years = [\n    2022,\n    2023,\n]", 'years = "2022"'),
         r"years = '2022' is not a list of years.*years 的值"),
    Case("years-text", "refused:description",
         describe("years = [\n    2022,\n    2023,\n]", 'years = ["x"]'),
         r"years = 'x' is not a year"),
    Case("synthetic-text", "refused:description",
         describe("synthetic = true", 'synthetic = "no"'),
         r"synthetic = 'no' is not true or false.*synthetic 的值"),
    Case("tables-a-list", "refused:description",
         describe("[tables]\n", 'tables = ["fuel_combustion.csv"]\n[files]\n'),
         r"tables = \['fuel_combustion.csv'\] is not a \[tables\] table.*tables 的值"),
    Case("fuel-set-unknown", "refused:description",
         describe('fuel_set = "cn-statistics"', 'fuel_set = "cn-stats"'),
         r"carbon-dataset.toml: fuel_set = 'cn-stats' is not a fuel factor set; give one of "
         r".*cn-statistics.*fuel_set 的值 'cn-stats' 不是燃料燃烧排放因子集"),
    Case("grid-unknown", "refused:description",
         describe('grid = "central_china"', 'grid = "central"'),
         r"carbon-dataset.toml: grid = 'central' is not a grid region; give one of "
         r".*central_china.*grid 的值 'central' 不是电网区域"),
    Case("process-factors-unknown", "refused:description",
         describe('process_factors = "ipcc-2006"', 'process_factors = "ipcc-2019"'),
         r"carbon-dataset.toml: process_factors = 'ipcc-2019' is not a process factor set"
         r".*工业过程排放因子集"),
    Case("uncertainty-unknown", "refused:description",
         describe('uncertainty = "ipcc-2006"', "uncertainty = 5"),
         r"carbon-dataset.toml: uncertainty = 5 is not an uncertainty set.*不确定性参数集"),
    Case("description-gb18030", "refused:description", gb18030(DESCRIPTION),
         r"carbon-dataset.toml: cannot read carbon-dataset.toml.*须为 UTF-8 编码的 TOML"),
    # ---- fine inputs
    Case("fuel-gb18030", "accepted", gb18030(FUEL)),
    Case("livestock-gb18030", "accepted", gb18030("livestock.csv")),
    Case("fuel-workbook-named-csv", "accepted", workbook(FUEL)),
    Case("year-written-2022.0", "accepted", cell(FUEL, "year", "2022.0")),
    Case("fuel-in-tonnes", "accepted", in_tonnes),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def carbon_run(folder: Path, db: Path) -> Any:
    return runner.invoke(
        app, ["carbon", "run", str(folder), "--year", "2022", "--gwp", "AR6", "--database", str(db)]
    )


def county_rows(db: Path, inventory: int) -> dict[tuple[int, str], float]:
    """The inventory's county rows, (unit code, category) → t CO2e."""
    r = runner.invoke(
        app,
        ["carbon", "show", str(inventory), "--level", "county", "--format", "csv",
         "--database", str(db)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = csv.DictReader(io.StringIO(r.output))
    return {(int(x["unit_code"]), x["category_code"]): float(x["co2e_t"]) for x in rows}


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Copy the tiny dataset (``data``) and its store of one good inventory of 2022
    (``store.sqlite``) into a case's folder (built once per module and worker)."""
    built = tmp_path_factory.mktemp("carbon-start")
    full = build_carbon_demo(built / "full").parent
    data = built / "data"
    data.mkdir()
    for f in full.iterdir():
        if f.suffix != ".csv":
            shutil.copy(f, data / f.name)
            continue
        notes, rows = _rows(f)
        _write(data / f.name, notes, [rows[0], *(r for r in rows[1:] if r[0] in KEEP)])
    shutil.rmtree(full)
    good = carbon_run(data, built / "store.sqlite")
    assert good.exit_code == 0, good.output

    def copy(folder: Path) -> Path:
        shutil.copytree(built, folder, dirs_exist_ok=True)
        return folder / "data"

    return copy


def test_the_start_is_not_empty(start: Callable[[Path], Path], tmp_path: Path) -> None:
    """Every table the cases mutate has rows of 2022 (the forest table: rows), the fuel table's first row of 2022 is a
    county's raw coal in 万t (the cases' messages name it), and the good inventory has rows
    of the five counties."""
    data = start(tmp_path)
    for name in (FUEL, "electricity.csv", "livestock.csv", "rice.csv", "landfill.csv"):
        _, rows = _rows(data / name)
        assert rows[_first(rows)][rows[0].index("year")] == "2022", name
    assert len(_rows(data / "forest_stock.csv")[1]) > 2
    _, rows = _rows(data / FUEL)
    first = dict(zip(rows[0], rows[_first(rows)], strict=True))
    assert first["unit_code"] in KEEP and (first["fuel"], first["unit"]) == ("raw_coal", "万t")
    assert {u for u, _ in county_rows(tmp_path / "store.sqlite", 1)} == set(map(int, KEEP))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_input(case: Case, start: Callable[[Path], Path], tmp_path: Path) -> None:
    data = start(tmp_path)
    db = tmp_path / "store.sqlite"
    before = dump(db)
    case.mutate(data)
    result = carbon_run(data, db)
    output = result.output

    assert "Traceback" not in output, output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    if case.cls.startswith("refused:"):
        assert result.exit_code == 2, output
        flat = " ".join(output.split())
        assert re.search(case.message, flat, re.S), flat
        assert has_chinese_half(flat), f"no Chinese half: {flat}"
        assert dump(db) == before, "a refused run changed the store"
        return
    assert result.exit_code == 0, output
    assert "stored inventory 已存储清单 2" in output, output
    good, new = county_rows(db, 1), county_rows(db, 2)
    assert new.keys() == good.keys()
    assert new == {k: pytest.approx(v, rel=1e-9, abs=1e-6) for k, v in good.items()}


# --------------------------------------------------------------- dual-control progress
#
# ``ganpo carbon progress 1 2 --targets T --gdp G --format csv`` on the good
# inventories of 2022 and 2023 of the tiny dataset, with ONE change to the GDP table (the
# dataset's gdp.csv) or to the targets (the shipped demo targets, which hold 南昌市's
# intensity target): a refusal is exit code 2 naming the file, the row or target, the
# column or field and the value, with its Chinese half; an accepted change prints the good
# run's records exactly.

GDP = "gdp.csv"
GDP_COLUMN = "gdp_constant_2022"
TARGET = 'value = 19.0\nvalue_unit = "%"\nbase_year = 2020\nbase_value = 0.677'


@dataclass(frozen=True)
class ProgressCase:
    name: str
    cls: str
    gdp: Callable[[Path], None] | None = None
    targets: tuple[str, str] | None = None  # a replacement in the targets' text
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


def _target(old: str, new: str) -> tuple[str, str]:
    return TARGET, TARGET.replace(old, new)


#: the first row of 2022 of the dataset's gdp.csv: row 3 of the file, under a note line and
#: the header, as a spreadsheet shows it
GDP_ROW = rf"{GDP}: GDP table, row 3: column"
PROGRESS_CASES = [
    ProgressCase("gdp-nan", "refused:gdp", cell(GDP, GDP_COLUMN, "nan"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value nan is not a GDP.*"
                 rf"地区生产总值表第 3 行 {GDP_COLUMN} 的值 nan 无效"),
    ProgressCase("gdp-empty", "refused:gdp", cell(GDP, GDP_COLUMN, ""),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value nan is not a GDP"),
    ProgressCase("gdp-zero", "refused:gdp", cell(GDP, GDP_COLUMN, "0"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value 0.0 is not a GDP: give a number > 0"),
    ProgressCase("gdp-negative", "refused:gdp", cell(GDP, GDP_COLUMN, "-1049.95"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value -1049.95 is not a GDP"),
    ProgressCase("gdp-infinite", "refused:gdp", cell(GDP, GDP_COLUMN, "inf"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value inf is not a GDP"),
    ProgressCase("gdp-1e308", "refused:gdp", cell(GDP, GDP_COLUMN, "1e308"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value 1e\+308 is not a GDP.*1e\+09 亿元"),
    ProgressCase("gdp-text", "refused:gdp", cell(GDP, GDP_COLUMN, "abc"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value 'abc' is not a GDP"),
    ProgressCase("gdp-year-text", "refused:gdp", cell(GDP, "year", "2022年"),
                 message=rf"{GDP_ROW} 'year' value '2022年' is not a whole number.*不是整数"),
    ProgressCase("gdp-unit-code-text", "refused:gdp", cell(GDP, "unit_code", "东湖区"),
                 message=rf"{GDP_ROW} 'unit_code' value '东湖区' is not a whole number"),
    ProgressCase("gdp-row-twice", "refused:gdp", repeat_row(GDP),
                 message=rf"{GDP}: GDP table, row 4 repeats unit 3601\d\d and year 2022 of row 3"
                 r".*每个单位每年只能有一个数值"),
    ProgressCase("gdp-unit-dollars", "refused:gdp", cell(GDP, "unit", "美元"),
                 message=rf"{GDP}: GDP table, row 3: column 'unit' value '美元' is not a unit of "
                 r"GDP: write 元, 万元 or 亿元.*地区生产总值表第 3 行 unit 的值 '美元'"),
    # a slip of the unit (decision 0091): the county's GDP in 亿元 labelled 元 or 万元, or in
    # 万元 with no unit, is implausible for a county
    ProgressCase("gdp-unit-yuan", "refused:slip", cell(GDP, "unit", "元"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value [\d.]+ of unit 3601\d\d read in 元 "
                 r"\(as the column 'unit' says\) is .* 亿元, less than 1 亿元, the bound of a "
                 r"county's GDP; the figures look like 亿元.*低于县级单位"),
    ProgressCase("gdp-unit-wan-yuan", "refused:slip", cell(GDP, "unit", "万元"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value [\d.]+ of unit 3601\d\d read in 万元 "
                 r".*less than 1 亿元.*the figures look like 亿元 \(the unit off by a factor 10\^4\)"),
    ProgressCase("gdp-in-wan-yuan-no-unit", "refused:slip", gdp_scaled(GDP, 1e4, ""),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value \d+(\.0)? of unit 3601\d\d read in 亿元 "
                 r"\(assumed: the table has no unit\) is [\d,]+ 亿元, more than 30,000 亿元.*look "
                 r"like 万元.*add a column 'unit'.*请增加 unit 列"),
    ProgressCase("gdp-in-yuan-labelled-wan-yuan", "refused:slip", gdp_scaled(GDP, 1e8, "万元"),
                 message=rf"{GDP_ROW} '{GDP_COLUMN}' value \d+(\.0)? of unit 3601\d\d read in 万元 "
                 r".*more than 30,000 亿元.*look like 元"),
    ProgressCase("target-base-zero", "refused:target",
                 targets=_target("base_value = 0.677", "base_value = 0.0"),
                 message=r"target 'nanchang-intensity-2025' \(targets\[0\]\): base_value 0: a "
                 r"reduction in % is measured from a base value > 0.*目标跟踪文件有误"),
    ProgressCase("target-base-negative", "refused:target",
                 targets=_target("base_value = 0.677", "base_value = -0.677"),
                 message=r"base_value -0.677: a reduction in % is measured from a base value"),
    ProgressCase("target-value-nan", "refused:target",
                 targets=_target("value = 19.0", "value = nan"),
                 message=r"field value: Input should be a finite number \(given: nan\).*"
                 r"目标跟踪文件有误：target 'nanchang-intensity-2025' \(targets\[0\]\), field value"),
    ProgressCase("target-kind-unknown", "refused:target",
                 targets=('kind = "reduction_pct"', 'kind = "xx"'),
                 message=r"field kind: Input should be 'ceiling', 'floor' or 'reduction_pct' "
                 r"\(given: 'xx'\)"),
    ProgressCase("target-unit-no-adcode", "refused:target",
                 targets=("unit_code = 360100", "unit_code = 999999"),
                 message=r"targets.toml: target 'nanchang-intensity-2025', field unit_code 999999 "
                 r"is not an administrative code.*不是行政区划代码"),
    ProgressCase("target-unit-other-province", "accepted",
                 targets=("unit_code = 360200", "unit_code = 440100")),
    ProgressCase("gdp-gb18030", "accepted", gb18030(GDP)),
    ProgressCase("gdp-workbook-named-csv", "accepted", workbook(GDP)),
    ProgressCase("gdp-in-wan-yuan", "accepted", gdp_scaled(GDP, 1e4, "万元")),
    ProgressCase("gdp-in-yuan", "accepted", gdp_scaled(GDP, 1e8, "元")),
    ProgressCase("target-value-as-text", "accepted",
                 targets=_target("value = 19.0", 'value = "19.0"')),
]  # fmt: skip


@pytest.fixture(scope="module")
def progress_start(
    start: Callable[[Path], Path], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[Path], Path]:
    """The carbon start with the inventory of 2023 stored too (inventories 1 and 2) and the
    demo targets beside it (``targets.toml``); built once per module and worker."""
    built = tmp_path_factory.mktemp("progress-start")
    data = start(built)
    r = runner.invoke(
        app,
        ["carbon", "run", str(data), "--year", "2023", "--gwp", "AR6",
         "--database", str(built / "store.sqlite")],
    )  # fmt: skip
    assert r.exit_code == 0 and "已存储清单 2" in r.output, r.output
    from ganpo.tracking.registry import shipped_file

    shutil.copy(shipped_file("jiangxi-demo-targets"), built / "targets.toml")

    def copy(folder: Path) -> Path:
        shutil.copytree(built, folder, dirs_exist_ok=True)
        return folder / "data"

    return copy


def carbon_progress(folder: Path) -> Any:
    return runner.invoke(
        app,
        ["carbon", "progress", "1", "2", "--targets", str(folder / "targets.toml"),
         "--gdp", str(folder / "data" / GDP), "--level", "city", "--format", "csv",
         "--database", str(folder / "store.sqlite")],
    )  # fmt: skip


@pytest.fixture(scope="module")
def good_progress(
    progress_start: Callable[[Path], Path], tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The records of the unchanged inputs (南昌市, summed from its counties)."""
    folder = tmp_path_factory.mktemp("progress-good")
    progress_start(folder)
    r = carbon_progress(folder)
    assert r.exit_code == 0, r.output
    assert "360100" in r.stdout and "nanchang-intensity-2025" in r.stdout, r.stdout
    return str(r.stdout)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in PROGRESS_CASES])
def test_bad_progress_input(
    case: ProgressCase,
    progress_start: Callable[[Path], Path],
    good_progress: str,
    tmp_path: Path,
) -> None:
    data = progress_start(tmp_path)
    if case.gdp is not None:
        case.gdp(data)
    if case.targets is not None:
        path = tmp_path / "targets.toml"
        text = path.read_text(encoding="utf-8")
        old, new = case.targets
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = carbon_progress(tmp_path)
    output = result.output
    assert "Traceback" not in output, output
    if case.cls.startswith("refused:"):
        assert_refused(result, case.message)
        return
    assert result.exit_code == 0, output
    assert result.stdout == good_progress
