"""A hand-made account for the quality-report tests: two Nanchang districts, a decision of
every basis, coverage below 100 % in two layers, warnings naming files and parameter keys,
and parameters of each status. Nothing is computed: every expected figure of the tests is
written here."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from ganpo.engine.result import COVERAGE_COLUMNS, AccountResult
from ganpo.io.decisions import Decision

DONGHU, XIHU = 360102, 360103


def decisions(first: int = DONGHU, second: int = XIHU) -> list[Decision]:
    """One decision of each basis (manifest, profile, rule, override), in the run's order."""
    return [
        Decision(
            kind="layer_year",
            subject="npp",
            message_en="The NPP layer of 2021 serves 2022, as the manifest declares.",
            message_zh="按数据集清单声明，2022 年采用 2021 年的净初级生产力图层。",
            basis="manifest",
            source="/data/jx/2021/npp.tif",
            values=(2021.0, 2022.0),
        ),
        Decision(
            kind="coverage_gap",
            subject="precipitation",
            message_en="Precipitation covers 97 % of the unit; the profile accepts 95 % or more.",
            message_zh="降水图层覆盖该行政区的 97%，核算口径接受 95% 及以上。",
            basis="profile",
            unit_code=second,
            source="/data/jx/2022/precipitation.tif",
            values=(0.97, 0.95),
        ),
        Decision(
            kind="soft_range",
            subject="water.water_use_domestic",
            message_en="Domestic water use is three times last year's; accepted as reported.",
            message_zh="生活用水量为上年的三倍，按报送值采用。",
            basis="rule",
            unit_code=first,
            source="/data/jx/2022/water.csv",
            values=(3.0, "water_use_domestic"),
        ),
        Decision(
            kind="fluctuation",
            subject="tourism.visits",
            message_en="Tourist visits fell by 60 % from last year.",
            message_zh="旅游人次比上年下降 60%。",
            basis="override",
            unit_code=second,
            source="/data/jx/2022/tourism.csv",
            values=(-0.6,),
            explanation="景区全年封闭施工 / the scenic area was closed all year for works",
            explained_by="王芳（文化和旅游厅）",
            accepted_by="李明（统计局）",
        ),
    ]


def coverage(first: int = DONGHU, second: int = XIHU) -> pd.DataFrame:
    """Precipitation: first 100 %, second 97 %; NPP: first 75 %, second 100 %."""
    rows = [
        (first, "precipitation", 100, 100),
        (second, "precipitation", 100, 97),
        (first, "npp", 200, 150),
        (second, "npp", 50, 50),
    ]
    frame = pd.DataFrame(rows, columns=COVERAGE_COLUMNS[:4])
    frame["share"] = frame.cells_with_data / frame.cells
    return frame[COVERAGE_COLUMNS]


WARNINGS = [
    "2022/npp.tif: no nodata value declared; every finite cell is taken as data",
    "parameter 'cod_removal_rate' of 'test-set' is a placeholder, not a published value; "
    "results that use it are illustrative",
]


def handmade_account() -> AccountResult:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    units = gpd.GeoDataFrame(
        {
            "county_adcode": [DONGHU, XIHU],
            "county_name": ["东湖区", "西湖区"],
            "city_adcode": [360100, 360100],
            "city_name": ["南昌市", "南昌市"],
            "province_adcode": [360000, 360000],
            "province_name": ["江西省", "江西省"],
            "area_km2": [20.0, 30.0],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:3857",
    )
    results = pd.DataFrame(
        {
            "indicator": ["water_conservation", "water_conservation"],
            "component": ["", ""],
            "category": ["regulating", "regulating"],
            "ecosystem_code": [1, 1],
            "county_adcode": [DONGHU, XIHU],
            "quantity": [1000.0, 2000.0],
            "quantity_unit": ["m3", "m3"],
            "price_key": ["reservoir_cost", "reservoir_cost"],
            "price": [7.06, 7.06],
            "price_unit": ["CNY/m3", "CNY/m3"],
            "value_cny": [7060.0, 14120.0],
        }
    )
    prices = pd.DataFrame(
        {
            "key": ["reservoir_cost", "runoff_coefficient", "cod_removal_rate"],
            "value": [7.06, None, 0.5],
            "by_type": [None, {"forest": 0.0267}, None],
            "unit": ["CNY/m3", "1", "t/hm2"],
            "year": [2010, 2010, 2010],
            "region": ["China", "China", "China"],
            "source": [
                "白玛卓嘎 et al. 2017, 生态学报 37(19):6302-6312",
                "usual values of the Chinese method family",
                "PLACEHOLDER: no published removal rate was available",
            ],
            "status": ["verified", "unverified", "placeholder"],
        }
    )
    inputs = pd.DataFrame(
        {
            "role": ["units", "npp", "precipitation"],
            "year": [None, 2021, 2022],
            "path": ["units.gpkg", "2022/npp.tif", "2022/precipitation.tif"],
            "sha256": ["0" * 64, "1" * 64, "2" * 64],
            "synthetic": [True, True, True],
            "source": ["test", "test", "test"],
        }
    )
    extent = pd.DataFrame(
        {
            "county_adcode": [DONGHU, XIHU],
            "ecosystem_code": [1, 1],
            "cells": [200, 50],
            "area_m2": [2e6, 5e5],
        }
    )
    return AccountResult(
        dataset_name="handmade",
        region_adcode=360100,
        year=2022,
        profile="jiangxi-db36-2021",
        price_policy="as_published",
        parameter_set="test-set",
        parameter_set_version="1",
        synthetic=True,
        code_version="test",
        host="test",
        started_at=t0,
        finished_at=t0,
        manifest_sha256="a" * 64,
        dataset_root="/nonexistent/handmade",
        input_digest="b" * 64,
        inputs=inputs,
        prices=prices,
        results=results,
        extent=extent,
        units=units,
        warnings=list(WARNINGS),
        decisions=decisions(),
        coverage=coverage(),
    )
