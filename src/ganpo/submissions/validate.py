"""Checking an uploaded form: every problem at once, with row, column, value and reason.

Parsing is defensive because uploads come from outside:

* the size is limited before anything is parsed; the kind of file is recognised from its
  first bytes, never from its name (the name is only shown, never used as a path);
* a table (CSV in UTF-8 or GB 18030, or .xlsx) is decoded by
  :func:`ganpo.io.table_files.decode_table`, the decoder every table reader of ganpo uses,
  with its defences (zip bombs, macros, formulas flagged, never evaluated); a file that is
  not a table is one problem saying what it looks like and what to do;
* a GeoTIFF's width × height is checked against a pixel limit before any pixel is read (a
  tiny compressed file can claim billions of pixels); its values are then read block by
  block.

A table passes when it has every column the form requires, a row for each county of the
region (per-county forms), numbers that are numbers, not negative, counties that exist,
and values that pass the plausibility checks the engine makes too
(:func:`ganpo.io.table_checks.check_values`: impossible values, shares above 1, ratios
out of bounds, parts above their whole, duplicated rows of list tables, unit errors
against last year's table — each a problem with its cell). Unusual values and
fluctuations are not problems but *flags* (:class:`Flag`): the upload is stored, and the
reporter explains each flag before submitting it (docs/decisions/0027). The normalised
CSV is then read once more by :func:`ganpo.io.tables.read_table`, the reader the engine
uses, so what passes here is what an account can read.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import io
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pyproj import CRS
from rasterio.warp import transform_bounds

from ganpo.catalog.ecosystems import (
    RASTER_NODATA,
    code_map_rule,
    raster_codes,
    raster_codes_text,
)
from ganpo.catalog.units import conversion_factor, to_base
from ganpo.engine.grid import Grid
from ganpo.engine.zonal import codes_of
from ganpo.errors import InputError, InputFileError, TableError, TableFileError, halves, preview
from ganpo.io.manifest import TableEntry
from ganpo.io.raster_files import open_raster, read_window
from ganpo.io.roles import KEY_COLUMN, LAYER_ROLES, NAME_COLUMN
from ganpo.io.table_checks import Finding, TableContext, check_values
from ganpo.io.table_files import TableLimits, column_letter, decode_table, recognise
from ganpo.io.tables import TEXT, read_table
from ganpo.io.tables import number as _number
from ganpo.submissions.forms import Form, FormColumn

Media = Literal["csv", "xlsx", "geotiff"]
UNIT_LABELS = ("单位 unit", "单位", "unit", "units")
NAME_ROW_LABELS = ("县级行政区划代码", "county adcode")
DATA_SHEET = "填报 data"
HEADER_SEARCH_ROWS = 10
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Limits:
    """What an upload may be at most (bytes, rows, unzipped size, pixels)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 20_000
    max_columns: int = 200
    max_unzipped_bytes: int = 100 * 1024 * 1024
    max_zip_ratio: float = 200.0
    max_pixels: int = 200_000_000
    #: a GeoTIFF is read block by block; one block (a strip or a tile) is decompressed at
    #: once, so its size bounds the memory a small compressed upload can claim
    max_block_pixels: int = 16 * 1024 * 1024

    def table_limits(self) -> TableLimits:
        """The limits of the table decoder (rows count every non-blank row)."""
        return TableLimits(
            max_bytes=self.max_bytes,
            max_rows=self.max_rows,
            max_columns=self.max_columns,
            max_unzipped_bytes=self.max_unzipped_bytes,
            max_zip_ratio=self.max_zip_ratio,
        )


@dataclass(frozen=True)
class Problem:
    """One problem of an upload: where (row, column, cell), the value and why."""

    row: int | None
    column: str | None
    value: str | None
    reason_en: str
    reason_zh: str
    cell: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "cell": self.cell,
            "reason": f"{self.reason_zh} / {self.reason_en}",
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }

    def __str__(self) -> str:
        where = ", ".join(
            x
            for x in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column}" if self.column else "",
            )
            if x
        )
        value = f" {self.value!r}" if self.value is not None else ""
        return f"{where + ':' if where else ''}{value} {self.reason_en}".strip()


@dataclass(frozen=True)
class Flag(Problem):
    """A soft finding of the plausibility checks (an unusual value, a fluctuation, a soft
    logic rule): the upload is accepted, and the reporter explains it before submitting.
    ``key`` identifies it (rule, county…); ``kind`` is ``soft_range``, ``fluctuation`` or
    ``logic``; ``subject`` the form and rule (``tourism.visits``)."""

    key: str = ""
    kind: str = ""
    subject: str = ""
    county: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "key": self.key,
            "kind": self.kind,
            "subject": self.subject,
            "county": self.county,
        }


class UploadError(InputError):
    """An upload with problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem], *, source: str | None = None) -> None:
        self.problems = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = len(self.problems) - 10
        super().__init__(
            f"{len(self.problems)} problem(s): {shown}"
            + (f"; … and {more} more" if more > 0 else ""),
            source=source,
            values=[str(p) for p in self.problems],
        )


@dataclass(frozen=True)
class Region:
    """What an upload is checked against: the counties and the grid of the base dataset."""

    counties: dict[int, str]  # adcode -> name, sorted
    grid_reference: Path | None = None  # a layer of the base dataset on the account grid
    bounds: tuple[float, float, float, float] | None = None  # of the units, in crs_wkt
    crs_wkt: str | None = None
    areas_km2: dict[int, float] | None = None  # the counties' areas (per-km² checks)


@dataclass
class ValidTable:
    """A table that passed: its canonical CSV, the unit of each column, the flags that
    need an explanation and notes of the checks that could not be made."""

    csv_bytes: bytes
    columns: dict[str, str]
    n_rows: int
    media: Media
    warnings: list[str] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


@dataclass
class ValidLayer:
    """A raster layer that passed."""

    media: Media
    width: int
    height: int
    nodata: float | None
    minimum: float | None
    maximum: float | None
    warnings: list[str] = field(default_factory=list)


def sniff(data: bytes) -> Media | None:
    """The kind of an upload from its first bytes (:func:`ganpo.io.table_files.recognise`;
    ``None``: not one ganpo reads)."""
    kind = recognise(data)
    return {"zip": "xlsx", "tiff": "geotiff", "text": "csv"}.get(kind)  # type: ignore[return-value]


def _p(
    row: int | None,
    column: str | None,
    value: object,
    en: str,
    zh: str,
    cell: str | None = None,
) -> Problem:
    shown = None if value is None else str(value)[:200]
    return Problem(row, column, shown, en, zh, cell)


def _engine_problem(text: str) -> Problem:
    """A problem the engine's reader found: its own two halves, or its English with a
    Chinese word that it is the reader's."""
    en, zh = halves(text)
    return _p(None, None, None, en, zh if zh != en else f"引擎读取时发现问题：{en}")


def check_size(size: int, limits: Limits) -> list[Problem]:
    """The upload limit, checked before anything is read (an empty file is judged by its
    kind: :func:`check_table` or :func:`check_layer_kind`)."""
    if size > limits.max_bytes:
        mb = limits.max_bytes / 1024 / 1024
        return [
            _p(
                None,
                None,
                f"{size} bytes",
                f"the file is larger than the limit of {mb:g} MB; split it or remove "
                "what the form does not ask for",
                f"文件超过 {mb:g} MB 的上限",
            )
        ]
    return []


def check_layer_kind(data: bytes, form: Form) -> list[Problem]:
    """A layer form takes a GeoTIFF, recognised from the file's first bytes (a table
    form's file is judged by the table decoder, which says what a non-table looks like)."""
    if recognise(data) == "tiff":
        return []
    if not data:
        return [
            _p(
                None,
                None,
                None,
                "the file is empty (0 bytes); upload a single-band GeoTIFF",
                "文件为空（0 字节），请上传单波段 GeoTIFF",
            )
        ]
    media = sniff(data)
    return [
        _p(
            None,
            None,
            media or "unknown",
            f"form {form.key!r} takes a GeoTIFF; the file is {media or 'of an unknown kind'} "
            "(recognised from its content, not its name)",
            "本表只接受 GeoTIFF 文件",
        )
    ]


# ------------------------------------------------------------------------- table parsing

Cell = tuple[str, bool, str | None]  # text, is a formula, Excel cell reference
Row = tuple[int, list[Cell]]  # sheet row number (1-based), cells


def _is_blank(cells: list[Cell]) -> bool:
    return all(text == "" for text, _, _ in cells)


def _rows(data: bytes, limits: Limits) -> tuple[list[Row], Media]:
    """The non-blank rows of a table upload (cells stripped; Excel references for a
    workbook), or :class:`UploadError` with the decoder's one problem."""
    try:
        table = decode_table(data, "upload", limits=limits.table_limits(), sheet=DATA_SHEET)
    except TableFileError as exc:
        raise UploadError([_p(None, None, None, exc.reason_en, exc.reason_zh)]) from exc
    workbook = table.media == "xlsx"
    rows: list[Row] = [
        (
            row.number,
            [
                (c.text.strip(), c.formula, f"{column_letter(j)}{row.number}" if workbook else None)
                for j, c in enumerate(row.cells)
            ],
        )
        for row in table.rows
    ]
    return rows, table.media


# ------------------------------------------------------------------------ table checks


def check_table(
    data: bytes,
    form: Form,
    region: Region,
    limits: Limits,
    context: TableContext | None = None,
) -> ValidTable:
    """Check a table upload (CSV or .xlsx, recognised from its bytes) against its form;
    raise :class:`UploadError` with every problem, or return the canonical CSV with the
    flags to explain. ``context`` gives what the plausibility checks compare with beyond
    the region's county areas: last year's table, other tables of the year, the extent of
    a published account (:func:`ganpo.submissions.workflow.table_context`)."""
    rows, media = _rows(data, limits)
    problems: list[Problem] = []
    header_at = next(
        (
            i
            for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS])
            if cells and cells[0][0] == KEY_COLUMN
        ),
        None,
    )
    if header_at is None:
        raise UploadError(
            [
                _p(
                    None,
                    KEY_COLUMN,
                    None,
                    f"no header row starting with {KEY_COLUMN!r} in the first "
                    f"{HEADER_SEARCH_ROWS} rows; use the form's template",
                    f"前 {HEADER_SEARCH_ROWS} 行中没有以 {KEY_COLUMN} 开头的表头行，请使用模板",
                )
            ]
        )
    header_row, header_cells = rows[header_at]
    known = {KEY_COLUMN, NAME_COLUMN, *(c.key for c in form.columns)}
    positions: dict[str, int] = {}
    for j, (text, _, ref) in enumerate(header_cells):
        if text == "":
            continue
        if text in positions:
            problems.append(
                _p(header_row, text, text, "the column appears twice", "列重复出现", ref)
            )
        elif text not in known:
            problems.append(
                _p(
                    header_row,
                    text,
                    text,
                    f"not a column of form {form.key!r}; its columns are "
                    f"{', '.join(c.key for c in form.columns)}",
                    "不是本表的列（列名请勿修改）",
                    ref,
                )
            )
        else:
            positions[text] = j
    for col in form.required_columns:
        if col not in positions:
            spec = form.column(col)
            needed = ", ".join(spec.indicators) if spec else ""
            problems.append(
                _p(
                    header_row,
                    col,
                    None,
                    f"required column is missing (needed by {needed}); add it",
                    "缺少必填列",
                )
            )

    body = rows[header_at + 1 :]
    units: dict[str, str] = {c.key: c.unit for c in form.columns}
    bad_units: set[str] = set()  # columns whose unit was refused: their values mean nothing
    data_rows: list[Row] = []
    for r, cells in body:
        first = cells[0][0] if cells else ""
        if first in UNIT_LABELS:
            for col, j in positions.items():
                if col in (KEY_COLUMN, NAME_COLUMN) or j >= len(cells):
                    continue
                given, declared = cells[j][0], units[col]
                if given in ("", declared):
                    continue
                if declared == TEXT:
                    problems.append(
                        _p(
                            r,
                            col,
                            given,
                            "a text column has no unit",
                            "文本列没有单位",
                            cells[j][2],
                        )
                    )
                    continue
                try:
                    conversion_factor(given, declared)
                    units[col] = given
                except InputError:
                    bad_units.add(col)
                    problems.append(
                        _p(
                            r,
                            col,
                            given,
                            f"unit must be {declared!r} or a unit convertible to it",
                            f"单位应为 {declared} 或可换算的单位",
                            cells[j][2],
                        )
                    )
        elif first in NAME_ROW_LABELS or _is_blank(cells):
            continue
        else:
            data_rows.append((r, cells))
    if not data_rows:
        problems.append(_p(None, None, None, "the table has no data rows", "表中没有数据行"))

    def cell(cells: list[Cell], col: str) -> Cell:
        j = positions.get(col)
        return cells[j] if j is not None and j < len(cells) else ("", False, None)

    # optional columns present but left entirely empty are treated as absent
    present = [
        c
        for c in form.columns
        if c.key in positions
        and (c.required or any(cell(cells, c.key)[0] for _, cells in data_rows))
    ]
    seen: dict[int, int] = {}
    out_rows: list[list[str]] = []
    for r, cells in data_rows:
        text, formula, ref = cell(cells, KEY_COLUMN)
        code: int | None = None
        if formula:
            problems.append(_formula(r, KEY_COLUMN, text, ref))
        elif text == "":
            problems.append(
                _p(r, KEY_COLUMN, None, "the county adcode is empty", "区划代码为空", ref)
            )
        else:
            number = _number(text)
            if number is None or number != int(number):
                problems.append(
                    _p(r, KEY_COLUMN, text, "not a 6-digit adcode", "不是 6 位行政区划代码", ref)
                )
            elif int(number) not in region.counties:
                problems.append(
                    _p(
                        r,
                        KEY_COLUMN,
                        text,
                        "not a county of the region; use the adcodes of the template",
                        "不是本地区的县级区划代码",
                        ref,
                    )
                )
            else:
                code = int(number)
        if code is not None:
            if form.per_county and code in seen:
                problems.append(
                    _p(
                        r,
                        KEY_COLUMN,
                        text,
                        f"county {code} is also in row {seen[code]}; one row per county",
                        f"该县已出现在第 {seen[code]} 行",
                        ref,
                    )
                )
            seen.setdefault(code, r)
            name, _, name_ref = cell(cells, NAME_COLUMN)
            expected = region.counties[code]
            if name and name != expected:
                problems.append(
                    _p(
                        r,
                        NAME_COLUMN,
                        name,
                        f"does not match adcode {code} ({expected}); are the rows shifted?",
                        f"与区划代码 {code}（{expected}）不符",
                        name_ref,
                    )
                )
        values: list[str] = []
        for spec in present:
            text, formula, ref = cell(cells, spec.key)
            values.append(text)
            if formula:
                problems.append(_formula(r, spec.key, text, ref))
            elif text == "":
                problems.append(
                    _p(
                        r,
                        spec.key,
                        None,
                        "is empty; enter 0 if there is none",
                        "为空（无则填 0）",
                        ref,
                    )
                )
            elif spec.unit == TEXT:
                if text[0] in FORMULA_STARTS:  # would run as a formula when opened in Excel
                    problems.append(
                        _p(
                            r,
                            spec.key,
                            text,
                            f"text may not start with {text[0]!r} (it would act as a formula)",
                            f"文本不能以 {text[0]} 开头（会被当作公式）",
                            ref,
                        )
                    )
                continue
            elif (number := _number(text)) is None:
                problems.append(_p(r, spec.key, text, "is not a number", "不是数字", ref))
            elif number < 0:
                problems.append(_p(r, spec.key, text, "is negative", "为负数", ref))
        if code is not None:
            out_rows.append([str(code), region.counties[code], *values])
    if form.per_county:
        for code in sorted(set(region.counties) - set(seen)):
            problems.append(
                _p(
                    None,
                    KEY_COLUMN,
                    code,
                    f"no row for county {code} ({region.counties[code]}); add it (0 if none)",
                    f"缺少 {code}（{region.counties[code]}）的数据行（无则填 0）",
                )
            )
    columns = {c.key: units[c.key] for c in present}
    judged_columns = {k: u for k, u in columns.items() if k not in bad_units}
    judged = _judged(data_rows, [c for c in present if c.key in judged_columns], columns, cell)
    ctx = dataclasses.replace(
        context or TableContext(),
        area_km2=region.areas_km2,
        names=region.counties,
    )
    plausible = check_values(form.key, judged, judged_columns, ctx)
    refs = {r: cells for r, cells in data_rows}
    problems += [_as_problem(f, refs, cell) for f in plausible.hard]
    if problems:
        raise UploadError(problems)
    flags = [_as_flag(form.key, f, refs, cell) for f in plausible.soft]

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([KEY_COLUMN, NAME_COLUMN, *(c.key for c in present)])
    writer.writerows(out_rows)
    csv_bytes = buffer.getvalue().encode("utf-8")
    _read_back(csv_bytes, form, columns, region)
    notes = [f"{en} / {zh}" for en, zh in plausible.notes]
    return ValidTable(csv_bytes, columns, len(out_rows), media, notes, flags)


def _judged(
    data_rows: list[Row],
    present: list[FormColumn],
    units: dict[str, str],
    cell: Any,
) -> pd.DataFrame:
    """The data rows as the plausibility checks read them: indexed by their row in the
    file, the county, numbers in base units (NaN where a cell is no valid number)."""
    records: dict[int, dict[str, object]] = {}
    factors = {s.key: to_base(units[s.key])[1] for s in present if s.unit != TEXT}
    for r, cells in data_rows:
        code = _number(cell(cells, KEY_COLUMN)[0])
        record: dict[str, object] = {
            KEY_COLUMN: code if code is not None and code == int(code) else math.nan
        }
        for spec in present:
            text, formula, _ = cell(cells, spec.key)
            if spec.unit == TEXT:
                record[spec.key] = text
                continue
            number = None if formula else _number(text)
            ok = number is not None and number >= 0
            record[spec.key] = number * factors[spec.key] if ok else math.nan  # type: ignore[operator]
        records[r] = record
    return pd.DataFrame.from_dict(records, orient="index")


def _as_problem(f: Finding, refs: dict[int, list[Cell]], cell: Any) -> Problem:
    row = f.rows[0] if f.rows else None
    ref = cell(refs[row], f.column)[2] if row in refs and f.column else None
    return Problem(row, f.column, f.value, f.message_en, f.message_zh, ref)


def _as_flag(role: str, f: Finding, refs: dict[int, list[Cell]], cell: Any) -> Flag:
    p = _as_problem(f, refs, cell)
    subject = f"{role}.{f.rule.split('.', 1)[1]}"
    return Flag(
        p.row, p.column, p.value, p.reason_en, p.reason_zh, p.cell, f.key, f.kind, subject, f.county
    )


def _formula(row: int, column: str, text: str, ref: str | None) -> Problem:
    return _p(
        row,
        column,
        text,
        "is a formula; formulas are not evaluated — paste the value instead",
        "是公式，系统不计算公式，请粘贴数值",
        ref,
    )


def _read_back(csv_bytes: bytes, form: Form, columns: dict[str, str], region: Region) -> None:
    """Read the canonical CSV with the engine's reader; anything it refuses is a problem."""
    with tempfile.TemporaryDirectory(prefix="ganpo-upload-") as tmp:
        path = Path(tmp) / "table.csv"
        path.write_bytes(csv_bytes)
        entry = TableEntry(
            role=form.key,
            year=form.year,
            path=path.name,
            columns=columns,
            source="upload",
            synthetic=False,
        )
        try:
            read_table(path, entry, set(region.counties), form.required_columns)
        except TableError as exc:
            raise UploadError(
                [_engine_problem(str(v)) for v in exc.values] or [_engine_problem(str(exc))]
            ) from exc


# ------------------------------------------------------------------------ raster checks


def check_layer(path: Path, form: Form, region: Region, limits: Limits) -> ValidLayer:
    """Check a GeoTIFF upload (already written to ``path`` under a generated name)."""
    spec = LAYER_ROLES[form.key]
    problems: list[Problem] = []
    try:
        src = open_raster(path, form.key)
    except InputFileError as exc:  # its words name no server path
        raise UploadError([_p(None, None, None, exc.en, exc.zh)]) from exc
    with src:
        if src.driver != "GTiff":
            problems.append(_p(None, None, src.driver, "not a GeoTIFF", "不是 GeoTIFF 文件"))
        if src.count != 1:
            problems.append(
                _p(None, "band", src.count, "must have exactly one band", "只能有一个波段")
            )
        pixels = src.width * src.height
        if pixels > limits.max_pixels:
            problems.append(
                _p(
                    None,
                    "size",
                    f"{src.width}×{src.height}",
                    f"more than {limits.max_pixels} pixels; refused before reading",
                    "像元数超过上限",
                )
            )
        block_h, block_w = src.block_shapes[0] if src.count else (0, 0)
        if block_h * block_w > limits.max_block_pixels:
            problems.append(
                _p(
                    None,
                    "blocks",
                    f"{block_w}×{block_h}",
                    f"blocks (strips or tiles) of more than {limits.max_block_pixels} pixels; "
                    "save it tiled (gdal_translate -co TILED=YES)",
                    "数据块过大，请以分块（TILED=YES）方式保存",
                )
            )
        if src.crs is None:
            problems.append(
                _p(None, "crs", None, "has no CRS; assign one (gdal_edit.py -a_srs)", "缺少坐标系")
            )
        if problems:
            raise UploadError(problems)
        nodata = src.nodata
        dtype = np.dtype(src.dtypes[0])
        # an ecosystem map of any dtype: a float map of whole codes is read as its codes
        if form.key == "ecosystem_type" and nodata is not None and nodata != RASTER_NODATA:
            problems.append(
                _p(
                    None,
                    "nodata",
                    nodata,
                    f"the nodata code of ecosystem types must be {RASTER_NODATA}",
                    f"生态系统类型的无数据值应为 {RASTER_NODATA}",
                )
            )
        bounds = tuple(src.bounds)
        crs_wkt = src.crs.to_wkt()
        width, height = src.width, src.height
    warnings: list[str] = []
    if nodata is None and not np.issubdtype(dtype, np.floating) and form.key != "ecosystem_type":
        warnings.append("no nodata value declared: every cell is taken as data")
    if region.bounds is not None and region.crs_wkt is not None:
        units_bounds = transform_bounds(
            CRS.from_wkt(region.crs_wkt), CRS.from_wkt(crs_wkt), *region.bounds
        )
        if not _overlap(bounds, units_bounds):
            problems.append(
                _p(
                    None,
                    "extent",
                    ", ".join(f"{b:.0f}" for b in bounds),
                    "does not overlap the region's units; check the CRS and the extent",
                    "与本地区范围不重叠，请检查坐标系和范围",
                )
            )
    if region.grid_reference is not None and not problems:
        try:
            grid = Grid.of(region.grid_reference)
            grid.check_same(path, form.key, region.grid_reference)
        except InputError as exc:
            en, zh = exc.en, exc.zh  # without the server's path of the file
            if zh == en:  # no Chinese half
                zh = "不在核算栅格网格上（坐标系、范围或分辨率不同）"
            problems.append(_p(None, "grid", None, en, zh))
    if problems:
        raise UploadError(problems)
    try:
        lo, hi, codes, foreign = _scan(path, nodata, form.key)
    except InputFileError as exc:  # a truncated or corrupt block
        raise UploadError([_p(None, None, None, exc.en, exc.zh)]) from exc
    if foreign:
        rule_en, rule_zh = code_map_rule()
        cells = sum(foreign.values())
        problems.append(
            _p(
                None,
                "value",
                preview(f"{v} ({n} cells)" for v, n in sorted(foreign.items())),
                f"{cells} cells hold values that are no ecosystem code; {rule_en}",
                f"有 {cells} 个栅格的值不是生态系统类型编码；{rule_zh}",
            )
        )
    if form.key == "ecosystem_type":
        unknown = sorted(codes - set(raster_codes()) - {RASTER_NODATA})
        if unknown:
            problems.append(
                _p(
                    None,
                    "value",
                    preview(unknown),
                    f"unknown ecosystem code(s); valid: {raster_codes_text()}",
                    "未知的生态系统类型编码",
                )
            )
    elif lo is not None and hi is not None and (lo < spec.minimum or hi > spec.maximum):
        problems.append(
            _p(
                None,
                "value",
                f"{lo:g} … {hi:g}",
                f"{spec.name_en} must lie in [{spec.minimum:g}, {spec.maximum:g}] {spec.unit}; "
                "check the unit and the nodata value",
                f"{spec.name_zh}应在 [{spec.minimum:g}, {spec.maximum:g}] {spec.unit} 之间",
            )
        )
    if lo is None:
        problems.append(_p(None, "value", None, "has no valid cell", "没有有效像元"))
    if problems:
        raise UploadError(problems)
    return ValidLayer("geotiff", width, height, nodata, lo, hi, warnings)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _scan(
    path: Path, nodata: float | None, role: str
) -> tuple[float | None, float | None, set[int], dict[str, int]]:
    """Minimum, maximum and (integer rasters, the ecosystem map of any dtype) distinct
    values of valid cells, by block; and, of an ecosystem map, the values that are no
    code, as cells per value, read as the account reads them
    (:func:`ganpo.engine.zonal.codes_of`: NaN and 3.0000002 are no code, 3.0 is 3)."""
    lo, hi = math.inf, -math.inf
    codes: set[int] = set()
    foreign: collections.Counter[str] = collections.Counter()
    with open_raster(path, role) as src:
        integer = np.issubdtype(np.dtype(src.dtypes[0]), np.integer)
        for _, window in src.block_windows(1):
            block = read_window(src, path, role, window)
            if role == "ecosystem_type":
                index, whole, not_codes = codes_of(block)
                foreign.update(not_codes)
                codes.update(np.unique(index[whole]).tolist())
            valid = np.isfinite(block) if not integer else np.ones(block.shape, bool)
            if nodata is not None:
                valid &= block != nodata
            vals = block[valid]
            if vals.size == 0:
                continue
            lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
            if integer and role != "ecosystem_type" and len(codes) < 1000:
                codes.update(int(v) for v in np.unique(vals))
    if lo == math.inf:
        return None, None, codes, dict(foreign)
    return lo, hi, codes, dict(foreign)
