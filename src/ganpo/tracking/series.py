"""Observed series from a CSV file: one row per indicator, unit and year, with the
value's unit, source and status (docs/tracking.md, "The decision's targets").

Columns ``indicator, unit_code, year, value, unit, source, status`` and optionally
``note``; UTF-8 (a BOM is accepted). Each row is validated as an
:class:`~ganpo.tracking.model.Observation` (a year from 1949 to 2100, a finite value, a
status of ``published``, ``reported``, ``synthetic`` or ``computed``); the registry then checks the
indicator, the unit and duplicates (:meth:`ganpo.tracking.registry.Registry.
add_observations`). Every problem names the file, the row and the column.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pydantic import ValidationError

from ganpo.errors import InputError
from ganpo.tracking.model import Observation

#: the columns a series file must have
COLUMNS = ("indicator", "unit_code", "year", "value", "unit", "source", "status")


def read_series_csv(path: Path) -> list[Observation]:
    """The observations of a series CSV file, validated row by row."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
            header = list(rows[0]) if rows else []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(
            f"cannot read the series file: {exc} / 无法读取观测序列文件", source=path
        ) from exc
    if not rows:
        raise InputError(
            f"the series file has no rows; columns: {', '.join(COLUMNS)} / 观测序列文件为空",
            source=path,
        )
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"the series file lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(header)} / 观测序列文件缺少列：{'、'.join(missing)}",
            source=path,
            field="columns",
            values=missing,
        )
    found: list[Observation] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        data = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not data.get("note"):
            data.pop("note", None)
        try:
            found.append(Observation.model_validate(data))
        except ValidationError as exc:
            problems = "; ".join(
                f"column {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise InputError(
                f"row {number}: {problems} / 第{number}行有误", source=path, field="series"
            ) from exc
    return found
