"""Reading and validating statistics tables (统计报表) named in a manifest.

A table is a CSV (UTF-8, UTF-8 with BOM or GB 18030) or an .xlsx workbook (its first
worksheet), decoded by :mod:`ganpo.io.table_files`, the decoder the platform's uploads use
too; its first non-blank row holds the column keys. Most roles hold one row per county:
the key column ``county_adcode``, an optional ``county_name`` and data columns
(:data:`TABLE_ROLES`), each in the unit the manifest declares. List roles
(``per_county = False``, e.g. lakes) hold any number of rows per county. Every problem is
reported at once with its row (the row number in the file), column and value, so a
department can fix its table in one pass.

The values are then judged for plausibility (:mod:`ganpo.io.table_checks`, declared in
:mod:`ganpo.io.table_rules`): impossible values, shares above 1, ratios out of bounds,
parts larger than their whole, duplicated rows of list tables and unit errors against the
previous year's table refuse the table with the other problems; unusual values and
fluctuations are returned as soft findings (:func:`read_table_checked`), which the engine
records as Decisions (docs/decisions/0027).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pandas as pd

from ganpo.catalog.units import to_base
from ganpo.errors import InputError, TableCheckError, TableError, preview
from ganpo.io.manifest import TableEntry
from ganpo.io.roles import KEY_COLUMN, TABLE_ROLES, UNIT_KEY_COLUMN
from ganpo.io.table_checks import Finding, TableContext, check_values
from ganpo.io.table_files import read_table_file

TEXT = "text"
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # "1,234.5" as Excel writes it
MAX_PROBLEMS_SHOWN = 20
#: the code of a unit of each level, in Chinese (``county adcode`` …)
_CODE_ZH = {
    "county": "县级行政区划代码",
    "township": "乡镇（街道）代码",
    "village": "村（社区）代码",
    "unit": "单元代码",
}


@dataclass
class _Problems:
    """A table's problems in English and, in the same order, in Chinese."""

    en: list[str] = field(default_factory=list)
    zh: list[str] = field(default_factory=list)

    def add(self, en: str, zh: str) -> None:
        self.en.append(en)
        self.zh.append(zh)

    def __bool__(self) -> bool:
        return bool(self.en)


def _unit_problems(entry: TableEntry, columns: Iterable[str], out: _Problems) -> None:
    role = TABLE_ROLES[entry.role]
    for column in columns:
        unit = role.columns[column]
        declared = entry.columns.get(column)
        if declared is None:
            out.add(
                f"column {column!r} has no unit in the manifest; declare {unit!r}",
                f"列 {column!r} 在数据清单中未声明单位；请声明 {unit!r}",
            )
        elif (declared == TEXT) != (unit == TEXT):
            out.add(
                f"column {column!r}: unit must be {unit!r}, not {declared!r}",
                f"列 {column!r}：单位应为 {unit!r}，而不是 {declared!r}",
            )
        elif unit != TEXT:
            try:
                base = to_base(declared)[0]
            except InputError as exc:
                out.add(
                    f"column {column!r}: {exc.en}",
                    f"列 {column!r}：无法识别单位 {declared!r}，或它不是统计表所记的量；"
                    f"请以 {unit!r} 或等价单位填报",
                )
                continue
            if base != to_base(unit)[0]:
                out.add(
                    f"column {column!r}: unit {declared!r} does not measure the same quantity "
                    f"as {unit!r}; give the values in {unit!r} or an equivalent unit",
                    f"列 {column!r}：单位 {declared!r} 与 {unit!r} 计量的不是同一种量；"
                    f"请以 {unit!r} 或等价单位填报",
                )


def number(text: str) -> float | None:
    """A cell as a finite number, or ``None`` (empty, not a number, infinite). Decimal
    point only; thousands separators as Excel writes them into a CSV are understood
    (``1,234.5``), a decimal comma is not (``1,5`` would be ambiguous).

    >>> [number(t) for t in ["1.5", " 2e3 ", "1,234.5", "1,5", "", "inf", "1_000", ".5"]]
    [1.5, 2000.0, 1234.5, None, None, None, None, 0.5]
    """
    t = text.strip()
    if _NUMBER.fullmatch(t):
        value = float(t)
    elif _THOUSANDS.fullmatch(t):
        value = float(t.replace(",", ""))
    else:
        return None
    return value if math.isfinite(value) else None


def numbers(text: pd.Series) -> pd.Series:
    """:func:`number` of every cell, NaN where there is none (float64)."""
    return text.map(number).astype("float64")


def _rows(index: pd.Index) -> tuple[str, str]:
    """``rows 3, 5`` and ``第 3, 5 行``."""
    rows = [int(i) for i in index]
    return f"row{'s' if len(rows) > 1 else ''} {preview(rows)}", f"第 {preview(rows)} 行"


def _raise(
    path: Path,
    entry: TableEntry,
    problems: _Problems,
    findings: list[Finding] = (),  # type: ignore[assignment]
) -> NoReturn:
    """Refuse the table with every problem: the first :data:`MAX_PROBLEMS_SHOWN` in
    English, then `` / `` and the same in Chinese; ``values`` holds them all in English."""
    n, more = len(problems.en), len(problems.en) - MAX_PROBLEMS_SHOWN
    en = f"{n} problem(s): " + "; ".join(problems.en[:MAX_PROBLEMS_SHOWN])
    zh = f"共 {n} 处问题：" + "；".join(problems.zh[:MAX_PROBLEMS_SHOWN])
    if more > 0:
        en, zh = f"{en}; … and {more} more", f"{zh}；……另有 {more} 处"
    if findings:
        raise TableCheckError(
            en=en, zh=zh, findings=findings, source=path, field=entry.role, values=problems.en
        )
    raise TableError(en=en, zh=zh, source=path, field=entry.role, values=problems.en)


@dataclass(frozen=True)
class CheckedTable:
    """A table as :func:`read_table` returns it (``frame``), the soft findings of its
    plausibility checks (unusual values, fluctuations: accepted, to be recorded) and the
    notes of the checks that could not be made (bilingual pairs)."""

    frame: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def read_table(
    path: Path,
    entry: TableEntry,
    county_adcodes: set[int],
    required: Iterable[str] | None = None,
    *,
    context: TableContext | None = None,
) -> pd.DataFrame:
    """Read a statistics table; numbers converted to base units (CNY, m3, m2, kWh, …).

    ``required`` names the data columns the chosen methods need (default: all of the
    role's); other known columns are read when present. A per-county table is returned
    indexed by its key; a list table keeps its rows with its key column. The key is
    ``county_adcode`` (``county_adcodes`` are the codes it may hold), or ``unit_code``
    for a table whose manifest entry gives a finer ``level`` (``county_adcodes`` are then
    the codes of the dataset's units). Raises :class:`~ganpo.errors.TableFileError` when
    the file is not a table, and :class:`TableError` listing every problem: missing or
    undeclared columns, units that do not fit, text in a number column, formulas,
    negative or missing values, duplicated, unknown or missing units — each with its row
    and column — and the hard findings of the plausibility checks (then a
    :class:`~ganpo.errors.TableCheckError`). The soft findings are dropped here:
    :func:`read_table_checked` returns them.
    """
    return read_table_checked(path, entry, county_adcodes, required, context=context).frame


def read_table_checked(
    path: Path,
    entry: TableEntry,
    county_adcodes: set[int],
    required: Iterable[str] | None = None,
    *,
    context: TableContext | None = None,
) -> CheckedTable:
    """:func:`read_table` with the soft findings of its plausibility checks and the
    notes of the checks it skipped. ``context`` gives what the checks compare with
    (areas of the table's units, the account's extent, last year's table, other tables of
    the year), at the table's level: ``context.level`` must be ``entry.level``."""
    key_column = KEY_COLUMN if entry.level == "county" else UNIT_KEY_COLUMN
    county = entry.level == "county"
    code_name = "county adcode" if county else f"{entry.level} code"
    code_zh = _CODE_ZH.get(entry.level, f"{entry.level} 代码")
    if context is not None and context.level != entry.level:
        raise ValueError(
            f"a {entry.level} table checked with the context of the {context.level} level"
        )
    role = TABLE_ROLES[entry.role]
    needed = list(role.columns) if required is None else list(required)
    table = read_table_file(path).to_frame()
    raw, header_row = table.data, table.header_row
    layout = _Problems(list(table.problems), list(table.problems_zh))

    header = _Problems()  # without its columns and their units no value can be checked
    missing = [c for c in [key_column, *needed] if c not in raw.columns]
    if missing:
        header.add(
            f"missing column(s) {', '.join(missing)}; a {entry.role!r} table needs "
            f"{', '.join([key_column, *needed])} (header in row {header_row})",
            f"缺少列 {', '.join(missing)}；{entry.role!r} 表需要列 "
            f"{', '.join([key_column, *needed])}（表头在第 {header_row} 行）",
        )
    present = [c for c in role.columns if c in raw.columns]
    _unit_problems(entry, [c for c in present if c in needed or c in entry.columns], header)
    if header:
        en, zh = header.en + layout.en, header.zh + layout.zh
        raise TableError(
            en="; ".join(en), zh="；".join(zh), source=path, field=entry.role, values=en
        )
    problems = layout

    def checked(column: str, wrong: pd.Series) -> pd.Index:
        """The rows where ``wrong`` holds, but for formula cells (already reported)."""
        return pd.Index([i for i in raw.index[wrong] if (i, column) not in table.formulas])

    out = pd.DataFrame(index=raw.index)
    keys = numbers(raw[key_column])
    for i in checked(key_column, keys.isna() | (keys % 1 != 0)):
        problems.add(
            f"row {i}, column {key_column}: {raw.at[i, key_column]!r} is not "
            + ("an adcode" if county else f"a {code_name}"),
            f"第 {i} 行，{key_column} 列：{raw.at[i, key_column]!r} 不是{code_zh}",
        )
    for column in present:
        text = raw[column]
        if role.columns[column] == TEXT:
            for i in checked(column, text == ""):
                problems.add(f"row {i}, column {column}: is empty", f"第 {i} 行，{column} 列：为空")
            out[column] = text
            continue
        values = numbers(text)
        for i in checked(column, values.isna()):
            empty = text[i] == ""
            problems.add(
                f"row {i}, column {column}: "
                + ("is empty" if empty else f"{text[i]!r} is not a number"),
                f"第 {i} 行，{column} 列：" + ("为空" if empty else f"{text[i]!r} 不是数字"),
            )
        for i in raw.index[values < 0]:
            problems.add(
                f"row {i}, column {column}: {text[i]} is negative",
                f"第 {i} 行，{column} 列：{text[i]} 为负值，请填写非负数",
            )
        out[column] = values * to_base(entry.columns[column])[1]
    out[key_column] = keys
    good = out[key_column].notna() & (out[key_column] % 1 == 0)
    codes = out.loc[good, key_column].astype("int64")
    unknown = codes[~codes.isin(county_adcodes)]
    if not unknown.empty:
        rows_en, rows_zh = _rows(unknown.index)
        codes_shown = preview(sorted(set(unknown)))
        problems.add(
            f"{rows_en}, column {key_column}: unknown {code_name}(s) "
            f"{codes_shown} (not in the region's units)",
            f"{rows_zh}，{key_column} 列：未知的{code_zh} {codes_shown}（不是本区域的单位）；"
            "请核对代码",
        )
    # plausibility of the valid values (negative ones and unknown counties are reported)
    judged = out.copy()
    judged[key_column] = out[key_column].where(good & out[key_column].isin(list(county_adcodes)))
    units = {c: entry.columns[c] for c in present if c in entry.columns}
    for column, unit in units.items():
        if unit != TEXT:
            judged[column] = judged[column].where(judged[column] >= 0)
    plausible = check_values(entry.role, judged, units, context or TableContext(level=entry.level))
    hard = plausible.hard
    if role.per_county:
        dup = codes[codes.duplicated(keep=False)]
        for code in sorted(set(dup)):
            rows = [int(i) for i in dup.index[dup == code]]
            problems.add(
                f"column {key_column}: {code_name.split()[0]} {code} appears in rows "
                f"{', '.join(map(str, rows))}",
                f"{key_column} 列：{code_zh} {code} 出现在第 {'、'.join(map(str, rows))} 行；"
                "每个单位只能有一行",
            )
        absent = sorted(county_adcodes - set(codes))
        if absent:
            problems.add(
                f"column {key_column}: no row for {code_name}(s) {preview(absent)}; add a "
                "row (0 if none)",
                f"{key_column} 列：缺少{code_zh} {preview(absent)} 的行；请补上该行（没有的填 0）",
            )
    for f in hard:
        problems.add(str(f), f.zh())
    if problems:
        _raise(path, entry, problems, hard)
    out[key_column] = out[key_column].astype("int64")
    frame = (
        out.reset_index(drop=True)
        if not role.per_county
        else out.set_index(key_column).sort_index()
    )
    return CheckedTable(frame, plausible.soft, plausible.notes)
