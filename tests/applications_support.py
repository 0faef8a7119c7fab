"""Shared helpers of the application tests (transfers, compensation, assessment, CLI, web).

A store holding hand-made accounts: three real Jiangxi counties (Leping 360281, Wuyuan
361130, Dexing 361181) with GEP values chosen so that every figure of the tests can be
worked out by hand. Values are at the accounting year's prices (no price key), so
restating year b to year a's prices multiplies by the cn-cpi factor index[a]/index[b].
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from ganpo.engine.result import AccountResult
from ganpo.store.repository import open_store, save_account

LEPING, WUYUAN, DEXING = 360281, 361130, 361181
NAMES = {LEPING: "乐平市", WUYUAN: "婺源县", DEXING: "德兴市"}
CITY = {LEPING: (360200, "景德镇市"), WUYUAN: (361100, "上饶市"), DEXING: (361100, "上饶市")}
AREA_KM2 = {LEPING: 100.0, WUYUAN: 200.0, DEXING: 50.0}

# GEP by county and category [CNY]; one indicator per category
GEP_2022 = {
    LEPING: {"agriculture": 30.0, "water_conservation": 60.0, "recreation": 10.0},
    WUYUAN: {"agriculture": 20.0, "water_conservation": 60.0, "recreation": 20.0},
    DEXING: {"agriculture": 10.0, "water_conservation": 80.0, "recreation": 10.0},
}
CATEGORY = {"agriculture": "material", "water_conservation": "regulating", "recreation": "cultural"}


def account(year: int, values: dict[int, dict[str, float]]) -> AccountResult:
    """An account of the three counties with the given values per indicator [CNY]."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "indicator": ind,
            "component": "",
            "category": CATEGORY[ind],
            "ecosystem_code": 1,
            "county_adcode": code,
            "quantity": v,
            "quantity_unit": "CNY",
            "price_key": "",
            "price": None,
            "price_unit": "",
            "value_cny": v,
        }
        for code, per in values.items()
        for ind, v in per.items()
    ]
    units = pd.DataFrame(
        {
            "county_adcode": list(values),
            "county_name": [NAMES[c] for c in values],
            "city_adcode": [CITY[c][0] for c in values],
            "city_name": [CITY[c][1] for c in values],
            "province_adcode": [360000] * len(values),
            "province_name": ["江西省"] * len(values),
            "area_km2": [AREA_KM2[c] for c in values],
        }
    )
    extent = pd.DataFrame(
        {
            "county_adcode": list(values),
            "ecosystem_code": [1] * len(values),
            "cells": [1] * len(values),
            "area_m2": [AREA_KM2[c] * 1e6 for c in values],
        }
    )
    return AccountResult(
        dataset_name="hand",
        region_adcode=360000,
        year=year,
        profile="jiangxi-db36-2021",
        price_policy="deflate",
        parameter_set="jiangxi-default",
        parameter_set_version="test",
        synthetic=True,
        code_version="test",
        host="test",
        started_at=now,
        finished_at=now,
        manifest_sha256="0" * 64,
        dataset_root="/nonexistent",
        input_digest=f"{year:064d}",
        inputs=pd.DataFrame(columns=["role", "year", "path", "sha256", "synthetic", "source"]),
        prices=pd.DataFrame(
            columns=["key", "value", "by_type", "unit", "year", "region", "source", "status"]
        ),
        results=pd.DataFrame(rows),
        extent=extent,
        units=units,  # type: ignore[arg-type]
    )


def scaled(
    values: dict[int, dict[str, float]], factor: dict[int, float]
) -> dict[int, dict[str, float]]:
    return {c: {k: v * factor[c] for k, v in per.items()} for c, per in values.items()}


def hand_store(url: str, *, years: tuple[int, ...] = (2022, 2023)) -> Engine:
    """A store with the hand accounts: 2022 = GEP_2022 (id 1); 2023 = 2022 × growth × 1.002
    (id 2; cn-cpi 2023 is +0.2 %), so that GEP growth at constant 2022 prices is Leping
    +10 %, Wuyuan 0 %, Dexing −20 %. Any other year holds GEP_2022."""
    engine = open_store(url)
    growth = {LEPING: 1.10, WUYUAN: 1.00, DEXING: 0.80}
    for year in years:
        if year == 2022:
            values = GEP_2022
        elif year == 2023:
            values = scaled(GEP_2022, {c: g * 1.002 for c, g in growth.items()})
        else:
            values = GEP_2022
        save_account(engine, account(year, values))
    return engine


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


TRANSFER_RULE = """
kind = "transfer"
name = "hand-rule"
title_zh = "测试规则"
title_en = "test rule"
description = "hand-computed case"
source = "test"
rounding = "yuan"
minimum_cny = 100.0

[columns]
fiscal_gap = "CNY"
coefficient = "1"
penalty = "1"

[[components]]
key = "key_subsidy"
name_zh = "重点补助"
name_en = "key subsidy"
weight = {key_weight}
terms = [{{ factors = ["fiscal_gap", "coefficient"], coefficient = 1.0 }}]

[[components]]
key = "gep_level"
name_zh = "GEP总量"
name_en = "GEP level"
weight = {gep_weight}
terms = [{{ factors = ["gep"], coefficient = 1.0 }}]
"""

FACTORS = """# test factor table
county_adcode,county_name,fiscal_gap [万元],coefficient [1],penalty [1]
360281,乐平市,1,1,0
361130,婺源县,2,1,0
361181,德兴市,1,1,0
"""


def transfer_rule(
    tmp: Path, key_weight: float = 60.0, gep_weight: float = 40.0, **extra: str
) -> Path:
    text = TRANSFER_RULE.format(key_weight=key_weight, gep_weight=gep_weight)
    head = "".join(f"{k} = {v}\n" for k, v in extra.items())
    return write(tmp / f"rule_{key_weight}_{gep_weight}.toml", head + text)


# An assessment of the three hand counties (the bad-input corpora of assessment and of the
# account look-ups; tests/apply/test_assessment.py with two warnings more and one indicator
# value missing): a framework of two categories, the GDP of 2022 and 2023, the indicators.

ASSESSMENT_FRAMEWORK = """kind = "assessment"
name = "corpus-gdi"
title_zh = "测试"
title_en = "test"
description = "test"
source = "test"
verified = "nothing"

[[grades]]
grade = "A"
min_score = 90.0

[[grades]]
grade = "B"
min_score = 70.0

[[grades]]
grade = "C"
min_score = 0.0

[[warnings]]
metric = "c"
below = 10.0

[[categories]]
key = "one"
name_zh = "一"
name_en = "one"
weight_pct = 60.0
indicators = [
  { key = "a", name_zh = "甲", name_en = "a", unit = "%", direction = "positive" },
  { key = "b", name_zh = "乙", name_en = "b", unit = "t", direction = "negative", weight = 1.0 },
]

[[categories]]
key = "two"
name_zh = "二"
name_en = "two"
weight_pct = 40.0
indicators = [
  { key = "c", name_zh = "丙", name_en = "c", unit = "%", direction = "positive" },
]
"""

ASSESSMENT_GDP = """county_adcode,year,gdp [万元]
360281,2022,2900000
361130,2022,1200000
361181,2022,4800000
360281,2023,3000000
361130,2023,1250000
361181,2023,5000000
"""

ASSESSMENT_INDICATORS = """county_adcode,year,a [%],b [t],c [%]
360281,2021,12,5,0
360281,2022,11,5,0
360281,2023,10,5,0
361130,2023,20,3,50
361181,2023,30,1,100
"""
