"""Templates of the table forms: an Excel workbook and its CSV equivalent.

The workbook's data sheet (``填报 data``) has, above the data, the machine column keys
(the row the upload reader looks for), the Chinese and English column names and a units
row; the county adcodes and names of the region are filled in (per-county forms) and
locked, the data cells are unlocked and carry data validation (numbers ≥ 0, shares in
[0, 1]). A notes sheet says which indicators need each column, whether it is required,
and the rules (values only, no formulas). The CSV has the key row, the units row and the
pre-filled counties; the upload reader accepts both exactly as written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ganpo.catalog.units import form_unit
from ganpo.errors import InputError
from ganpo.io.roles import KEY_COLUMN, NAME_COLUMN
from ganpo.io.tables import TEXT
from ganpo.submissions.forms import Form, header_names, indicator_names
from ganpo.submissions.validate import DATA_SHEET, NAME_ROW_LABELS, UNIT_LABELS, Region

UNIT_LABEL = UNIT_LABELS[0]
#: the row of the data sheet that holds the column keys; below it the Chinese and English
#: names and the units, then the data from FIRST_DATA_ROW on
KEY_ROW = 2
FIRST_DATA_ROW = KEY_ROW + 4
NOTES_SHEET = "说明 notes"
COUNTIES_SHEET = "区县 counties"
LIST_ROWS = 200  # empty rows offered by list forms (e.g. one row per lake and county)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def template_columns(form: Form) -> list[str]:
    """The column keys of a form's template, in order."""
    return [KEY_COLUMN, NAME_COLUMN, *(c.key for c in form.columns)]


def _units(form: Form) -> list[str]:
    return ["", "", *(form_unit(c.unit) if c.unit != TEXT else "" for c in form.columns)]


def _need_table(form: Form) -> None:
    if form.kind != "table":
        raise InputError(
            en=f"form {form.key!r} is a raster layer: upload a single-band GeoTIFF on the "
            f"account grid, values in {form.unit!r}; it has no table template",
            zh="栅格图层无表格模板，请上传核算网格上的单波段 GeoTIFF",
            field="form",
            values=[form.key],
        )


def template_csv(form: Form, region: Region) -> bytes:
    """The CSV template (UTF-8 with BOM, so that Excel shows the Chinese names)."""
    _need_table(form)
    if form.long:
        return _carbon_csv(form)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template_columns(form))
    units = _units(form)
    units[0] = UNIT_LABEL
    writer.writerow(units)
    if form.per_county:
        blank = [""] * len(form.columns)
        for code, name in region.counties.items():
            writer.writerow([code, name, *blank])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(form: Form, region: Region) -> bytes:
    """The Excel template of a table form."""
    _need_table(form)
    if form.long:
        return _carbon_xlsx(form, region)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    keys = template_columns(form)
    ncol = len(keys)
    title = (
        f"{form.year} 年 {form.name_zh}（{form.department_zh}）/ {form.year} {form.name_en} "
        f"({form.department_en})"
    )
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=12)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    zh_row = [header_names(k)[0] for k in keys]
    en_row = [header_names(k)[1] for k in keys]
    zh_row[0], en_row[0] = NAME_ROW_LABELS
    units = _units(form)
    units[0] = UNIT_LABEL
    header_rows = [keys, zh_row, en_row, units]
    for i, values in enumerate(header_rows, start=KEY_ROW):
        for j, value in enumerate(values, start=1):
            c = ws.cell(row=i, column=j, value=value)
            c.fill = HEADER_FILL
            c.font = Font(bold=i == 2)
            c.alignment = Alignment(wrap_text=True)
    for j, spec in enumerate(form.columns, start=3):
        if spec.required:
            for i in range(2, 6):
                ws.cell(row=i, column=j).fill = REQUIRED_FILL
    first = FIRST_DATA_ROW
    counties = list(region.counties.items())
    n = len(counties) if form.per_county else LIST_ROWS
    last = first + n - 1
    for i in range(n):
        r = first + i
        if form.per_county:
            code, name = counties[i]
            ws.cell(row=r, column=1, value=code)
            ws.cell(row=r, column=2, value=name)
        else:
            for j in (1, 2):
                ws.cell(row=r, column=j).protection = Protection(locked=False)
        for j in range(3, ncol + 1):
            ws.cell(row=r, column=j).protection = Protection(locked=False)
    for j in range(1, ncol + 1):
        ws.column_dimensions[get_column_letter(j)].width = 22 if j > 2 else 16
    ws.freeze_panes = ws.cell(row=first, column=3)

    _validations(ws, form, first, last)
    if not form.per_county:
        _counties_sheet(wb, region)
        dv = DataValidation(
            type="list",
            formula1=f"'{COUNTIES_SHEET}'!$A$2:$A${len(counties) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="区划代码 adcode",
            error="请选择本地区的县级区划代码 / choose a county adcode of the region",
        )
        ws.add_data_validation(dv)
        dv.add(f"A{first}:A{last}")
    # protect the adcodes, names and headers (no password: a guard against slips, not a lock)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    _notes(wb, form)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def fill_template(
    template: bytes, values: Mapping[str, object] | Callable[[object, str], object]
) -> bytes:
    """A copy of a table form's Excel template (:func:`template_xlsx`) with values in its
    data rows: ``values[key]`` in the column of ``key`` of every row (a mapping), or
    ``values(code, key)`` for the row whose first cell holds ``code`` (the county adcode of
    a per-county form) and each column after the county's code and name (a callable;
    ``None`` leaves the cell empty). Columns are found by the keys of the template's key
    row, not by position.

    What a reporter does by hand, as a function: a form pre-filled with known values (last
    year's table, an example for training), and the filled upload of the tests and of the
    platform's load benchmarks. The values are written as given, without checks: the
    upload's checks (:func:`ganpo.submissions.validate.check_table`) judge them.

    >>> from ganpo.submissions.forms import form
    >>> from ganpo.submissions.validate import Region
    >>> blank = template_xlsx(form("tourism", 2022), Region({360101: "甲县"}))
    >>> ws = load_workbook(io.BytesIO(fill_template(blank, {"visits": 2.5})))[DATA_SHEET]
    >>> [c.value for c in ws[FIRST_DATA_ROW]][:4]
    [360101, '甲县', 2.5, None]
    """
    wb = load_workbook(io.BytesIO(template))
    ws = wb[DATA_SHEET]
    keys = [str(c.value) for c in ws[KEY_ROW]]

    def value_of(code: object, key: str) -> object:
        return values(code, key) if callable(values) else values.get(key)

    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        for j, key in enumerate(keys[2:], start=2):
            value = value_of(row[0].value, key)
            if value is not None:
                row[j].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _validations(ws: object, form: Form, first: int, last: int) -> None:
    for j, spec in enumerate(form.columns, start=3):
        letter = get_column_letter(j)
        if spec.unit == TEXT:
            continue
        share = spec.unit == "1"
        dv = DataValidation(
            type="decimal",
            operator="between" if share else "greaterThanOrEqual",
            formula1="0",
            formula2="1" if share else None,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"{spec.name_zh} {spec.key}",
            error=(
                "请输入 0 到 1 之间的比例 / a share between 0 and 1"
                if share
                else f"请输入不小于 0 的数值（{form_unit(spec.unit)}）/ a number ≥ 0 in "
                f"{form_unit(spec.unit)}"
            ),
        )
        ws.add_data_validation(dv)  # type: ignore[attr-defined]
        dv.add(f"{letter}{first}:{letter}{last}")


def _counties_sheet(wb: Workbook, region: Region) -> None:
    sheet = wb.create_sheet(COUNTIES_SHEET)
    sheet.append([KEY_COLUMN, NAME_COLUMN])
    for code, name in region.counties.items():
        sheet.append([code, name])


def _notes(wb: Workbook, form: Form) -> None:
    sheet = wb.create_sheet(NOTES_SHEET)
    lines: list[list[object]] = [
        [f"{form.year} 年 {form.name_zh} / {form.year} {form.name_en}"],
        [f"填报部门 department: {form.department_zh} / {form.department_en}"],
        [
            f"核算口径 profile: {form.profile}; "
            f"本表{'为必填' if form.required else '非本口径必需'} / "
            f"{'required' if form.required else 'not needed'} by this profile"
        ],
        [],
        ["列 column", "中文名", "name", "单位 unit", "必填 required", "用于指标 used by"],
    ]
    for spec in form.columns:
        lines.append(
            [
                spec.key,
                spec.name_zh,
                spec.name_en,
                form_unit(spec.unit) if spec.unit != TEXT else "",
                "是 yes" if spec.required else "否 no",
                "; ".join(indicator_names(spec.indicators)),
            ]
        )
    lines += [
        [],
        ["填报说明 / How to fill in"],
        [
            "1. 只填数值，不要使用公式（公式单元格会被拒绝）。 "
            "Values only: formula cells are refused."
        ],
        [
            "2. 不要修改第 2 行的列名和区划代码。 "
            "Do not change the column keys (row 2) or the adcodes."
        ],
        ["3. 数值按“单位”行填写；无数据填 0。 Give values in the units row's unit; 0 if none."],
        [
            "4. 上传 .xlsx 或 CSV（UTF-8 或 GB 18030）；系统一次列出全部问题。 Upload .xlsx or "
            "CSV (UTF-8 or GB 18030); every problem is listed at once."
        ],
    ]
    if not form.per_county:
        lines.append(
            [
                "5. 每行一条记录（如每个湖泊在每个县的部分一行）。 "
                "One row per record (e.g. per lake and county)."
            ]
        )
    for line in lines:
        sheet.append(line)
    sheet.column_dimensions["A"].width = 30
    for letter in "BCDEF":
        sheet.column_dimensions[letter].width = 24


# ------------------------------------------------------------- carbon activity forms
CARBON_NAME = "name"  # the unit's name in a carbon table (not read)


def carbon_columns(form: Form) -> list[str]:
    """The columns of a long form (carbon activity or monitoring), in order (the unit's
    name may follow)."""
    if form.domain == "rating":  # the entity's name is a column of its own
        return [form.key_column, *(c.key for c in form.columns)]
    return [form.key_column, CARBON_NAME, *(c.key for c in form.columns)]


def _carbon_csv(form: Form) -> bytes:
    """A long form's CSV: its header row only (one row per unit and key)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(carbon_columns(form))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _carbon_xlsx(form: Form, region: Region) -> bytes:
    """A carbon form's workbook: the names above the header row of keys, then
    :data:`LIST_ROWS` empty rows with the unit code, year and unit offered as lists."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    keys = carbon_columns(form)
    title = (
        f"{form.year} 年 {form.name_zh}（{form.department_zh}）/ {form.year} {form.name_en} "
        f"({form.department_en})"
    )
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=12)
    names = {c.key: (c.name_zh, c.name_en) for c in form.columns}
    names[form.key_column] = (
        ("县级区划代码", "county adcode")
        if form.domain == "carbon"
        else (
            "主体代码（统一社会信用代码、村代码或户号）",
            "entity id (USCC, village or household)",
        )
        if form.domain == "rating"
        else ("区划代码（省、市或县）", "adcode (province, city or county)")
    )
    names[CARBON_NAME] = ("名称（不读取）", "name (not read)")
    for i, lang in ((2, 0), (3, 1)):
        for j, k in enumerate(keys, start=1):
            c = ws.cell(row=i, column=j, value=names[k][lang])
            c.fill = HEADER_FILL
            c.alignment = Alignment(wrap_text=True)
    for j, k in enumerate(keys, start=1):
        c = ws.cell(row=4, column=j, value=k)
        c.fill, c.font = REQUIRED_FILL, Font(bold=True)
        ws.column_dimensions[get_column_letter(j)].width = 18
    first, last = 5, 5 + LIST_ROWS - 1
    _counties_sheet(wb, region)
    lists = {
        "year": f'"{form.year}"',
        "unit": '"' + ",".join(form.units) + '"',
    }
    if form.domain == "rating":
        lists = {
            "entity_kind": '"firm,cooperative,village,household"',
            "indicator": '"' + ",".join(form.indicators) + '"',
        }
    if form.domain == "carbon":  # a monitoring form also takes the region and its cities
        lists[form.key_column] = f"'{COUNTIES_SHEET}'!$A$2:$A${len(region.counties) + 1}"
    for j, k in enumerate(keys, start=1):
        if k in lists:
            dv = DataValidation(type="list", formula1=lists[k], allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(j)}{first}:{get_column_letter(j)}{last}")
    ws.freeze_panes = ws.cell(row=first, column=1)
    notes = wb.create_sheet(NOTES_SHEET)
    notes.append([title])
    if form.units:
        notes.append([f"计量单位 units: {'、'.join(form.units)}"])
    if form.domain == "rating":
        notes.append(["评价指标 indicators: " + ", ".join(form.indicators)])
    if form.domain == "carbon":
        notes.append(["IPCC 类别 categories: " + ", ".join(form.indicators)])
    notes.append([])
    notes.append(["列 column", "中文名", "name"])
    for c in form.columns:
        notes.append([c.key, c.name_zh, c.name_en])
    notes.append([])
    notes.append(
        [
            "每行一个单位的一项数据（如一个县一个部门一种燃料），单位写在 unit 列；只填数值，不用"
            "公式。 One row per unit and item (e.g. a county, a sector and a fuel), its unit in "
            "the unit column; values only, no formulas."
            if form.domain == "carbon"
            else "每行一条记录：一个主体的一项评价指标事件，写明日期和证据文书编号；"
            "只填数值，不用公式。"
            " One row per record: an entity's event of one indicator, its date and the "
            "reference of its evidence; values only, no formulas."
            if form.domain == "rating"
            else "每行一个单位（全省、设区市或县）的年度数值，写明数据来源；只填数值，不用公式。"
            " One row per unit (the province, a city or a county): its value of the year and "
            "the source it comes from; values only, no formulas."
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
