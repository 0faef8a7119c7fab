"""Zoning violations (违反生态环境分区管控要求的案件) as the enforcement departments record
them, read from a CSV file and checked before they are stored (docs/zoning.md,
"Violations").

One row per case: ``case_no`` (the department's case number), ``county_adcode``,
``unit_code`` (the environmental control unit, optional), ``found_on`` (YYYY-MM-DD),
``kind`` (:data:`ganpo.store.cases_models.VIOLATION_KINDS`), ``description``,
``penalty_wan`` (the fine in 万元, 0 when none), ``status`` (open, rectifying, rectified,
closed), ``closed_on`` (YYYY-MM-DD, optional; required once closed) and ``source`` (the
enforcement document). Every problem of the file is reported at once, by row and column:
a missing column, an empty required cell, a county that is not a county of the region, a
control unit the zoning dataset does not hold, a date that is not one, a kind or status
not known, a fine that is not an amount, a case closed before it was found or closed
without a date, the same case twice.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import date, datetime, time
from pathlib import Path

from ganpo.errors import InputError
from ganpo.store.cases import ViolationRecord
from ganpo.store.cases_models import VIOLATION_KINDS, VIOLATION_STATUSES

COLUMNS = (
    "case_no",
    "county_adcode",
    "unit_code",
    "found_on",
    "kind",
    "description",
    "penalty_wan",
    "status",
    "closed_on",
    "source",
)
OPTIONAL = ("unit_code", "closed_on")
CNY_PER_WAN = 1e4
#: the largest fine read [万元]: 10⁸ 万元 (10¹² CNY) is far above any fine ever imposed; a
#: larger figure is a typing or unit error (and 1e308 万元 is no number of CNY at all)
MAX_PENALTY_WAN = 1e8


def _day(text: str) -> date | None:
    """A date written YYYY-MM-DD, or as a workbook's date cell reads (``2023-04-18
    00:00:00``: a time of midnight only)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.date() if moment.time() == time(0) else None


def read_violations(
    path: Path | str,
    *,
    counties: Collection[int],
    units: Collection[str] | None = None,
    synthetic: bool = False,
    today: date | None = None,
) -> list[ViolationRecord]:
    """The cases of a violations table (CSV in UTF-8 or GB 18030, or .xlsx, as every table
    is read: :func:`ganpo.io.table_files.read_table_file`), checked against the region's
    ``counties`` and, when given, the control ``units`` of the zoning dataset; every
    problem at once in one :class:`InputError` naming the file. A date may not lie after
    ``today`` (default: the current date): a case is not found or closed in the future."""
    from ganpo.io.table_files import read_table_file

    path = Path(path)
    today = today or date.today()
    table = read_table_file(path)
    if table.to_frame().problems:
        layout = table.to_frame().problems
        raise InputError(
            en=f"{len(layout)} problem(s) in the violations file: {'; '.join(layout[:12])}",
            zh="违规案件文件格式有误（公式、重复列或无表头的值），未存储任何记录",
            source=path,
            values=layout,
        )
    header_row, *body = table.rows
    header = [h.strip() for h in header_row.texts()]
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    if missing:
        raise InputError(
            en=f"missing column(s) {', '.join(missing)}; the file needs {', '.join(COLUMNS)}",
            zh="缺少必填列",
            source=path,
            field=missing[0],
            values=missing,
        )
    problems: list[str] = []
    out: list[ViolationRecord] = []
    seen: dict[str, int] = {}
    zh: list[str] = []
    for row in body:
        line = row.number
        r = dict(zip(header, (c.strip() for c in row.texts()), strict=False))

        def bad(column: str, why: str, r: dict[str, str] = r, line: int = line) -> None:
            problems.append(f"row {line}, {column} {r.get(column, '')!r}: {why}")
            zh.append(f"第 {line} 行 {column} {r.get(column, '')!r}")

        for c in COLUMNS:
            if c not in OPTIONAL and not r.get(c):
                bad(c, "empty; every case needs it")
        case = r.get("case_no", "")
        if case and case in seen:
            bad("case_no", f"the same case as row {seen[case]}; give each case once")
        elif case:
            seen[case] = line
        county: int | None = None
        if r.get("county_adcode"):
            try:
                county = int(r["county_adcode"])
            except ValueError:
                bad("county_adcode", "not an adcode")
            else:
                if county not in counties:
                    bad("county_adcode", "not a county of the region")
        unit = r.get("unit_code", "")
        if unit and units is not None and unit not in units:
            bad("unit_code", "not a control unit of the zoning dataset")
        found = _day(r.get("found_on", "")) if r.get("found_on") else None
        if r.get("found_on") and found is None:
            bad("found_on", "not a date (YYYY-MM-DD)")
        closed = _day(r.get("closed_on", "")) if r.get("closed_on") else None
        if r.get("closed_on") and closed is None:
            bad("closed_on", "not a date (YYYY-MM-DD)")
        if r.get("kind") and r["kind"] not in VIOLATION_KINDS:
            bad("kind", f"not one of {', '.join(VIOLATION_KINDS)}")
        status = r.get("status", "")
        if status and status not in VIOLATION_STATUSES:
            bad("status", f"not one of {', '.join(VIOLATION_STATUSES)}")
        if status == "closed" and not r.get("closed_on"):
            bad("closed_on", "a closed case needs the date it was closed")
        if found is not None and closed is not None and closed < found:
            bad("closed_on", f"before the case was found ({found})")
        for column, day in (("found_on", found), ("closed_on", closed)):
            if day is not None and day > today:
                bad(column, f"after today ({today}): a case is not found or closed in the future")
        penalty = float("nan")
        if r.get("penalty_wan"):
            try:
                penalty = float(r["penalty_wan"].replace(",", ""))
            except ValueError:
                bad("penalty_wan", "not a number (万元)")
            else:
                if not math.isfinite(penalty) or penalty < 0:
                    bad("penalty_wan", "not an amount ≥ 0 (万元)")
                elif penalty > MAX_PENALTY_WAN:
                    bad(
                        "penalty_wan",
                        f"above {MAX_PENALTY_WAN:.0e} 万元, no fine is: check the unit",
                    )
        if len(problems) == 0 and county is not None and found is not None:
            out.append(
                ViolationRecord(
                    case_no=case,
                    county_adcode=county,
                    found_on=found,
                    kind=r["kind"],
                    description=r["description"],
                    penalty_cny=penalty * CNY_PER_WAN,
                    status=status,
                    source=r["source"],
                    unit_code=unit,
                    closed_on=closed,
                    synthetic=synthetic,
                )
            )
    if not seen and not problems:
        problems.append("the file has no case")
    if problems:
        shown = "; ".join(problems[:12]) + (
            f"; … {len(problems) - 12} more" if len(problems) > 12 else ""
        )
        where_zh = "；".join(zh[:12]) + ("等" if len(zh) > 12 else "")
        raise InputError(
            en=f"{len(problems)} problem(s) in the violations file: {shown}; correct them and "
            "load the file again (nothing was stored)",
            zh=f"违规案件文件有误（{where_zh or '无案件'}），请更正后重新导入，未存储任何记录",
            source=path,
            values=problems,
        )
    return out
