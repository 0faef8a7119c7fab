"""A corpus of bad inputs of the decision's tracking, run end to end through ``ganpo
tracking status --file`` and ``ganpo tracking series load`` (in the style of
tests/cli/test_bad_input_corpus_carbon.py; the dual-control targets have theirs there).

The start (built once per module and worker) is the shipped tracking file of the Jiangxi
decision — its pillars, indicators, targets and observations, most of them SYNTHETIC —
copied as ``decision.toml``; a series CSV of the same observations (``series.csv``); and a
SQLite store holding them (``ganpo tracking series load``). A case changes ONE thing — a
field of the tracking file, a cell or row of the series file, the file's encoding or kind
— and runs

* ``status``: ``ganpo tracking status --file decision.toml --format csv``;
* ``load``: ``ganpo tracking series load series.csv --file decision.toml --database
  store.sqlite --format csv``.

A case's id starts with its class:

* ``refused:<what>`` — exit code 2; no traceback; the message names the file, the target,
  observation or row, the field or column and the value (a regex per case) and has its
  Chinese half; the store is unchanged, its SQLite dump the same statement for statement.
* ``accepted`` — the input means the same (a GB 18030 or .xlsx series file, a value in t
  rather than 万t, a whole number written without its ``.0``): exit code 0, and the status
  of every target as the unchanged inputs give it.

``pytest --collect-only -q tests/cli/test_bad_input_corpus_tracking.py`` lists the cases.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corpus_support import (
    as_number,
    assert_refused,
    csv_rows,
    ran_cleanly,
    reencode,
    replace_once,
    workbook_bytes,
    write_csv,
)
from corpus_support import store_dump as dump
from ganpo.cli.main import app
from tracking_support import COLUMNS, SERIES, TOML, decision_start

runner = CliRunner()


# --------------------------------------------------------------------------- mutations


def text(old: str, new: str, *, file: str = TOML) -> Callable[[Path], None]:
    """Replace the first ``old`` by ``new`` in the tracking file."""

    return lambda folder: replace_once(folder / file, old, new)


def _row_of(rows: list[list[str]], indicator: str) -> int:
    """The first row of ``indicator`` (its first year)."""
    return next(i for i, r in enumerate(rows) if i and r[0] == indicator)


def cell(column: str, value: str, indicator: str = "forest_cover") -> Callable[[Path], None]:
    """Set ``column`` of the series file's first row of ``indicator`` to ``value``."""

    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / SERIES)
        rows[_row_of(rows, indicator)][rows[0].index(column)] = value
        write_csv(folder / SERIES, rows)

    return mutate


def repeat_row(indicator: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / SERIES)
        i = _row_of(rows, indicator)
        write_csv(folder / SERIES, [*rows[: i + 1], rows[i], *rows[i + 1 :]])

    return mutate


def drop_column(column: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / SERIES)
        j = rows[0].index(column)
        write_csv(folder / SERIES, [r[:j] + r[j + 1 :] for r in rows])

    return mutate


def header_only(folder: Path) -> None:
    write_csv(folder / SERIES, csv_rows(folder / SERIES)[:1])


def empty(file: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        (folder / file).write_bytes(b"")

    return mutate


def gb18030(file: str) -> Callable[[Path], None]:
    return lambda folder: reencode(folder / file, "gb18030")


def in_tonnes(folder: Path) -> None:
    """The first recycled-resources row in t instead of 万t (its value × 10⁴)."""
    rows = csv_rows(folder / SERIES)
    i, v, u = _row_of(rows, "recycled_resources"), COLUMNS.index("value"), COLUMNS.index("unit")
    assert rows[i][u] == "万t"
    rows[i][v], rows[i][u] = f"{float(rows[i][v]) * 1e4:.0f}", "t"
    write_csv(folder / SERIES, rows)


def workbook(*, formula: bool = False) -> Callable[[Path], None]:
    """The series file as an .xlsx workbook under its .csv name (numbers as numbers); with
    ``formula`` the first value is a formula of itself."""

    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / SERIES)
        v = COLUMNS.index("value")
        cells: list[list[Any]] = [list(rows[0])]
        for k, r in enumerate(rows[1:]):
            cells.append([as_number(c) for c in r])
            if formula and k == 0:
                cells[-1][v] = f"={r[v]}*1"
        (folder / SERIES).write_bytes(workbook_bytes(cells))

    return mutate


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One mutation: its class, the command it runs (``status`` or ``load``), what it does
    to the start's folder and, for a refusal, a regex the message must match."""

    name: str
    cls: str
    command: str
    mutate: Callable[[Path], None]
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


# the first lines of targets and observations the cases change
GANZHOU = 'key = "ganzhou-forest-cover-2026"\nindicator = "forest_cover"\nunit_code = 360700'
NONFOSSIL_BASE = "base_value = 15.0"
RECYCLED_TARGET = 'value = 4600.0\nvalue_unit = "万t"'
OBS = 'indicator = "forest_cover"\nunit_code = 360700\nyear = 2023\nvalue = 76.2'
OBS_GANZHOU = r"observation 'forest_cover 360700 2023' \(observations\[28\]\)"
ROW2 = r"series.csv: row 2"

SECOND_RECYCLED = (
    '[[indicators]]\nkey = "recycled_resources"\nname_zh = "x"\nname_en = "x"\n'
    'unit = "t"\ndirection = "higher_is_better"\n\n'
)
SECOND_CO2 = (
    '[[indicators]]\nkey = "co2_intensity"\nname_zh = "x"\nname_en = "x"\n'
    'unit = "t"\ndirection = "lower_is_better"\n\n'
)
RECYCLED_INDICATOR = '[[indicators]]\nkey = "recycled_resources"'

CASES: list[Case] = [
    # ---- targets
    Case("target-indicator-unknown", "refused:target", "status",
         text(GANZHOU, GANZHOU.replace('"forest_cover"', '"forest_covr"')),
         rf"{TOML}: target 'ganzhou-forest-cover-2026': unknown indicator 'forest_covr'.*的指标 forest_covr 未登记"),
    Case("target-unit-code-no-adcode", "refused:target", "status",
         text(GANZHOU, GANZHOU.replace("360700", "999999")),
         rf"{TOML}: target 'ganzhou-forest-cover-2026', field unit_code 999999 is not an administrative code.*unit_code 999999 不是行政区划代码"),
    Case("target-unit-code-a-name", "refused:target", "status",
         text(GANZHOU, GANZHOU.replace("360700", '"赣州市"')),
         r"target 'ganzhou-forest-cover-2026' \(targets\[10\]\), field unit_code: Input should be a valid integer.*\(given: '赣州市'\).*目标跟踪文件有误"),
    Case("target-value-unit-does-not-convert", "refused:target", "status",
         text(RECYCLED_TARGET, RECYCLED_TARGET.replace('"万t"', '"亿元"')),
         r"target 'recycled-resources-2026', field value_unit: unit '亿元' does not measure the same quantity as '万t'.*单位“亿元”不能换算"),
    Case("target-value-1e300", "refused:target", "status",
         text("value = 63.1\n", "value = 1e300\n"),
         r"target 'forest-cover-2024-2026', field value = 1e\+300 % lies outside the range of indicator 'forest_cover', 0 to 100 %.*value 值 1e\+300 % 超出"),
    Case("target-share-negative", "refused:target", "status", text("value = 95.0", "value = -95.0"),
         r"target 'good-air-days-2024-2026', field value = -95 % lies outside the range.*0 to 100 %"),
    Case("target-share-above-100", "refused:target", "status", text("value = 95.0", "value = 195.0"),
         r"target 'good-air-days-2024-2026', field value = 195 % lies outside the range"),
    Case("target-value-infinite", "refused:target", "status", text("value = 95.0", "value = inf"),
         r"target 'good-air-days-2024-2026' \(targets\[1\]\), field value: Input should be a finite number \(given: inf\)"),
    Case("target-gep-1e300", "refused:target", "status", text("value = 4.4", "value = 1e300"),
         r"target 'gep-2026', field value = 1e\+300 10\^12 CNY \(1e\+304 亿元\) is larger than 1e\+15 亿元.*超出指标“生态系统生产总值（GEP）”"),
    Case("target-base-value-1e300", "refused:target", "status", text(NONFOSSIL_BASE, "base_value = 1e300"),
         r"target 'non-fossil-2025', field base_value = 1e\+300 % lies outside the range"),
    Case("target-base-value-negative", "refused:target", "status", text(NONFOSSIL_BASE, "base_value = -15.0"),
         r"target 'non-fossil-2025', field base_value = -15 % lies outside the range.*base_value 值 -15 %"),
    Case("target-period-reversed", "refused:target", "status", text("period = [2024, 2026]", "period = [2026, 2024]"),
         r"target 'forest-cover-2024-2026' \(targets\[0\]\): period 2026–2024 ends before it starts"),
    Case("target-period-year-9999", "refused:target", "status", text("period = [2024, 2026]", "period = [2024, 9999]"),
         r"target 'forest-cover-2024-2026' \(targets\[0\]\): period 2024–9999: its years run from 1949 to 2100.*目标跟踪文件有误"),
    Case("target-period-one-year", "refused:target", "status", text("period = [2024, 2026]", "period = [2026]"),
         r"target 'forest-cover-2024-2026' \(targets\[0\]\), field period.1: Field required"),
    Case("target-base-year-after", "refused:target", "status", text("base_year = 2023", "base_year = 2025"),
         r"\(targets\[0\]\): base_year 2025 must precede the period's first year 2024"),
    Case("target-kind-against-direction", "refused:target", "status", text('kind = "floor"', 'kind = "ceiling"'),
         r"target 'forest-cover-2024-2026': a ceiling target does not fit indicator 'forest_cover', where higher is better.*类型 ceiling 与指标“森林覆盖率”的方向不符"),
    Case("target-key-twice", "refused:target", "status",
         text('key = "nanchang-forest-cover-2026"', 'key = "ganzhou-forest-cover-2026"'),
         r"target 'ganzhou-forest-cover-2026' is given twice \(indicator forest_cover, unit_code 360700; and indicator forest_cover, unit_code 360100\).*目标代码“ganzhou-forest-cover-2026”重复"),
    Case("target-status-unknown", "refused:target", "status", text('status = "adopted"\nnote = "text', 'status = "official"\nnote = "text'),
         r"target 'strategic-emerging-2026' \(targets\[8\]\), field status: Input should be .* \(given: 'official'\)"),
    Case("target-field-missing", "refused:target", "status", text('kind = "floor"\n', ""),
         r"target 'forest-cover-2024-2026' \(targets\[0\]\), field kind: Field required"),
    # ---- indicators, pillars
    Case("indicator-twice-another-unit", "refused:indicator", "status",
         text(RECYCLED_INDICATOR, SECOND_RECYCLED + RECYCLED_INDICATOR),
         rf"{TOML}: indicator 'recycled_resources' is already registered with another definition \(.*unit 't' and '万t'\).*指标 recycled_resources 重复定义"),
    Case("indicator-redefines-dual-control", "refused:indicator", "status",
         text(RECYCLED_INDICATOR, SECOND_CO2 + RECYCLED_INDICATOR),
         rf"{TOML}: indicator 'co2_intensity' is already registered with another definition .*unit 't CO2/万元' and 't'"),
    Case("indicator-department-unknown", "refused:indicator", "status",
         text('department = "forestry"', 'department = "forests"'),
         rf"{TOML}: indicator 'forest_cover': unknown department 'forests'.*填报部门“forests”"),
    Case("indicator-range-reversed", "refused:indicator", "status",
         text("valid_range = [0.0, 100.0]", "valid_range = [100.0, 0.0]"),
         r"indicator 'forest_cover' \(indicators\[0\]\): valid_range \[100.0, 0.0\] is empty"),
    Case("indicator-direction-unknown", "refused:indicator", "status",
         text('direction = "higher_is_better"', 'direction = "up"'),
         r"indicator 'forest_cover' \(indicators\[0\]\), field direction: .*\(given: 'up'\)"),
    Case("clause-indicator-unknown", "refused:pillar", "status",
         text('indicators = ["forest_cover"]', 'indicators = ["forest_covr"]'),
         rf"{TOML}: clause 'ecosystem_protection' of pillar 'environment_quality' names unknown indicator\(s\) forest_covr.*所列指标未登记"),
    Case("pillar-key-twice", "refused:pillar", "status",
         text('key = "institutions"', 'key = "ecological_value"'),
         r"pillar key\(s\) given twice: ecological_value"),
    # ---- observations in the tracking file
    Case("observation-unit-code-no-adcode", "refused:observation", "status",
         text(OBS, OBS.replace("360700", "999999")),
         rf"{TOML}: observation of 'forest_cover' for 999999 in 2023: field unit_code 999999 is not an administrative code.*unit_code 999999 不是行政区划代码"),
    Case("observation-value-1e300", "refused:observation", "status",
         text(OBS, OBS.replace("76.2", "1e300")),
         rf"{TOML}: observation of 'forest_cover' for 360700 in 2023: field value = 1e\+300 % lies outside the range of indicator 'forest_cover'.*超出指标的合理范围"),
    Case("observation-share-negative", "refused:observation", "status",
         text(OBS, OBS.replace("76.2", "-76.2")),
         r"observation of 'forest_cover' for 360700 in 2023: field value = -76.2 % lies outside"),
    Case("observation-value-nan", "refused:observation", "status",
         text(OBS, OBS.replace("76.2", "nan")),
         rf"{OBS_GANZHOU}, field value: Input should be a finite number \(given: nan\)"),
    Case("observation-year-2200", "refused:observation", "status",
         text(OBS, OBS.replace("2023", "2200")),
         r"observation 'forest_cover 360700 2200' \(observations\[28\]\), field year: Input should be less than or equal to 2100 \(given: 2200\)"),
    Case("observation-indicator-unknown", "refused:observation", "status",
         text(OBS, OBS.replace('"forest_cover"', '"forest_covr"')),
         r"observation of 'forest_covr' for 360700 in 2023: unknown indicator 'forest_covr'.*未登记的指标 forest_covr"),
    Case("observation-twice", "refused:observation", "status",
         text(OBS, OBS.replace("2023", "2025")),
         r"observation of 'forest_cover' for 360700 in 2025 is given twice \(76.2 %, SYNTHETIC 合成; and 76.35 %.*观测值重复"),
    Case("observation-unit-does-not-convert", "refused:observation", "status",
         text('value = 3800.0\nunit = "万t"', 'value = 3800.0\nunit = "亿元"'),
         r"observation of 'recycled_resources' for 360000 in 2023: unit '亿元' does not measure the same quantity as '万t'"),
    # ---- the file
    Case("file-empty", "refused:file", "status", empty(TOML),
         rf"{TOML}: the tracking file holds no pillars, indicators, .*目标跟踪文件为空"),
    Case("file-gb18030", "refused:file", "status", gb18030(TOML),
         rf"{TOML}: the tracking file is not UTF-8 \(byte 0xa1 at position 181\).*不是 UTF-8 编码"),
    Case("file-not-toml", "refused:file", "status", text("[[pillars]]", "[[pillars]"),
         rf"{TOML}: cannot read the tracking file: Expected ']]' .*\(at line 26, column 10\).*不是有效的 TOML"),
    Case("file-field-unknown", "refused:file", "status", text("version = ", "versoin = "),
         r"field versoin: Extra inputs are not permitted.*field versoin 无效"),
    Case("file-valid-from-text", "refused:file", "status",
         text("valid_from = 2024-01-26", 'valid_from = "soon"'),
         r"field valid_from: Input should be a valid date"),
    # ---- the series file
    Case("series-value-text", "refused:series", "load", cell("value", "abc"),
         rf"{ROW2}: column value: Input should be a valid number.*\(given: 'abc'\).*第2行 value 列的值 'abc' 无效"),
    Case("series-value-empty", "refused:series", "load", cell("value", ""),
         rf"{ROW2}: column value: Input should be a valid number.*\(given: ''\)"),
    Case("series-value-nan", "refused:series", "load", cell("value", "nan"),
         rf"{ROW2}: column value: Input should be a finite number \(given: 'nan'\)"),
    Case("series-value-infinite", "refused:series", "load", cell("value", "inf"),
         rf"{ROW2}: column value: Input should be a finite number \(given: 'inf'\)"),
    Case("series-value-1e300", "refused:series", "load", cell("value", "1e300"),
         rf"{SERIES}: observation of 'forest_cover' for 360000 in 2023: field value = 1e\+300 % lies outside the range of indicator 'forest_cover', 0 to 100 %.*1e\+300 % 超出指标的合理范围"),
    Case("series-share-negative", "refused:series", "load", cell("value", "-63.1"),
         r"observation of 'forest_cover' for 360000 in 2023: field value = -63.1 % lies outside"),
    Case("series-gep-1e300", "refused:series", "load", cell("value", "1e300", "gep"),
         r"observation of 'gep' for 360000 in 2023: field value = 1e\+300 亿元 is larger than 1e\+15 亿元"),
    Case("series-value-thousands-separator", "refused:series", "load",
         cell("value", "3,800", "recycled_resources"),
         r"series.csv: row 27: column value: .*\(given: '3,800'\)"),
    Case("series-unit-code-no-adcode", "refused:series", "load", cell("unit_code", "999999"),
         rf"{SERIES}: observation of 'forest_cover' for 999999 in 2023: field unit_code 999999 is not an administrative code"),
    Case("series-unit-code-a-name", "refused:series", "load", cell("unit_code", "江西省"),
         rf"{ROW2}: column unit_code: Input should be a valid integer.*\(given: '江西省'\).*第2行 unit_code 列的值"),
    Case("series-year-text", "refused:series", "load", cell("year", "2023年"),
         rf"{ROW2}: column year: Input should be a valid integer.*\(given: '2023年'\)"),
    Case("series-year-fractional", "refused:series", "load", cell("year", "2023.5"),
         rf"{ROW2}: column year: .*\(given: '2023.5'\)"),
    Case("series-year-2200", "refused:series", "load", cell("year", "2200"),
         rf"{ROW2}: column year: Input should be less than or equal to 2100 \(given: '2200'\)"),
    Case("series-indicator-unknown", "refused:series", "load", cell("indicator", "forest_covr"),
         rf"{SERIES}: observation of 'forest_covr' for 360000 in 2023: unknown indicator 'forest_covr'"),
    Case("series-unit-does-not-convert", "refused:series", "load",
         cell("unit", "亿元", "recycled_resources"),
         rf"{SERIES}: observation of 'recycled_resources' for 360000 in 2023: unit '亿元' does not measure"),
    Case("series-status-unknown", "refused:series", "load", cell("status", "official"),
         rf"{ROW2}: column status: Input should be .*\(given: 'official'\)"),
    Case("series-row-twice", "refused:series", "load", repeat_row("gep"),
         rf"{SERIES}: observation of 'gep' for 360000 in 2023 is given twice \(40000 亿元, SYNTHETIC 合成; and 40000 亿元"),
    Case("series-column-missing", "refused:series", "load", drop_column("unit"),
         rf"{SERIES}: the series file lacks column\(s\) unit.*缺少列：unit"),
    Case("series-header-only", "refused:series", "load", header_only,
         rf"{SERIES}: the series file has no rows.*观测序列文件为空"),
    Case("series-empty", "refused:series", "load", empty(SERIES),
         rf"{SERIES}: the file is empty \(0 bytes\).*文件为空"),
    Case("series-workbook-with-a-formula", "refused:series", "load", workbook(formula=True),
         rf"{SERIES}: 1 problem\(s\) in the series file: row 2, column value: '=63.1\*1' is a formula.*公式"),
    # ---- fine inputs
    Case("series-gb18030", "accepted", "load", gb18030(SERIES)),
    Case("series-workbook-named-csv", "accepted", "load", workbook()),
    Case("series-in-tonnes", "accepted", "load", in_tonnes),
    Case("series-year-2023.0", "accepted", "load", cell("year", "2023.0")),
    Case("target-value-whole", "accepted", "status", text("value = 95.0", "value = 95")),
    Case("target-gep-in-yi-yuan", "accepted", "status",
         text('value = 4.4\nvalue_unit = "10^12 CNY"', 'value = 44000\nvalue_unit = "亿元"')),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def status(folder: Path, *, database: bool = False) -> Any:
    args = ["tracking", "status", "--file", str(folder / TOML), "--format", "csv"]
    if database:
        args += ["--database", str(folder / "store.sqlite")]
    return runner.invoke(app, args)


def load(folder: Path) -> Any:
    return runner.invoke(
        app,
        ["tracking", "series", "load", str(folder / SERIES), "--file", str(folder / TOML),
         "--database", str(folder / "store.sqlite"), "--format", "csv"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    """Copy the start (the decision's tracking file, its observations as a series file,
    a store holding them) into a case's folder; built once per module and worker."""
    return decision_start(tmp_path_factory.mktemp("tracking-start"))


@pytest.fixture(scope="module")
def good(start: Callable[[Path], None], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The status of every target from the unchanged file."""
    folder = tmp_path_factory.mktemp("tracking-good")
    start(folder)
    r = status(folder)
    assert r.exit_code == 0, r.output
    return str(r.stdout)


def test_the_start_holds_what_the_cases_change(
    start: Callable[[Path], None], good: str, tmp_path: Path
) -> None:
    """The series file loads unchanged into the store (the same observations), and the
    status from the store is the status from the file; the targets the cases change have
    a status."""
    start(tmp_path)
    before = dump(tmp_path / "store.sqlite")
    r = load(tmp_path)
    assert r.exit_code == 0, r.output
    assert dump(tmp_path / "store.sqlite") == before
    assert {x["outcome"] for x in csv.DictReader(io.StringIO(r.stdout))} == {"unchanged"}
    assert status(tmp_path, database=True).stdout == good
    keys = {x["target"] for x in csv.DictReader(io.StringIO(good))}
    assert {"ganzhou-forest-cover-2026", "forest-cover-2024-2026", "non-fossil-2025",
            "recycled-resources-2026", "gep-2026"} <= keys  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_tracking_input(
    case: Case, start: Callable[[Path], None], good: str, tmp_path: Path
) -> None:
    start(tmp_path)
    db = tmp_path / "store.sqlite"
    before = dump(db)
    case.mutate(tmp_path)
    result = status(tmp_path) if case.command == "status" else load(tmp_path)
    output = ran_cleanly(result)
    if case.cls.startswith("refused:"):
        assert_refused(result, case.message)
        assert dump(db) == before, "a refused run changed the store"
        return
    assert result.exit_code == 0, output
    if case.command == "load":
        assert status(tmp_path, database=True).stdout == good
    else:
        assert result.stdout == good
