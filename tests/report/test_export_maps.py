"""Workbook, CSV and map outputs: bilingual, numeric, atomic; Chinese labels present."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

from ganpo.report import export, fonts, maps

matplotlib.use("Agg")

FRAME = pd.DataFrame({"indicator": ["water_conservation"], "value_cny": [1.5e9], "share": [1.0]})


def test_csv_has_bom_and_round_trips(tmp_path: Path) -> None:
    (path,) = export.write_csv({"gep": FRAME}, tmp_path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel in China needs the BOM
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back.value_cny.item() == 1.5e9


def test_excel_about_sheet_headers_numbers(tmp_path: Path) -> None:
    path = export.write_excel(
        {"gep": FRAME}, tmp_path / "w.xlsx", title="江西 GEP", notes=["合成数据 synthetic"]
    )
    wb = openpyxl.load_workbook(path)
    about = wb.worksheets[0]
    texts = [c.value for c in about["A"] if c.value]
    assert "江西 GEP" in texts and "合成数据 synthetic" in texts
    sheet = wb.worksheets[1]
    header = [c.value for c in sheet[1]]
    assert any("CNY" in str(h) and "元" in str(h) for h in header)  # bilingual
    value = sheet.cell(row=2, column=2).value
    assert isinstance(value, int | float) and value == 1.5e9  # a number, not text
    assert not list(tmp_path.glob("*.tmp*"))  # the temporary file was renamed away


def _units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "county_adcode": [1, 2],
            "county_name": ["甲县", "乙县"],
            "city_adcode": [10, 20],
            "city_name": ["甲市", "乙市"],
            "province_adcode": [0, 0],
            "province_name": ["省", "省"],
            "area_km2": [100.0, 100.0],
        },
        geometry=[box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000)],
        crs="EPSG:3857",
    )


def test_map_figure_has_chinese_labels(tmp_path: Path) -> None:
    by_county = pd.DataFrame({"adcode": [1, 2], "gep_cny_per_km2": [2e7, 3e7]})
    fig = maps.build_gep_density_figure(
        _units(), by_county, title_zh="测试地图", title_en="test map"
    )
    texts = {t.get_text() for t in fig.findobj(matplotlib.text.Text)}
    assert {"甲市", "乙市"} <= texts and any("测试地图" in t for t in texts)
    out = maps.gep_density_map(
        _units(), by_county, tmp_path / "m.png", title_zh="测试", title_en="t"
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def nothing(*a: object, **k: object) -> str:
        raise ValueError("no font")

    monkeypatch.setattr(fonts, "_find", nothing)
    monkeypatch.setattr(fonts, "_rescan_fonts", lambda: None)
    with pytest.raises(fonts.MissingFontError, match="apt-get install fonts-noto-cjk"):
        fonts.use_cjk_font()
