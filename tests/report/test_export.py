"""Export details: headers, frozen rows, formats, sheet names, atomic failure, permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ganpo.report.export import HEADERS, atomic_write, bilingual_headers, write_csv, write_excel

BY_UNIT = pd.DataFrame(
    {
        "adcode": [360102, 360103],
        "name": ["东湖区", "西湖区"],
        "parent_adcode": pd.array([360100, 360100], dtype="Int64"),
        "gep_cny": [1.25e9, 2.5e9],
        "share": [1 / 3, 2 / 3],
        "remark": ["a", "b"],  # not a known column: keeps its name
    }
)


def test_excel_headers_formats_freeze(tmp_path: Path) -> None:
    path = write_excel(
        {"by_county": BY_UNIT, "bad/name:[x]": BY_UNIT},
        tmp_path / "out" / "gep.xlsx",
        title="T",
        notes=["价格基准 price basis: 2023", "合成数据 synthetic data"],
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明 About", "by_county", "bad_name__x_"]  # / : [ ] are illegal
    about = [c.value for c in wb["说明 About"]["A"]]
    assert about == ["T", None, "价格基准 price basis: 2023", "合成数据 synthetic data"]
    sheet = wb["by_county"]
    header = [c.value for c in sheet[1]]
    assert header == [
        HEADERS["adcode"],
        HEADERS["name"],
        HEADERS["parent_adcode"],
        "GEP (元) / GEP (CNY)",
        HEADERS["share"],
        "remark",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].value == 360102 and isinstance(sheet["A2"].value, int)
    assert sheet["C3"].value == 360100  # nullable Int64 written as a number
    assert sheet["D3"].value == 2.5e9 and sheet["D3"].number_format == "#,##0.00"
    assert sheet["E2"].number_format == "0.00%"
    assert 10 <= sheet.column_dimensions["D"].width <= 60


def test_compare_labels_in_headers() -> None:
    frame = pd.DataFrame({"value_a_cny": [1.0], "value_b_cny": [2.0]})
    frame.attrs.update(label_a="2022", label_b="2023")
    assert list(bilingual_headers(frame).columns) == [
        "2022 价值 (元) / value 2022 (CNY)",
        "2023 价值 (元) / value 2023 (CNY)",
    ]


def test_csv_is_exact_and_keeps_chinese(tmp_path: Path) -> None:
    (path,) = write_csv({"by_county": BY_UNIT}, tmp_path)
    assert path.name == "by_county.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back.name.tolist() == ["东湖区", "西湖区"]
    assert back.gep_cny.tolist() == [1.25e9, 2.5e9]
    assert back.share.tolist() == BY_UNIT.share.tolist()  # full float precision


def test_failed_write_keeps_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "gep.xlsx"
    target.write_bytes(b"old")

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gep.xlsx"]


def test_written_file_gets_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = write_excel({"t": BY_UNIT}, tmp_path / "w.xlsx", title="T", notes=[])
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600
