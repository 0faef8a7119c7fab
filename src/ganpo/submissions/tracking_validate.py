"""Checking a filled monitoring form (the yearly value of one of the decision's indicators,
per unit) before it is stored, every problem at once (docs/tracking.md, "Series reported
through the forms").

A monitoring form is a long table (:func:`ganpo.submissions.forms.tracking_forms`): a header
row starting with ``unit_code``, then one row per unit with ``year``, ``value``, ``unit``,
``source`` and an optional ``note``. Refused, with row, column and value: everything the
structural check of a long form refuses (:mod:`ganpo.submissions.long_table`: an unknown
or missing column, a unit code that is neither the platform's region nor one of its cities
or counties, a year other than the form's, a unit other than the indicator's, an empty
value or source, the same unit twice), and a value outside the indicator's valid range (a
share above 100 %) or, for an indicator without one, beyond ±10¹⁵ in its unit (more than
any real value: the registry refuses it in the stored series too). Accepted with a flag
to explain (波动审核): a value that moved by more than :data:`FLUCTUATION_PCT` % from the
unit's value of the previous year in the stored series.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import pandas as pd

from ganpo.submissions.forms import TRACKING_OPTIONAL, Form
from ganpo.submissions.long_table import UnitCodes, number, read_long_table
from ganpo.submissions.validate import Flag, Limits, Problem, Region, UploadError, ValidTable, _p
from ganpo.tracking.model import Indicator
from ganpo.tracking.registry import MAX_VALUE, read_tracking_file, shipped_file

#: a value that moved by more than this (relative to the previous year's) is flagged for an
#: explanation; a ganpo default, not from a standard (the statistical review rules ask
#: departments to explain large year-on-year changes without a common threshold)
FLUCTUATION_PCT = 20.0
COLUMNS = ("year", "value", "unit", "source", "note")


def form_indicator(form: Form) -> Indicator:
    """The indicator a monitoring form reports (from the shipped decision file)."""
    found = read_tracking_file(shipped_file("jiangxi-decision"))
    return next(i for i in found.indicators if i.key == form.table)


def unit_codes(region: Region, region_code: int) -> dict[int, str]:
    """The units a monitoring form may report: the region, its cities and its counties
    (code → name; a city's name is not known here and left empty)."""
    codes: dict[int, str] = {region_code: ""}
    for county, name in region.counties.items():
        codes.setdefault(county // 100 * 100, "")
        codes[county] = name
    return codes


def check_tracking_table(
    data: bytes,
    form: Form,
    region: Region,
    limits: Limits,
    *,
    region_code: int,
    previous: Mapping[int, float] | None = None,
) -> ValidTable:
    """Check a monitoring form (CSV or .xlsx); raise :class:`UploadError` with every
    problem, or return the canonical CSV and the flags to explain.

    ``region_code``: the platform's region (the province); ``previous``: the value of each
    unit in the previous year as the stored series has it (in the indicator's unit), for
    the fluctuation flags."""
    indicator = form_indicator(form)
    long = read_long_table(
        data,
        form,
        limits,
        units=UnitCodes(
            unit_codes(region, region_code),
            f"not the platform's region ({region_code}) nor one of its cities or counties",
            f"不是本地区（{region_code}）或其所辖市、县的区划代码",
        ),
        numbers={"value"},
        nonnegative=False,
        optional=TRACKING_OPTIONAL,
        key_columns=(form.key_column,),
    )
    problems: list[Problem] = []
    low_high = indicator.valid_range
    for rec, line in zip(long.records, long.lines, strict=True):
        x = number(rec["value"])
        if x is not None and low_high is not None and not low_high[0] <= x <= low_high[1]:
            low, high = low_high
            problems.append(
                _p(
                    line,
                    "value",
                    rec["value"],
                    f"outside the range of {indicator.name_en} ({low:g} to {high:g} "
                    f"{indicator.unit_in('en')}); correct the value or its unit",
                    f"超出{indicator.name_zh}的取值范围（{low:g}～{high:g}"
                    f"{indicator.unit_in('zh')}），请更正数值或单位",
                )
            )
        elif x is not None and low_high is None and abs(x) > MAX_VALUE:
            problems.append(
                _p(
                    line,
                    "value",
                    rec["value"],
                    f"larger than {MAX_VALUE:g} {indicator.unit_in('en')}, more than any real "
                    f"value of {indicator.name_en}; correct the value or its unit",
                    f"超出{indicator.name_zh}的合理范围（绝对值不超过 {MAX_VALUE:g}"
                    f"{indicator.unit_in('zh')}），请更正数值或单位",
                )
            )
    if problems:
        raise UploadError(problems)
    key = form.key_column
    frame = pd.DataFrame(long.records, columns=[key, *COLUMNS])
    for c in ("year", key):
        frame[c] = frame[c].map(lambda v: int(float(v)))
    frame["value"] = frame["value"].map(lambda v: float(str(v).replace(",", "")))
    flags = _fluctuations(frame, form, indicator, previous or {}, long.lines)
    buf = io.StringIO()
    frame.sort_values(key, kind="stable").to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL)
    notes = (
        []
        if previous
        else [
            f"not compared with {form.year - 1}: the stored series holds no value of that year "
            f"/ 未与 {form.year - 1} 年比较（监测序列中无上年数值）"
        ]
    )
    return ValidTable(
        csv_bytes=buf.getvalue().encode("utf-8"),
        columns={key: "", **{c: (indicator.unit if c == "value" else "") for c in COLUMNS}},
        n_rows=len(frame),
        media=long.media,
        warnings=notes,
        flags=flags,
    )


def _fluctuations(
    frame: pd.DataFrame,
    form: Form,
    indicator: Indicator,
    previous: Mapping[int, float],
    lines: list[int],
) -> list[Flag]:
    """Rows whose value moved by more than :data:`FLUCTUATION_PCT` % from the unit's value
    of the previous year."""
    out: list[Flag] = []
    key = form.key_column
    unit_zh, unit_en = indicator.unit_in("zh"), indicator.unit_in("en")
    for i, r in enumerate(frame.to_dict("records")):
        code = int(r[key])
        before = previous.get(code)
        if before is None or before == 0:
            continue
        now = float(r["value"])
        change = (now / before - 1.0) * 100.0
        if abs(change) <= FLUCTUATION_PCT:
            continue
        out.append(
            Flag(
                row=lines[i] if i < len(lines) else None,
                column="value",
                value=f"{now:g} {indicator.unit}",
                reason_en=f"{indicator.name_en}: {change:+.1f} % against {form.year - 1} "
                f"({before:g} {unit_en}); explain the change or correct the value",
                reason_zh=f"{indicator.name_zh}：较 {form.year - 1} 年（{before:g}{unit_zh}）变化 "
                f"{change:+.1f}%，请说明原因或更正",
                key=f"fluctuation:{code}",
                kind="fluctuation",
                subject=f"{form.key}.value",
                county=code,
            )
        )
    return out
