"""A corpus of bad GDP tables given to ``ganpo tracking series compute --gdp`` (the GDP
at constant prices its carbon intensity divides by; decision 0086), in the style of
tests/cli/test_bad_input_corpus_tracking.py.

The start (built once per module and worker) is the store of tests/tracking_support.py —
GEP accounts of 2023 and 2024, carbon inventories of 2023 and 2024 of two counties of
南昌市 (东湖区 360102, 西湖区 360103) — and its GDP table ``gdp.csv`` (both counties, both
years, ``gdp_constant_2023`` in 亿元). A case changes ONE thing of the GDP table and runs
``ganpo tracking series compute --year 2024 --gdp gdp.csv --database store.sqlite
--format csv``; its id starts with its class:

* ``refused:<what>`` — exit code 2, no traceback, the message names the file, the row or
  column and the value (a regex per case) and has its Chinese half; the store's SQLite
  dump is the same statement for statement.
* ``not-computed`` — exit code 0; the GDP of a county is missing, so no carbon intensity
  of its level (the counties) nor of any level above it (its city, the province: a sum of
  part of their counties is not their GDP) is computed — said on stderr, a regex per
  case — and none is recorded; every other value is recorded as from the good table.
* ``accepted`` — the same GDP written otherwise (GB 18030, an .xlsx, no unit column, a
  note line, the city's own row, a row of another province's county): exit code 0 and
  the same values recorded as from the good table.

``pytest --collect-only -q tests/cli/test_bad_input_corpus_tracking_gdp.py`` lists them.
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
    ran_cleanly,
    reencode,
    replace_once,
    workbook_bytes,
)
from corpus_support import store_dump as dump
from ganpo.cli.main import app
from tracking_support import series_store, write_gdp

runner = CliRunner()
GDP = "gdp.csv"
XIHU_2024 = "360103,2024,52.0,亿元"
GULOU_2024 = "360102,2024,104.0,亿元"

# --------------------------------------------------------------------------- mutations


def text(old: str, new: str) -> Callable[[Path], None]:
    return lambda folder: replace_once(folder / GDP, old, new)


def every(old: str, new: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        body = (folder / GDP).read_text(encoding="utf-8")
        assert old in body, old
        (folder / GDP).write_text(body.replace(old, new), encoding="utf-8")

    return mutate


def append(line: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        with (folder / GDP).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    return mutate


def keep_lines(n: int) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        lines = (folder / GDP).read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / GDP).write_text("".join(lines[:n]), encoding="utf-8")

    return mutate


def drop_column(column: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = list(csv.reader(io.StringIO((folder / GDP).read_text(encoding="utf-8"))))
        j = rows[0].index(column)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(r[:j] + r[j + 1 :] for r in rows)
        (folder / GDP).write_text(out.getvalue(), encoding="utf-8")

    return mutate


def workbook(*, formula: bool = False) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = list(csv.reader(io.StringIO((folder / GDP).read_text(encoding="utf-8"))))
        cells: list[list[Any]] = [rows[0]] + [[as_number(c) for c in r] for r in rows[1:]]
        if formula:
            cells[1][2] = f"={rows[1][2]}*1"
        (folder / GDP).write_bytes(workbook_bytes(cells))

    return mutate


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        for m in mutations:
            m(folder)

    return mutate


NOTE = "# 不变价地区生产总值 GDP at constant 2023 prices\n"


def note_line(folder: Path) -> None:
    (folder / GDP).write_text(NOTE + (folder / GDP).read_text(encoding="utf-8"), encoding="utf-8")


def scaled(by: float, unit: str | None) -> Callable[[Path], None]:
    """Every GDP multiplied by ``by`` (a whole number) and the unit column set to ``unit`` (None: no unit
    column): the same GDP written in another unit, or a slip of the unit."""

    def mutate(folder: Path) -> None:
        rows = list(csv.reader(io.StringIO((folder / GDP).read_text(encoding="utf-8"))))
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        for n, r in enumerate(rows):
            value = r[2] if n == 0 else f"{float(r[2]) * by:.0f}"
            w.writerow(r[:2] + [value] + ([] if unit is None else [r[3] if n == 0 else unit]))
        (folder / GDP).write_text(out.getvalue(), encoding="utf-8")

    return mutate


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    mutate: Callable[[Path], None]
    message: str = ""
    #: not-computed: the units whose carbon intensity is not computed
    missing: tuple[int, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


VALUE = r"GDP table, row 4: column 'gdp_constant_2023' value"
NOT_A_GDP = r"is not a GDP: give a number > 0 and at most 1e\+09 亿元.*地区生产总值表第 4 行"

CASES: list[Case] = [
    # ---- the columns
    Case("column-gdp-missing", "refused:columns", text("gdp_constant_2023", "gdp"),
         rf"{GDP}: GDP table: needs the columns unit_code, year and one gdp_constant_YYYY .*"
         r"it has unit_code, year, gdp, unit / 地区生产总值表需有一列不变价地区生产总值"),
    Case("column-price-year-missing", "refused:columns", text("gdp_constant_2023", "gdp_constant"),
         r"needs the columns unit_code, year and one gdp_constant_YYYY"),
    Case("column-unit-code-missing", "refused:columns", drop_column("unit_code"),
         r"needs the columns unit_code, year .*it has year, gdp_constant_2023, unit"),
    Case("column-year-missing", "refused:columns", drop_column("year"),
         r"it has unit_code, gdp_constant_2023, unit"),
    Case("two-gdp-columns", "refused:columns",
         text("gdp_constant_2023,unit", "gdp_constant_2023,gdp_constant_2020"),
         r"it has unit_code, year, gdp_constant_2023, gdp_constant_2020"),
    # ---- the unit label
    Case("unit-dollars", "refused:unit", text("亿元", "美元"),
         rf"{GDP}: GDP table, row 2: column 'unit' value '美元' is not a unit of GDP: write 元, "
         r"万元 or 亿元 .*地区生产总值表第 2 行 unit 的值 '美元' 不是地区生产总值的单位"),
    # ---- a slip of the unit (decision 0091): 亿元 figures labelled 元 or 万元
    Case("unit-yuan-on-yi-yuan-figures", "refused:slip", text("亿元", "元"),
         rf"{GDP}: GDP table, row 2: column 'gdp_constant_2023' value 100.0 of unit 360102 "
         r"read in 元 \(as the column 'unit' says\) is 1e-06 亿元, less than 1 亿元, the bound "
         r"of a county's GDP; the figures look like 亿元 .*correct the column 'unit' of the row "
         r"/ 地区生产总值表第 2 行 gdp_constant_2023 的值 100.0.*低于县级单位"),
    Case("unit-wan-yuan-on-yi-yuan-figures", "refused:slip", every("亿元", "万元"),
         r"GDP table, row 2: .* value 100.0 of unit 360102 read in 万元 \(as the column 'unit' "
         r"says\) is 0.01 亿元, less than 1 亿元.*look like 亿元 \(the unit off by a factor 10\^4\)"),
    Case("unit-of-one-row", "refused:slip", text(XIHU_2024, XIHU_2024.replace("亿元", "万元")),
         r"GDP table, row 5: column 'gdp_constant_2023' value 52.0 of unit 360103 read in 万元"),
    Case("wan-yuan-figures-no-unit-column", "refused:slip", scaled(1e4, None),
         rf"{GDP}: GDP table, row 2: column 'gdp_constant_2023' value 1000000 of unit 360102 "
         r"read in 亿元 \(assumed: the table has no unit\) is 1,000,000 亿元, more than 30,000 "
         r"亿元, the bound of a county's GDP; the figures look like 万元 \(the unit off by a "
         r"factor 10\^4\); add a column 'unit' \(元, 万元 or 亿元\).*/ 地区生产总值表第 2 行.*"
         r"高于县级单位.*数值看来是以万元计的.*请增加 unit 列"),
    Case("yuan-figures-labelled-wan-yuan", "refused:slip", scaled(1e8, "万元"),
         r"row 2: .* value 10000000000 of unit 360102 read in 万元 \(as the column 'unit' says\)"
         r" is 1,000,000 亿元, more than 30,000 亿元.*look like 元"),
    Case("leping-in-wan-yuan-blank-unit", "refused:slip", append("360281,2024,3000000,"),
         r"row 6: column 'gdp_constant_2023' value 3000000(\.0)? of unit 360281 read in 亿元 "
         r"\(assumed: the table has no unit\) is 3,000,000 亿元.*look like 万元"),
    Case("leping-yi-yuan-labelled-wan-yuan", "refused:slip", append("360281,2024,300,万元"),
         r"row 6: .* value 300(\.0)? of unit 360281 read in 万元 .*is 0.03 亿元, less than 1 亿元.*"
         r"look like 亿元"),
    Case("province-in-wan-yuan-blank-unit", "refused:slip", append("360000,2024,322001000,"),
         r"row 6: .* value 322001000(\.0)? of unit 360000 read in 亿元 .*more than 300,000 亿元, the "
         r"bound of a province's GDP; the figures look like 万元.*高于省级单位"),
    Case("province-in-wan-yi-yuan", "refused:slip", append("360000,2024,3.22,亿元"),
         r"row 6: .* value 3.22 of unit 360000 read in 亿元 .*less than 1,000 亿元.*look like 万亿元"),
    # ---- a refusal names the row a spreadsheet shows (header in row 1, or below a note)
    Case("slip-below-a-note-line", "refused:row",
         both(text(XIHU_2024, XIHU_2024.replace("亿元", "万元")), note_line),
         r"GDP table, row 6: column 'gdp_constant_2023' value 52.0 of unit 360103 read in 万元"
         r".*地区生产总值表第 6 行 gdp_constant_2023 的值 52.0（单位 360103）"),
    Case("slip-in-a-workbook", "refused:row",
         both(text(XIHU_2024, XIHU_2024.replace("亿元", "万元")), workbook()),
         r"GDP table, row 5: column 'gdp_constant_2023' value 52(\.0)? of unit 360103 read in 万元"),
    Case("two-rows-twice-each", "refused:row", both(append(XIHU_2024), append(GULOU_2024)),
         rf"{GDP}: GDP table, row 7 repeats unit 360102 and year 2024 of row 4.*地区生产总值表第 7 "
         r"行与第 4 行为同一单位（360102）"),
    # ---- the GDP values
    Case("gdp-zero", "refused:value", text(GULOU_2024, "360102,2024,0,亿元"),
         rf"{VALUE} 0(\.0)? {NOT_A_GDP}"),
    Case("gdp-negative", "refused:value", text(GULOU_2024, "360102,2024,-104.0,亿元"),
         rf"{VALUE} -104.0 {NOT_A_GDP}"),
    Case("gdp-1e300", "refused:value", text(GULOU_2024, "360102,2024,1e300,亿元"),
         rf"{VALUE} 1e\+300 {NOT_A_GDP}"),
    Case("gdp-nan", "refused:value", text(GULOU_2024, "360102,2024,nan,亿元"),
         rf"{VALUE} nan {NOT_A_GDP}"),
    Case("gdp-infinite", "refused:value", text(GULOU_2024, "360102,2024,inf,亿元"),
         rf"{VALUE} inf {NOT_A_GDP}"),
    Case("gdp-text", "refused:value", text(GULOU_2024, "360102,2024,一百,亿元"),
         rf"{VALUE} '一百' {NOT_A_GDP}"),
    Case("gdp-empty", "refused:value", text(GULOU_2024, "360102,2024,,亿元"),
         rf"{VALUE} nan {NOT_A_GDP}"),
    # ---- units and years
    Case("county-twice", "refused:unit-code", append(GULOU_2024),
         rf"{GDP}: GDP table, row 6 repeats unit 360102 and year 2024 of row 4.*地区生产总值表第 6 "
         r"行与第 4 行为同一单位（360102）"),
    Case("county-code-unknown", "refused:unit-code", text(XIHU_2024, XIHU_2024.replace("360103", "360199")),
         rf"{GDP}: GDP table, row 5: column 'unit_code' value 360199 is not an administrative "
         r"code.*地区生产总值表第 5 行 unit_code 的值 360199 不是行政区划代码"),
    Case("county-code-a-name", "refused:unit-code", text(XIHU_2024, XIHU_2024.replace("360103", "西湖区")),
         r"GDP table, row 5: column 'unit_code' value '西湖区' is not a whole number"),
    Case("year-text", "refused:year", text(XIHU_2024, XIHU_2024.replace("2024", "2024年")),
         r"GDP table, row 5: column 'year' value '2024年' is not a whole number"),
    Case("year-other", "refused:year", every(",2024,", ",2022,"),
         rf"{GDP}: GDP table: no GDP of 2024 \(its years: 2022, 2023\).*没有 2024 年的数值"),
    # ---- the file
    Case("header-only", "refused:file", keep_lines(1),
         rf"{GDP}: GDP table: it has a header and no rows.*只有表头，没有数据行"),
    Case("empty", "refused:file", keep_lines(0), rf"{GDP}: the file is empty \(0 bytes\).*文件为空"),
    Case("workbook-with-a-formula", "refused:file", workbook(formula=True),
         r"formula.*公式"),
    # ---- a county's GDP missing: no intensity of the counties, the city or the province
    Case("county-missing", "not-computed", text(XIHU_2024 + "\n", ""),
         r"no GDP of 西湖区.*\(360103\) 2024", (360102, 360103, 360100, 360000)),
    Case("county-of-another-province-instead", "not-computed",
         text(XIHU_2024, XIHU_2024.replace("360103", "430102")),
         r"no GDP of 南昌市.*\(360100\) 2024 \(a sum of its counties without 西湖区.*\(360103\)\)",
         (360102, 360103, 360100, 360000)),
    # ---- the same GDP written otherwise
    Case("gb18030", "accepted", lambda folder: reencode(folder / GDP, "gb18030")),
    Case("workbook-named-csv", "accepted", workbook()),
    Case("no-unit-column", "accepted", drop_column("unit")),
    Case("unit-with-spaces", "accepted", text(XIHU_2024, XIHU_2024.replace("亿元", " 亿元 "))),
    Case("a-note-line", "accepted", note_line),
    Case("the-city-row-too", "accepted", append("360100,2024,156.0,亿元")),
    Case("in-wan-yuan", "accepted", scaled(1e4, "万元")),
    Case("in-yuan", "accepted", scaled(1e8, "元")),
    Case("another-province-in-wan-yuan-too", "accepted", append("430000,2024,500129000,万元")),
    Case("blank-unit-cell", "accepted", text(XIHU_2024, XIHU_2024.replace("亿元", ""))),
    Case("a-county-of-another-province-too", "accepted", append("430102,2024,1500.0,亿元")),
]  # fmt: skip


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def compute(folder: Path) -> Any:
    return runner.invoke(
        app,
        ["tracking", "series", "compute", "--year", "2024", "--gdp", str(folder / GDP),
         "--database", str(folder / "store.sqlite"), "--format", "csv"],
    )  # fmt: skip


def _values(stdout: str) -> dict[tuple[str, int], str]:
    return {
        (r["indicator"], int(r["unit_code"])): r["value"]
        for r in csv.DictReader(io.StringIO(stdout))
    }


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    built = tmp_path_factory.mktemp("tracking-gdp-start")
    series_store(f"sqlite:///{built / 'store.sqlite'}", built / "work").dispose()
    shutil.rmtree(built / "work")
    write_gdp(built / GDP)

    def copy(folder: Path) -> None:
        shutil.copytree(built, folder, dirs_exist_ok=True)

    return copy


@pytest.fixture(scope="module")
def good(
    start: Callable[[Path], None], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, int], str]:
    folder = tmp_path_factory.mktemp("tracking-gdp-good")
    start(folder)
    r = compute(folder)
    assert r.exit_code == 0, r.output
    return _values(r.stdout)


def test_the_start_computes_every_intensity(good: dict[tuple[str, int], str]) -> None:
    """The good table gives the intensity of both counties, the city and the province:
    the total [万t CO2] over the GDP [亿元], in t CO2/万元."""
    intensity = {u: float(v) for (i, u), v in good.items() if i == "co2_intensity"}
    assert set(intensity) == {360102, 360103, 360100, 360000}
    totals = {u: float(v) for (i, u), v in good.items() if i == "co2_total"}
    assert intensity[360100] == pytest.approx(totals[360100] / (104.0 + 52.0))
    assert intensity[360103] == pytest.approx(totals[360103] / 52.0)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_gdp_table(
    case: Case, start: Callable[[Path], None], good: dict[tuple[str, int], str], tmp_path: Path
) -> None:
    start(tmp_path)
    db = tmp_path / "store.sqlite"
    before = dump(db)
    case.mutate(tmp_path)
    result = compute(tmp_path)
    output = ran_cleanly(result)
    if case.cls.startswith("refused:"):
        assert_refused(result, case.message)
        assert dump(db) == before, "a refused run changed the store"
        return
    assert result.exit_code == 0, output
    got = _values(result.stdout)
    if case.cls == "accepted":
        assert got == good
        return
    assert re.search(case.message, " ".join(result.stderr.split())), result.stderr
    lacking = {k for k in good if k[0] == "co2_intensity" and k[1] in case.missing}
    assert lacking and not lacking & set(got), got  # none computed from part of the GDP
    assert got == {k: v for k, v in good.items() if k not in lacking}


@pytest.mark.parametrize(("by", "unit"), [(1e4, "万元"), (1e8, "元")])
def test_the_unit_read_is_named(
    by: float, unit: str, start: Callable[[Path], None], tmp_path: Path
) -> None:
    """A GDP table in 万元 or 元 is converted, and the run's notes name the unit read."""
    start(tmp_path)
    scaled(by, unit)(tmp_path)
    result = runner.invoke(
        app,
        ["tracking", "series", "compute", "--year", "2024", "--gdp", str(tmp_path / GDP),
         "--database", str(tmp_path / "store.sqlite"), "--format", "table"],
    )  # fmt: skip
    assert result.exit_code == 0, ran_cleanly(result)
    assert (
        f"GDP table read in {unit}, converted to 亿元 / 地区生产总值表按{unit}读取，已换算为亿元"
        in (" ".join(result.stderr.split()))
    )
