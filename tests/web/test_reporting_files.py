"""One file, one verdict: a department's table goes through the same decoder on the command
line (``ganpo report-forms check``, and the engine's reader an account run uses) and in the
platform's upload. GB 18030 text with Chinese names and units, and files that are no table
(zero bytes, binary, an old .xls), get the same result on both paths."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ganpo.cli.common import console
from ganpo.cli.main import app
from ganpo.io.manifest import TableEntry
from ganpo.io.tables import read_table

YEAR = 2022
Clients = Callable[[str], TestClient]
runner = CliRunner()


def counties(client: TestClient) -> list[tuple[str, str]]:
    """The adcodes and Chinese names of the region, from the form's CSV template."""
    r = client.get("/api/reporting/forms/tourism/template", params={"year": YEAR, "format": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    return [(code, name) for code, name, *_ in rows[2:]]


def tourism_csv(units: list[tuple[str, str]], *, shift: bool = False) -> bytes:
    """A tourism form as a Chinese Excel saves it: GB 18030, a row of Chinese column names,
    Chinese units (万人次, 亿元), the counties' Chinese names."""
    rows = [
        ["county_adcode", "county_name", "visits", "tourism_revenue"],
        ["县级行政区划代码", "县名", "接待人次", "旅游收入"],  # skipped: a names row
        ["单位 unit", "", "万人次", "亿元"],
    ]
    for i, (code, name) in enumerate(units):
        shown = units[i - 1][1] if shift and i == 3 else name  # a name of the row above
        rows.append([code, shown, f"{100 + i}.5", f"{1 + i / 10:g}"])
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("gb18030")


def upload(client: TestClient, data: bytes, name: str) -> Any:
    return client.post(
        "/api/reporting/forms/tourism/upload",
        params={"year": YEAR},
        files={"file": (name, data, "text/csv")},
    )


def check(path: Path, demo_platform: Any) -> Any:
    args = ["report-forms", "check", "tourism", str(path), "--year", str(YEAR)]
    width = console.width
    console.width = 1000  # every reason on one line of the problems table
    try:
        return runner.invoke(app, [*args, "--data", str(demo_platform.data_dir)])
    finally:
        console.width = width


def test_gb18030_chinese_table_same_on_the_command_line_and_the_platform(
    client_as: Clients, demo_platform: Any, tmp_path: Path
) -> None:
    tourism = client_as("tourism")
    units = counties(tourism)
    assert len(units) == 100 and "婺源县" in dict(units).values()
    data = tourism_csv(units)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GB 18030, as Chinese Excel writes "CSV"
    path = tmp_path / "旅游接待.csv"
    path.write_bytes(data)

    cli = check(path, demo_platform)
    assert cli.exit_code == 0, cli.output
    assert "no problems / 校验通过" in cli.output
    r = upload(tourism, data, path.name)
    assert r.status_code == 201, r.text
    sub = r.json()["submission"]
    version = sub["versions"][0]
    assert version["media"] == "csv" and version["columns"] == {
        "visits": "万人次",
        "tourism_revenue": "亿元",
    }

    # the engine reads the stored canonical table and the department's own layout (keys,
    # then data) alike: same values in base units
    stored = tourism.get(f"/api/reporting/submissions/{sub['id']}/versions/1/file")
    assert stored.status_code == 200
    (tmp_path / "stored.csv").write_bytes(stored.content)
    entry = TableEntry(
        role="tourism", year=YEAR, path="t", columns=version["columns"], source="t",
        synthetic=False,
    )  # fmt: skip
    codes = {int(c) for c, _ in units}
    required = ("visits", "tourism_revenue")
    from_upload = read_table(tmp_path / "stored.csv", entry, codes, required)
    lines = data.decode("gb18030").splitlines()
    plain = tmp_path / "plain.csv"
    plain.write_bytes("\r\n".join([lines[0], *lines[3:]]).encode("gb18030"))
    from_cli = read_table(plain, entry, codes, required)
    pd.testing.assert_frame_equal(from_upload, from_cli)
    assert from_cli.loc[361130, "visits"] > 1e6  # 万人次 → person-time
    assert "361130,婺源县," in stored.content.decode("utf-8")  # stored as UTF-8


def test_gb18030_problems_same_on_the_command_line_and_the_platform(
    client_as: Clients, demo_platform: Any, tmp_path: Path
) -> None:
    tourism = client_as("tourism")
    units = counties(tourism)
    data = tourism_csv(units, shift=True)
    text = data.decode("gb18030").replace(",101.5,", ",约101.5,")  # text in a number cell
    data = text.encode("gb18030")
    path = tmp_path / "旅游接待.csv"
    path.write_bytes(data)
    r = upload(tourism, data, path.name)
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert [(p["row"], p["column"], p["value"]) for p in problems] == [
        (5, "visits", "约101.5"),
        (7, "county_name", units[2][1]),
    ]
    assert problems[1]["reason_zh"] == f"与区划代码 {units[3][0]}（{units[3][1]}）不符"
    cli = check(path, demo_platform)
    assert cli.exit_code == 1
    assert "2 problem(s) / 共 2 处问题" in cli.output
    for p in problems:
        assert p["value"] in cli.output and p["reason_zh"] in cli.output


OLD_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)


@pytest.mark.parametrize(
    ("blob", "reason_en", "reason_zh"),
    [
        (
            b"",
            "the file is empty (0 bytes); export the table again and save it as CSV UTF-8 or .xlsx",
            "文件为空（0 字节），请重新导出；请另存为 UTF-8 编码的 CSV 或 xlsx",
        ),
        (
            bytes(range(256)) * 4,
            "this looks like a binary file (it holds NUL bytes), not a table ganpo reads (CSV "
            "or .xlsx); save it as CSV UTF-8 or .xlsx",
            "该文件看起来是二进制文件，不是可读取的表格；请另存为 UTF-8 编码的 CSV 或 xlsx",
        ),
        (
            OLD_XLS,
            "this looks like an old Excel workbook (.xls, Excel 97–2003) or another old "
            "Office file, not a table ganpo reads (CSV or .xlsx); save it as CSV UTF-8 or .xlsx",
            "该文件看起来是旧版 Excel 工作簿（.xls）或其他旧版 Office 文件，不是可读取的表格；"
            "请另存为 UTF-8 编码的 CSV 或 xlsx",
        ),
    ],
    ids=["zero-bytes", "binary", "xls"],
)
def test_files_that_are_no_table_same_on_both_paths(
    blob: bytes,
    reason_en: str,
    reason_zh: str,
    client_as: Clients,
    demo_platform: Any,
    tmp_path: Path,
) -> None:
    r = upload(client_as("tourism"), blob, "tourism.xlsx")  # its name does not matter
    assert r.status_code == 422
    assert [(p["reason_en"], p["reason_zh"]) for p in r.json()["problems"]] == [
        (reason_en, reason_zh)
    ]
    path = tmp_path / "tourism.xlsx"
    path.write_bytes(blob)
    cli = check(path, demo_platform)
    assert cli.exit_code == 1
    assert f"{reason_zh} / {reason_en}" in cli.output
