"""A finished account as the engine returns it, before and apart from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd

from ganpo.io.decisions import Decision
from ganpo.io.units import county_table

#: one row per indicator × component × ecosystem type × unit. ``unit_code`` is the unit of
#: the row: a unit of the dataset's level (raster services; statistics given per unit), or
#: the county's adcode for rows of statistics given per county (decision 0021);
#: ``county_adcode`` the county it lies in, so that county, city and province totals are
#: sums of rows
RESULT_COLUMNS = [
    "indicator",
    "component",
    "category",
    "ecosystem_code",
    "unit_code",
    "county_adcode",
    "quantity",
    "quantity_unit",
    "price_key",
    "price",
    "price_unit",
    "value_cny",
]

#: physical indicators computed beside the GEP, never valued (profile ``[physical]``)
PHYSICAL_COLUMNS = [
    "indicator",
    "method",
    "component",
    "ecosystem_code",
    "unit_code",
    "county_adcode",
    "quantity",
    "quantity_unit",
]

#: ecosystem extent: cells and area per unit (of the dataset's level) × ecosystem type
EXTENT_COLUMNS = ["unit_code", "county_adcode", "ecosystem_code", "cells", "area_m2"]


#: per administrative unit and layer role, how much of the unit the layer covers
COVERAGE_COLUMNS = ["unit_code", "role", "cells", "cells_with_data", "share"]


def empty_physical() -> pd.DataFrame:
    """A physical-results table with no rows (an account whose profile asks for none)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PHYSICAL_COLUMNS}).astype(
        {
            "ecosystem_code": "int64",
            "unit_code": "int64",
            "county_adcode": "int64",
            "quantity": "float64",
        }
    )


@dataclass
class AccountResult:
    """A finished account, not yet stored."""

    dataset_name: str
    region_adcode: int
    year: int
    profile: str
    price_policy: str
    parameter_set: str
    parameter_set_version: str
    synthetic: bool
    code_version: str
    host: str
    started_at: datetime
    finished_at: datetime
    manifest_sha256: str
    dataset_root: str
    input_digest: str
    inputs: pd.DataFrame  # role, year, path, sha256, synthetic, source
    prices: pd.DataFrame  # key, value, unit, year, region, source, status
    results: pd.DataFrame  # RESULT_COLUMNS
    extent: pd.DataFrame  # EXTENT_COLUMNS
    units: gpd.GeoDataFrame  # the units of the finest level (ganpo.io.units model)
    warnings: list[str] = field(default_factory=list)
    #: the warnings in Chinese, one for each of ``warnings`` (empty: none given)
    warnings_zh: list[str] = field(default_factory=list)
    rasters: pd.DataFrame = field(default_factory=pd.DataFrame)  # indicator, path, sha256
    log: list[str] = field(default_factory=list)  # the run's progress messages
    notes: list[str] = field(default_factory=list)  # price policy, deflation applied
    # the parameter set as used (prices brought to the year), for uncertainty analysis
    parameters: Any = field(default=None, repr=False)
    profile_indicators: dict[str, str] = field(default_factory=dict)
    # PHYSICAL_COLUMNS: quantities reported beside the GEP, not valued, not in gep_cny
    physical: pd.DataFrame = field(default_factory=empty_physical)
    # inputs accepted under a stated rule (soft ranges, gap policies, declared years …)
    decisions: list[Decision] = field(default_factory=list)
    # per unit and layer role: cells, cells with data, share (COVERAGE_COLUMNS)
    coverage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COVERAGE_COLUMNS))

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def gep_cny(self) -> float:
        return float(self.results["value_cny"].sum())

    @property
    def counties(self) -> pd.DataFrame:
        """One row per county: its attributes and area (the sum of its units')."""
        return county_table(self.units)
