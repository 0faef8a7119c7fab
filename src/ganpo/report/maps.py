"""Static maps for reports: a county choropleth of GEP density (PNG, no basemap, offline)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import colormaps, patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ganpo.catalog.names import unit_names
from ganpo.errors import InputError
from ganpo.io.outputs import EXPORT, atomic_write
from ganpo.report.fonts import use_cjk_font

DPI = 150
FIGSIZE_IN = (8.0, 9.0)
CMAP = "YlGn"
NO_DATA_COLOUR = "#dddddd"
#: the map's texts: (Chinese, English); a standalone map shows both, "zh / en"
LABELS: dict[str, tuple[str, str]] = {
    "density": ("GEP 密度（万元/km²）", "GEP per km² (10,000 yuan/km²)"),
    "total": ("GEP（亿元）", "GEP (100 million yuan)"),
    "no_data": ("灰色：无数据", "grey: no data"),
    "synthetic": ("合成数据", "synthetic data"),
}
Language = Literal["zh", "en"]


def label(key: str, language: Language | None = None) -> str:
    """A text of the map in ``language``; both languages (``中文 / English``) when None."""
    zh, en = LABELS[key]
    if language is None:
        return f"{zh} / {en}"
    return zh if language == "zh" else en


DENSITY_LABEL = label("density")
TOTAL_LABEL = label("total")
_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


def _display(column: str, language: Language | None) -> tuple[float, str]:
    """Divisor from CNY to the display unit, and the colour bar label."""
    if column.endswith("_cny_per_km2"):
        return 1e4, label("density", language)
    if column.endswith("_cny"):
        return 1e8, label("total", language)
    return 1.0, column


def quantile_breaks(values: np.ndarray, n_classes: int = 5) -> np.ndarray:
    """Class boundaries at quantiles of the finite ``values`` (duplicates removed).

    >>> quantile_breaks(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 4).tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0]
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.array([0.0, 1.0])
    breaks = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, n_classes + 1)))
    if breaks.size < 2:  # all values equal
        breaks = np.array([breaks[0] - 0.5, breaks[0] + 0.5])
    return breaks


def _nice_length_km(width_m: float) -> float:
    """A round scale bar length near a fifth of the map width."""
    target = max(width_m / 5.0 / 1000.0, 1e-3)
    exponent = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * exponent <= target:
            return float(step * exponent)
    return float(exponent)


def _draw_scale_bar(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    length_km = _nice_length_km(maxx - minx)
    length_m = length_km * 1000.0
    height = (maxy - miny) * 0.012
    x0, y0 = minx + (maxx - minx) * 0.04, miny + (maxy - miny) * 0.03
    half = length_m / 2.0
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle(
                (x0 + i * half, y0), half, height, facecolor=colour, edgecolor="black", lw=0.8
            )
        )
    label = f"{length_km:g} km"
    for x, text in ((x0, "0"), (x0 + length_m, label)):
        ax.text(
            x, y0 + height * 1.6, text, ha="center", va="bottom", fontsize=8, path_effects=_HALO
        )


def _draw_north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.94, 0.97),
        xytext=(0.94, 0.87),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="center",
        fontsize=12,
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 11, "headlength": 10},
    )


def _join_values(units: gpd.GeoDataFrame, by_county: pd.DataFrame, column: str) -> pd.Series:
    key = "adcode" if "adcode" in by_county.columns else "county_adcode"
    for needed, frame, what in (
        (["county_adcode", "city_adcode", "city_name", "geometry"], units, "units"),
        ([key, column], by_county, "by_county"),
    ):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InputError(
                en=f"{what} lacks column(s) {', '.join(missing)}",
                zh=f"{what} 缺少列 {', '.join(missing)}：请补上",
                field=missing[0],
            )
    values = by_county.set_index(by_county[key].astype("int64"))[column]
    return units["county_adcode"].astype("int64").map(values).astype("float64")


def build_gep_density_figure(
    units: gpd.GeoDataFrame,
    by_county: pd.DataFrame,
    *,
    title_zh: str,
    title_en: str,
    column: str = "gep_cny_per_km2",
    label_cities: bool = True,
    note: str | None = "合成数据 synthetic data",
    n_classes: int = 5,
    language: Language | None = None,
) -> Figure:
    """The county choropleth of ``column`` as a matplotlib Figure (not saved).

    ``by_county`` is :func:`ganpo.report.summary.gep_by_unit` at county level (joined on
    ``adcode``, or ``county_adcode``); ``units`` must be in a projected CRS in metres.
    ``language`` None: a standalone map in both languages (``title_zh`` large, ``title_en``
    below it, bilingual legend); ``"zh"`` or ``"en"``: a map for a report in that
    language, every text in it only (its title, legend, no-data note and city names;
    ``note`` is given by the caller in that language).
    """
    if units.crs is not None and not units.crs.is_projected:
        raise InputError(
            en=f"units are in a geographic CRS ({units.crs.name}); project them to an "
            "equal-area CRS in metres first (units.to_crs(...))",
            zh=f"行政单元采用地理坐标系（{units.crs.name}）：请先将其投影到以米为单位的等积坐标系",
            field="geometry",
        )
    use_cjk_font()
    divisor, cbar_label = _display(column, language)
    values = (_join_values(units, by_county, column) / divisor).to_numpy()
    breaks = quantile_breaks(values, n_classes)
    cmap = ListedColormap(colormaps[CMAP](np.linspace(0.12, 0.95, len(breaks) - 1)))
    norm = BoundaryNorm(breaks, cmap.N)

    fig = Figure(figsize=FIGSIZE_IN, dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.04, 0.14, 0.92, 0.76))
    ax.set_axis_off()
    ax.set_aspect("equal")

    shapes = gpd.GeoDataFrame({"value": values}, geometry=units.geometry.values, crs=units.crs)
    valid = np.isfinite(values)
    if (~valid).any():
        shapes[~valid].plot(ax=ax, color=NO_DATA_COLOUR, edgecolor="#999999", linewidth=0.3)
    if valid.any():
        facecolours = cmap(norm(values[valid]))
        shapes[valid].plot(ax=ax, color=facecolours, edgecolor="#999999", linewidth=0.3)

    cities = units[["city_adcode", "city_name", "geometry"]].dissolve(by="city_adcode")
    cities.boundary.plot(ax=ax, color="#333333", linewidth=0.9)
    outline = gpd.GeoSeries([units.geometry.union_all()], crs=units.crs)
    outline.boundary.plot(ax=ax, color="#111111", linewidth=1.4)
    if label_cities:
        city_names = (
            unit_names(cities.index, cities["city_name"], language)
            if language is not None
            else list(cities["city_name"])
        )
        for name, point in zip(city_names, cities.geometry.representative_point(), strict=True):
            ax.text(
                point.x,
                point.y,
                str(name),
                ha="center",
                va="center",
                fontsize=9,
                color="#1a1a1a",
                path_effects=_HALO,
            )

    minx, miny, maxx, maxy = units.total_bounds
    pad_x, pad_y = (maxx - minx) * 0.03, (maxy - miny) * 0.03
    ax.set_xlim(minx - pad_x, maxx + pad_x)
    ax.set_ylim(miny - pad_y * 3, maxy + pad_y)
    _draw_scale_bar(ax, (minx - pad_x, miny - pad_y * 3, maxx + pad_x, maxy + pad_y))
    _draw_north_arrow(ax)

    title, subtitle = {
        None: (title_zh, title_en),
        "zh": (title_zh, ""),
        "en": (title_en, ""),
    }[language]
    fig.text(0.5, 0.965, title, ha="center", va="center", fontsize=15, fontweight="bold")
    if subtitle:
        fig.text(0.5, 0.935, subtitle, ha="center", va="center", fontsize=11, color="#333333")
    cax = fig.add_axes((0.15, 0.075, 0.70, 0.022))
    cbar = fig.colorbar(
        ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal", ticks=breaks
    )
    cbar.ax.set_xticklabels([f"{b:,.0f}" if abs(b) >= 10 else f"{b:.2g}" for b in breaks])
    cbar.ax.tick_params(labelsize=8)
    cbar.set_label(cbar_label, fontsize=9)
    if (~valid).any():
        no_data = label("no_data", language)
        fig.text(0.15, 0.04, no_data, fontsize=7, color="#555555")
    if note:
        fig.text(0.98, 0.015, note, ha="right", va="bottom", fontsize=8, color="#aa3333")
    return fig


def gep_density_map(
    units: gpd.GeoDataFrame,
    by_county: pd.DataFrame,
    path: Path,
    *,
    title_zh: str,
    title_en: str,
    column: str = "gep_cny_per_km2",
    label_cities: bool = True,
    note: str | None = "合成数据 synthetic data",
) -> Path:
    """Write the county choropleth of GEP density to ``path`` as a PNG (written atomically)."""
    fig = build_gep_density_figure(
        units,
        by_county,
        title_zh=title_zh,
        title_en=title_en,
        column=column,
        label_cities=label_cities,
        note=note,
    )
    return atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=DPI), EXPORT)
