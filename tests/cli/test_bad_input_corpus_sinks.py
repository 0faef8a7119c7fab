"""A corpus of bad inputs of the forest carbon sink, run end to end through
``ganpo carbon run`` (in the style of tests/cli/test_bad_input_corpus_carbon.py).

The forest sink of an inventory year is measured from the dataset's forest inventories
(``forest_stock.csv``: stand volume by county, survey year and forest type; the stock
difference of the two surveys that bracket the year) with the sink factor set the
description names (``sink_factors``). Each case starts from a tiny SYNTHETIC dataset — the
demo's forest inventories of 2021 and 2023 (:func:`ganpo.demo.carbon.build_carbon_demo`)
and its electricity table, cut down to five counties of Nanchang — and a SQLite store
holding its good inventory of 2022 (both built once per module and worker, then copied
into the case's folder). The case snapshots the store, applies ONE mutation to one cell,
row, column or file and runs ``ganpo carbon run`` into the same store. Classes:

* ``refused:<what>`` — exit code 2; no traceback; the message names the file, the column
  or field and the value (a regex per case) and has its Chinese half; the store is
  unchanged: its SQLite dump is the same statement for statement.
* ``flagged`` — a stock that changed by 10^2.5 or more between the two surveys (likely
  m3 written under 万m3): stored as given (exit code 0), with a note naming the file, the
  unit code, the forest type and the ratio in both languages.
* ``accepted`` — a value-neutral change (GB 18030, an .xlsx named .csv, the volume in m3
  or 万立方米 rather than 万m3, a year written 2021.0, …): exit code 0 and an inventory whose
  county rows equal the good inventory's (to 10⁻⁹).

``pytest --collect-only -q tests/cli/test_bad_input_corpus_sinks.py`` lists the cases.
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

from corpus_support import as_number, has_chinese_half, reencode, replace_once, workbook_bytes
from corpus_support import store_dump as dump
from ganpo.cli.main import app
from ganpo.demo.carbon import build_carbon_demo

runner = CliRunner()

#: the counties kept from the demo (Nanchang: 东湖区, 西湖区, 南昌县, 安义县, 进贤县)
KEEP = {"360102", "360103", "360121", "360123", "360124"}
FOREST = "forest_stock.csv"
DESCRIPTION = "carbon-dataset.toml"
#: the tables kept: the forest inventories, and electricity (so that an inventory without
#: a sink is still an inventory)
TABLES = {"forest_stock": FOREST, "electricity": "electricity.csv"}


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


def cell(column: str, value: str, row: int = 1) -> Callable[[Path], None]:
    """Set ``column`` of the forest table's ``row`` (1: the first, 东湖区's Chinese fir in
    2021) to the text ``value``."""

    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / FOREST)
        rows[row][rows[0].index(column)] = value
        _write(folder / FOREST, notes, rows)

    return mutate


def first_row(column: str, value: str, unit: str) -> Callable[[Path], None]:
    """The first row's quantity given as ``value`` in ``unit`` (the same volume)."""

    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / FOREST)
        rows[1][rows[0].index(column)] = value
        rows[1][rows[0].index("unit")] = unit
        _write(folder / FOREST, notes, rows)

    return mutate


def repeat_row(*, quantity: str | None = None, unit: str | None = None) -> Callable[[Path], None]:
    """Write the forest table's first row twice (the copy with another quantity or unit
    if given)."""

    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / FOREST)
        copy = list(rows[1])
        if quantity is not None:
            copy[rows[0].index("quantity")] = quantity
        if unit is not None:
            copy[rows[0].index("unit")] = unit
        _write(folder / FOREST, notes, [rows[0], rows[1], copy, *rows[2:]])

    return mutate


def drop_row(folder: Path) -> None:
    """Leave out the forest table's first row (东湖区's Chinese fir in 2021)."""
    notes, rows = _rows(folder / FOREST)
    _write(folder / FOREST, notes, [rows[0], *rows[2:]])


def drop_column(column: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / FOREST)
        j = rows[0].index(column)
        _write(folder / FOREST, notes, [r[:j] + r[j + 1 :] for r in rows])

    return mutate


def repeat_column(column: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / FOREST)
        j = rows[0].index(column)
        _write(folder / FOREST, notes, [[*r, r[j]] for r in rows])

    return mutate


def header_only(folder: Path) -> None:
    notes, rows = _rows(folder / FOREST)
    _write(folder / FOREST, notes, rows[:1])


def empty_file(folder: Path) -> None:
    (folder / FOREST).write_bytes(b"")


def gb18030(folder: Path) -> None:
    """The forest table saved in GB 18030, as Chinese Excel saves "CSV"."""
    reencode(folder / FOREST, "gb18030")


def utf16(folder: Path) -> None:
    """The forest table saved in UTF-16 (Excel's "Unicode text")."""
    reencode(folder / FOREST, "utf-16")


def workbook(folder: Path) -> None:
    """The forest table as an .xlsx workbook under its .csv name (numbers as numbers)."""
    _, rows = _rows(folder / FOREST)
    cells = [rows[0], *([as_number(c) for c in r] for r in rows[1:])]
    (folder / FOREST).write_bytes(workbook_bytes(cells))


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


#: the first row as the stock difference names it (the first of the two inventories):
#: row 3 of the file, under a note line and the header, as a spreadsheet shows it
ROW3 = rf"table '{FOREST}, first inventory', row 3 \(unit code 360102, 2021\)"
#: 东湖区's Chinese fir in 2023, when its row of 2021 is missing or moved
NO_PAIR = (
    rf"table '{FOREST}, second inventory', row 38 \(unit code 360102, 2023\): forest "
    r"type 'chinese_fir' of unit 360102 has no row in the first inventory.*两期清查"
)
QTY = rf"{ROW3}: column 'quantity' value"

CASES = [
    # ---- the stand volume
    Case("volume-nan", "refused:value", cell("quantity", "nan"),
         rf"{QTY} nan is not a number.*quantity 的值 nan 不是数值"),
    Case("volume-empty", "refused:value", cell("quantity", ""), rf"{QTY} nan is not a number"),
    Case("volume-text", "refused:value", cell("quantity", "abc"), rf"{QTY} 'abc' is not a number"),
    Case("volume-with-unit", "refused:value", cell("quantity", "24.98万m3"),
         rf"{QTY} '24.98万m3' is not a number"),
    Case("volume-negative", "refused:value", cell("quantity", "-24.98"),
         rf"{QTY} -24.98 is negative.*为负数"),
    Case("volume-infinite", "refused:value", cell("quantity", "inf"), rf"{QTY} inf is infinite"),
    Case("volume-1e300", "refused:value", cell("quantity", "1e300"), rf"{QTY} 1e\+300 is larger"),
    Case("volume-1e300", "refused:value", cell("quantity", "1e300"), rf"{QTY} 1e\+300 is larger"),
    Case("volume-1e10-wan-m3", "refused:value", cell("quantity", "1e10"),
         rf"{QTY} 1e\+10 万m3 is 1e\+14 m3, more than any forest holds \(at most "
         r"1e\+12 m3.*即 1e\+14 立方米，超过上限"),
    Case("volume-1e14-yi-m3", "refused:value", first_row("quantity", "1e14", "亿m3"),
         rf"{QTY} 1e\+14 亿m3 is 1e\+22 m3, more than any forest holds"),
    # ---- units
    Case("unit-mass", "refused:unit", cell("unit", "t"),
         rf"{ROW3}: column 'unit' value 't' is neither a volume .*单位 t 不是蓄积量"),
    Case("unit-empty", "refused:unit", cell("unit", ""),
         rf"{ROW3}: column 'unit' value 'nan' is neither a volume"),
    Case("unit-area-for-fir", "refused:unit", cell("unit", "hm2"),
         rf"{ROW3}: forest type 'chinese_fir' has no factor 'forest.chinese_fir.carbon_density'"),
    # ---- codes
    Case("forest-type-unknown", "refused:code", cell("forest_type", "oak"),
         rf"{ROW3}: column 'forest_type' value 'oak' is not a forest type.*森林类型 oak"),
    Case("forest-type-empty", "refused:code", cell("forest_type", ""),
         rf"{ROW3}: column 'forest_type' value 'nan' is not a forest type"),
    Case("forest-type-capitals", "refused:code", cell("forest_type", "Chinese_Fir"),
         rf"{ROW3}: column 'forest_type' value 'Chinese_Fir' is not a forest type"),
    Case("unit-code-text", "refused:code", cell("unit_code", "东湖区"), r"unit_code.*东湖区"),
    Case("unit-code-no-adcode", "refused:code", cell("unit_code", "999999"), r"999999"),
    Case("unit-code-other-province", "refused:code", cell("unit_code", "440103"), r"440103"),
    # a city's row in a county dataset is not read (datasets may give both levels): the
    # county's type then lacks its first inventory
    Case("unit-code-city", "refused:code", cell("unit_code", "360100"), NO_PAIR),
    Case("unit-code-empty", "refused:code", cell("unit_code", ""), r"unit_code"),
    Case("sink-factors-unknown", "refused:description",
         describe('sink_factors = "cn-forestry"', 'sink_factors = "cn-forestry-2030"'),
         rf"{DESCRIPTION}: sink_factors = 'cn-forestry-2030' is not a sink factor set; give one "
         r"of cn-forestry.*sink_factors 的值 'cn-forestry-2030' 不是碳汇因子集"),
    Case("sink-factors-number", "refused:description",
         describe('sink_factors = "cn-forestry"', "sink_factors = 1"),
         rf"{DESCRIPTION}: sink_factors = 1 is not the name of a sink factor set.*sink_factors "
         r"的值 1"),
    # ---- years
    Case("year-text", "refused:year", cell("year", "2021年"), r"'2021年' is not a year"),
    Case("year-empty", "refused:year", cell("year", ""), r"value nan is not a year"),
    Case("year-fractional", "refused:year", cell("year", "2021.5"), r"2021.5 is not a year"),
    # the run's year is a survey year: 2022's only row (the Chinese fir) is the second
    # inventory, which then lacks the other types
    Case("year-of-the-run", "refused:year", cell("year", "2022"),
         rf"table '{FOREST}, second inventory', row 3 \(unit code 360102, 2022\): forest type "
         r"'chinese_fir' of unit 360102 has no row in the first inventory"),
    Case("year-1800", "refused:year", cell("year", "1800"), NO_PAIR),
    Case("year-9999", "refused:year", cell("year", "9999"), NO_PAIR),
    Case("year-99999", "refused:year", cell("year", "99999"),
         rf"table '{FOREST}', row 3 .*column 'year' value 99999 is not a year"),
    Case("year-second-before-first", "refused:year", cell("year", "2020", row=36),
         rf"{ROW3}: forest type 'chinese_fir' of unit 360102 has no row in the second "
         r"inventory.*两期清查"),
    # ---- rows and columns
    Case("row-twice", "refused:row", repeat_row(),
         rf"table '{FOREST}', row 4 \(unit code 360102, 2021\) repeats row 3: .*"
         r"forest_type chinese_fir"),
    Case("row-twice-other-volume", "refused:row", repeat_row(quantity="1.0"),
         rf"table '{FOREST}', row 4 \(unit code 360102, 2021\) repeats row 3"),
    Case("row-twice-other-unit", "refused:row", repeat_row(quantity="249800", unit="m3"),
         rf"table '{FOREST}', row 4 \(unit code 360102, 2021\) repeats row 3"),
    Case("row-missing", "refused:row", drop_row,
         NO_PAIR.replace("row 38", "row 37")),
    Case("column-missing", "refused:column", drop_column("forest_type"),
         rf"table '{FOREST}' lacks column\(s\) forest_type"),
    Case("column-twice", "refused:column", repeat_column("quantity"),
         rf"{FOREST}: 1 problem\(s\): .*quantity.*表格有 1 处问题"),
    # ---- files
    Case("file-empty", "refused:file", empty_file, rf"{FOREST}"),
    Case("file-header-only", "refused:file", header_only,
         rf"{FOREST}: {DESCRIPTION} lists table 'forest_stock' as '{FOREST}', which has a header "
         r"but no rows.*只有表头没有数据行"),
    Case("file-utf16", "refused:file", utf16, rf"{FOREST}"),
    # ---- flagged: stored as given, with a note (a stock ×10^2.5 between the surveys)
    Case("volume-in-m3-labelled-wan-m3", "flagged", cell("quantity", "249800"),
         rf"{FOREST}: unit code 360102, forest type chinese_fir: the stand volume of 2023 is "
         r"1/9,194 × that of 2021, which makes the forest sink of 2022; check the unit \(m3 or "
         r"万m3\).*2023 年蓄积量为 2021 年的 1/9,194 ×，请核对单位"),
    Case("second-volume-in-m3-labelled-wan-m3", "flagged", cell("quantity", "271700", row=36),
         r"the stand volume of 2023 is 10,877 × that of 2021"),
    # ---- fine inputs
    Case("gb18030", "accepted", gb18030),
    Case("workbook-named-csv", "accepted", workbook),
    Case("volume-in-m3", "accepted", first_row("quantity", "249800", "m3")),
    Case("volume-in-wan-li-fang-mi", "accepted", first_row("quantity", "24.98", "万立方米")),
    Case("year-written-2021.0", "accepted", cell("year", "2021.0")),
    Case("unit-code-written-360102.0", "accepted", cell("unit_code", "360102.0")),
    Case("volume-with-spaces", "accepted", cell("quantity", " 24.98 ")),
    Case("unit-superscript", "accepted", cell("unit", "万m³")),
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


def _description(text: str) -> str:
    """The demo's description with only :data:`TABLES` listed."""
    head = text.split("[tables]", 1)[0]
    return head + "[tables]\n" + "".join(f'{k} = "{v}"\n' for k, v in TABLES.items())


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Copy the tiny dataset (``data``) and its store of one good inventory of 2022
    (``store.sqlite``) into a case's folder (built once per module and worker)."""
    built = tmp_path_factory.mktemp("sinks-start")
    full = build_carbon_demo(built / "full").parent
    data = built / "data"
    data.mkdir()
    for name in TABLES.values():
        notes, rows = _rows(full / name)
        _write(data / name, notes, [rows[0], *(r for r in rows[1:] if r[0] in KEEP)])
    text = (full / DESCRIPTION).read_text(encoding="utf-8")
    (data / DESCRIPTION).write_text(_description(text), encoding="utf-8")
    shutil.rmtree(full)
    good = carbon_run(data, built / "store.sqlite")
    assert good.exit_code == 0, good.output

    def copy(folder: Path) -> Path:
        shutil.copytree(built, folder, dirs_exist_ok=True)
        return folder / "data"

    return copy


def test_the_start_is_not_empty(start: Callable[[Path], Path], tmp_path: Path) -> None:
    """The forest table's first row is 东湖区's Chinese fir of 2021 in 万m3 and its row 36
    the same type in 2023 (the cases' messages name them); the good inventory has a forest
    sink (3.B.1.a, a removal: negative) in each of the five counties."""
    data = start(tmp_path)
    _, rows = _rows(data / FOREST)
    assert rows[1][:1] + rows[1][2:] == ["360102", "2021", "chinese_fir", "24.98", "万m3"]
    assert rows[36][:1] + rows[36][2:4] == ["360102", "2023", "chinese_fir"]
    good = county_rows(tmp_path / "store.sqlite", 1)
    sink = {u: v for (u, c), v in good.items() if c == "3.B.1.a"}
    assert set(sink) == set(map(int, KEEP)) and all(v < 0 for v in sink.values()), sink


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
    if case.cls == "flagged":
        assert result.exit_code == 0, output
        flat = " ".join(output.split())
        assert "stored inventory 已存储清单 2" in flat, flat
        assert re.search(case.message, flat, re.S), flat
        return
    assert result.exit_code == 0, output
    assert "stored inventory 已存储清单 2" in output, output
    good, new = county_rows(db, 1), county_rows(db, 2)
    assert new.keys() == good.keys()
    assert new == {k: pytest.approx(v, rel=1e-9, abs=1e-6) for k, v in good.items()}
