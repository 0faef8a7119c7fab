"""Synthetic county statistics: one table per role of :data:`ganpo.io.roles.TABLE_ROLES`.

Each county's value of an *extensive* column (output, water use, emissions…) is a proxy
from its land cover (cropland area for crop output, water and wetland area for fishery,
built-up area for domestic water use and emissions, mountain area for hydropower…) times
county-specific lognormal noise, scaled so that the province total is of the order of
Jiangxi's statistics. The totals of :data:`PROVINCE_TOTALS` are orders of magnitude for a
demo, not the published statistics. Value added of farming, forestry, animal husbandry and
fishery is a plausible share of the gross output (:data:`VALUE_ADDED_SHARE`). *Intensive*
columns (hourly wage, trip cost, landscape premium, external shares) are drawn around a
plausible typical value. The lakes table lists the area of the synthetic Poyang Lake in each
county it covers, its lake region (东部平原) and the flood storage the water department
would read from gauged levels: the whole lake's storage between trough and peak of the
year's flood rises, here the lake area times a rise of 3.2–4.2 m drawn per year (Poyang's
storage swings by some 10^10 m³ a year; a plausible magnitude, not an observation),
repeated on each of the lake's rows. Later years grow by 3–6 %: each county keeps the share
of the province its first year's land cover gives it, so that a county's statistics do not
jump when a coarse raster's cell changes class (a built-up cell of 4 km² appearing in a
small district would multiply its proxy several-fold, a change the year-on-year checks of
:mod:`ganpo.io.table_checks` rightly flag).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ganpo.demo.grid import rng_for
from ganpo.demo.landcover import CODE
from ganpo.io.roles import KEY_COLUMN, NAME_COLUMN, TABLE_ROLES

LAKE_NAME = "鄱阳湖"
LAKE_REGION = "东部平原"
#: rise of the synthetic lake's level over the year's floods [m]: (lowest, highest)
FLOOD_RISE_M = (3.2, 4.2)

#: Province totals of the first year, in each column's unit (orders of magnitude only).
PROVINCE_TOTALS: dict[str, float] = {
    "agriculture_output": 1.9e7,  # 10^4 CNY
    "forestry_output": 4.7e6,
    "animal_husbandry_output": 1.0e7,
    "fishery_output": 6.0e6,
    "water_use_domestic": 3.0e5,  # 10^4 m3
    "water_use_industrial": 6.0e5,
    "water_use_agricultural": 1.5e6,
    "hydropower": 1.0e6,  # 10^4 kWh
    "visits": 7.0e4,  # 10^4 person-time
    "tourism_revenue": 8.0e3,  # 10^8 CNY
    "biomass_energy": 3.0e5,  # 10^4 kWh
    "reservoir_capacity": 3.0e6,  # 10^4 m3
    "forest_self_recovery_area": 3.0e4,  # hm2
    "grassland_self_recovery_area": 1.0e3,  # hm2
    "benefiting_area": 6.0e7,  # m2 of housing near parks and water
    "so2": 5.0e4,  # t
    "nox": 2.5e5,
    "dust": 1.5e5,
    "cod": 6.0e5,
    "nh3n": 3.0e4,
    "tp": 5.0e3,
}
#: Intensive columns: (typical value, σ of the log across counties, yearly growth).
TYPICAL: dict[str, tuple[float, float, float]] = {
    "trip_hours": (5.0, 0.2, 0.0),  # h per visit, travel and stay
    "hourly_wage": (42.0, 0.15, 0.05),  # CNY/h
    "trip_cost": (450.0, 0.25, 0.04),  # CNY per visit
    "landscape_premium": (120.0, 0.35, 0.02),  # CNY/m2
}
#: Shares of a product that come from outside the region: Beta(a, b) per county.
SHARES: dict[str, tuple[float, float]] = {
    "water_supply_external_share": (1.2, 12.0),
    "hydropower_external_share": (0.8, 16.0),
}
#: Value added as a share of gross output, by sector (农林牧渔业增加值率): plausible shares
#: for a demo, not the published ratios; each county's share varies by ±4 % (σ of the log).
VALUE_ADDED_SHARE = {
    "agriculture": 0.58,
    "forestry": 0.62,
    "animal_husbandry": 0.42,
    "fishery": 0.60,
}
#: Spread (σ of the log) of the county-specific noise of each column (default 0.25).
SPREAD = {"hydropower": 0.6, "visits": 0.5, "tourism_revenue": 0.3, "reservoir_capacity": 0.5}


def county_areas(
    county: NDArray[np.int32],
    cover: NDArray[np.uint8],
    elevation_m: NDArray[np.float64],
    lake: NDArray[np.bool_],
    n_counties: int,
    cell_km2: float,
) -> pd.DataFrame:
    """Area [km²] of each ecosystem type per county, and of the county, its mountains (above
    500 m), its lake and its reservoirs; one row per county in order (``county`` is 1-based)."""
    index = county - 1

    def area(mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        return np.bincount(index[mask], minlength=n_counties).astype(np.float64) * cell_km2

    areas = {key: area(cover == code) for key, code in CODE.items()}
    areas["total"] = area(np.ones(index.size, dtype=bool))
    areas["mountain"] = area(elevation_m > 500.0)
    areas["lake"] = area(lake & (cover == CODE["water"]))
    areas["reservoir"] = areas["water"] - areas["lake"]
    return pd.DataFrame(areas)


def _proxies(a: pd.DataFrame) -> dict[str, pd.Series]:
    urban = a["built_up"] + 1.0
    return {
        "agriculture_output": a["cropland"] + 1.0,
        "forestry_output": a["forest"] + 0.5 * a["shrub"] + 1.0,
        "animal_husbandry_output": a["cropland"] + 0.5 * a["grassland"] + 1.0,
        "fishery_output": a["water"] + a["wetland"] + 0.05 * a["cropland"] + 1.0,
        "water_use_domestic": urban,
        "water_use_industrial": urban,
        "water_use_agricultural": a["cropland"] + 1.0,
        "hydropower": a["mountain"] + 0.1,
        "visits": urban + 0.05 * a["mountain"],
        "tourism_revenue": urban + 0.05 * a["mountain"],
        "biomass_energy": a["cropland"] + 0.2 * a["forest"] + 1.0,
        "reservoir_capacity": a["reservoir"] + 0.01 * a["mountain"] + 0.1,
        # pests recover on forest and grassland only: none where the map has none
        "forest_self_recovery_area": a["forest"] + 0.5 * a["shrub"],
        "grassland_self_recovery_area": a["grassland"],
        "benefiting_area": urban,
        "so2": urban,
        "nox": urban,
        "dust": urban + 0.02 * a["bare"],
        "cod": urban + 0.2 * a["cropland"],
        "nh3n": 0.5 * urban + 0.1 * a["cropland"],
        "tp": 0.4 * urban + 0.2 * a["cropland"],
    }


def _lakes(
    units: pd.DataFrame, areas: pd.DataFrame, cell_km2: float, rise_m: float
) -> pd.DataFrame:
    """One row per county the lake covers (at least one cell); the flood storage [10⁴ m³]
    is the whole lake's (its area × ``rise_m``) on every row."""
    has = areas["lake"].to_numpy() >= cell_km2 * 0.5
    area_km2 = np.round(areas["lake"].to_numpy()[has], 2)
    storage = float(area_km2.sum()) * 1e6 * rise_m / 1e4
    return pd.DataFrame(
        {
            KEY_COLUMN: units["county_adcode"].to_numpy()[has],
            NAME_COLUMN: units["county_name"].to_numpy()[has],
            "lake_name": LAKE_NAME,
            "lake_area": area_km2,
            "lake_region": LAKE_REGION,
            "flood_storage": round(storage, 1),
        }
    )


def make_tables(
    units: pd.DataFrame, areas_by_year: dict[int, pd.DataFrame], seed: int, cell_km2: float
) -> dict[tuple[str, int], pd.DataFrame]:
    """The tables of every role and year, keyed by (role, year)."""
    years = sorted(areas_by_year)
    rng = rng_for(seed, "tables")
    n = len(units)
    noise = {c: rng.lognormal(0.0, SPREAD.get(c, 0.25), n) for c in PROVINCE_TOTALS}
    typical = {c: t * rng.lognormal(0.0, s, n) for c, (t, s, _) in TYPICAL.items()}
    shares = {c: rng.beta(a, b, n) for c, (a, b) in SHARES.items()}
    growth = dict.fromkeys(PROVINCE_TOTALS, 1.0)

    tables: dict[tuple[str, int], pd.DataFrame] = {}
    proxies = _proxies(areas_by_year[years[0]])  # the first year's shares, for every year
    for step, year in enumerate(years):
        year_rng = rng_for(seed, f"tables-{year}")
        values: dict[str, NDArray[np.float64]] = {}
        for column, total in PROVINCE_TOTALS.items():
            if step > 0:
                growth[column] *= 1.0 + year_rng.uniform(0.03, 0.06)
            raw = proxies[column].to_numpy() * noise[column] * year_rng.lognormal(0.0, 0.03, n)
            values[column] = np.round(raw / raw.sum() * total * growth[column], 2)
        for column, (_, _, rate) in TYPICAL.items():
            drift = (1.0 + rate) ** step * year_rng.lognormal(0.0, 0.02, n)
            values[column] = np.round(typical[column] * drift, 2)
        for sector, ratio in VALUE_ADDED_SHARE.items():
            gross = values[f"{sector}_output"]
            values[f"{sector}_value_added"] = np.round(
                gross * ratio * year_rng.lognormal(0.0, 0.04, n), 2
            )
        for column, share in shares.items():
            drawn = np.clip(share * year_rng.lognormal(0.0, 0.05, n), 0.0, 1.0)
            values[column] = np.asarray(drawn, dtype=np.float64).round(4)

        for role, spec in TABLE_ROLES.items():
            if not spec.per_county:
                continue
            frame = pd.DataFrame(
                {
                    KEY_COLUMN: units["county_adcode"].to_numpy(),
                    NAME_COLUMN: units["county_name"].to_numpy(),
                }
            )
            for column in spec.columns:
                frame[column] = np.maximum(values[column], 0.0)
            tables[(role, year)] = frame
        rise = year_rng.uniform(*FLOOD_RISE_M)
        tables[("lakes", year)] = _lakes(units, areas_by_year[year], cell_km2, rise)
    return tables
