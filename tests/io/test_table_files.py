"""The one table decoder: every encoding and format it reads gives the same cells, and
every file it cannot read is a TableFileError that says what the file looks like."""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganpo.errors import TableError, TableFileError
from ganpo.io.manifest import TableEntry
from ganpo.io.table_files import TableLimits, decode_table, read_table_file, recognise
from ganpo.io.tables import read_table

#: real column and county names: Chinese text as departments write it
NAMES = ["县级行政区划代码", "县名", "旅游收入", "接待人次", "湖泊名称", "婺源县", "鄱阳湖", "单位"]


def write_csv(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def write_xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Excel keeps 15 significant digits (openpyxl writes no more), so the numbers a workbook
# can hold exactly are the integers below 10^15 and the floats of 15 significant digits;
# the CSVs are given the same numbers so that all four files must read back alike.
excel_numbers = st.one_of(
    st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1),
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False).map(lambda x: float(f"{x:.15g}")),
)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True),
    data=st.data(),
)
def test_numbers_read_back_alike_from_every_encoding_and_from_xlsx(
    names: list[str], data: st.DataObject
) -> None:
    n_rows = data.draw(st.integers(min_value=1, max_value=6))
    values = [[data.draw(excel_numbers) for _ in names] for _ in range(n_rows)]
    text_rows = [names, *[[repr(v) for v in row] for row in values]]
    files = {
        "utf-8": write_csv(text_rows, "utf-8"),
        "utf-8-sig": write_csv(text_rows, "utf-8-sig"),
        "gb18030": write_csv(text_rows, "gb18030"),
        "xlsx": write_xlsx([names, *values]),
    }
    for how, blob in files.items():
        table = decode_table(blob, f"t.{how}")
        assert (table.encoding or table.media) == how
        frame = table.to_frame().data
        assert table.to_frame().problems == []
        assert list(frame.columns) == names
        got = [[float(x) for x in row] for row in frame.to_numpy().tolist()]
        assert got == [[float(v) for v in row] for row in values], how
        assert list(frame.index) == list(range(2, n_rows + 2))  # rows as numbered in the file


TOURISM = TableEntry(
    role="tourism",
    year=2022,
    path="t",
    columns={"visits": "10^4 person-time", "tourism_revenue": "10^8 CNY"},
    source="t",
    synthetic=True,
)

arbitrary_files = st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=3000).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=300).map(lambda b: b"\xef\xbb\xbf" + b),
    st.text(max_size=500).map(lambda t: t.encode("utf-8")),
    st.text(max_size=500).map(lambda t: t.encode("gb18030")),
    st.lists(
        st.tuples(
            st.sampled_from(
                ["xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml", "x"]
            ),
            st.binary(max_size=200),
        ),
        max_size=4,
        unique_by=lambda member: member[0],
    ).map(lambda members: _zip(members)),
)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, blob in members:
            zf.writestr(name, blob)
    return out.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blob=arbitrary_files)
def test_arbitrary_bytes_raise_nothing_but_a_table_error(blob: bytes) -> None:
    try:
        decode_table(blob, "upload.bin", limits=TableLimits(max_rows=50))
    except TableFileError as exc:
        assert str(exc).startswith("upload.bin: ")
        assert exc.reason_en and exc.reason_zh
    with tempfile.TemporaryDirectory() as tmp:  # and through the engine's reader
        path = Path(tmp) / "t.csv"
        path.write_bytes(blob)
        with contextlib.suppress(TableError):
            read_table(path, TOURISM, {360102}, ("visits", "tourism_revenue"))


# ------------------------------------------------------------------- files that are no table


def _error(blob: bytes, tmp_path: Path) -> TableFileError:
    path = tmp_path / "部门报表.csv"  # the name does not matter: the content does
    path.write_bytes(blob)
    with pytest.raises(TableFileError) as err:
        read_table(path, TOURISM, {360102}, ("visits",))
    assert err.value.source == str(path)
    return err.value


def test_a_zero_byte_file(tmp_path: Path) -> None:
    err = _error(b"", tmp_path)
    assert str(err) == (
        f"{tmp_path / '部门报表.csv'}: the file is empty (0 bytes); export the table again and "
        "save it as CSV UTF-8 or .xlsx / 文件为空（0 字节），请重新导出；请另存为 UTF-8 编码的 "
        "CSV 或 xlsx"
    )
    assert err.looks_like == "empty"


def test_an_old_xls_workbook(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8  # an OLE2 (.xls) header
    err = _error(ole, tmp_path)
    assert err.reason_en == (
        "this looks like an old Excel workbook (.xls, Excel 97–2003) or another old Office "
        "file, not a table ganpo reads (CSV or .xlsx); save it as CSV UTF-8 or .xlsx"
    )
    assert err.reason_zh == (
        "该文件看起来是旧版 Excel 工作簿（.xls）或其他旧版 Office 文件，不是可读取的表格；"
        "请另存为 UTF-8 编码的 CSV 或 xlsx"
    )
    assert err.looks_like == "ole"


def test_a_binary_file(tmp_path: Path) -> None:
    err = _error(b"county_adcode,visits\n\x00\x01\x02\x03binary", tmp_path)
    assert err.reason_en == (
        "this looks like a binary file (it holds NUL bytes), not a table ganpo reads (CSV or "
        ".xlsx); save it as CSV UTF-8 or .xlsx"
    )
    assert err.reason_zh.startswith("该文件看起来是二进制文件，不是可读取的表格")


@pytest.mark.parametrize(
    ("blob", "looks_like", "says"),
    [
        (b"%PDF-1.7\n...", "pdf", "a PDF document"),
        (b"II*\x00\x08\x00\x00\x00", "tiff", "a TIFF image (a raster layer?)"),
        ("county_adcode,visits\n".encode("utf-16"), "utf16", "UTF-16 text"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "html", "a web page (HTML)"),
        (b"county_adcode\tvisits\n1\t2\n", "tabs", "tab-separated text"),
        (b"county_adcode,visits\n1,caf\xe9\n", "encoding", "neither"),
        (_zip([("word/document.xml", b"<w/>")]), "docx", "a Word document"),
        (_zip([("a.txt", b"x")]), "zip", "a zip archive, not an Excel workbook"),
    ],
)
def test_what_other_files_look_like(
    blob: bytes, looks_like: str, says: str, tmp_path: Path
) -> None:
    err = _error(blob, tmp_path)
    assert err.looks_like == looks_like
    assert says in err.reason_en or looks_like == "encoding"
    if looks_like == "encoding":
        assert "text in an encoding other than UTF-8 or GB 18030" in err.reason_en
    assert err.reason_en.endswith("save it as CSV UTF-8 or .xlsx")
    assert err.reason_zh.endswith("请另存为 UTF-8 编码的 CSV 或 xlsx")


def test_recognise_by_content_not_name() -> None:
    assert recognise(b"") == "empty"
    assert recognise(write_xlsx([["a"]])) == "zip"
    assert recognise(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") == "ole"
    assert recognise("县名\n".encode("gb18030")) == "text"


# ------------------------------------------------------------------- one table, every form


def lakes_rows() -> list[list[str]]:
    return [
        ["county_adcode", "county_name", "lake_name", "lake_area", "lake_region", "flood_storage"],
        ["360102", "东湖区", "青山湖", "3.2", "东部平原", "120"],
        ["361130", "婺源县", "鸳鸯湖", "0.75", "东部平原", "30"],
        ["360121", "南昌县", "鄱阳湖（南部）", "1,234.5", "东部平原", "1,500,000"],
    ]


LAKES = TableEntry(
    role="lakes", year=2022, path="t",
    columns={"lake_name": "text", "lake_area": "km2", "lake_region": "text",
             "flood_storage": "10^4 m3"},
    source="t", synthetic=True,
)  # fmt: skip


def test_gb18030_chinese_names_read_as_from_utf8_and_xlsx(tmp_path: Path) -> None:
    counties = {360102, 361130, 360121}
    frames = {}
    for how, blob in {
        "gb18030": write_csv(lakes_rows(), "gb18030"),
        "utf-8-sig": write_csv(lakes_rows(), "utf-8-sig"),
        "xlsx": write_xlsx(lakes_rows()),  # type: ignore[arg-type]
    }.items():
        path = tmp_path / f"lakes-{how}"
        path.write_bytes(blob)
        frames[how] = read_table(path, LAKES, counties)
    assert frames["gb18030"]["lake_name"].tolist() == ["青山湖", "鸳鸯湖", "鄱阳湖（南部）"]
    # 1,234.5 km2 (thousands separator as Excel writes it) = 1.2345e9 m2
    assert frames["gb18030"]["lake_area"].tolist() == [3.2e6, 0.75e6, 1234.5e6]
    pd.testing.assert_frame_equal(frames["gb18030"], frames["utf-8-sig"])
    pd.testing.assert_frame_equal(frames["gb18030"], frames["xlsx"])


def test_problems_name_the_file_row_and_column(tmp_path: Path) -> None:
    rows = lakes_rows()
    rows[2][3] = "约 0.75"  # text in a number column
    rows.insert(2, [""] * 6)  # a blank line: the rows keep their numbers in the file
    path = tmp_path / "lakes.csv"
    path.write_bytes(write_csv(rows, "gb18030"))
    with pytest.raises(TableError) as err:
        read_table(path, LAKES, {360102, 361130, 360121})
    assert err.value.values == ["row 4, column lake_area: '约 0.75' is not a number"]
    assert str(err.value) == (
        f"{path}: 1 problem(s): row 4, column lake_area: '约 0.75' is not a number / "
        "共 1 处问题：第 4 行，lake_area 列：'约 0.75' 不是数字"
    )


def test_formulas_and_layout_problems_are_collected(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["county_adcode", "visits", "tourism_revenue", "visits"],
        [360102, "=1+1", 2, 3, "stray"],
    ]
    path = tmp_path / "t.xlsx"
    path.write_bytes(write_xlsx(rows))
    with pytest.raises(TableError) as err:
        read_table(path, TOURISM, {360102}, ("visits", "tourism_revenue"))
    assert err.value.values == [
        "row 1, column D: column 'visits' appears twice (also column B); each column may "
        "appear once",
        "row 2, column visits: '=1+1' is a formula; formulas are not evaluated — paste the value",
        "row 2, column E: 'stray' is in a column without a header; name the column or delete "
        "the value",
    ]  # the formula cell is not also "not a number"; the second visits column is not read
    assert str(err.value).endswith(
        " / 共 3 处问题：第 1 行，D 列：列 'visits' 出现两次（另见 B 列）；每列只能出现一次；"
        "第 2 行，visits 列：'=1+1' 是公式；公式不会被计算，请粘贴数值；"
        "第 2 行，E 列：'stray' 所在的列没有表头；请为该列命名或删除该值"
    ), str(err.value)


def test_limits_are_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"county_adcode\n" + b"1\n" * 100)
    with pytest.raises(TableFileError, match="larger than the limit of 100 bytes"):
        read_table_file(path, limits=TableLimits(max_bytes=100))
    with pytest.raises(TableFileError, match="more than 10 rows; the table is refused"):
        read_table_file(path, limits=TableLimits(max_rows=10))
    with pytest.raises(TableFileError, match="the file does not exist"):
        read_table_file(tmp_path / "nothing.csv")


def test_comment_lines_only_between_records() -> None:
    text = '# synthetic\nname,note\na,"first line\n# not a comment"\n# comment\nb,x\n'
    table = decode_table(text.encode(), "t.csv", comments=True)
    assert [(r.number, r.texts()) for r in table.rows] == [
        (2, ["name", "note"]),
        (3, ["a", "first line\n# not a comment"]),
        (6, ["b", "x"]),
    ]
