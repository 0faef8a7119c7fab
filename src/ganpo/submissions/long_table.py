"""The structural check of a long form (a header row of keys, then one row per unit and
key), shared by the carbon activity forms (:mod:`ganpo.submissions.carbon_validate`) and
the monitoring series forms (:mod:`ganpo.submissions.tracking_validate`).

Every problem is collected, by row, column, cell and value, before any is raised: a header
row not found in the first rows, an unknown or repeated column, a required column missing,
a formula instead of a value, a unit code that is not one the form takes, a year other
than the form's, a unit of measure the form does not take, an empty required cell, a number
column that holds no number (or a negative one where amounts are asked for), the same unit
and key twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from ganpo.submissions.forms import Form
from ganpo.submissions.validate import (
    HEADER_SEARCH_ROWS,
    Limits,
    Media,
    Problem,
    UploadError,
    _p,
    _rows,
)

#: an optional column a long form may carry for the reader (the unit's name; not read)
NAME_COLUMN = "name"


@dataclass(frozen=True)
class UnitCodes:
    """The unit codes a long form takes, and what to say of any other (both languages)."""

    codes: Collection[int]
    reason_en: str
    reason_zh: str


@dataclass
class LongRows:
    """The rows of a long form that passed the structural check (cells as text), with
    their line numbers in the file."""

    columns: list[str]  # the key column, then the form's columns in form order
    records: list[dict[str, str]]
    lines: list[int]
    media: Media


def number(text: str) -> float | None:
    """A cell's number (thousands separators allowed), None when it is not a finite one."""
    try:
        x = float(text.replace(",", ""))
    except ValueError:
        return None
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Wording:
    """What the structural check says where long forms word it differently (the rest of
    its messages is common to every long form). ``unknown_en`` takes ``{form}`` (the form's
    key) and ``{columns}``; ``duplicate_en`` takes ``{row}``."""

    no_header_en: str = "use the form's columns (`ganpo report-forms list --year`)"
    no_header_zh: str = ""
    unknown_en: str = "unknown column; form {form!r} has {columns}"
    missing_zh: str = "缺少必填列（见报表说明）"
    duplicate_en: str = "the same unit and key as row {row}; give each once"


#: the wording of the unit-keyed long forms (carbon activity, monitoring series)
UNIT_WORDING = Wording()

#: checks one row (its line number, its cells as text and their workbook references) and
#: returns its problems; called after the formula check, before the duplicate check
RowCheck = Callable[[int, dict[str, str], dict[str, str | None]], list[Problem]]


def read_rows(
    data: bytes,
    form: Form,
    limits: Limits,
    *,
    check_row: RowCheck,
    key_columns: Sequence[str],
    optional: Collection[str] = (),
    extra: Collection[str] = (NAME_COLUMN,),
    wording: Wording = UNIT_WORDING,
) -> LongRows:
    """The structure every long form shares (CSV or .xlsx): the header row found in the
    first rows, every column known, none twice, the required ones there, no formula, the
    rows checked by ``check_row``, no two rows alike in ``key_columns``, at least one row.
    Raise :class:`UploadError` with every problem, or return the rows.

    ``optional``: columns that may be absent; ``extra``: columns the form does not declare
    but accepts (not checked)."""
    rows, media = _rows(data, limits)
    key = form.key_column
    header_at = next(
        (
            i
            for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS])
            if cells and cells[0][0] == key
        ),
        None,
    )
    if header_at is None:
        raise UploadError(
            [
                _p(
                    None,
                    key,
                    None,
                    f"no header row starting with {key!r} in the first {HEADER_SEARCH_ROWS} "
                    f"rows; {wording.no_header_en}",
                    f"前 {HEADER_SEARCH_ROWS} 行中没有以 {key} 开头的表头行{wording.no_header_zh}",
                )
            ]
        )
    _, header = rows[header_at]
    wanted = [key, *(c.key for c in form.columns)]
    known = {*wanted, *extra}
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for j, (text, _, ref) in enumerate(header):
        if text == "":
            continue
        if text not in known:
            problems.append(
                _p(
                    None,
                    text,
                    text,
                    wording.unknown_en.format(form=form.key, columns=", ".join(wanted)),
                    f"未知的列；本表的列为 {'、'.join(wanted)}",
                    ref,
                )
            )
        elif text in positions:
            problems.append(_p(None, text, text, "column given twice", "列重复", ref))
        else:
            positions[text] = j
    missing = [c for c in wanted if c not in positions and c not in optional]
    for c in missing:
        problems.append(_p(None, c, None, "required column missing", wording.missing_zh))
    if problems:
        raise UploadError(problems)
    records: list[dict[str, str]] = []
    lines: list[int] = []
    seen: dict[tuple[str, ...], int] = {}
    for line, cells in rows[header_at + 1 :]:
        rec = {c: (cells[j][0] if j < len(cells) else "") for c, j in positions.items()}
        refs = {c: (cells[j][2] if j < len(cells) else None) for c, j in positions.items()}
        for c in wanted:
            rec.setdefault(c, "")
            refs.setdefault(c, None)
        for c, j in positions.items():
            if j < len(cells) and cells[j][1]:
                problems.append(
                    _p(
                        line,
                        c,
                        cells[j][0],
                        "a formula; give the value",
                        "请填写数值而非公式",
                        refs[c],
                    )
                )
        problems.extend(check_row(line, rec, refs))
        k = tuple(rec[c] for c in key_columns)
        if k in seen:
            problems.append(
                _p(
                    line,
                    None,
                    ", ".join(k),
                    wording.duplicate_en.format(row=seen[k]),
                    f"与第 {seen[k]} 行重复",
                )
            )
        else:
            seen[k] = line
        records.append(rec)
        lines.append(line)
    if not records:
        problems.append(_p(None, None, None, "the table has no data rows", "表中没有数据行"))
    if problems:
        raise UploadError(problems)
    return LongRows(wanted, records, lines, media)


def read_long_table(
    data: bytes,
    form: Form,
    limits: Limits,
    *,
    units: UnitCodes,
    numbers: Collection[str],
    nonnegative: bool,
    optional: Collection[str] = (),
    key_columns: Sequence[str] | None = None,
) -> LongRows:
    """Check the structure of a long form's upload (CSV or .xlsx) keyed by unit code:
    :func:`read_rows`, and in every row a unit code the form takes, the form's year, a
    unit of measure of the form, no empty required cell and numbers where asked; raise
    :class:`UploadError` with every problem, or return its rows.

    ``numbers``: the columns that hold numbers (negative ones refused when
    ``nonnegative``); ``optional``: columns that may be left empty; ``key_columns``: what
    makes a row unique (default: every column that is not a number, the unit or the
    year)."""
    key = form.key_column
    wanted = [key, *(c.key for c in form.columns)]
    values = [c for c in wanted if c not in (key, "year", "unit")]
    keys = (
        list(key_columns)
        if key_columns is not None
        else [c for c in wanted if c not in numbers and c not in ("unit", "year")]
    )

    def check_row(line: int, rec: dict[str, str], refs: dict[str, str | None]) -> list[Problem]:
        problems: list[Problem] = []
        code = number(rec[key])
        if code is None or code != int(code):
            problems.append(
                _p(
                    line,
                    key,
                    rec[key],
                    "not a unit code (6-digit adcode)",
                    "不是区划代码",
                    refs[key],
                )
            )
        elif int(code) not in units.codes:
            problems.append(_p(line, key, rec[key], units.reason_en, units.reason_zh, refs[key]))
        if number(rec["year"]) != form.year:
            problems.append(
                _p(
                    line,
                    "year",
                    rec["year"],
                    f"the form is for {form.year}; give that year in every row",
                    f"本表为 {form.year} 年报表，每行年份须为 {form.year}",
                    refs["year"],
                )
            )
        if rec["unit"] not in form.units:
            problems.append(
                _p(
                    line,
                    "unit",
                    rec["unit"],
                    f"not a unit of this table; give one of {', '.join(form.units)}",
                    f"计量单位须为 {'、'.join(form.units)} 之一",
                    refs["unit"],
                )
            )
        for c in values:
            x = number(rec[c])
            if rec[c] == "":
                if c not in optional:
                    problems.append(
                        _p(
                            line,
                            c,
                            "",
                            "empty cell; every column is required",
                            "单元格为空",
                            refs.get(c),
                        )
                    )
            elif c in numbers and x is None:
                problems.append(_p(line, c, rec[c], "not a number", "不是数值", refs[c]))
            elif c in numbers and x is not None and x < 0 and nonnegative:
                problems.append(
                    _p(
                        line,
                        c,
                        rec[c],
                        "negative; activity data are amounts (report a decrease as a smaller "
                        "amount)",
                        "活动数据不能为负数",
                        refs[c],
                    )
                )
        return problems

    return read_rows(data, form, limits, check_row=check_row, key_columns=keys, optional=optional)
