"""SYNTHETIC (合成) activity data for a demo greenhouse-gas inventory of Jiangxi's 100
counties: fuel use by sector and fuel, electricity, cement clinker and lime, livestock,
rice, nitrogen applied, waste, and GDP, for the years asked (2022, 2023 by default), and
forest inventories bracketing them (the forest carbon sink).

Nothing here is a statistic. Every file says so on its first line and the dataset's
``carbon-dataset.toml`` has ``synthetic = true``, which the inventory and its outputs carry.

How the numbers are made, so that they are plausible in magnitude:

- **Province totals of the first year** (:data:`PROVINCE_TOTALS`) are orders of magnitude
  of Jiangxi around 2022 as yearbooks print them (some 6 800 万t of coal burnt, 2 000 亿kWh
  of electricity, 8 000 万t of clinker, 1 600 万头 of pigs, 3 300 千公顷 of rice), rounded
  and not to be quoted.
- **Shares of the cities** (:data:`CITIES`): each city's population (the 2020 census,
  rounded to 0.1 万人) and GDP of 2022 (亿元, rounded), approximate: they only split the
  province's totals.
- **Shares of the counties within their city**: a county's population weight is lognormal
  (σ 0.3) around its city's mean; its GDP weight is that times a lognormal (σ 0.25) factor,
  × 1.5 for an urban district (a name ending in 区); its agricultural weight is the
  population weight times a lognormal (σ 0.35) factor, × 0.05 for an urban district. Fuel
  of industry (1.A.2), transport and electricity go by GDP, household fuel (1.A.4) and
  waste by population, agriculture by the agricultural weight.
- **Point sources**: power plants (1.A.1.a) in 14 counties, cement kilns in 30, lime
  kilns in 20, incinerators in 45, drawn with probability proportional to GDP (cement and
  lime: to population outside the urban districts), each with a lognormal share of the
  province's output.
- **Later years** change by a province-wide growth rate per table
  (:data:`GROWTH`: electricity +6 %, coal −1 %, clinker −5 %, pigs −3 % a year …) times a
  county factor of ±3 % (uniform), the same each year.
- **GDP** at current prices splits the province's GDP (32 075 亿元 in 2022, 32 200 in
  2023) by the county GDP weights; at 2022 constant prices it grows by 4.1 % a year in real
  terms (the 2023 growth), times the county's factor.

- **Forest inventories** (:func:`forest_stock`): stand volume by forest type (the seven
  tree species groups of the sink factor set ``cn-forestry``) per county at two inventory
  years, the year before the first inventory year and the last, so that the forest sink
  of every year is the stock difference of the two (3.B.1.a). The province's volume at
  the first inventory is :data:`FOREST_VOLUME_10K_M3` (7 亿m³, the order of Jiangxi's
  living stock volume), split among counties by a lognormal (σ 0.5) weight, × 0.1 for an
  urban district, and among types by :data:`FOREST_TYPE_SHARES` times a lognormal
  (σ 0.3) factor; each county's volume grows by a rate drawn uniformly in
  :data:`FOREST_GROWTH` (1–5 % a year), the same for its types. Nothing here is a
  forestry statistic.

Values are rounded as county statistics print them: 万t to 0.01, 亿m³ to 0.0001, 万kWh to
0.1, 万头 to 0.01, 公顷 and t to whole numbers, forest volume (万m³) to 0.01. The same
``seed`` gives byte-identical files.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ganpo.io.regions import read_district_table

JIANGXI = 360000
#: the dataset's description file
DATASET_FILE = "carbon-dataset.toml"
#: the first line of every file written
SYNTHETIC_NOTE = (
    "# 合成数据 SYNTHETIC: demo activity data made by ganpo's generator, not statistics "
    "/ 演示用合成活动数据，非统计数据"
)
DEFAULT_SEED = 20260101

#: city adcode → (name, population 2020 census [万人], GDP 2022 [亿元]), rounded
CITIES: dict[int, tuple[str, float, float]] = {
    360100: ("南昌市", 625.5, 7203.0),
    360200: ("景德镇市", 162.1, 1192.0),
    360300: ("萍乡市", 180.5, 1200.0),
    360400: ("九江市", 460.0, 4027.0),
    360500: ("新余市", 120.2, 1195.0),
    360600: ("鹰潭市", 115.5, 1170.0),
    360700: ("赣州市", 897.0, 4523.0),
    360800: ("吉安市", 446.9, 2750.0),
    360900: ("宜春市", 500.8, 3475.0),
    361000: ("抚州市", 361.5, 1950.0),
    361100: ("上饶市", 649.1, 3400.0),
}
#: province GDP at current prices [亿元] by year, and real growth a year after 2022
PROVINCE_GDP = {2022: 32075.0, 2023: 32200.0}
REAL_GROWTH = 0.041
NOMINAL_GROWTH_AFTER_2023 = 0.045

#: province totals of the first year, in the unit given (orders of magnitude, synthetic)
PROVINCE_TOTALS: dict[str, float] = {
    "power_coal": 4200.0,  # 万t raw coal in 1.A.1.a
    "power_gas": 3.0,  # 亿m³
    "industry_coal": 2400.0,  # 万t
    "industry_coke": 900.0,  # 万t
    "industry_gas": 12.0,  # 亿m³
    "industry_fuel_oil": 30.0,  # 万t
    "transport_gasoline": 280.0,  # 万t
    "transport_diesel": 380.0,  # 万t
    "transport_gas": 3.0,  # 亿m³
    "other_coal": 150.0,  # 万t
    "other_lpg": 90.0,  # 万t
    "other_gas": 18.0,  # 亿m³
    "other_diesel": 60.0,  # 万t
    "electricity": 2000.0e4,  # 万kWh (2 000 亿kWh)
    "clinker": 8000.0,  # 万t
    "lime": 400.0,  # 万t
    "swine": 1600.0,  # 万头
    "other_cattle": 180.0,
    "buffalo": 100.0,
    "goats": 90.0,
    "double_rice": 2.6e6,  # 公顷 (early + late rice)
    "single_rice": 0.7e6,  # 公顷
    "synthetic_n": 45.0e4,  # t N
    "organic_n": 15.0e4,  # t N
    "landfill": 450.0,  # 万t
    "incineration": 700.0,  # 万t
    "bod": 66.0e4,  # t BOD a year (≈ 4 500 万人 × 40 g/d × 365 d)
}
#: growth a year after the first year, per table, province-wide
GROWTH: dict[str, float] = {
    "coal": -0.01,
    "coke": -0.02,
    "oil": 0.02,
    "gas": 0.08,
    "electricity": 0.06,
    "clinker": -0.05,
    "lime": -0.03,
    "livestock": -0.03,
    "rice": 0.0,
    "nitrogen": -0.02,
    "landfill": -0.15,
    "incineration": 0.12,
    "wastewater": 0.01,
}


#: living stock volume of the province at the first forest inventory [万m³] (7 亿m³,
#: the order of Jiangxi's, rounded; synthetic)
FOREST_VOLUME_10K_M3 = 70000.0
#: shares of the forest types in the province's volume (synthetic, of the order of south
#: China's: Chinese fir and Masson pine the largest), the types of sink set cn-forestry
FOREST_TYPE_SHARES: dict[str, float] = {
    "chinese_fir": 0.30,
    "masson_pine": 0.20,
    "other_pines": 0.05,
    "hardwood_broadleaf": 0.10,
    "softwood_broadleaf": 0.10,
    "mixed_broadleaf": 0.15,
    "mixed_conifer_broadleaf": 0.10,
}
#: the range of a county's volume growth a year (net of harvest), drawn uniformly
FOREST_GROWTH = (0.01, 0.05)


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent generator per purpose: fields do not depend on the drawing order."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def jiangxi_counties(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The 100 counties of Jiangxi (district table) with their synthetic weights:
    ``unit_code``, ``name``, ``city_code``, ``urban`` (a 区), ``population`` [万人],
    ``gdp_weight``, ``agri_weight`` (shares of the province, each summing to 1) and
    ``change`` (the county's yearly factor, 0.97–1.03)."""
    t = read_district_table()
    t = t[t["province_adcode"] == JIANGXI].sort_values("district_adcode").reset_index(drop=True)
    n = len(t)
    out = pd.DataFrame(
        {
            "unit_code": t["district_adcode"].astype(int),
            "name": t["district_name"].astype(str),
            "city_code": t["city_adcode"].astype(int),
        }
    )
    out["urban"] = out["name"].str.endswith("区")
    pop_w = _rng(seed, "population").lognormal(0.0, 0.3, n)
    gdp_w = pop_w * _rng(seed, "gdp").lognormal(0.0, 0.25, n) * np.where(out["urban"], 1.5, 1.0)
    agri_w = pop_w * _rng(seed, "agri").lognormal(0.0, 0.35, n) * np.where(out["urban"], 0.05, 1.0)
    pop = np.zeros(n)
    gdp = np.zeros(n)
    for code, (_, city_pop, city_gdp) in CITIES.items():
        m = (out["city_code"] == code).to_numpy()
        pop[m] = city_pop * pop_w[m] / pop_w[m].sum()
        gdp[m] = city_gdp * gdp_w[m] / gdp_w[m].sum()
    out["population"] = pop
    out["gdp_weight"] = gdp / gdp.sum()
    # agriculture: the city's population share split by the agricultural weight
    agri = np.zeros(n)
    for code in CITIES:
        m = (out["city_code"] == code).to_numpy()
        agri[m] = pop[m].sum() * agri_w[m] / agri_w[m].sum()
    out["agri_weight"] = agri / agri.sum()
    out["pop_weight"] = pop / pop.sum()
    out["change"] = _rng(seed, "change").uniform(0.97, 1.03, n)
    return out


def _point_sources(
    counties: pd.DataFrame, seed: int, name: str, k: int, weight: np.ndarray
) -> np.ndarray:
    """Shares of the province's output in ``k`` counties drawn ∝ ``weight`` (others 0)."""
    rng = _rng(seed, name)
    p = weight / weight.sum()
    chosen = rng.choice(len(counties), size=k, replace=False, p=p)
    share = np.zeros(len(counties))
    share[chosen] = rng.lognormal(0.0, 0.6, k)
    return share / share.sum()


def _years_factor(counties: pd.DataFrame, growth: float, year: int, first: int) -> np.ndarray:
    n = year - first
    return np.asarray(((1.0 + growth) * counties["change"].to_numpy()) ** n)


def carbon_activity_tables(
    years: tuple[int, ...] = (2022, 2023), seed: int = DEFAULT_SEED
) -> dict[str, pd.DataFrame]:
    """The synthetic activity tables of Jiangxi's counties, by the table keys of
    ``catalog/data/carbon/activity-tables.toml`` (fuel, electricity, cement, lime,
    livestock, rice, nitrogen_field, nitrogen_source, landfill, incineration, wastewater,
    gdp, forest_stock: inventories of the year before the first and of the last). See the
    module docstring for how they are made."""
    c = counties = jiangxi_counties(seed)
    first = min(years)
    gdp_w = c["gdp_weight"].to_numpy()
    pop_w = c["pop_weight"].to_numpy()
    agri_w = c["agri_weight"].to_numpy()
    rural_pop = np.where(c["urban"], 0.0, pop_w)
    # small county-level noise around the proxies (statistics are not proportional)
    noise = {k: _rng(seed, f"noise.{k}").lognormal(0.0, 0.15, len(c)) for k in ("g", "p", "a")}

    def spread(w: np.ndarray, key: str) -> np.ndarray:
        x = w * noise[key]
        return np.asarray(x / x.sum())

    by_gdp, by_pop, by_agri = spread(gdp_w, "g"), spread(pop_w, "p"), spread(agri_w, "a")
    power = _point_sources(counties, seed, "power", 14, gdp_w)
    cement = _point_sources(counties, seed, "cement", 30, rural_pop + 1e-6)
    lime = _point_sources(counties, seed, "lime", 20, rural_pop + 1e-6)
    incinerators = _point_sources(counties, seed, "incineration", 45, gdp_w)
    T = PROVINCE_TOTALS

    rows: dict[str, list[pd.DataFrame]] = {}

    def add(key: str, year: int, share: np.ndarray, total: float, growth: str, digits: int,
            unit: str, **cols: Any) -> None:  # fmt: skip
        q = share * total * _years_factor(c, GROWTH[growth], year, first)
        frame = pd.DataFrame({"unit_code": c["unit_code"], "name": c["name"], "year": year})
        for k, v in cols.items():
            frame[k] = v
        frame["quantity"] = np.round(q, digits) if digits else np.round(q).astype("int64")
        frame["unit"] = unit
        rows.setdefault(key, []).append(frame[frame["quantity"] > 0])

    fuels = [
        ("1.A.1.a", "raw_coal", power, "power_coal", "coal", 2, "万t"),
        ("1.A.1.a", "natural_gas", power, "power_gas", "gas", 4, "亿m³"),
        ("1.A.2", "raw_coal", by_gdp, "industry_coal", "coal", 2, "万t"),
        ("1.A.2", "coke", by_gdp, "industry_coke", "coke", 2, "万t"),
        ("1.A.2", "natural_gas", by_gdp, "industry_gas", "gas", 4, "亿m³"),
        ("1.A.2", "fuel_oil", by_gdp, "industry_fuel_oil", "oil", 2, "万t"),
        ("1.A.3", "gasoline", by_gdp, "transport_gasoline", "oil", 2, "万t"),
        ("1.A.3", "diesel", by_gdp, "transport_diesel", "oil", 2, "万t"),
        ("1.A.3", "natural_gas", by_gdp, "transport_gas", "gas", 4, "亿m³"),
        ("1.A.4", "raw_coal", by_pop, "other_coal", "coal", 2, "万t"),
        ("1.A.4", "lpg", by_pop, "other_lpg", "oil", 2, "万t"),
        ("1.A.4", "natural_gas", by_pop, "other_gas", "gas", 4, "亿m³"),
        ("1.A.4", "diesel", by_agri, "other_diesel", "oil", 2, "万t"),
    ]
    for year in years:
        for sector, fuel, share, total, growth, digits, unit in fuels:
            add("fuel", year, share, T[total], growth, digits, unit,
                category_code=sector, fuel=fuel)  # fmt: skip
        add("electricity", year, by_gdp, T["electricity"], "electricity", 1, "万kWh")
        add("cement", year, cement, T["clinker"], "clinker", 2, "万t")
        add("lime", year, lime, T["lime"], "lime", 2, "万t", lime_type="high_calcium")
        for animal in ("swine", "other_cattle", "buffalo", "goats"):
            add("livestock", year, by_agri, T[animal], "livestock", 2, "万头", animal=animal)
        add("rice", year, by_agri, T["double_rice"], "rice", 0, "公顷",
            water_regime="single_aeration", days=110)  # fmt: skip
        add("rice", year, by_agri, T["single_rice"], "rice", 0, "公顷",
            water_regime="multiple_aeration", days=130)  # fmt: skip
        n_total = T["synthetic_n"] + T["organic_n"]
        add("nitrogen_field", year, by_agri, 0.6 * n_total, "nitrogen", 0, "t",
            field="flooded_rice")  # fmt: skip
        add("nitrogen_field", year, by_agri, 0.4 * n_total, "nitrogen", 0, "t", field="upland")
        add("nitrogen_source", year, by_agri, T["synthetic_n"], "nitrogen", 0, "t",
            n_source="synthetic")  # fmt: skip
        add("nitrogen_source", year, by_agri, T["organic_n"], "nitrogen", 0, "t",
            n_source="organic")  # fmt: skip
        add("landfill", year, by_pop, T["landfill"], "landfill", 2, "万t",
            site_type="managed_anaerobic", doc=0.12, oxidising_cover=1)  # fmt: skip
        add("incineration", year, incinerators, T["incineration"], "incineration", 2, "万t",
            dm=0.55, cf=0.40, fcf=0.35)  # fmt: skip
        for system, part in (("aerobic_well_managed", 0.80), ("aerobic_not_well_managed", 0.15),
                             ("untreated_river", 0.05)):  # fmt: skip
            add("wastewater", year, by_pop, part * T["bod"], "wastewater", 0, "t",
                system=system, organics="BOD")  # fmt: skip
    tables = {k: pd.concat(v, ignore_index=True) for k, v in rows.items()}
    tables["gdp"] = _gdp(c, years, by_gdp)
    tables["forest_stock"] = forest_stock(c, (first - 1, max(years)), seed)
    return tables


def forest_stock(
    counties: pd.DataFrame, inventory_years: tuple[int, int], seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """The synthetic forest inventories of the counties at ``inventory_years`` (t₁ < t₂):
    ``unit_code``, ``name``, ``year``, ``forest_type``, ``quantity`` [万m³], ``unit``
    (万m3), every type of every county in both (see the module docstring)."""
    t1, t2 = inventory_years
    n = len(counties)
    urban = counties["urban"].to_numpy()
    weight = _rng(seed, "forest.county").lognormal(0.0, 0.5, n) * np.where(urban, 0.1, 1.0)
    county_v = FOREST_VOLUME_10K_M3 * weight / weight.sum()
    growth = _rng(seed, "forest.growth").uniform(*FOREST_GROWTH, n)
    types = list(FOREST_TYPE_SHARES)
    mix = np.array(list(FOREST_TYPE_SHARES.values())) * _rng(seed, "forest.types").lognormal(
        0.0, 0.3, (n, len(types))
    )
    mix = mix / mix.sum(axis=1, keepdims=True)
    frames = []
    for year in (t1, t2):
        volume = county_v * (1.0 + growth) ** (year - t1)
        for k, kind in enumerate(types):
            frames.append(
                pd.DataFrame(
                    {
                        "unit_code": counties["unit_code"],
                        "name": counties["name"],
                        "year": year,
                        "forest_type": kind,
                        "quantity": np.round(volume * mix[:, k], 2),
                        "unit": "万m3",
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _gdp(c: pd.DataFrame, years: tuple[int, ...], share: np.ndarray) -> pd.DataFrame:
    """GDP [亿元] at current and at 2022 constant prices by county and year."""
    frames = []
    for year in years:
        n = year - 2022
        later = PROVINCE_GDP[2023] * (1 + NOMINAL_GROWTH_AFTER_2023) ** (year - 2023)
        nominal = PROVINCE_GDP.get(year, later)
        county = c["change"].to_numpy() ** n
        current = share * county / np.sum(share * county) * nominal
        constant = share * PROVINCE_GDP[2022] * ((1.0 + REAL_GROWTH) * c["change"].to_numpy()) ** n
        frames.append(
            pd.DataFrame(
                {
                    "unit_code": c["unit_code"],
                    "name": c["name"],
                    "year": year,
                    "gdp_current": np.round(current, 2),
                    "gdp_constant_2022": np.round(constant, 2),
                    "unit": "亿元",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def build_carbon_demo(
    folder: Path, *, years: tuple[int, ...] = (2022, 2023), seed: int = DEFAULT_SEED
) -> Path:
    """Write the synthetic activity tables into ``folder`` (created if needed) as CSV, each
    headed by the SYNTHETIC note, under the file names of
    ``catalog/data/carbon/activity-tables.toml``, and ``carbon-dataset.toml`` describing
    them (region, level, years, factor sets, tables); returns the description's path."""
    import tomllib

    import tomli_w

    from ganpo.catalog.files import data_dir

    with (data_dir("carbon") / "activity-tables.toml").open("rb") as fh:
        declared = tomllib.load(fh)["tables"]

    def name_of(key: str) -> str:
        return str(declared[key]["file"])

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DATASET_FILE).unlink(missing_ok=True)  # written last: a half build is no dataset
    tables = carbon_activity_tables(tuple(sorted(years)), seed)
    for key, frame in tables.items():
        text = SYNTHETIC_NOTE + "\n" + frame.to_csv(index=False, lineterminator="\n")
        (folder / name_of(key)).write_text(text, encoding="utf-8")
    description = {
        "title_zh": "江西省温室气体清单示范活动数据（合成）",
        "title_en": "Jiangxi greenhouse-gas inventory demo activity data (SYNTHETIC)",
        "synthetic": True,
        "note": SYNTHETIC_NOTE.removeprefix("# "),
        "seed": seed,
        "region": JIANGXI,
        "level": "county",
        "years": sorted(int(y) for y in years),
        "fuel_set": "cn-statistics",
        "process_factors": "ipcc-2006",
        "grid": "central_china",
        "uncertainty": "ipcc-2006",
        "sink_factors": "cn-forestry",
        "tables": {key: name_of(key) for key in tables},
    }
    path = folder / DATASET_FILE
    path.write_text(SYNTHETIC_NOTE + "\n" + tomli_w.dumps(description), encoding="utf-8")
    return path
