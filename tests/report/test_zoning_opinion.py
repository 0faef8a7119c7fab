"""The zoning opinion PDF: its figures are the check's, its title and verdict in the
language asked for, the map drawn (one render per language)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from shapely.geometry import box

from ganpo.report.zoning_opinion import build_opinion_html, site_map_png, write_zoning_opinion
from ganpo.zoning.check import check_site, site_geometry
from ganpo.zoning.units import read_zoning
from zoning_support import hand_zoning, lonlat

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def test_the_opinion_states_the_checks_figures(tmp_path: Path) -> None:
    ds = read_zoning(hand_zoning(tmp_path / "z"))
    c = ds.units.union_all().centroid
    cut_x = ds.units.geometry.iloc[0].bounds[2]
    site = site_geometry(
        lonlat(box(cut_x - 1000, c.y - 1000, cut_x + 1000, c.y + 1000), ds.units.crs)
    )
    result = check_site(ds, site, "C2611")
    pdf = write_zoning_opinion(ds, result, site, tmp_path / "op.pdf", "zh", issuer="测试单位")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    flat = " ".join(text.split())
    assert "建设项目生态环境分区管控符合性分析意见" in flat and "测试单位" in flat
    assert flat.count("200.00") >= 2 and "400.00 (公顷)" in flat  # each unit, the site
    assert "分区管控符合性结论：禁止。" in flat and "P1 禁止化工" in flat
    assert "须由审批人员结合项目情况研判：R1" in flat
    assert "合成数据" not in flat  # the hand data are not synthetic
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "建设项目生态环境分区管控符合性分析意见" in info.stdout
    en = build_opinion_html(ds, result, site, "en")
    assert "Conformity with the zoning: prohibited." in en and "禁止" not in en.split("<h2>")[-2]
    assert site_map_png(ds, site).startswith(b"\x89PNG")
