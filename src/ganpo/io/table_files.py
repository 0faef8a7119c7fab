"""Decoding table files: the one place where the bytes of a statistics table become rows of
text cells.

Every reader of tables calls :func:`decode_table` (or :func:`read_table_file`): the
engine's :func:`ganpo.io.tables.read_table`, the check of the departments' uploads
(:mod:`ganpo.submissions.validate`) and the applications' tables
(:mod:`ganpo.apply.inputs`). So the command line and the platform accept exactly the same
files:

* CSV text in UTF-8, UTF-8 with a byte-order mark, or GB 18030 — what Chinese Excel writes
  when it saves "CSV" (GBK and GB 2312 are subsets of GB 18030);
* Excel workbooks (.xlsx), recognised by their first bytes, never by the file's name.

Text is read as UTF-8 when its bytes are valid UTF-8, else as GB 18030. (A GB 18030 text
whose every non-ASCII byte pair also happens to be valid UTF-8 would be misread; a real
table, with its many Chinese names, is not ambiguous.)

Anything else is refused with a :class:`~ganpo.errors.TableFileError` that names the file,
says what it looks like (an old .xls workbook, a PDF, a GeoTIFF, UTF-16 text, a web page,
a binary file, nothing at all…) and what to do, in English and Chinese.

Files come from outside, so the decoding is defensive: the size is checked before anything
is parsed; an .xlsx is a zip whose members' sizes are checked (total and compression
ratio) before openpyxl opens it, so a small "zip bomb" is refused; workbooks with macros
are refused; openpyxl reads in read-only mode and executes nothing. It opens the workbook
with ``data_only=False`` on purpose: a formula cell then keeps its formula and is flagged
(:attr:`Cell.formula`), where ``data_only=True`` would silently take the value Excel last
cached. Rows and columns are limited (:class:`TableLimits`).

The result is raw: text cells exactly as written (numbers of a workbook as Python writes
them: ``100.5``, ``360102``), each row with its number in the file, blank rows left out.
Units, roles, counties and numbers are checked by the readers above, which report every
problem with its row and column.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from ganpo.errors import TableFileError

__all__ = [
    "Cell",
    "FileKind",
    "RawTable",
    "Row",
    "TableFrame",
    "TableLimits",
    "column_letter",
    "decode_table",
    "read_table_file",
    "recognise",
]

Media = Literal["csv", "xlsx"]
FileKind = Literal[
    "empty",
    "text",
    "zip",
    "tiff",
    "ole",
    "pdf",
    "image",
    "gzip",
    "archive",
    "utf16",
    "binary",
]
ENCODINGS = ("utf-8", "gb18030")
SAVE_AS_EN = "save it as CSV UTF-8 or .xlsx"
SAVE_AS_ZH = "请另存为 UTF-8 编码的 CSV 或 xlsx"
#: control characters that never occur in a table's text (tab, line breaks, form feed allowed)
_CONTROL = frozenset(chr(c) for c in (*range(0, 9), *range(14, 32), 127)) | {"\x0b"}


@dataclass(frozen=True)
class TableLimits:
    """What a table file may be at most (bytes, non-blank rows, columns, unzipped size)."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 1_000
    max_unzipped_bytes: int = 100 * 1024 * 1024
    max_zip_ratio: float = 200.0


@dataclass(frozen=True)
class Cell:
    """One cell: its text as written, and whether a workbook holds a formula there."""

    text: str
    formula: bool = False


@dataclass(frozen=True)
class Row:
    """A non-blank row: its number in the file (1-based: the CSV line where the record
    starts, or the worksheet row) and its cells from the first column on."""

    number: int
    cells: tuple[Cell, ...]

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass(frozen=True)
class RawTable:
    """A decoded table file: where it came from, how it was read, its non-blank rows."""

    source: str
    media: Media
    encoding: str | None  # "utf-8", "utf-8-sig" or "gb18030"; None for a workbook
    sheet: str | None  # the worksheet read (workbooks)
    rows: tuple[Row, ...]

    def to_frame(self) -> TableFrame:
        """The first row as the header, the others as data (see :class:`TableFrame`)."""
        header, *body = self.rows
        problems: list[str] = []
        problems_zh: list[str] = []
        names: dict[int, str] = {}
        first_at: dict[str, int] = {}
        twice: set[int] = set()
        for j, cell in enumerate(header.cells):
            name = cell.text.strip()
            where = f"row {header.number}, column {column_letter(j)}"
            where_zh = f"第 {header.number} 行，{column_letter(j)} 列"
            if cell.formula:
                problems.append(f"{where}: the header {name!r} is a formula; write the name")
                problems_zh.append(f"{where_zh}：表头 {name!r} 是公式；请直接填写列名")
            if name == "":
                continue
            if name in first_at:
                problems.append(
                    f"{where}: column {name!r} appears twice (also column "
                    f"{column_letter(first_at[name])}); each column may appear once"
                )
                problems_zh.append(
                    f"{where_zh}：列 {name!r} 出现两次（另见 {column_letter(first_at[name])} "
                    "列）；每列只能出现一次"
                )
                twice.add(j)
                continue
            first_at[name] = j
            names[j] = name
        columns: dict[str, list[str]] = {name: [] for name in names.values()}
        formulas: set[tuple[int, str]] = set()
        for row in body:
            for j, cell in enumerate(row.cells):
                text = cell.text.strip()
                key = names.get(j)
                if key is None:
                    if text and j not in twice:
                        problems.append(
                            f"row {row.number}, column {column_letter(j)}: {text!r} is in a "
                            "column without a header; name the column or delete the value"
                        )
                        problems_zh.append(
                            f"第 {row.number} 行，{column_letter(j)} 列：{text!r} 所在的列没有"
                            "表头；请为该列命名或删除该值"
                        )
                    continue
                if cell.formula:
                    formulas.add((row.number, key))
                    problems.append(
                        f"row {row.number}, column {key}: {text!r} is a formula; formulas "
                        "are not evaluated — paste the value"
                    )
                    problems_zh.append(
                        f"第 {row.number} 行，{key} 列：{text!r} 是公式；公式不会被计算，请粘贴数值"
                    )
            for j, key in names.items():
                columns[key].append(row.cells[j].text.strip() if j < len(row.cells) else "")
        index = pd.Index([row.number for row in body], dtype="int64", name="row")
        frame = pd.DataFrame(columns, index=index, dtype=object)
        return TableFrame(frame, header.number, problems, frozenset(formulas), problems_zh)


@dataclass(frozen=True)
class TableFrame:
    """A table with its first row as the header.

    ``data`` holds the stripped text cells, one column per header name, indexed by row
    number in the file; a column without a header and without values is left out.
    ``problems`` are those of the layout — formula cells, columns named twice, values
    under no header — each with its row and column; ``formulas`` are the (row, column)
    of formula cells, which readers leave out of their value checks (already reported).
    ``problems_zh`` says each problem in Chinese, in the same order.
    """

    data: pd.DataFrame
    header_row: int
    problems: list[str]
    formulas: frozenset[tuple[int, str]]
    problems_zh: list[str] = field(default_factory=list)


# --------------------------------------------------------------------- what is the file


def recognise(data: bytes) -> FileKind:
    """What a file is from its first bytes (a zip may still be something else than a
    workbook: :func:`decode_table` looks inside)."""
    head = data[:8]
    if not data:
        return "empty"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    if head[:5] == b"%PDF-":
        return "pdf"
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff" or head[:4] == b"GIF8":
        return "image"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:6] == b"7z\xbc\xaf\x27\x1c" or head[:4] == b"Rar!":
        return "archive"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf16"
    if b"\x00" in data[:8192]:
        return "binary"
    return "text"


_LOOKS: dict[str, tuple[str, str]] = {
    "tiff": ("a TIFF image (a raster layer?)", "TIFF 图像（栅格图层？）"),
    "ole": (
        "an old Excel workbook (.xls, Excel 97–2003) or another old Office file",
        "旧版 Excel 工作簿（.xls）或其他旧版 Office 文件",
    ),
    "pdf": ("a PDF document", "PDF 文档"),
    "image": ("an image (PNG, JPEG or GIF)", "图片"),
    "gzip": ("a gzip-compressed file", "gzip 压缩文件"),
    "archive": ("a 7z or RAR archive", "7z 或 RAR 压缩包"),
    "utf16": (
        "UTF-16 text (Excel's 'Unicode Text' format)",
        "UTF-16 编码的文本（Excel 的“Unicode 文本”格式）",
    ),
    "binary": ("a binary file (it holds NUL bytes)", "二进制文件"),
    "control": ("a binary file (it holds control characters)", "二进制文件"),
    "zip": ("a zip archive, not an Excel workbook", "zip 压缩包，不是 Excel 工作簿"),
    "docx": ("a Word document (.docx)", "Word 文档"),
    "pptx": ("a PowerPoint presentation (.pptx)", "PowerPoint 演示文稿"),
    "ods": ("an OpenDocument spreadsheet (.ods)", "OpenDocument 电子表格（.ods）"),
    "html": (
        "a web page (HTML), e.g. an '.xls' that a web system exported",
        "网页（HTML），例如网络系统导出的“.xls”",
    ),
    "xml": (
        "an XML file (e.g. an Excel 2003 XML spreadsheet)",
        "XML 文件（例如 Excel 2003 XML 表格）",
    ),
    "encoding": (
        "text in an encoding other than UTF-8 or GB 18030 (e.g. Big5 or Latin-1)",
        "编码不是 UTF-8 或 GB 18030 的文本（例如 Big5）",
    ),
    "tabs": ("tab-separated text", "制表符分隔的文本"),
    "semicolons": ("semicolon-separated text", "分号分隔的文本"),
}


def _not_a_table(source: str, kind: str) -> TableFileError:
    en, zh = _LOOKS[kind]
    return TableFileError(
        f"this looks like {en}, not a table ganpo reads (CSV or .xlsx); {SAVE_AS_EN}",
        f"该文件看起来是{zh}，不是可读取的表格；{SAVE_AS_ZH}",
        source=source,
        looks_like=kind,
    )


# ------------------------------------------------------------------------------ decoding


def decode_table(
    data: bytes,
    source: str | Path,
    *,
    limits: TableLimits | None = None,
    sheet: str | None = None,
    comments: bool = False,
) -> RawTable:
    """Decode the bytes of a table file (CSV or .xlsx, told apart by their content).

    Parameters
    ----------
    data : the file's bytes
    source : how messages name the file (a path, or e.g. the name of an upload)
    limits : the largest file accepted (default :class:`TableLimits`)
    sheet : the worksheet to read when a workbook has it (default: the first worksheet)
    comments : leave out CSV lines starting with ``#`` (the applications' tables use them)

    Raises
    ------
    TableFileError : not a table file, an unknown text encoding, a workbook with macros,
        larger than the limits, or no row at all; the message says what to do.

    >>> t = decode_table("county_adcode,县名\\n360102,东湖区\\n".encode("gb18030"), "t.csv")
    >>> t.encoding, [r.texts() for r in t.rows]
    ('gb18030', [['county_adcode', '县名'], ['360102', '东湖区']])
    """
    limits = limits or TableLimits()
    name = str(source)
    if len(data) > limits.max_bytes:
        raise _too_large(name, limits)
    kind = recognise(data)
    if kind == "empty":
        raise TableFileError(
            f"the file is empty (0 bytes); export the table again and {SAVE_AS_EN}",
            f"文件为空（0 字节），请重新导出；{SAVE_AS_ZH}",
            source=name,
            looks_like="empty",
        )
    if kind == "zip":
        sheet_name, rows = _xlsx_rows(data, name, limits, sheet)
        return _finish(RawTable(name, "xlsx", None, sheet_name, rows), limits)
    if kind != "text":
        raise _not_a_table(name, kind)
    text, encoding = _decode_text(data, name)
    return _finish(
        RawTable(name, "csv", encoding, None, _csv_rows(text, name, limits, comments)), limits
    )


def read_table_file(
    path: Path,
    *,
    limits: TableLimits | None = None,
    sheet: str | None = None,
    comments: bool = False,
) -> RawTable:
    """:func:`decode_table` of a file (its size is checked before it is read)."""
    limits = limits or TableLimits()
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_large(str(path), limits)
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TableFileError(
            "the file does not exist; check the path",
            "文件不存在，请检查路径",
            source=path,
            looks_like="missing",
        ) from exc
    except IsADirectoryError as exc:
        raise TableFileError(
            "this is a folder, not a table file; give the path of a CSV or .xlsx file",
            "这是文件夹而不是表格文件",
            source=path,
            looks_like="folder",
        ) from exc
    except OSError as exc:
        raise TableFileError(
            f"cannot read the file: {exc.strerror or exc}", "无法读取文件", source=path
        ) from exc
    return decode_table(data, path, limits=limits, sheet=sheet, comments=comments)


def _too_large(source: str, limits: TableLimits) -> TableFileError:
    n = limits.max_bytes
    size = f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n} bytes"
    return TableFileError(
        f"the file is larger than the limit of {size}; split it or remove what the table "
        "does not need",
        f"文件超过 {size} 的上限，请拆分或删去无关内容",
        source=source,
        looks_like="too large",
    )


def _finish(table: RawTable, limits: TableLimits) -> RawTable:
    if not table.rows:
        raise TableFileError(
            "the table has no rows (only blank lines or cells); fill it in",
            "表格没有任何内容",
            source=table.source,
            looks_like="blank",
        )
    if table.media == "csv":
        _check_separator(table)
    return table


def _check_separator(table: RawTable) -> None:
    """A whole file in one column whose cells hold tabs or semicolons was written with
    another separator: say so, rather than report every column as missing."""
    first = table.rows[:2]
    for sep, kind in (("\t", "tabs"), (";", "semicolons")):
        counts = {r.cells[0].text.count(sep) if len(r.cells) == 1 else -1 for r in first}
        if len(counts) == 1 and min(counts) >= 1:
            raise _not_a_table(table.source, kind)


def _decode_text(data: bytes, source: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    else:
        candidates = ENCODINGS
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise _not_a_table(source, "encoding")
    body = text[:-1] if text.endswith("\x1a") else text  # DOS end-of-file mark
    if any(ch in _CONTROL for ch in body):
        raise _not_a_table(source, "control")
    start = body.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<table")):
        raise _not_a_table(source, "html")
    if start.startswith("<?xml"):
        raise _not_a_table(source, "xml")
    return body, encoding


class _Lines:
    """Feeds csv.reader line by line, skipping comment lines only between records (a
    line inside a quoted field is never a comment) and remembering where a record starts."""

    def __init__(self, text: str, comments: bool) -> None:
        self._lines = iter(text.splitlines(keepends=True))
        self._comments = comments
        self.at_record_start = True
        self.number = 0
        self.record_start = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while True:
            line = next(self._lines)
            self.number += 1
            if not self.at_record_start:
                return line
            if self._comments and line.lstrip().startswith("#"):
                continue
            self.at_record_start = False
            self.record_start = self.number
            return line


def _csv_rows(text: str, source: str, limits: TableLimits, comments: bool) -> tuple[Row, ...]:
    lines = _Lines(text, comments)
    reader = csv.reader(lines)
    rows: list[Row] = []
    try:
        for record in reader:
            lines.at_record_start = True
            cells = tuple(Cell(v) for v in record)
            row = _row(lines.record_start, cells, source, limits)
            if row is not None:
                rows.append(row)
                _check_rows(len(rows), source, limits)
    except csv.Error as exc:
        raise TableFileError(
            f"not a valid CSV (line {lines.number}: {exc}); {SAVE_AS_EN}",
            f"不是有效的 CSV 文件（第 {lines.number} 行）；{SAVE_AS_ZH}",
            source=source,
            looks_like="broken CSV",
        ) from exc
    return tuple(rows)


def _row(number: int, cells: tuple[Cell, ...], source: str, limits: TableLimits) -> Row | None:
    """The row, or ``None`` when it is blank; refused beyond the column limit."""
    if all(c.text.strip() == "" for c in cells):
        return None
    if len(cells) > limits.max_columns:
        if any(c.text.strip() for c in cells[limits.max_columns :]):
            raise TableFileError(
                f"row {number} has values beyond column {limits.max_columns}; a table has "
                f"at most {limits.max_columns} columns",
                f"第 {number} 行超过 {limits.max_columns} 列的上限",
                source=source,
                looks_like="too wide",
            )
        cells = cells[: limits.max_columns]
    return Row(number, cells)


def _check_rows(n: int, source: str, limits: TableLimits) -> None:
    if n > limits.max_rows:
        raise TableFileError(
            f"more than {limits.max_rows} rows; the table is refused — split it",
            f"超过 {limits.max_rows} 行，拒绝处理，请拆分",
            source=source,
            looks_like="too long",
        )


def _zip_kind(names: set[str], zf: zipfile.ZipFile) -> str | None:
    """What a zip that is not an Excel workbook is (``None``: a workbook)."""
    if "xl/workbook.xml" in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if (
        "mimetype" in names
        and zf.getinfo("mimetype").file_size < 200
        and b"opendocument.spreadsheet" in zf.read("mimetype")
    ):
        return "ods"
    return "zip"


def _xlsx_rows(
    data: bytes, source: str, limits: TableLimits, sheet: str | None
) -> tuple[str, tuple[Row, ...]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
            names = {m.filename for m in members}
            total = sum(m.file_size for m in members)
            worst = max((m.file_size / max(m.compress_size, 1) for m in members), default=0.0)
            kind = _zip_kind(names, zf) if total <= limits.max_unzipped_bytes else None
    except Exception as exc:  # a damaged zip raises many kinds (BadZipFile, EOFError, …)
        raise TableFileError(
            f"not a valid .xlsx file (a damaged zip: {exc}); open it in Excel and {SAVE_AS_EN}",
            f"不是有效的 xlsx 文件（压缩包已损坏）；{SAVE_AS_ZH}",
            source=source,
            looks_like="damaged zip",
        ) from exc
    if total > limits.max_unzipped_bytes or worst > limits.max_zip_ratio:
        raise TableFileError(
            "the workbook unpacks to more than the limit "
            f"({limits.max_unzipped_bytes // 1024 // 1024} MB, ratio "
            f"{limits.max_zip_ratio:g}); it is refused",
            "工作簿解压后过大，拒绝处理",
            source=source,
            looks_like="zip bomb",
        )
    if kind is not None:
        raise _not_a_table(source, kind)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise TableFileError(
            "workbooks with macros are not accepted; save as .xlsx without macros",
            "不接受含宏的工作簿，请另存为不含宏的 .xlsx",
            source=source,
            looks_like="workbook with macros",
        )
    try:
        with warnings.catch_warnings():  # openpyxl warns about features it drops
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise TableFileError(
            f"cannot read the workbook ({exc}); open it in Excel and {SAVE_AS_EN}",
            f"无法读取工作簿；{SAVE_AS_ZH}",
            source=source,
            looks_like="damaged workbook",
        ) from exc
    try:
        if not wb.worksheets:
            raise TableFileError(
                "the workbook has no worksheet", "工作簿中没有工作表", source=source
            )
        ws = wb[sheet] if sheet is not None and sheet in wb.sheetnames else wb.worksheets[0]
        rows: list[Row] = []
        for r, xl_cells in enumerate(ws.iter_rows(), start=1):
            cells = tuple(_xlsx_cell(c) for c in xl_cells)
            row = _row(r, cells, source, limits)
            if row is not None:
                rows.append(row)
                _check_rows(len(rows), source, limits)
        return ws.title, tuple(rows)
    finally:
        wb.close()


def _xlsx_cell(cell: object) -> Cell:
    value = getattr(cell, "value", None)
    formula = getattr(cell, "data_type", None) == "f"
    if value is None:
        return Cell("", formula)
    if isinstance(value, int):  # bool included
        return Cell(str(value), formula)
    if isinstance(value, float):
        return Cell(repr(value), formula)
    return Cell(str(value), formula)
