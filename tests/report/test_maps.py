"""Map details: legend label and classes, note, no-data counties, CRS and column checks."""

from __future__ import annotations

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from ganpo.errors import InputError
from ganpo.report.maps import DENSITY_LABEL, build_gep_density_figure, quantile_breaks

matplotlib.use("Agg")

# three 10 km × 10 km counties (100 km² each) in two cities, projected metres
UNITS = gpd.GeoDataFrame(
    {
        "county_adcode": [1, 2, 3],
        "city_adcode": [10, 10, 20],
        "city_name": ["甲市", "甲市", "乙市"],
    },
    geometry=[box(i * 10_000, 0, (i + 1) * 10_000, 10_000) for i in range(3)],
    crs="+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m",
)


def _texts(fig: matplotlib.figure.Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def test_titles_note_legend_and_city_labels() -> None:
    by_county = pd.DataFrame({"county_adcode": [1, 2, 3], "gep_cny_per_km2": [1e6, 2e6, 4e6]})
    fig = build_gep_density_figure(
        UNITS, by_county, title_zh="江西", title_en="Jiangxi", note="合成数据 synthetic data"
    )
    texts = _texts(fig)
    assert {"江西", "Jiangxi", "合成数据 synthetic data", "N"} <= set(texts)
    assert texts.count("甲市") == 1 and texts.count("乙市") == 1  # one label per city
    assert any(t.endswith(" km") for t in texts)  # scale bar
    colorbar_ax = fig.axes[1]
    assert colorbar_ax.get_xlabel() == DENSITY_LABEL
    # displayed in 万元/km²: 1e6 CNY/km² → 100
    assert colorbar_ax.get_xticks()[0] == pytest.approx(100.0)
    assert colorbar_ax.get_xticks()[-1] == pytest.approx(400.0)


def test_no_labels_no_note_and_missing_county() -> None:
    by_county = pd.DataFrame({"adcode": [1, 2], "gep_cny_per_km2": [1e6, 2e6]})  # 3 missing
    fig = build_gep_density_figure(
        UNITS, by_county, title_zh="地图", title_en="map", label_cities=False, note=None
    )
    texts = _texts(fig)
    assert "甲市" not in texts and "合成数据 synthetic data" not in texts
    assert any("无数据" in t for t in texts)  # the grey county is explained


def test_geographic_crs_and_missing_column_rejected() -> None:
    by_county = pd.DataFrame({"adcode": [1, 2, 3], "gep_cny_per_km2": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="geographic CRS"):
        build_gep_density_figure(UNITS.to_crs("EPSG:4326"), by_county, title_zh="x", title_en="x")
    with pytest.raises(InputError, match="city_name"):
        build_gep_density_figure(
            UNITS.drop(columns=["city_name"]), by_county, title_zh="x", title_en="x"
        )


def test_quantile_breaks_degenerate() -> None:
    assert quantile_breaks(np.array([3.0, 3.0, np.nan])).tolist() == [2.5, 3.5]
    assert quantile_breaks(np.array([np.nan])).tolist() == [0.0, 1.0]
