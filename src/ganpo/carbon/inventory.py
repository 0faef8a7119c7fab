"""An inventory run: a dataset of activity tables (a folder with ``carbon-dataset.toml``)
read and checked, every category computed for one year, CO2-equivalents under a named GWP
set, and the county rows rolled up to their cities and province exactly.

Exact roll-up: each county's emission of a category and gas is rounded once to whole grams
(integers); a city's row is the integer sum of its counties' rows and the province's the
sum of its cities', so every total is the sum of its parts to the last digit whatever the
order of summation (floating-point sums are not associative). A gram is far below any
figure an inventory states (万t, 0.01 万t = 100 t = 10⁸ g), so the rounding changes none.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ganpo.carbon import agriculture, energy, industry, sinks, waste
from ganpo.carbon.factors import (
    category,
    fuel_factor_set_names,
    grid_regions,
    gwp_set,
    process_factor_set_names,
)
from ganpo.carbon.inputs import require_columns, table_zh
from ganpo.carbon.regions import LEVELS, Unit, region
from ganpo.carbon.result import POWER_GENERATION, Emissions, combine, lulucf
from ganpo.catalog.files import data_dir, read_toml, shipped_names
from ganpo.errors import InputError, TableError, UnknownNameError, given_halves

DATASET_FILE = "carbon-dataset.toml"
#: the columns of :func:`totals_g`
TOTALS_COLUMNS = ["unit_code", "production_g", "consumption_g", "lulucf_g", "net_g"]
#: the table of forest inventories (stand volume by forest type), read for the forest sink
FOREST_TABLE = "forest_stock"
GRAMS_PER_T = 1_000_000
#: the columns of :attr:`Inventory.rows`
ROW_COLUMNS = [
    "unit_code",
    "level",
    "parent_code",
    "category_code",
    "gas",
    "scope",
    "quantity_g",
    "co2e_g",
]


@cache
def activity_tables() -> dict[str, dict[str, Any]]:
    """The declared activity tables (``catalog/data/carbon/activity-tables.toml``)."""
    path = data_dir("carbon") / "activity-tables.toml"
    return dict(read_toml(path, "the activity tables")["tables"])


@cache
def uncertainty_defaults(name: str) -> pd.DataFrame:
    """A shipped set of category uncertainties (``uncertainty-<name>.toml``):
    ``category_code``, ``u_activity_pct``, ``u_factor_pct``, ``source``, ``status``."""
    names = _uncertainty_set_names()
    if name not in names:
        raise UnknownNameError("uncertainty set", name, names)
    path = data_dir("carbon") / f"uncertainty-{name}.toml"
    cats = read_toml(path, "the uncertainty set")["categories"]
    return pd.DataFrame(
        [{"category_code": code, **v} for code, v in cats.items()],
        columns=["category_code", "u_activity_pct", "u_factor_pct", "source", "status"],
    )


@dataclass(frozen=True)
class Dataset:
    """A dataset of activity tables as read from its folder."""

    title_zh: str
    title_en: str
    synthetic: bool
    region: int
    level: str
    years: list[int]
    fuel_set: str
    process_factors: str
    grid: str
    uncertainty: str
    #: each table (its key → the frame); read from a folder, indexed by each row's number
    #: in the file, which every refusal names
    tables: dict[str, pd.DataFrame]
    #: sha256 of the description and every table file (name and bytes)
    digest: str
    #: the sink factor set of the forest table (:mod:`ganpo.carbon.sinks_factors`)
    sink_factors: str = "cn-forestry"
    #: the file of each table (its key → the file name the description gives)
    files: dict[str, str] = field(default_factory=dict)
    #: each table's rows as the file numbers them (its key → the row in the file, as a
    #: spreadsheet numbers it, of each of the table's rows, in order)
    rows: dict[str, list[int]] = field(default_factory=dict)


def _read_csv(path: Path) -> pd.DataFrame:
    """A table file as every table reader of ganpo reads it
    (:func:`ganpo.io.table_files.read_table_file`): CSV in UTF-8 (with or without BOM) or
    GB 18030, or an .xlsx workbook whatever its name; lines starting with ``#`` are notes.
    A formula cell is refused (its value is not evaluated). The cells are then typed as a
    CSV of the same text would be."""
    return _read_rows(path)[0]


def _read_rows(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """:func:`_read_csv`, and the row in the file of each of the frame's rows (as a
    spreadsheet numbers it: the header's row, often 1, then the data rows; note lines
    and blank rows skipped)."""
    import csv
    import io

    from ganpo.io.table_files import read_table_file

    raw = read_table_file(path, comments=True)
    problems = raw.to_frame().problems
    if problems:
        raise TableError(
            en=f"{len(problems)} problem(s): {'; '.join(problems[:5])}",
            zh=f"表格有 {len(problems)} 处问题（公式、重复或无表头的列）：请在表格中改正后另存",
            source=path.name,
            values=problems,
        )
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(row.texts() for row in raw.rows)
    text.seek(0)
    frame = pd.read_csv(text)
    rows = [row.number for row in raw.rows[1:]]
    if len(rows) != len(frame):  # never seen: then counted from the header's row on
        rows = [raw.rows[0].number + 1 + i for i in range(len(frame))]
    return frame, rows


def read_dataset(folder: Path | str) -> Dataset:
    """Read a dataset folder: its ``carbon-dataset.toml`` (region, level, years, factor
    sets, the tables it gives) and each table named, checked for the declared columns.
    A missing description, an unknown table or a missing file is refused by name."""
    folder = Path(folder)
    path = folder / DATASET_FILE
    if not path.is_file():
        raise InputError(
            en=f"no {DATASET_FILE} in the folder {folder.name!r}: a carbon dataset is a folder "
            f"with {DATASET_FILE} and its tables (`ganpo carbon demo` writes one)",
            zh=f"该文件夹不是碳清单数据集（缺少 {DATASET_FILE}）",
            source=folder.name,
        )
    raw = path.read_bytes()
    try:
        d = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            en=f"cannot read {DATASET_FILE}: {exc}; save it as UTF-8 TOML",
            zh=f"无法读取数据集说明（须为 UTF-8 编码的 TOML）：{exc}",
            source=DATASET_FILE,
        ) from exc
    needed = ["region", "level", "years", "fuel_set", "grid", "tables"]
    missing = [k for k in needed if k not in d]
    if missing:
        raise InputError(
            en=f"{DATASET_FILE} lacks {', '.join(missing)}; it needs {', '.join(needed)}",
            zh=f"数据集说明缺少 {'、'.join(missing)}",
            source=DATASET_FILE,
            field=missing[0],
        )
    _check_description(d)
    level = str(d["level"])
    if level not in LEVELS:
        raise InputError(
            en=f"{DATASET_FILE}: level {level!r} is not a level; give one of {', '.join(LEVELS)}",
            zh="报告层级须为省、市、区县或乡镇",
            source=DATASET_FILE,
            field="level",
            values=[level],
        )
    region(int(d["region"]))  # a province or city of the built-in table, else refused
    _check_set_names(d)
    declared = activity_tables()
    digest = hashlib.sha256(b"carbon-dataset\0" + raw)
    tables: dict[str, pd.DataFrame] = {}
    rows: dict[str, list[int]] = {}
    for key, name in sorted(d["tables"].items()):
        if key not in declared:
            raise UnknownNameError("activity table", key, declared)
        file = folder / str(name)
        if not file.is_file():
            raise InputError(
                en=f"{DATASET_FILE} lists table {key!r} as {name!r}, which is not in the folder; "
                "add the file or remove the line",
                zh=f"缺少数据表 {name}",
                source=DATASET_FILE,
                field=key,
                values=[name],
            )
        digest.update(f"\0{name}\0".encode())
        digest.update(file.read_bytes())
        frame, rows[key] = _read_rows(file)
        # indexed by each row's number in the file: every refusal names the row a
        # spreadsheet shows (note lines, the header and blank rows counted)
        frame.index = pd.Index(rows[key], dtype="int64")
        require_columns(str(name), frame, ["unit_code", "year", *declared[key]["columns"]])
        if frame.empty and key == FOREST_TABLE:
            # an activity table may be empty (no lime is made in the region); a region's
            # forest inventories are not: without rows the sink would silently be missing
            raise TableError(
                en=f"{DATASET_FILE} lists table {key!r} as {name!r}, which has a header but no "
                f"rows, so the forest sink would be missing from every inventory: add the "
                "forest inventories' rows, or remove the line from [tables]",
                zh=f"数据表 {name} "
                f"只有表头没有数据行，森林碳汇将不计入清单：请补充森林资源清查数据，或从 "
                f"[tables] 中删除该表",
                source=str(name),
                field=key,
                values=[name],
            )
        _check_rows(str(name), key, frame, [int(y) for y in d["years"]])
        tables[key] = frame
    return Dataset(
        title_zh=str(d.get("title_zh", folder.name)),
        title_en=str(d.get("title_en", folder.name)),
        synthetic=bool(d.get("synthetic", False)),
        region=int(d["region"]),
        level=level,
        years=[int(y) for y in d["years"]],
        fuel_set=str(d["fuel_set"]),
        process_factors=str(d.get("process_factors", "ipcc-2006")),
        grid=str(d["grid"]),
        uncertainty=str(d.get("uncertainty", "ipcc-2006")),
        tables=tables,
        digest=digest.hexdigest(),
        sink_factors=str(d.get("sink_factors", "cn-forestry")),
        files={str(k): str(v) for k, v in d["tables"].items()},
        rows=rows,
    )


def _check_description(d: dict[str, Any]) -> None:
    """Refuse a description whose fields have the wrong kind of value (a region or a year
    that is not a whole number, years not a list, tables not a table, synthetic not
    true/false), naming the field and the value."""

    def refuse(key: str, value: object, en: str, zh: str) -> InputError:
        return InputError(
            en=f"{key} = {value!r} is not {en}; correct it",
            zh=f"数据集说明中 {key} 的值 {value!r} 无效（须为{zh}）",
            source=DATASET_FILE,
            field=key,
            values=[value],
        )

    region_ = d["region"]
    if isinstance(region_, bool) or not isinstance(region_, int):
        raise refuse(
            "region", region_, "an adcode (a whole number, e.g. 360000)", "行政区划代码整数"
        )
    years = d["years"]
    if not isinstance(years, list) or not years:
        raise refuse("years", years, "a list of years (e.g. [2022, 2023])", "年份列表")
    for y in years:
        if isinstance(y, bool) or not isinstance(y, int) or not 1900 <= y <= 2200:
            raise refuse("years", y, "a year (a whole number, e.g. 2022)", "年份整数")
    if not isinstance(d["tables"], dict):
        raise refuse("tables", d["tables"], "a [tables] table of file names", "[tables] 表")
    if "synthetic" in d and not isinstance(d["synthetic"], bool):
        raise refuse("synthetic", d["synthetic"], "true or false", "true 或 false")
    if "sink_factors" in d and not isinstance(d["sink_factors"], str):
        raise refuse(
            "sink_factors", d["sink_factors"], "the name of a sink factor set", "碳汇因子集名称"
        )


def _uncertainty_set_names() -> list[str]:
    return [
        n.removeprefix("uncertainty-")
        for n in shipped_names("carbon")
        if n.startswith("uncertainty-")
    ]


def _check_set_names(d: dict[str, Any]) -> None:
    """Refuse a description that names a factor set (fuel, process, grid region, sink,
    uncertainty) ganpo does not ship, naming the file, the field, the value and the names
    there are: before any table is read, not when the first row that needs the set is
    computed (where the message could not say which file named it)."""
    from ganpo.carbon.sinks_factors import sink_factor_set_names

    sets: list[tuple[str, str, str, str, Callable[[], Iterable[str]]]] = [
        # field, its default, what it names in English and in Chinese, the names there are
        ("fuel_set", "", "fuel factor set", "燃料燃烧排放因子集", fuel_factor_set_names),
        ("process_factors", "ipcc-2006", "process factor set", "工业过程排放因子集",
         process_factor_set_names),
        ("grid", "", "grid region", "电网区域", lambda: grid_regions().keys()),
        ("sink_factors", "cn-forestry", "sink factor set", "碳汇因子集", sink_factor_set_names),
        ("uncertainty", "ipcc-2006", "uncertainty set", "不确定性参数集",
         _uncertainty_set_names),
    ]  # fmt: skip
    for key, default, what, what_zh, known in sets:
        name = d.get(key, default)
        names = sorted(known())
        if not isinstance(name, str) or name not in names:
            raise InputError(
                en=f"{key} = {name!r} is not {'an' if what[0] in 'aeiou' else 'a'} {what}; "
                f"give one of {', '.join(names)}",
                zh=f"数据集说明中 {key} 的值 {name!r} 不是{what_zh}（可选：{'、'.join(names)}）",
                source=DATASET_FILE,
                field=key,
                values=[name],
            )


#: the value columns of the tables: a repeated row is one that differs in these only
_VALUE_COLUMNS = frozenset({"name", "quantity", "gdp_current", "gdp_constant_2022"})


def _check_rows(name: str, key: str, frame: pd.DataFrame, years: list[int]) -> None:
    """Refuse a table whose ``year`` is not a whole number, or (activity tables: not the
    forest inventories, whose years are those of the surveys) not one of the dataset's
    years, since such a row would silently be left out of every inventory; and a row that
    repeats another but for its value (same unit, year, item and unit of measure; in the
    forest inventories, any unit of measure: a type's stock is one row per unit and survey),
    which summed would count the activity twice."""
    from ganpo.carbon.inputs import where, where_zh

    raw = frame["year"]
    year = pd.to_numeric(raw, errors="coerce")
    whole = year.notna() & (year == year.round()) & (year.abs() < 10_000)
    outside = ~year.isin(years) if key not in (FOREST_TABLE, "gdp") else ~whole
    bad = ~whole | outside
    if bad.any():
        i = bad[bad].index[0]
        shown = repr(raw.loc[i]) if isinstance(raw.loc[i], str) else str(raw.loc[i])
        if whole.loc[i]:
            en = (
                f"is not one of the dataset's years ({', '.join(map(str, years))}), so the "
                f"row would be in no inventory: correct the year, or add it to years in "
                f"{DATASET_FILE}"
            )
            zh = f"不是数据集的年份（{'、'.join(map(str, years))}），该行不会计入任何清单"
        else:
            en = "is not a year (a whole number such as 2022): correct it"
            zh = "不是年份（须为如 2022 的整数）"
        raise TableError(
            en=f"{where(name, frame, i)}: column 'year' value {shown} {en}",
            zh=f"{where_zh(name, frame, i)}：年份 {shown} {zh}，请更正",
            source=name,
            field="year",
            values=[raw.loc[i]],
        )
    # a forest type's stock is one number per unit and survey, in whatever unit it is given
    values = _VALUE_COLUMNS | {"unit"} if key == FOREST_TABLE else _VALUE_COLUMNS
    keys = [c for c in frame.columns if c not in values]
    repeated = frame.astype({"year": "int64"}).duplicated(subset=keys, keep=False)
    if repeated.any():
        first, second = repeated[repeated].index[:2]
        raise TableError(
            en=f"{where(name, frame, second)} repeats row {first}: both give "
            f"{', '.join(f'{c} {frame.loc[first, c]}' for c in keys)}, so summed they would "
            f"count it twice. Delete the copy, or merge the two into one row (their sum) "
            "if both are real",
            zh=f"{where_zh(name, frame, second)}：与第 {first} 行为同一单位、年份和"
            f"项目，合计将重复计算：请删除重复行，或合并为一行（两者之和）",
            source=name,
            field="unit_code",
            values=[frame.loc[first, "unit_code"]],
        )


@dataclass(frozen=True)
class Inventory:
    """An inventory of one region and year: integer-gram rows by unit (the dataset's level
    and every level above it), category and gas, the factors used and the category
    uncertainties (Approach 1 inputs)."""

    region: int
    year: int
    gwp_set: str
    dataset_title_zh: str
    dataset_title_en: str
    dataset_digest: str
    synthetic: bool
    level: str
    fuel_set: str
    grid: str
    code_version: str
    created_at: datetime
    rows: pd.DataFrame
    provenance: pd.DataFrame
    uncertainty: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _year_rows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    years = pd.to_numeric(frame["year"], errors="coerce")
    return frame.loc[years == year]


def compute_emissions(dataset: Dataset, year: int) -> Emissions:
    """Every category of the dataset's tables for ``year``, each checked against the
    dataset's region and level by the category function. The forest table
    (``forest_stock``) holds forest inventories of other years: the forest sink of
    ``year`` (3.B.1.a, removals negative) is the stock difference of the two that bracket
    it (:func:`ganpo.carbon.sinks.forest_sink_of_year`)."""
    kw: dict[str, Any] = {"region": dataset.region, "level": dataset.level}
    pf = dataset.process_factors
    calls = {
        "fuel": lambda t: combine(
            energy.fuel_combustion_co2(t, dataset.fuel_set, **kw),
            energy.fuel_combustion_non_co2(t, dataset.fuel_set, **kw),
        ),
        "electricity": lambda t: energy.electricity_indirect_co2(t, grid=dataset.grid, **kw),
        "cement": lambda t: industry.cement_co2(t, pf, **kw),
        "lime": lambda t: industry.lime_co2(t, pf, **kw),
        "livestock": lambda t: agriculture.enteric_ch4(t, pf, **kw),
        "rice": lambda t: agriculture.rice_ch4(t, pf, **kw),
        "nitrogen_field": lambda t: agriculture.soils_direct_n2o(t, pf, **kw),
        "nitrogen_source": lambda t: agriculture.soils_indirect_n2o(t, pf, **kw),
        "landfill": lambda t: waste.landfill_ch4(t, pf, **kw),
        "incineration": lambda t: waste.incineration_co2(t, pf, **kw),
        "wastewater": lambda t: waste.wastewater_ch4(t, pf, **kw),
    }
    files = dataset.files  # none: a dataset not read from a folder keeps the labels
    parts = []
    for key, frame in dataset.tables.items():
        if key in calls and not _year_rows(frame, year).empty:
            try:
                parts.append(calls[key](_year_rows(frame, year)))
            except TableError as exc:
                raise _in_file(exc, files.get(key)) from exc
    forest = dataset.tables.get(FOREST_TABLE)
    if forest is not None and not forest.empty:  # its years are the forest inventories'
        name = files.get(FOREST_TABLE, str(activity_tables()[FOREST_TABLE]["file"]))
        parts.append(
            sinks.forest_sink_of_year(forest, year, dataset.sink_factors, table=name, **kw)
        )
    if not parts:
        raise InputError(
            en=f"the dataset has no activity data of {year}; its years: "
            f"{', '.join(map(str, dataset.years))}",
            zh=f"数据集中没有 {year} 年的活动数据",
            field="year",
            values=[year],
        )
    return combine(*parts)


def _in_file(exc: TableError, file: str | None) -> TableError:
    """``exc`` of a category function, which names its table by a label ("fuel
    combustion", in Chinese its name: :func:`ganpo.carbon.inputs.table_zh`), naming the
    table's file too: the user edits the file. Each half is relabelled as it was given; a
    refusal given whole keeps its text, relabelled in both languages."""
    label = exc.source
    if not file or not label or label == file:
        return exc
    name_zh = table_zh(label).rstrip()

    def relabelled(text: str) -> str:
        text = text.replace(f"table {label!r}", f"table {file!r} ({label})")
        return text.replace(name_zh, f"{name_zh}（{file}）", 1)

    halves = given_halves(exc)
    if halves is not None:
        en, zh = halves
        return TableError(
            en=relabelled(en), zh=relabelled(zh), source=file, field=exc.field, values=exc.values
        )
    message = relabelled(str(exc).removeprefix(f"{label}: "))
    return TableError(message, source=file, field=exc.field, values=exc.values)


def unit_findings(dataset: Dataset, year: int) -> list[str]:
    """The fuel rows of ``year`` whose energy changed by 10^2.5 or more from the previous
    year of the dataset (:func:`ganpo.carbon.energy.unit_scale_findings`: likely t for 万t,
    or tce for 万tce), and the forest types whose stock did between the inventories of the
    year's sink (:func:`_forest_findings`), each as one note in English and Chinese:
    flagged, not refused."""
    notes = _forest_findings(dataset, year)
    fuel = dataset.tables.get("fuel")
    if fuel is None or fuel.empty:
        return notes
    found = energy.unit_scale_findings(
        fuel, dataset.fuel_set, region=dataset.region, level=dataset.level
    )
    found = found[found["year"] == year]
    for r in found.to_dict("records"):
        what, times, prev = (
            f"{r['category_code']}, {r['fuel']}",
            _times(r["ratio"]),
            r["previous_year"],
        )
        notes.append(
            f"unit code {r['unit_code']}, {what}: {year} is {times} {int(prev)} in energy; check "
            f"the unit (t or 万t, tce or 万tce) / {r['unit_code']} {r['category_code']} "
            f"{r['fuel']}：{year} 年能量为 {int(prev)} 年的 {times}，请核对单位（吨或万吨、"
            "吨标准煤或万吨标准煤）"
        )
    return notes


def _forest_findings(dataset: Dataset, year: int) -> list[str]:
    """The forest types whose stock changed by 10^2.5 or more between the two forest
    inventories of ``year``'s sink (:func:`ganpo.carbon.sinks.stock_scale_findings`:
    likely m3 for 万m3), each as one note naming the table's file: flagged, not refused."""
    forest = dataset.tables.get(FOREST_TABLE)
    if forest is None or forest.empty:
        return []
    name = dataset.files.get(FOREST_TABLE, str(activity_tables()[FOREST_TABLE]["file"]))
    found = sinks.stock_scale_findings(
        forest, year, region=dataset.region, level=dataset.level, table=name
    )
    what = {"volume": ("stand volume", "蓄积量", "m3 or 万m3", "立方米或万立方米"),
            "culms": ("culm count", "株数", "株 or 万株", "株或万株"),
            "area": ("area", "面积", "hm2, 亩 or km2", "公顷、亩或平方公里")}  # fmt: skip
    notes = []
    for r in found:
        en, zh, units_en, units_zh = what[r["basis"]]
        times, t1, t2 = _times(r["ratio"]), r["previous_year"], r["year"]
        notes.append(
            f"{name}: unit code {r['unit_code']}, forest type {r['forest_type']}: the {en} of "
            f"{t2} is {times} that of {t1}, which makes the forest sink of {year}; check the "
            f"unit ({units_en}) / {name}：{r['unit_code']} {r['forest_type']} {t2} 年{zh}为 "
            f"{t1} 年的 {times}，请核对单位（{units_zh}）"
        )
    return notes


def _times(ratio: Any) -> str:
    """A ratio as ``10,323 ×`` or ``1/10,323 ×`` (whole numbers, never 1e+04)."""
    x = float(ratio)
    return f"{x:,.0f} ×" if x >= 1 else f"1/{1 / x:,.0f} ×"


def to_grams(t: float) -> int:
    """Tonnes as whole grams (rounded half to even)."""
    return round(t * GRAMS_PER_T)


def roll_up(county_rows: pd.DataFrame, region_code: int) -> pd.DataFrame:
    """The rows of one level (integer ``quantity_g`` and ``co2e_g`` by ``unit_code``,
    ``category_code``, ``gas``, ``scope``) with the rows of every unit above them in the
    region: each the integer sum of the rows of the units directly below it.

    >>> rows = pd.DataFrame({"unit_code": [360102, 360103], "category_code": ["4.A"] * 2,
    ...                      "gas": ["CH4"] * 2, "scope": ["direct"] * 2,
    ...                      "quantity_g": [1, 2], "co2e_g": [27, 54]})
    >>> roll_up(rows, 360000)[["unit_code", "level", "co2e_g"]].values.tolist()
    [[360000, 'province', 81], [360100, 'city', 81], [360102, 'county', 27], [360103, 'county', 54]]
    """
    reg = region(region_code)
    keys = ["category_code", "gas", "scope"]

    def unit(code: object) -> Unit:
        found = reg.unit(int(str(code)))
        assert found is not None  # the category functions checked every code
        return found

    parents = pd.Series([unit(c).parent for c in county_rows["unit_code"]], dtype="Int64")
    current = county_rows.assign(parent_code=parents.to_numpy())
    out = [current]
    while True:
        above = current.dropna(subset=["parent_code"])
        above = above[above["unit_code"] != reg.code]
        if above.empty:
            break
        grouped = above.assign(unit_code=above["parent_code"].astype("int64")).groupby(
            ["unit_code", *keys], as_index=False
        )[["quantity_g", "co2e_g"]]
        summed = grouped.agg(_int_sum)  # Python ints: exact at any size
        summed["parent_code"] = [unit(c).parent for c in summed["unit_code"]]
        out.append(summed)
        current = summed
    rows = pd.concat(out, ignore_index=True)
    rows["level"] = [unit(c).level for c in rows["unit_code"]]
    rows["parent_code"] = rows["parent_code"].astype("Int64")
    rows["unit_code"] = rows["unit_code"].astype("int64")
    for col in ("quantity_g", "co2e_g"):
        rows[col] = rows[col].astype("int64")
    rows["rank"] = rows["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    rows = rows.sort_values(["rank", "unit_code", *keys])
    return rows[ROW_COLUMNS].reset_index(drop=True)


def _int_sum(values: pd.Series) -> int:
    """The exact sum of integer values (Python integers do not overflow or round)."""
    return sum(int(v) for v in values)


def run_inventory(
    dataset: Dataset, year: int, gwp: str | None, *, code_version: str = ""
) -> Inventory:
    """The inventory of ``dataset``'s region for ``year`` under the GWP set ``gwp`` (AR4,
    AR5, AR6; no default): every category computed (IPCC 2006 Tier 1, docs/carbon.md),
    CO2e per unit of the dataset's level, category and gas rounded to whole grams, rolled
    up exactly to every level above (:func:`roll_up`)."""
    gwp_set(gwp)  # refuse an unnamed or unknown set before computing
    assert gwp is not None
    if year not in dataset.years:
        raise InputError(
            en=f"year {year} is not a year of the dataset; its years: "
            f"{', '.join(map(str, dataset.years))}",
            zh=f"数据集不含 {year} 年",
            field="year",
            values=[year],
        )
    emissions = compute_emissions(dataset, year)
    co2e = emissions.co2e(gwp)
    keys = ["unit_code", "category_code", "gas", "scope"]
    g = co2e.groupby(keys, as_index=False).agg(
        quantity_t=("quantity_t", math.fsum), co2e_t=("co2e_t", math.fsum)
    )
    g["unit_code"] = g["unit_code"].astype("int64")
    _check_size(g, dataset)
    g["quantity_g"] = [to_grams(v) for v in g["quantity_t"]]
    g["co2e_g"] = [to_grams(v) for v in g["co2e_t"]]
    rows = roll_up(g[[*keys, "quantity_g", "co2e_g"]], dataset.region)
    u = uncertainty_defaults(dataset.uncertainty)
    used = set(rows["category_code"])
    missing = sorted(used - set(u["category_code"]))
    if missing:
        raise InputError(
            en=f"uncertainty set {dataset.uncertainty!r} has no values for "
            f"{', '.join(missing)}; add them",
            zh=f"不确定性缺少类别 {'、'.join(missing)}",
            field="uncertainty",
            values=missing,
        )
    notes = ["合成数据 SYNTHETIC: demo activity data, not statistics"] if dataset.synthetic else []
    notes += unit_findings(dataset, year)
    return Inventory(
        region=dataset.region,
        year=year,
        gwp_set=gwp,
        dataset_title_zh=dataset.title_zh,
        dataset_title_en=dataset.title_en,
        dataset_digest=dataset.digest,
        synthetic=dataset.synthetic,
        level=dataset.level,
        fuel_set=dataset.fuel_set,
        grid=dataset.grid,
        code_version=code_version,
        created_at=datetime.now(UTC),
        rows=rows,
        provenance=emissions.provenance_table(),
        uncertainty=u[u["category_code"].isin(used)].reset_index(drop=True),
        notes=notes,
    )


#: the most CO2e [t] an inventory's rows may hold in all (their absolute values summed):
#: some twenty times the world's yearly emissions (about 5·10¹⁰ t CO2e); beyond it a
#: quantity or its unit is wrong, and the roll-up's whole grams would overflow 64 bits
MAX_CO2E_T = 1e12


def _check_size(g: pd.DataFrame, dataset: Dataset) -> None:
    """Refuse an inventory whose rows (t CO2e, by unit code and category) hold more than
    :data:`MAX_CO2E_T` in all, naming its largest row and the table file it comes from."""
    size = g["co2e_t"].abs()
    if math.fsum(size) <= MAX_CO2E_T:
        return
    r = g.iloc[int(size.to_numpy().argmax())]
    code = str(r["category_code"])
    zh, en = category_names(code)
    files = [
        dataset.files.get(key, str(t["file"]))
        for key, t in activity_tables().items()
        if key in dataset.tables
        and any(code == c or code.startswith(f"{c}.") for c in t.get("categories", []))
    ]
    where = f" in {files[0]}" if files else ""
    table_zh = files[0] if files else "数据表"
    raise InputError(
        en=f"unit code {r['unit_code']}, category {code} ({en}): {r['co2e_t']:.3g} t CO2e, and "
        f"the inventory {math.fsum(size):.3g} t in all, more than {MAX_CO2E_T:.0e} t (some "
        f"twenty times the world's yearly emissions): a quantity or its unit{where} is "
        "wrong; check this unit's rows of the category",
        zh=f"单位 {r['unit_code']} 类别 {code}"
        f"（{zh}）排放 {r['co2e_t']:.3g} 吨二氧化碳当量，清单合计超过 {MAX_CO2E_T:.0e} 吨（约为"
        f"全球年排放量的二十倍）：请核对{table_zh}中该单位该类别的数量和单位",
        source=files[0] if files else None,
        field="quantity",
        values=[r["unit_code"], code, float(r["co2e_t"])],
    )


def totals_g(rows: pd.DataFrame) -> pd.DataFrame:
    """Totals [g CO2e] by unit code, as integers (:func:`ganpo.carbon.result.totals`'
    definitions): ``production_g`` every direct emission, ``consumption_g`` the direct ones
    less electricity and heat generation (1.A.1.a) plus the indirect emissions of the
    electricity consumed, both gross of LULUCF as the provincial guideline (2011) reports
    its total; ``lulucf_g`` the sinks (3.B, negative for a removal) and ``net_g`` =
    production_g + lulucf_g, net emissions including LULUCF. Dual control counts
    ``production_g`` (:mod:`ganpo.carbon.dual_control_link`)."""
    sink = lulucf(rows["category_code"])
    direct = (rows["scope"] == "direct") & ~sink
    consumed = (~direct | (rows["category_code"] != POWER_GENERATION)) & ~sink
    out = []
    for unit, g in rows.groupby("unit_code", sort=True):
        d, c, k = direct.loc[g.index], consumed.loc[g.index], sink.loc[g.index]
        production, removal = _int_sum(g.loc[d, "co2e_g"]), _int_sum(g.loc[k, "co2e_g"])
        out.append(
            {
                "unit_code": int(str(unit)),
                "production_g": production,
                "consumption_g": _int_sum(g.loc[c, "co2e_g"]),
                "lulucf_g": removal,
                "net_g": production + removal,
            }
        )
    return pd.DataFrame(out, columns=TOTALS_COLUMNS)


def category_names(code: str) -> tuple[str, str]:
    """The zh and en names of a category code."""
    c = category(code)
    return c.zh, c.en


#: the keys of a summary's total rows (their ``category_code``)
PRODUCTION = "total_production"
CONSUMPTION = "total_consumption"
NET = "total_net"
SUMMARY_COLUMNS = [
    "unit_code",
    "unit_name",
    "level",
    "category_code",
    "category_zh",
    "category_en",
    "co2e_10k_t",
    "u_pct",
]
_TOTAL_NAMES = {
    PRODUCTION: ("生产侧排放总量（直接排放）", "Production-based total (direct emissions)"),
    CONSUMPTION: (
        "消费侧排放总量（扣除电力生产，计入电力消费）",
        "Consumption-based total (less power generation, plus electricity consumed)",
    ),
    NET: ("净排放量（计入土地利用变化和林业）", "Net emissions (including LULUCF)"),
}


def summary(
    rows: pd.DataFrame, uncertainty: pd.DataFrame, region_code: int, level: str
) -> pd.DataFrame:
    """Totals by category of every unit of ``level`` in 万t CO2e (``co2e_10k_t``, summed
    over gases in whole grams, then divided by 10¹⁰), with the Approach 1 uncertainty
    ``u_pct`` (IPCC 2006 Vol. 1 Eq. 3.1 per category, Eq. 3.2 for the totals), followed by
    the production- and consumption-based totals, gross of LULUCF, and the net emissions
    including LULUCF (production-based plus the sinks; :func:`totals_g`)."""
    from ganpo.carbon.uncertainty import approach1

    reg = region(region_code)
    sel = rows[rows["level"] == level]
    if sel.empty:
        levels = ", ".join(lv for lv in LEVELS if (rows["level"] == lv).any())
        raise InputError(
            en=f"the inventory has no rows at level {level!r}; its levels: {levels}",
            zh="清单中没有该层级的数据",
            field="level",
            values=[level],
        )
    by_cat = pd.DataFrame(
        sel.groupby(["unit_code", "category_code"], as_index=False)["co2e_g"].agg(_int_sum)
    )
    by_cat["co2e_t"] = by_cat["co2e_g"] / GRAMS_PER_T
    by_cat["year"] = 0  # one inventory is one year: approach1 groups by unit and year
    u = approach1(by_cat, uncertainty).set_index(["unit_code", "category_code"])["u_pct"]
    sink = lulucf(sel["category_code"])
    direct = (sel["scope"] == "direct") & ~sink
    consumed = ((sel["scope"] != "direct") | (sel["category_code"] != POWER_GENERATION)) & ~sink
    out: list[dict[str, object]] = []
    totals = totals_g(sel).set_index("unit_code")
    # Eq. 3.2 over each total's categories, every unit at once: a category counts in a
    # total when the unit has a row of it that the total takes
    u_total: dict[str, pd.Series] = {}
    for key, mask in ((PRODUCTION, direct), (CONSUMPTION, consumed), (NET, direct | sink)):
        pairs = sel.loc[mask, ["unit_code", "category_code"]].drop_duplicates()
        part = by_cat.merge(pairs, on=["unit_code", "category_code"])
        if key == CONSUMPTION:  # 1.A.1.a's direct rows are left out of this total
            part = part[part["category_code"] != POWER_GENERATION]
        tot = approach1(part, uncertainty) if not part.empty else part.assign(u_pct=[])
        tot = tot[tot["category_code"] == "total"]
        u_total[key] = tot.set_index("unit_code")["u_pct"]
    cat_u = [
        float(u.loc[(unit, c)])
        for unit, c in zip(by_cat["unit_code"], by_cat["category_code"], strict=True)
    ]
    by_cat = by_cat.assign(u_pct=cat_u)
    for unit, g in by_cat.groupby("unit_code", sort=True):
        code = int(str(unit))
        name = reg.units[code].name
        for cat, grams, u_pct in zip(g["category_code"], g["co2e_g"], g["u_pct"], strict=True):
            zh, en = category_names(str(cat))
            out.append(
                {
                    "unit_code": code,
                    "unit_name": name,
                    "level": level,
                    "category_code": cat,
                    "category_zh": zh,
                    "category_en": en,
                    "co2e_10k_t": int(grams) / 1e10,
                    "u_pct": u_pct,
                }
            )
        for key, column in (
            (PRODUCTION, "production_g"),
            (CONSUMPTION, "consumption_g"),
            (NET, "net_g"),
        ):
            zh, en = _TOTAL_NAMES[key]
            out.append(
                {
                    "unit_code": code,
                    "unit_name": name,
                    "level": level,
                    "category_code": key,
                    "category_zh": zh,
                    "category_en": en,
                    "co2e_10k_t": int(str(totals.loc[code, column])) / 1e10,
                    "u_pct": float(u_total[key].get(unit, float("nan"))),
                }
            )
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)
