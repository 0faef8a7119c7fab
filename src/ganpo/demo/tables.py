"""Synthetic county statistics tables of the demo, consistent with its land cover.

Each quantity is spread over the counties in proportion to the land that produces it
(cropland for farm output, built-up land for water use and emissions, …) with lognormal
county noise, then scaled so the province total has the order of magnitude of Jiangxi's
statistics (e.g. farm output ≈ 1900 亿元, water use ≈ 240 亿 m³, ≈ 7 亿 visits). These
are orders of magnitude chosen for plausibility, **not** the statistics themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganpo.demo.grid import rng_for

# province totals of the first year, in the units of ganpo.io.roles.TABLE_ROLES
TOTALS = {
    "agriculture_output": 1.9e7,  # 10^4 CNY
    "forestry_output": 4.7e6,
    "animal_husbandry_output": 1.0e7,
    "fishery_output": 6.0e6,
    "water_use_domestic": 3.0e5,  # 10^4 m3
    "water_use_industrial": 6.0e5,
    "water_use_agricultural": 1.5e6,
    "hydropower": 1.0e6,  # 10^4 kWh
    "biomass_energy": 2.0e5,  # 10^4 kWh
    "visits": 7.0e4,  # 10^4 person-time
    "so2": 5.0e4,  # t
    "nox": 2.5e5,
    "dust": 1.5e5,
    "cod": 6.0e5,
    "nh3n": 3.0e4,
}
GROWTH = 0.045  # mean yearly growth of the economic quantities


def _spread(
    weight: pd.Series, total: float, rng: np.random.Generator, sigma: float = 0.25
) -> pd.Series:
    w = weight.clip(lower=0.0) * rng.lognormal(0.0, sigma, len(weight))
    if w.sum() == 0:
        return w
    return w / w.sum() * total


def county_tables(
    counties: pd.DataFrame, areas: pd.DataFrame, seed: int, year_index: int
) -> dict[str, pd.DataFrame]:
    """Tables by role for one year.

    ``counties``: county_adcode, county_name; ``areas``: km² by ecosystem key per county
    (index county_adcode; columns forest, cropland, …, plus ``mean_elevation``,
    ``lake_km2`` and ``reservoir_km2``).
    """
    a = areas.reindex(counties["county_adcode"]).fillna(0.0)
    grow = (1.0 + GROWTH) ** year_index

    def rng(name: str) -> np.random.Generator:
        return rng_for(seed, f"{name}-{year_index}")

    def spread(column: str, weight: pd.Series, sigma: float = 0.25) -> np.ndarray:
        scale = grow if column not in ("so2", "nox", "dust", "cod", "nh3n") else 0.97**year_index
        return _spread(weight, TOTALS[column] * scale, rng(column), sigma).to_numpy()

    key = {
        "county_adcode": counties["county_adcode"].to_numpy(),
        "county_name": counties["county_name"].to_numpy(),
    }
    mountain = a["forest"] * (a["mean_elevation"] / 300.0).clip(0.2, 3.0)
    visits = spread("visits", a["built_up"] * 2.0 + mountain * 0.05, 0.4)
    spend = 1050.0 + 150.0 * rng("spend").standard_normal(len(a))  # CNY per visit
    tables = {
        "agriculture": {
            "agriculture_output": spread("agriculture_output", a["cropland"]),
            "forestry_output": spread("forestry_output", a["forest"]),
            "animal_husbandry_output": spread(
                "animal_husbandry_output", a["cropland"] + a["grassland"]
            ),
            "fishery_output": spread(
                "fishery_output", a["water"] + a["wetland"] + 0.02 * a["cropland"]
            ),
        },
        "water": {
            "water_use_domestic": spread("water_use_domestic", a["built_up"]),
            "water_use_industrial": spread("water_use_industrial", a["built_up"] ** 1.2),
            "water_use_agricultural": spread("water_use_agricultural", a["cropland"]),
            "hydropower": spread("hydropower", mountain + 20.0 * a["reservoir_km2"], 0.6),
        },
        "energy": {
            "biomass_energy": spread("biomass_energy", a["cropland"] + 0.2 * a["forest"], 0.5)
        },
        "tourism": {
            "visits": visits,
            "tourism_revenue": visits * 1e4 * spend / 1e8,  # 10^8 CNY
            "trip_hours": np.round(7.0 + 1.5 * rng("hours").standard_normal(len(a)), 1).clip(3, 12),
            "hourly_wage": np.round(38.0 + 6.0 * rng("wage").standard_normal(len(a)), 1).clip(
                20, 70
            )
            * grow,
            "trip_cost": np.round(spend * 0.8, 0),
        },
        "emissions": {
            j: spread(j, a["built_up"] + (0.3 * a["cropland"] if j in ("cod", "nh3n") else 0.0))
            for j in ("so2", "nox", "dust", "cod", "nh3n")
        },
        "water_bodies": {
            # large reservoirs ≈ 15 m deep over their area, plus small ones in every county
            "reservoir_capacity": (
                a["reservoir_km2"] * 1e6 * 15.0 / 1e4
                + _spread(a["forest"], 6.0e5, rng("small-res"), 0.5)
            ).to_numpy(),
        },
        "forestry": {
            "forest_self_recovery_area": (
                a["forest"] * 100.0 * 0.03 * rng("pest").lognormal(0, 0.3, len(a))
            ).to_numpy(),
            "grassland_self_recovery_area": (a["grassland"] * 100.0 * 0.03).to_numpy(),
        },
        "landscape": {
            "benefiting_area": (
                a["built_up"] * 1e6 * 0.04 * rng("view").lognormal(0, 0.3, len(a))
            ).to_numpy(),
            "landscape_premium": np.round(80.0 + 40.0 * rng("premium").random(len(a)), 1),
        },
        "external": {
            "water_supply_external_share": np.round(
                (a["water"] / a["total_km2"]).fillna(0) * 2.0, 3
            ).clip(0.0, 0.4),
            "hydropower_external_share": np.zeros(len(a)),
        },
    }
    out = {role: pd.DataFrame({**key, **cols}) for role, cols in tables.items()}
    for frame in out.values():
        num = frame.columns[2:]
        frame[num] = frame[num].astype(float).round(4).clip(lower=0.0)
    return out


def lake_table(lake_km2: pd.Series, names: pd.Series) -> pd.DataFrame:
    """The Poyang Lake rows: the part of the lake in each county (list table)."""
    parts = lake_km2[lake_km2 > 0]
    return pd.DataFrame(
        {
            "county_adcode": parts.index.astype("int64"),
            "county_name": names.reindex(parts.index).to_numpy(),
            "lake_name": "鄱阳湖 Poyang Lake",
            "lake_area": parts.round(4).to_numpy(),
        }
    )
