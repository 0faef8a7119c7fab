"""Export summary tables: CSV (UTF-8 with BOM, for Excel in China) and Excel workbooks."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

# atomic_write is ganpo.io.outputs's, also imported from here by the report writers
from ganpo.io.outputs import EXPORT, atomic_write, staged

ABOUT_SHEET = "说明 About"
#: the label of a table's total row (bold in the workbook)
TOTAL_LABEL = "合计 Total"
#: the labels a total row is recognised by (a workbook in one language labels it so)
TOTAL_LABELS = (TOTAL_LABEL, "合计", "Total")

# Column name → bilingual header (中文 / English), shared by every exported table.
HEADERS: dict[str, str] = {
    "indicator": "指标 / indicator",
    "category": "类别 / category",
    "name_zh": "中文名称 / name (zh)",
    "name_en": "英文名称 / name (en)",
    "quantity": "实物量 / physical quantity",
    "quantity_unit": "实物量单位 / quantity unit",
    "value_cny": "价值 (元) / value (CNY)",
    "share": "占比 / share",
    "ecosystem_code": "生态系统代码 / ecosystem code",
    "key": "键 / key",
    "adcode": "行政区划代码 / adcode",
    "name": "名称 / name",
    "parent_adcode": "上级行政区划代码 / parent adcode",
    "area_km2": "面积 (km²) / area (km²)",
    "material_cny": "物质产品 (元) / material products (CNY)",
    "regulating_cny": "调节服务 (元) / regulating services (CNY)",
    "cultural_cny": "文化服务 (元) / cultural services (CNY)",
    "gep_cny": "GEP (元) / GEP (CNY)",
    "gep_cny_per_km2": "GEP 密度 (元/km²) / GEP per km² (CNY/km²)",
    "value_a_cny": "基期价值 (元) / value A (CNY)",
    "value_b_cny": "报告期价值 (元) / value B (CNY)",
    "change_cny": "变化 (元) / change (CNY)",
    "change_pct": "变化率 (%) / change (%)",
    "gep_a_cny": "基期 GEP (元) / GEP A (CNY)",
    "gep_b_cny": "报告期 GEP (元) / GEP B (CNY)",
    "gep_change_cny": "GEP 变化 (元) / GEP change (CNY)",
    "gep_change_pct": "GEP 变化率 (%) / GEP change (%)",
    "gep_a_cny_per_km2": "基期 GEP 密度 (元/km²) / GEP per km² A (CNY/km²)",
    "gep_b_cny_per_km2": "报告期 GEP 密度 (元/km²) / GEP per km² B (CNY/km²)",
    "gep_change_cny_per_km2": "GEP 密度变化 (元/km²) / GEP per km² change (CNY/km²)",
    "county_adcode": "县级代码 / county adcode",
    "county_name": "县 (市、区) / county",
    "city_adcode": "设区市代码 / city adcode",
    "city_name": "设区市 / city",
    "province_adcode": "省级代码 / province adcode",
    "province_name": "省 / province",
    "method": "方法 / method",
    "component": "分项 / component",
    "quantity_per_km2": "单位面积实物量 (/km²) / quantity per km²",
    # the quality report's table (ganpo.report.quality.quality_table)
    "part": "部分 / part",
    "item_zh": "项目 / item (zh)",
    "item_en": "项目（英文）/ item (en)",
    "unit_zh": "行政区 / unit (zh)",
    "unit_en": "行政区（英文）/ unit (en)",
    "count": "数量 / count",
    "text_zh": "说明 / description (zh)",
    "text_en": "说明（英文）/ description (en)",
}

#: a table's key → its sheet's bilingual name, where the key is not a good sheet name
SHEET_TITLES: dict[str, str] = {"quality": "质量报告 Quality"}

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60


def bilingual_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with known column names replaced by bilingual headers.

    ``value_a_cny``/``value_b_cny`` carry the comparison labels when ``frame.attrs`` has
    ``label_a``/``label_b`` (as :func:`ganpo.report.summary.compare` sets them).
    """
    headers = dict(HEADERS)
    label_a, label_b = frame.attrs.get("label_a"), frame.attrs.get("label_b")
    if label_a and label_b:
        for side, label in (("a", label_a), ("b", label_b)):
            headers[f"value_{side}_cny"] = f"{label} 价值 (元) / value {label} (CNY)"
            headers[f"gep_{side}_cny"] = f"{label} GEP (元) / GEP {label} (CNY)"
    return frame.rename(columns={c: headers.get(str(c), str(c)) for c in frame.columns})


def write_csv(frames: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each frame to ``folder/<key>.csv`` as UTF-8 with BOM; return the paths. The
    files are written all or none (a full disk leaves no partial set)."""
    folder = Path(folder)
    written = []
    with staged(folder, EXPORT) as stage:
        for key, frame in frames.items():
            frame.to_csv(stage(folder / f"{key}.csv"), index=False, encoding="utf-8-sig")
            written.append(folder / f"{key}.csv")
    return written


def _sheet_name(key: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("_", key).strip("'")[:31] or "sheet"
    name, i = base, 2
    while name.lower() in taken:
        suffix = f"_{i}"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name.lower())
    return name


def _display_width(text: str) -> int:
    """Width in Excel character units; CJK (wide) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _number_format(column: str) -> str | None:
    if column == "share" or column.startswith(("占比", "占本部门", "Share")):
        return "0.00%"
    if "（%）" in column or "(%)" in column:
        return "0.00"
    if "万吨" in column or "10,000 t" in column:  # 万t of a gas or of CO2e
        return "#,##0.00"
    if "亿元" in column or "万元" in column or column.startswith(("面积", "实物量 Quantity")):
        return "#,##0.00"
    if "）" in column and "(" in column and "Code" not in column:  # a physical quantity
        return "#,##0.00"
    if column.endswith("_pct"):
        return "0.00"
    if column == "count":
        return "#,##0"
    if column.endswith("_cny") or column.endswith("_cny_per_km2") or column == "quantity":
        return "#,##0.00"
    if column == "area_km2":
        return "#,##0.00"
    return None


def _format_table(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """Bold wrapped headers, frozen header row, number formats and column widths.

    ``frame`` is the table before renaming, so formats follow the canonical column names.
    """
    sheet.freeze_panes = "A2"
    for j, column in enumerate(frame.columns, start=1):
        header = sheet.cell(row=1, column=j)
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
        fmt = _number_format(str(column))
        if fmt:
            for row in range(2, len(frame) + 2):
                sheet.cell(row=row, column=j).number_format = fmt
        shown = [f"{v:,.2f}" if isinstance(v, float) else str(v) for v in frame[column].head(200)]
        if j == 1 or str(column).endswith(("Indicator", "County", "City", "Category")):
            for row in range(2, len(frame) + 2):
                if sheet.cell(row=row, column=j).value in TOTAL_LABELS:
                    for k in range(1, len(frame.columns) + 1):
                        sheet.cell(row=row, column=k).font = Font(bold=True)
        # headers wrap, so about half their length is enough
        width = max(
            [_display_width(str(header.value)) // 2 + 2, *(_display_width(s) + 2 for s in shown)]
        )
        sheet.column_dimensions[header.column_letter].width = min(max(width, 10), _MAX_WIDTH)


def _format_about(sheet: Worksheet, n_notes: int) -> None:
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 110
    for row in range(3, 3 + n_notes):
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")


def write_excel(
    frames: dict[str, pd.DataFrame],
    path: Path,
    *,
    title: str,
    notes: list[str],
    about_sheet: str = ABOUT_SHEET,
) -> Path:
    """Write an Excel workbook: a "说明 About" sheet (title + notes; ``about_sheet`` names it
    in a workbook of one language), then one sheet per frame.

    Headers are bilingual (see :data:`HEADERS`), the header row is frozen and numbers stay
    numbers. The file is written to a temporary file and renamed onto ``path``.
    """
    taken = {about_sheet.lower()}
    names = {key: _sheet_name(SHEET_TITLES.get(key, key), taken) for key in frames}

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            about = pd.DataFrame({"text": [title, "", *notes]})
            about.to_excel(writer, sheet_name=about_sheet, index=False, header=False)
            _format_about(writer.sheets[about_sheet], len(notes))
            for key, frame in frames.items():
                table = bilingual_headers(frame)
                table.to_excel(writer, sheet_name=names[key], index=False)
                _format_table(writer.sheets[names[key]], frame)

    return atomic_write(Path(path), write, EXPORT)
