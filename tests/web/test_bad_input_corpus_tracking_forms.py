"""A corpus of bad uploads of the decision's monitoring forms (目标监测报表), sent over HTTP
to ``POST /api/reporting/forms/{key}/upload`` as a department's reporter sends them (in
the style of tests/cli/test_bad_input_corpus_tracking.py, decision 0086).

The start is a good form of forest cover (林业局's ``tracking_forest_cover``) of 2023: the
platform's region (360000), one of its cities and one of its counties, each with a value,
its unit and its source. A case changes ONE thing — a cell, a row, a column, the file's
encoding or kind — and uploads it as the forestry reporter (or as the office, for the
forms of departments without a demo reporter):

* ``refused:<what>`` — HTTP 4xx (422 with every problem: a problem names the row, the
  column and the value given, a regex per case on ``reason``, and has its Chinese half;
  403 for another department's form); no submission, no stored file, and the store's
  SQLite dump the same statement for statement.
* ``accepted`` — the same values saved otherwise (GB 18030, an .xlsx, ``2023.0`` for the
  year, a thousands separator): HTTP 201, and the canonical CSV the platform keeps is the
  one of the good form.

``pytest --collect-only -q tests/web/test_bad_input_corpus_tracking_forms.py`` lists them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from corpus_support import as_number, store_dump, workbook_bytes
from ganpo.submissions.workflow import region_of, storage_dir
from ganpo.web.app import Settings

YEAR = 2023
PROVINCE = 360000
HUNAN_COUNTY = 430102  # 长沙市芙蓉区: a real county of another province
HEADER = ["unit_code", "year", "value", "unit", "source", "note"]
CJK = re.compile(r"[\u4e00-\u9fff]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Rows = list[list[str]]


@dataclass(frozen=True)
class Case:
    """One upload: its class, the form and who uploads it, how the good rows change (or
    the bytes sent, from the good rows), and for a refusal the problem it must hold: its
    row, column and value and a regex of its reason."""

    name: str
    cls: str
    change: Callable[[Rows], Rows | bytes]
    form: str = "tracking_forest_cover"
    user: str = "forestry"
    row: int | None = None
    column: str | None = None
    value: str | None = None
    reason: str = ""
    status: int = 422

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


def good_rows(
    county: int, unit: str = "%", values: tuple[str, str, str] = ("63.35", "61.2", "70.5")
) -> Rows:
    return [
        list(HEADER),
        [str(PROVINCE), str(YEAR), values[0], unit, "《2023年江西省国土绿化状况公报》", ""],
        [str(county // 100 * 100), str(YEAR), values[1], unit, "市林业局年报", ""],
        [str(county), str(YEAR), values[2], unit, "县林业局年报", "含灌木林"],
    ]


def csv_bytes(rows: Rows, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode(encoding)


def cell(row: int, column: str, value: str) -> Callable[[Rows], Rows]:
    """Set ``column`` of data row ``row`` (1: the region's row, file line 2) to ``value``."""

    def change(rows: Rows) -> Rows:
        rows[row][HEADER.index(column)] = value
        return rows

    return change


def drop_column(column: str) -> Callable[[Rows], Rows]:
    j = HEADER.index(column)
    return lambda rows: [r[:j] + r[j + 1 :] for r in rows]


def rename_column(old: str, new: str) -> Callable[[Rows], Rows]:
    def change(rows: Rows) -> Rows:
        rows[0][HEADER.index(old)] = new
        return rows

    return change


def repeat_row(rows: Rows) -> Rows:
    return [*rows, rows[3]]


def encoded(encoding: str) -> Callable[[Rows], bytes]:
    return lambda rows: csv_bytes(rows, encoding)


def workbook(*, sheets: tuple[str, ...] = (), formula: bool = False) -> Callable[[Rows], bytes]:
    """The rows as an .xlsx (numbers as numbers); ``sheets``: the workbook's sheet names,
    the rows on the last one (a notes sheet first); ``formula``: the first value a
    formula."""

    def change(rows: Rows) -> bytes:
        cells: list[list[object]] = [list(rows[0])] + [[as_number(c) for c in r] for r in rows[1:]]
        if formula:
            cells[1][2] = f"={rows[1][2]}*1"
        if not sheets:
            return workbook_bytes(cells)
        import openpyxl

        wb = openpyxl.Workbook()
        first = wb.active
        assert first is not None
        first.title = sheets[0]
        first.append(["本表填报说明 notes: 数据见下一工作表"])
        ws = wb.create_sheet(sheets[-1])
        for r in cells:
            ws.append(r)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    return change


CASES: list[Case] = [
    # ---- the file
    Case("file-empty", "refused:file", lambda rows: b"", reason=r"empty.*|.*空"),
    Case("file-utf16", "refused:file", encoded("utf-16"), reason=r"UTF-16|UTF-8|编码"),
    Case("file-not-a-table", "refused:file", lambda rows: b"\x89PNG\r\n\x1a\n" + bytes(64),
         reason=r"."),
    Case("file-header-only", "refused:file", lambda rows: csv_bytes(rows[:1]),
         reason=r"no data rows.*|表中没有数据行"),
    Case("file-workbook-data-on-another-sheet", "refused:file",
         workbook(sheets=("说明 notes", "Sheet2")), column="unit_code",
         reason=r"没有以 unit_code 开头的表头行"),
    Case("file-workbook-with-a-formula", "refused:file", workbook(formula=True), row=2,
         column="value", value="=63.35*1", reason=r"公式"),
    # ---- the columns
    Case("column-missing", "refused:columns", drop_column("value"), column="value",
         reason=r"缺少必填列"),
    Case("column-unknown", "refused:columns", rename_column("source", "sauce"),
         column="sauce", value="sauce", reason=r"未知的列"),
    Case("column-key-misspelt", "refused:columns", rename_column("unit_code", "unit_cod"),
         column="unit_code", reason=r"没有以 unit_code 开头的表头行"),
    # ---- the rows
    Case("row-twice", "refused:row", repeat_row, row=5, reason=r"与第 4 行重复"),
    Case("unit-code-no-adcode", "refused:unit", cell(1, "unit_code", "999999"), row=2,
         column="unit_code", value="999999", reason=r"不是本地区（360000）"),
    Case("unit-code-of-another-province", "refused:unit",
         cell(1, "unit_code", str(HUNAN_COUNTY)), row=2, column="unit_code",
         value=str(HUNAN_COUNTY), reason=r"不是本地区（360000）"),
    Case("unit-code-a-name", "refused:unit", cell(1, "unit_code", "江西省"), row=2,
         column="unit_code", value="江西省", reason=r"不是区划代码"),
    Case("year-other", "refused:year", cell(1, "year", "2022"), row=2, column="year",
         value="2022", reason=r"本表为 2023 年报表"),
    Case("year-text", "refused:year", cell(1, "year", "2023年"), row=2, column="year",
         value="2023年", reason=r"本表为 2023 年报表"),
    Case("unit-of-measure-other", "refused:unit", cell(1, "unit", "‰"), row=2,
         column="unit", value="‰", reason=r"计量单位须为 %"),
    Case("source-empty", "refused:source", cell(2, "source", ""), row=3, column="source",
         value="", reason=r"单元格为空"),
    # ---- the values
    Case("value-above-range", "refused:value", cell(1, "value", "163.1"), row=2,
         column="value", value="163.1", reason=r"超出森林覆盖率的取值范围（0～100%）"),
    Case("value-negative-share", "refused:value", cell(1, "value", "-63.35"), row=2,
         column="value", value="-63.35", reason=r"超出森林覆盖率的取值范围"),
    Case("value-1e300", "refused:value", cell(1, "value", "1e300"), row=2, column="value",
         value="1e300", reason=r"超出森林覆盖率的取值范围"),
    Case("value-nan", "refused:value", cell(1, "value", "nan"), row=2, column="value",
         value="nan", reason=r"不是数值"),
    Case("value-infinite", "refused:value", cell(1, "value", "inf"), row=2, column="value",
         value="inf", reason=r"不是数值"),
    Case("value-text", "refused:value", cell(1, "value", "abc"), row=2, column="value",
         value="abc", reason=r"不是数值"),
    Case("value-empty", "refused:value", cell(1, "value", ""), row=2, column="value",
         value="", reason=r"单元格为空"),
    # an indicator without a valid range: a value beyond any real one (10¹⁵ in its unit)
    Case("value-1e300-no-range", "refused:value",
         lambda rows: [rows[0]] + [[*r[:2], "1e300" if i == 0 else "3800", "万t", *r[4:]]
                                   for i, r in enumerate(rows[1:])],
         form="tracking_recycled_resources", user="office", row=2, column="value",
         value="1e300", reason=r"超出废钢铁、废铜等9种再生资源循环利用量的合理范围（绝对值不超过 1e\+15万吨）"),
    # ---- who uploads
    Case("form-of-another-department", "refused:department", lambda rows: rows,
         form="tracking_good_air_days_share", status=403, reason=r"只能填报本部门的报表"),
    # ---- the same values saved otherwise
    Case("gb18030", "accepted", encoded("gb18030")),
    Case("utf8-with-bom", "accepted", encoded("utf-8-sig")),
    Case("workbook", "accepted", workbook()),
    Case("workbook-on-its-data-sheet", "accepted", workbook(sheets=("说明 notes", "填报 data"))),
    Case("year-2023.0", "accepted", cell(1, "year", "2023.0")),
]  # fmt: skip


@pytest.fixture
def county(web_settings: Settings) -> int:
    return next(iter(region_of(Path(web_settings.data_dir), YEAR).counties))


def upload(client: TestClient, key: str, data: bytes) -> object:
    name = "form.xlsx" if data[:2] == b"PK" else "form.csv"
    return client.post(
        f"/api/reporting/forms/{key}/upload",
        params={"year": YEAR},
        files={"file": (name, data, XLSX if name.endswith("xlsx") else "text/csv")},
    )


def canonical(client: TestClient, response: object) -> bytes:
    sub = response.json()["submission"]  # type: ignore[attr-defined]
    version = sub["versions"][-1]["version"]
    r = client.get(f"/api/reporting/submissions/{sub['id']}/versions/{version}/file")
    assert r.status_code == 200, r.text
    return bytes(r.content)


def test_the_start_is_accepted_as_it_is(
    client_as: Callable[[str], TestClient], county: int
) -> None:
    """The good form uploads (201) with its three rows, no flag; the cases change it."""
    r = upload(client_as("forestry"), "tracking_forest_cover", csv_bytes(good_rows(county)))
    assert r.status_code == 201, r.text
    assert r.json()["submission"]["versions"][-1]["n_rows"] == 3
    assert r.json()["flags"] == []


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_monitoring_form(
    case: Case,
    client_as: Callable[[str], TestClient],
    web_settings: Settings,
    county: int,
) -> None:
    db = Path(web_settings.database)
    client = client_as(case.user)  # logged in (the login is audited) before the dump
    before = store_dump(db)
    changed = case.change(good_rows(county))
    data = changed if isinstance(changed, bytes) else csv_bytes(changed)
    r = upload(client, case.form, data)
    if case.cls == "accepted":
        assert r.status_code == 201, r.text
        got = canonical(client, r)
        good = upload(client_as("office"), case.form, csv_bytes(good_rows(county)))
        assert good.status_code == 201, good.text
        assert got == canonical(client, good)
        return
    assert r.status_code == case.status, r.text
    body = r.json()
    assert CJK.search(body["detail"]) and re.search(r"[a-z]{3}", body["detail"]), body
    if case.status == 403:
        assert re.search(case.reason, body["detail"]), body
    else:
        problems = body["problems"]
        assert problems and all(CJK.search(p["reason_zh"]) and p["reason_en"] for p in problems)
        hits = [
            p
            for p in problems
            if (case.row is None or p["row"] == case.row)
            and (case.column is None or p["column"] == case.column)
            and (case.value is None or p["value"] == case.value)
            and re.search(case.reason, p["reason"])
        ]
        assert hits, problems
    assert store_dump(db) == before, "a refused upload changed the store"
    folder = storage_dir(Path(web_settings.work_dir), YEAR)
    assert not folder.exists() or not any(folder.iterdir()), "a refused upload left a file"
