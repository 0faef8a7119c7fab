"""Shared pieces of the asset documents (credit evidence pack, damage report): the location
map, HTML tables, JSON and the PDF, all offline (matplotlib in Noto Sans CJK, WeasyPrint).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from shapely.geometry.base import BaseGeometry

from ganpo.io.outputs import EXPORT, atomic_write
from ganpo.report.annual import CSS, _png, write_pdf
from ganpo.report.fonts import use_cjk_font

__all__ = ["CSS", "html_table", "location_map", "money", "write_json", "write_pdf"]


def location_map(
    sites: list[tuple[str, BaseGeometry]], crs_wkt: str, units: gpd.GeoDataFrame, *, title: str
) -> str:
    """Two panels: the site(s) among the county boundaries nearby, and the region overview.

    Returns a PNG data URI. ``units`` are the account's counties (in ``crs_wkt``).
    """
    use_cjk_font()
    geoms = gpd.GeoSeries([g for _, g in sites], crs=crs_wkt)
    fig, (near, overview) = plt.subplots(1, 2, figsize=(9.0, 4.6), width_ratios=[1.4, 1.0])
    minx, miny, maxx, maxy = geoms.total_bounds
    pad = max(max(maxx - minx, maxy - miny) * 1.5, 30000.0)  # show neighbouring counties
    box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    nearby = units.cx[box[0] : box[2], box[1] : box[3]]
    nearby.plot(ax=near, facecolor="#f1f8e9", edgecolor="#777777", linewidth=0.6)
    for name, point in zip(
        nearby["county_name"], nearby.geometry.representative_point(), strict=True
    ):
        if box[0] < point.x < box[2] and box[1] < point.y < box[3]:
            near.text(point.x, point.y, str(name), fontsize=8, color="#555555", ha="center")
    colours = plt.get_cmap("tab10")
    for i, (label, geom) in enumerate(sites):
        gpd.GeoSeries([geom], crs=crs_wkt).plot(
            ax=near, facecolor=colours(i % 10), alpha=0.55, edgecolor="black", linewidth=0.8
        )
        c = geom.representative_point()
        near.text(c.x, c.y, label, fontsize=7, ha="center", va="center")
    near.set_xlim(box[0], box[2])
    near.set_ylim(box[1], box[3])
    near.set_aspect("equal")
    near.set_xticks([])
    near.set_yticks([])
    near.set_xlabel("")
    near.set_ylabel("")
    km = pad * 2 / 1000
    near.set_title(f"{title}（周边县界 / nearby counties, ~{km:,.0f} km）", fontsize=9)
    units.plot(ax=overview, facecolor="#eeeeee", edgecolor="#aaaaaa", linewidth=0.3)
    units.dissolve().boundary.plot(ax=overview, color="#333333", linewidth=0.8)
    geoms.centroid.plot(ax=overview, color="red", markersize=25, marker="*")
    overview.set_axis_off()
    overview.set_aspect("equal")
    overview.set_title("位置 / location in the region", fontsize=9)
    return _png(fig)


def html_table(
    frame: pd.DataFrame, headers: list[str], formats: dict[str, str] | None = None
) -> str:
    """An HTML table; ``formats`` maps a column to a format spec (``",.0f"``)."""
    formats = formats or {}
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)

    def cell(col: str, v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "—"
        if col in formats and isinstance(v, int | float):
            return format(v, formats[col])
        return str(v)

    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(cell(c, v))}</td>" for c, v in zip(frame.columns, row, strict=True)
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def money(cny: float) -> str:
    """CNY in 万元 with the raw figure: ``1,234.56 万元 (12,345,600 CNY)``."""
    return f"{cny / 1e4:,.2f} 万元 ({cny:,.0f} CNY)"


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write JSON (UTF-8, indented) atomically."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(Path(path), write, EXPORT)


def page(title: str, body: list[str], *, synthetic: bool) -> str:
    """A standalone HTML document with the report style."""
    warn = (
        '<p class="warn">合成数据：本文件基于合成数据，数字不得引用。 SYNTHETIC DATA: built on '
        "synthetic data; do not cite the numbers.</p>"
        if synthetic
        else ""
    )
    extra = ".small { font-size: 8pt; color: #555; } h1 { margin: 8mm 0 4mm 0; }"
    return (
        f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title><style>{CSS}{extra}</style></head><body><h1>{html.escape(title)}</h1>"
        + warn
        + "".join(body)
        + "</body></html>"
    )
