"""Observed series from a CSV file: one row per indicator, unit and year, with the
value's unit, source and status (docs/tracking.md, "The decision's targets").

Columns ``indicator, unit_code, year, value, unit, source, status`` and optionally
``note``; a CSV in UTF-8 (a BOM is accepted) or GB 18030, or an .xlsx workbook. Each row
is validated as an :class:`~ganpo.tracking.model.Observation` (a year from 1949 to 2100,
a finite value, a status of ``published``, ``reported``, ``synthetic`` or ``computed``);
the registry then checks the indicator, the unit code (an administrative code), the unit,
the value's range and duplicates (:meth:`ganpo.tracking.registry.Registry.
add_observations`). Every problem names the file, the row and the column.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ganpo.errors import InputError
from ganpo.tracking.model import Observation

#: the columns a series file must have
COLUMNS = ("indicator", "unit_code", "year", "value", "unit", "source", "status")


def read_series_csv(path: Path) -> list[Observation]:
    """The observations of a series file (a CSV in UTF-8 or GB 18030, or an .xlsx whatever
    its name, as every table of ganpo is read: :func:`ganpo.io.table_files.
    read_table_file`), validated row by row."""
    from ganpo.io.table_files import read_table_file

    table = read_table_file(path)
    frame = table.to_frame()
    if frame.problems:
        raise InputError(
            en=f"{len(frame.problems)} problem(s) in the series file: "
            f"{'; '.join(frame.problems[:12])}",
            zh="观测序列文件格式有误（公式、重复列或无表头的值），未存储任何数值",
            source=path,
            field="series",
            values=frame.problems,
        )
    header = list(frame.data.columns)
    rows = frame.data.to_dict("index")
    if not rows:
        raise InputError(
            en=f"the series file has no rows; columns: {', '.join(COLUMNS)}",
            zh="观测序列文件为空",
            source=path,
        )
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(
            en=f"the series file lacks column(s) {', '.join(missing)}; it has {', '.join(header)}",
            zh=f"观测序列文件缺少列：{'、'.join(missing)}",
            source=path,
            field="columns",
            values=missing,
        )
    found: list[Observation] = []
    for number, row in rows.items():
        data = {str(k): str(v) for k, v in row.items()}
        if not data.get("note"):
            data.pop("note", None)
        try:
            found.append(Observation.model_validate(data))
        except ValidationError as exc:
            columns = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
            problems = "; ".join(
                f"column {c}: {e['msg']} (given: {data.get(c, '')!r})"
                for c, e in zip(columns, exc.errors(), strict=True)
            )
            raise InputError(
                en=f"row {number}: {problems}",
                zh=f"第{number}行 "
                + "、".join(f"{c} 列的值 {data.get(c, '')!r}" for c in columns)
                + " 无效",
                source=path,
                field=columns[0],
                values=[data.get(c, "") for c in columns],
            ) from exc
    return found
