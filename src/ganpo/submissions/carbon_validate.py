"""Checking a filled carbon activity form (a greenhouse-gas inventory table) before it is
stored, every structural problem at once, the way :func:`ganpo.submissions.validate.
check_table` checks a GEP form.

A carbon form is a long table (carbon ``activity-tables.toml``): a header row starting
with ``unit_code``, then one row per unit and key (``unit_code``, ``year``, the table's
columns, one ``unit`` per row). Refused, with row, column and value: a missing or unknown
column, a unit code that is not a county of the platform's region, a year other than the
form's, a negative number, a unit the table does not take, the same key twice; then the
inventory's own function for the table is run on the rows (:func:`ganpo.carbon.
inventory.compute_emissions`), so an unknown fuel, sector or animal, a wrong unit for a
fuel or a missing factor is refused with the inventory's message before anything is
stored. Accepted with a flag to explain (波动审核): a row whose quantity changed by more
than :data:`FLUCTUATION_PCT` % from the previous year's approved submission of the form.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import pandas as pd

from ganpo.carbon.inputs import table_zh
from ganpo.carbon.inventory import FOREST_TABLE, Dataset, compute_emissions, unit_findings
from ganpo.carbon.sinks import forest_carbon_stock
from ganpo.errors import InputError
from ganpo.io.gdp_units import GDP_UNITS, GdpCell, gdp_slip, slip_refusal
from ganpo.submissions.forms import Form
from ganpo.submissions.long_table import UnitCodes, read_long_table
from ganpo.submissions.validate import (
    Flag,
    Limits,
    Region,
    UploadError,
    ValidTable,
    _p,
)

#: a quantity that changed by more than this from the previous year is flagged (a ganpo
#: default, not from a standard: the provincial guideline asks for a check of the
#: activity data's year-on-year changes without giving a threshold)
FLUCTUATION_PCT = 50.0
QUANTITY = "quantity"
#: units of one quantity, as a factor to a base unit (to compare two years' rows)
_TO_BASE = {
    "t": ("t", 1.0),
    "万t": ("t", 1e4),
    "万m³": ("m³", 1e4),
    "亿m³": ("m³", 1e8),
    "kWh": ("kWh", 1.0),
    "万kWh": ("kWh", 1e4),
    "亿kWh": ("kWh", 1e8),
    "公顷": ("hm2", 1.0),
    "hm2": ("hm2", 1.0),
    "千公顷": ("hm2", 1e3),
    "亩": ("hm2", 1 / 15),
    "万亩": ("hm2", 1e4 / 15),
    "头": ("head", 1.0),
    "万头": ("head", 1e4),
    "只": ("head", 1.0),
    "万只": ("head", 1e4),
    "万tce": ("tce", 1e4),
}


#: the inventory settings an upload is checked with (a dataset's own are used when the
#: inventory runs; these name the shipped sets so that every factor can be looked up)
DEFAULT_SETTINGS = {
    "fuel_set": "cn-statistics",
    "process_factors": "ipcc-2006",
    "grid": "national",
    "uncertainty": "ipcc-2006",
    "sink_factors": "cn-forestry",
}


def is_number_column(description: str) -> bool:
    """Whether an activity-table column holds numbers, from its declared description (a
    unit in brackets, a fraction, or a 1-or-0 switch)."""
    return "[" in description or "fraction" in description or "1 or 0" in description


def check_carbon_table(
    data: bytes,
    form: Form,
    region: Region,
    limits: Limits,
    *,
    region_code: int,
    previous: pd.DataFrame | None = None,
    settings: Mapping[str, str] | None = None,
) -> ValidTable:
    """Check a carbon activity form (CSV or .xlsx); raise :class:`UploadError` with every
    problem, or return the canonical CSV, the flags to explain and notes.

    ``region_code``: the province (or city) whose inventory the table feeds; unit codes
    must be counties of ``region``. ``previous``: the previous year's approved table of
    the form (canonical columns), for the fluctuation flags."""
    key = form.key_column
    numbers = {c.key for c in form.columns if is_number_column(c.name_en)}
    long = read_long_table(
        data,
        form,
        limits,
        units=UnitCodes(
            region.counties,
            "not a county of the platform's region; report each county of the region once per key",
            "不是本地区的县级区划代码",
        ),
        numbers=numbers,
        nonnegative=True,
    )
    wanted, records, lines, media = long.columns, long.records, long.lines, long.media
    frame = pd.DataFrame(records, columns=wanted)
    for c in ("year", key):
        frame[c] = frame[c].map(lambda v: int(float(v)))
    for c in numbers:
        frame[c] = frame[c].map(lambda v: float(str(v).replace(",", "")))
    if form.table == "gdp":
        _check_gdp_slips(frame, form, lines)
    warnings = _inventory_check(frame, form, region_code, settings or DEFAULT_SETTINGS, lines)
    flags = _fluctuations(frame, form, previous, lines)
    buf = io.StringIO()
    frame.sort_values(key, kind="stable").to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL)
    return ValidTable(
        csv_bytes=buf.getvalue().encode("utf-8"),
        columns={c: "" for c in wanted},
        n_rows=len(frame),
        media=media,
        warnings=warnings,
        flags=flags,
    )


def _check_gdp_slips(frame: pd.DataFrame, form: Form, lines: list[int]) -> None:
    """Refuse every GDP implausible for its county in the unit of its row (a 10⁴ slip of
    the unit: 万元 figures written as 亿元; :mod:`ganpo.io.gdp_units`), by row and column."""
    problems = []
    money = [c.key for c in form.columns if c.key.startswith("gdp_")]
    for i, row in enumerate(frame.to_dict("records")):
        unit = str(row.get("unit", "亿元")).strip()
        if unit not in GDP_UNITS:
            continue  # a unit the form does not take is refused by the long table
        code = int(row[form.key_column])
        for column in money:
            slip = gdp_slip(code, float(row[column]), unit)
            if slip is None:
                continue
            # the problem names the row, column and value: the message the unit and why
            en, zh = slip_refusal(
                slip,
                GdpCell(None, None, column, str(row[column]), code, (form.key_column, "单位")),
                unit_given=True,
                fix=(
                    f"convert the values to {', '.join(form.units)} (万元 ÷ 10⁴, 元 ÷ 10⁸)",
                    f"请换算为{'、'.join(form.units)}后填报（万元 ÷ 10⁴，元 ÷ 10⁸）",
                ),
            )
            problems.append(_p(lines[i] if i < len(lines) else None, column, row[column], en, zh))
    if problems:
        raise UploadError(problems)


def _inventory_check(
    frame: pd.DataFrame,
    form: Form,
    region_code: int,
    settings: Mapping[str, str],
    lines: list[int],
) -> list[str]:
    """Run the inventory's function for the table on the rows: its refusal (an unknown
    fuel or sector, a wrong unit for a fuel, a factor missing) becomes the upload's
    problem; its notes become warnings. The rows are indexed by their ``lines`` in the
    file, so that a refusal names the row as a spreadsheet shows it."""
    if len(lines) == len(frame):
        frame = frame.set_axis(pd.Index(lines, dtype="int64"), axis=0)
    ds = Dataset(
        title_zh=form.name_zh,
        title_en=form.name_en,
        synthetic=False,
        region=region_code,
        level="county",
        years=[form.year],
        fuel_set=settings["fuel_set"],
        process_factors=settings["process_factors"],
        grid=settings["grid"],
        uncertainty=settings["uncertainty"],
        sink_factors=settings.get("sink_factors", "cn-forestry"),
        tables={form.table: frame.rename(columns={form.key_column: "unit_code"})},
        digest="",
    )
    if form.table == "gdp":
        return []
    try:
        if form.table == FOREST_TABLE:  # one inventory: its carbon stock, not yet a sink
            forest_carbon_stock(ds.tables[FOREST_TABLE], ds.sink_factors, table=form.key)
            return []
        compute_emissions(ds, form.year)
        return unit_findings(ds, form.year)
    except InputError as exc:
        # the inventory's refusal in each language: its English half in the English
        # reason, its Chinese half in the Chinese one (a refusal without a Chinese half
        # points the Chinese reader to the English)
        where = f"{exc.source}: " if exc.source else ""
        # in Chinese the table by its Chinese name, unless the Chinese half names it
        name_zh = table_zh(str(exc.source)).strip() if exc.source else ""
        where_zh = f"{name_zh}：" if name_zh and name_zh not in exc.zh else ""
        zh = (
            f"清单核算无法使用该表：{where_zh}{exc.zh}"
            if exc.zh != exc.en
            else "清单核算无法使用该表（见英文说明）"
        )
        raise UploadError(
            [
                _p(
                    None,
                    exc.field,
                    ", ".join(map(str, exc.values[:5])) if exc.values else None,
                    f"the inventory cannot use the table: {where}{exc.en}",
                    zh,
                )
            ]
        ) from exc


def _base(value: float, unit: str) -> tuple[str, float] | None:
    found = _TO_BASE.get(unit)
    return None if found is None else (found[0], value * found[1])


def _fluctuations(
    frame: pd.DataFrame, form: Form, previous: pd.DataFrame | None, lines: list[int]
) -> list[Flag]:
    """Rows whose quantity changed by more than :data:`FLUCTUATION_PCT` % from the
    previous year's row of the same unit and key (in a common unit)."""
    if previous is None or QUANTITY not in frame.columns or QUANTITY not in previous.columns:
        return []
    numbers = {c.key for c in form.columns if is_number_column(c.name_en)}
    keys = [
        form.key_column,
        *(
            c
            for c in frame.columns
            if c not in numbers and c not in ("unit", "year", form.key_column)
        ),
    ]
    prev = {
        tuple(str(r[c]) for c in keys): r
        for r in previous.to_dict("records")
        if all(c in previous.columns for c in keys)
    }
    out: list[Flag] = []
    for i, r in enumerate(frame.to_dict("records")):
        k = tuple(str(r[c]) for c in keys)
        p = prev.get(k)
        if p is None:
            continue
        now, before = (
            _base(float(r[QUANTITY]), str(r["unit"])),
            _base(float(p[QUANTITY]), str(p["unit"])),
        )
        if now is None or before is None or now[0] != before[0] or before[1] == 0:
            continue
        change = (now[1] / before[1] - 1.0) * 100.0
        if abs(change) <= FLUCTUATION_PCT:
            continue
        what = " ".join(k[1:])
        out.append(
            Flag(
                row=lines[i] if i < len(lines) else None,
                column=QUANTITY,
                value=f"{r[QUANTITY]} {r['unit']}",
                reason_en=f"{what}: {change:+.1f} % against {form.year - 1} "
                f"({p[QUANTITY]} {p['unit']}); explain the change or correct the value",
                reason_zh=f"{what}：较 {form.year - 1} 年（{p[QUANTITY]} {p['unit']}）变化 "
                f"{change:+.1f}%，请说明原因或更正",
                key=f"fluctuation:{':'.join(k)}",
                kind="fluctuation",
                subject=f"{form.key}.{QUANTITY}",
                county=int(r[form.key_column]),
            )
        )
    return out
