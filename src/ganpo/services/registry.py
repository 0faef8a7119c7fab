"""The method registry: every way ganpo computes an indicator, declared once.

``SPECS[indicator][method]`` is a :class:`~ganpo.services.spec.MethodSpec`: its names, the
source it follows, its layers or table columns, its parameters and the flows it values.
:mod:`ganpo.services.methods` binds each declaration to the published formulas of this
package (``METHODS``, what the engine runs); the catalogue, the profiles and the reporting
forms read the declarations alone, without loading a numerical library.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from ganpo.errors import UnknownNameError
from ganpo.services.spec import MethodSpec, UsedParameter

RESERVOIR_COST = UsedParameter("reservoir_cost", "CNY/m3")
CARBON_PRICE = UsedParameter("carbon_price", "CNY/t")
OXYGEN_PRICE = UsedParameter("oxygen_price", "CNY/t")
ELECTRICITY = UsedParameter("electricity_price", "CNY/kWh")
DREDGING = UsedParameter("dredging_cost", "CNY/m3")
SAND_CONTROL = UsedParameter("sand_control_cost", "CNY/m2")
SOIL_VALUATION = (
    UsedParameter("sediment_deposition_ratio", "1"),
    UsedParameter("soil_bulk_density", "t/m3"),
    DREDGING,
    UsedParameter("soil_n_content", "1"),
    UsedParameter("soil_p_content", "1"),
    UsedParameter("nitrogen_price", "CNY/t"),
    UsedParameter("phosphorus_price", "CNY/t"),
)
SAND_VALUATION = (
    UsedParameter("sand_bulk_density", "t/m3"),
    UsedParameter("sand_cover_depth", "m"),
    SAND_CONTROL,
)
#: the parameters of InVEST SDR's sediment delivery ratio (engine.derived routes them)
SDR_THRESHOLD = UsedParameter("sdr_threshold_flow_accumulation", "1")
SDR_PARAMETERS = (
    SDR_THRESHOLD,
    UsedParameter("sdr_k", "1"),
    UsedParameter("sdr_ic0", "1"),
    UsedParameter("sdr_max", "1"),
)
RUNOFF_RAIN_SHARE = UsedParameter("runoff_rain_share", "1")

#: the ecosystem type each material product of the agriculture table is attributed to
PRODUCT_TYPES = {
    "agriculture": "cropland",
    "forestry": "forest",
    "animal_husbandry": "grassland",
    "fishery": "water",
}
WATER_SECTORS = ("domestic", "industrial", "agricultural")
AIR = ("so2", "nox", "dust")
WATER_POLLUTANTS = ("cod", "nh3n", "tp")
STORAGE_PARAMETERS = (
    UsedParameter("reservoir_flood_share", "1"),
    UsedParameter("marsh_storage_depth", "m"),
    RESERVOIR_COST,
)
REGRESSION_COLUMNS = {
    "lakes": ("lake_name", "lake_area", "lake_region"),
    "water_bodies": ("reservoir_capacity",),
}
GAUGED_COLUMNS = {
    "lakes": ("lake_name", "lake_area", "flood_storage"),
    "water_bodies": ("reservoir_capacity",),
}
VEGETATION_FLOOD_PARAMETERS = (
    UsedParameter("runoff_reduction_coefficient", "1"),
    RUNOFF_RAIN_SHARE,
)
STORAGE_FLOWS = ("flood_water_stored",)
VEGETATION_FLOWS = ("storm_water_held_by_vegetation",)
GARZE = "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362"
JIANG = "江波 et al. 2017, doi:10.5846/stxb201410091984"
MIAO = "缪建群 et al. 2017, doi:10.5846/stxb201607091410"


def _products(
    indicator: str,
    measure: Literal["output", "value_added"],
    key: str,
    name: tuple[str, str],
    source: str,
    verified: bool,
) -> MethodSpec:
    """A material product valued from the agriculture table's column
    ``{indicator}_{measure}``: its gross output value (``output``) or its value added
    (``value_added``)."""
    return MethodSpec(
        indicator,
        key,
        *name,
        source,
        verified,
        "CNY",
        columns={"agriculture": (f"{indicator}_{measure}",)},
        flows=(f"{indicator}_products",),
    )


def _market_value(indicator: str) -> MethodSpec:
    return _products(
        indicator,
        "output",
        "market_value",
        ("market value: gross output value (总产值) from statistics", "市场价值法（总产值）"),
        "market value of products: output value as statistics report it (the usual reading "
        "of the national specification's material products; its text not read)",
        False,
    )


def _net_output(indicator: str) -> MethodSpec:
    return _products(
        indicator,
        "value_added",
        "net_output",
        (
            "net output value (净产值): value added of the sector from statistics",
            "净产值法（增加值）",
        ),
        "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362 §2.3(1) (净产值, read as value added)",
        False,
    )


def _per_type_rates(pollutants: tuple[str, ...]) -> tuple[UsedParameter, ...]:
    return tuple(
        x
        for j in pollutants
        for x in (
            UsedParameter(f"{j}_removal_rate", "t/hm2"),
            UsedParameter(f"{j}_control_cost", "CNY/t"),
        )
    )


#: how each flood-storage method counts the lakes: (English, Chinese, source, columns)
LAKE_HOW: dict[str, tuple[str, str, str, dict[str, tuple[str, ...]]]] = {
    "storage_capacity": (
        "lakes by the regression of their lake region",
        "湖泊（分湖区回归）",
        f"{GARZE} §2.4.4 (lake regressions: 饶恩明 et al. 2014, plateau pair only)",
        REGRESSION_COLUMNS,
    ),
    "storage_gauged": (
        "gauged lakes: storage between trough and peak levels of each flood rise",
        "湖泊（实测水位：每次涨水过程的蓄量差之和）",
        f"{JIANG} §2.2.1 (gauged lakes); {GARZE} §2.4.4 (reservoirs, marshes)",
        GAUGED_COLUMNS,
    ),
}
#: the storage method that adds vegetation's runoff reduction to each of LAKE_HOW
WITH_VEGETATION = {
    "storage_capacity": "storage_and_vegetation",
    "storage_gauged": "gauged_and_vegetation",
}


def _flood_methods() -> tuple[MethodSpec, ...]:
    """Storage by water bodies (lakes by regression or gauged), with or without vegetation."""
    out: list[MethodSpec] = []
    for key, (en, zh, source, columns) in LAKE_HOW.items():
        out.append(
            MethodSpec(
                "flood_regulation",
                key,
                f"{en}; reservoirs 0.35 × capacity; marshes 0.3 m × area; × reservoir cost",
                f"调蓄能力法：{zh}、水库（0.35 × 总库容）、沼泽（0.3 m × 面积）",
                source,
                False,
                "m3",
                columns=columns,
                parameters=STORAGE_PARAMETERS,
                flows=STORAGE_FLOWS,
            )
        )
        out.append(
            MethodSpec(
                "flood_regulation",
                WITH_VEGETATION[key],
                f"{en}; reservoirs; marshes; + vegetation A·J·R (runoff kept back vs bare land)",
                f"调蓄能力法（{zh}、水库、沼泽）+ 植被减少径流（A·J·R）",
                f"{source}; vegetation: {MIAO} Table 1 eqs. 7-9",
                False,
                "m3",
                layers=("precipitation",),
                columns=columns,
                parameters=(*STORAGE_PARAMETERS, *VEGETATION_FLOOD_PARAMETERS),
                flows=(*STORAGE_FLOWS, *VEGETATION_FLOWS),
            )
        )
    out.append(
        MethodSpec(
            "flood_regulation",
            "vegetation",
            "vegetation only: A·J·R, runoff kept back compared with bare land (J = K·rain)",
            "植被减少径流（与裸地相比），A·J·R",
            f"{MIAO} Table 1 eqs. 7-9, citing 赵同谦 & 欧阳志云 et al. 2004",
            False,
            "m3",
            layers=("precipitation",),
            parameters=(*VEGETATION_FLOOD_PARAMETERS, RESERVOIR_COST),
            linear_parameters=(RUNOFF_RAIN_SHARE.key,),  # every row is vegetation's
            flows=VEGETATION_FLOWS,
        )
    )
    return tuple(out)


_ALL: tuple[MethodSpec, ...] = (
    *(_market_value(i) for i in PRODUCT_TYPES),
    *(_net_output(i) for i in PRODUCT_TYPES),
    MethodSpec(
        "water_supply",
        "sector_prices",
        "water used by sector × sector water price",
        "分行业用水量 × 水价",
        "NDRC/NBS GEP specification 2022; Ouyang group (Garzê 2010)",
        True,
        "m3",
        columns={"water": tuple(f"water_use_{s}" for s in WATER_SECTORS)},
        parameters=tuple(UsedParameter(f"water_price_{s}", "CNY/m3") for s in WATER_SECTORS),
        flows=("river_water_used",),
    ),
    MethodSpec(
        "hydropower",
        "electricity_price",
        "generation × electricity price",
        "发电量 × 电价",
        "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362, Table 3 (hydropower)",
        True,
        "kWh",
        columns={"water": ("hydropower",)},
        parameters=(ELECTRICITY,),
        flows=("river_water_turbined",),
    ),
    MethodSpec(
        "other_energy",
        "electricity_price",
        "biomass energy × electricity price",
        "生物质能 × 电价",
        "ecological energy of the national specification as usually read (text not read)",
        False,
        "kWh",
        columns={"energy": ("biomass_energy",)},
        parameters=(ELECTRICITY,),
        flows=("biomass_energy",),
    ),
    MethodSpec(
        "water_conservation",
        "water_balance",
        "water balance Q = Σ(P − R − ET)·A, R = α·P",
        "水量平衡法",
        "HJ 1173-2021; R = α·P and α by ecosystem type: 龚诗涵 et al. 2017, 生态学报 "
        "37(7):2455-2462, doi:10.5846/stxb201512012406, Eq. 2 and Table 2",
        False,
        "m3",
        layers=("precipitation", "evapotranspiration"),
        parameters=(UsedParameter("runoff_coefficient", "1"), RESERVOIR_COST),
        flows=("rain_retained_on_land",),
    ),
    MethodSpec(
        "water_conservation",
        "budyko_water_yield",
        "annual water yield, Budyko/Fu (as InVEST's annual water yield model)",
        "年产水量法（Budyko 框架，InVEST 产水量模型）",
        "Zhang et al. 2004, doi:10.1029/2003WR002710; Donohue et al. 2012; InVEST AWY",
        True,
        "m3",
        layers=("precipitation", "reference_et", "soil_depth", "pawc"),
        parameters=(
            UsedParameter("crop_coefficient", "1"),
            UsedParameter("root_depth", "mm"),
            UsedParameter("seasonality_z", "1"),
            RESERVOIR_COST,
        ),
        flows=("water_yield",),
    ),
    MethodSpec(
        "carbon_sequestration",
        "net_ecosystem_production",
        "net sequestration: 44/12 × NEP, NEP = f_C·NPP − R_h (soil heterotrophic respiration)",
        "净生态系统生产力法（NEP = NPP − 土壤异养呼吸）",
        "博文静 et al. 2017, doi:10.5846/stxb201606161172 (NEP = NPP − R_s); R_h: Pei et al. "
        "2009, doi:10.1111/j.1744-7909.2009.00813.x, monthly form as applied in Chinese NEP "
        "studies",
        False,
        "t CO2",
        layers=("npp", "heterotrophic_respiration"),
        parameters=(UsedParameter("npp_carbon_fraction", "1"), CARBON_PRICE),
        flows=("net_ecosystem_carbon",),
    ),
    MethodSpec(
        "carbon_sequestration",
        "npp_photosynthesis",
        "gross uptake, 1.63 t CO2 per t of NPP dry matter (not net sequestration)",
        "光合作用总固定量（1.63 × NPP，非净固碳）",
        "江波 et al. 2017, doi:10.5846/stxb201410091984 §2.2.2; 缪建群 et al. 2017, "
        "doi:10.5846/stxb201607091410",
        True,
        "t CO2",
        layers=("npp",),
        parameters=(UsedParameter("co2_per_dry_matter", "t/t"), CARBON_PRICE),
        linear_parameters=("co2_per_dry_matter",),
        flows=("gross_photosynthetic_carbon",),
    ),
    MethodSpec(
        "carbon_sequestration",
        "nep",
        "44/12 × NEP, NEP = α·NPP·72/162 (α supplied by the parameter set)",
        "净生态系统生产力法（NEP/NPP 比例）",
        "form of the method family; α not published in a source we could read",
        False,
        "t CO2",
        layers=("npp",),
        parameters=(UsedParameter("nep_to_npp_ratio", "1"), CARBON_PRICE),
        flows=("net_ecosystem_carbon",),
    ),
    MethodSpec(
        "oxygen_release",
        "net_ecosystem_production",
        "32/44 × the net CO2 sequestered (NEP = f_C·NPP − R_h)",
        "净固碳量对应的释氧量（32/44 × 净固定 CO₂）",
        "stoichiometry of photosynthesis on the net carbon flux (博文静 et al. 2017; Pei et "
        "al. 2009)",
        False,
        "t O2",
        layers=("npp", "heterotrophic_respiration"),
        parameters=(UsedParameter("npp_carbon_fraction", "1"), OXYGEN_PRICE),
        flows=("oxygen_of_net_carbon",),
    ),
    MethodSpec(
        "oxygen_release",
        "npp_photosynthesis",
        "gross release, 1.2 t O2 per t of NPP dry matter",
        "光合作用释氧总量（1.2 × NPP）",
        "江波 et al. 2017, doi:10.5846/stxb201410091984 §2.2.3 (1.19: 缪建群 et al. 2017)",
        True,
        "t O2",
        layers=("npp",),
        parameters=(UsedParameter("o2_per_dry_matter", "t/t"), OXYGEN_PRICE),
        linear_parameters=("o2_per_dry_matter",),
        flows=("gross_photosynthetic_oxygen",),
    ),
    MethodSpec(
        "oxygen_release",
        "nep",
        "32/44 × CO2 fixed by NEP = α·NPP·72/162",
        "净生态系统生产力法（NEP/NPP 比例）",
        "form of the method family; α not published in a source we could read",
        False,
        "t O2",
        layers=("npp",),
        parameters=(UsedParameter("nep_to_npp_ratio", "1"), OXYGEN_PRICE),
        flows=("oxygen_of_net_carbon",),
    ),
    MethodSpec(
        "climate_regulation",
        "transpiration_energy",
        "transpiration heat on the days > 26 °C (τ_i × ET over those days × q) / (3600 R_ac), "
        "+ water-surface evaporation on those days × (ρq/3600 + γ)",
        "蒸腾吸热降温（>26℃日蒸散发 × 蒸腾比例）+ 水面蒸发降温增湿",
        "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362 §2.4.8; 博文静 et al. 2017 (R_ac "
        "3.0); EPP_i from data: transpiration share of ET, Niu et al. 2019",
        False,
        "kWh",
        layers=("evapotranspiration_hot_days",),
        parameters=(
            UsedParameter("transpiration_share", "1"),
            UsedParameter("latent_heat_vaporisation", "kJ/kg"),
            UsedParameter("ac_energy_efficiency_ratio", "1"),
            UsedParameter("humidifier_energy", "kWh/m3"),
            ELECTRICITY,
        ),
        flows=("latent_heat_of_evapotranspiration",),
    ),
    MethodSpec(
        "climate_regulation",
        "et_energy",
        "simplified: all of annual ET spread over 365 days, applied on the days > 26 °C",
        "蒸散发耗能法（简化：全年蒸散发均摊到每日）",
        "form of 白玛卓嘎 et al. 2017 §2.4.8 with E_i from annual ET (docs/decisions/0003); "
        "simplified, not a default",
        False,
        "kWh",
        layers=("evapotranspiration", "hot_days"),
        parameters=(
            UsedParameter("latent_heat_vaporisation", "kJ/kg"),
            UsedParameter("ac_energy_efficiency_ratio", "1"),
            UsedParameter("humidifier_energy", "kWh/m3"),
            ELECTRICITY,
        ),
        flows=("latent_heat_of_evapotranspiration",),
    ),
    MethodSpec(
        "air_purification",
        "discharges",
        "the region's SO2, NOx and dust discharges counted as purified (capped at, equal to, "
        "emissions), × control cost; attributed to vegetation by area",
        "排放量法：区域 SO₂、NOx、粉尘排放量 × 治理成本（以排放量为限）",
        f"{GARZE} §2.4.5, §3.2.5",
        True,
        "t",
        columns={"emissions": AIR},
        parameters=tuple(UsedParameter(f"{j}_control_cost", "CNY/t") for j in AIR),
        flows=("air_pollutants_taken_up",),
    ),
    MethodSpec(
        "air_purification",
        "area_rates_capped",
        "Σ removal rate × area per type, capped at emissions, × control cost",
        "单位面积净化量法（以排放量为上限）",
        f"rates: {MIAO} Table 1 (SO2, dust; no NOx rate found)",
        False,
        "t",
        columns={"emissions": AIR},
        parameters=_per_type_rates(AIR),
        flows=("air_pollutants_taken_up",),
    ),
    MethodSpec(
        "water_purification",
        "discharges",
        "the region's COD, ammonia nitrogen and total phosphorus discharges counted as "
        "purified (capped at, equal to, emissions), × treatment cost; attributed to wetland "
        "and water by area",
        "排放量法：区域 COD、氨氮、总磷排放量 × 治理成本（以排放量为限）",
        f"{GARZE} §2.4.6, §3.2.6 (COD, NH3-N); 商慧敏 et al. 2018, "
        "doi:10.5846/stxb201608301763 (adds TP)",
        True,
        "t",
        columns={"emissions": WATER_POLLUTANTS},
        parameters=tuple(UsedParameter(f"{j}_control_cost", "CNY/t") for j in WATER_POLLUTANTS),
        flows=("water_pollutants_taken_up",),
    ),
    MethodSpec(
        "water_purification",
        "area_rates_capped",
        "Σ removal rate × area per type, capped at emissions, × treatment cost",
        "单位面积净化量法（以排放量为上限）",
        "form of the method family; no per-hectare removal rates found in a source we could "
        "read (the parameter set must supply them)",
        False,
        "t",
        columns={"emissions": WATER_POLLUTANTS},
        parameters=_per_type_rates(WATER_POLLUTANTS),
        flows=("water_pollutants_taken_up",),
    ),
    *_flood_methods(),
    *(
        MethodSpec(
            "soil_retention",
            f"rusle_{algo}",
            f"RUSLE R·K·LS·(1 − C·P), LS from the DEM by {algo.upper()} routing (as InVEST SDR)",
            f"通用土壤流失方程（RUSLE），LS 因子由 DEM {algo.upper()} 汇流计算（同 InVEST SDR）",
            "HJ 1173-2021; Renard et al. 1997 (USDA AH 703); Desmet & Govers 1996, "
            "doi:10.2489/jswc.51.5.427; InVEST SDR 3.20",
            True,
            "t",
            layers=("rainfall_erosivity", "soil_erodibility", "dem"),
            derived=(f"ls_factor_{algo}",),
            parameters=(
                UsedParameter("usle_c", "1"),
                UsedParameter("usle_p", "1"),
                UsedParameter("ls_l_max", "1"),
                *SOIL_VALUATION,
            ),
            complete_types=("usle_c", "usle_p"),
            flows=("soil_retained",),
        )
        for algo in ("mfd", "d8")
    ),
    MethodSpec(
        "soil_retention",
        "rusle_fvc",
        "RUSLE with C from fractional vegetation cover (Cai et al. 2000), LS by MFD routing",
        "通用土壤流失方程（C 因子由植被覆盖度计算，蔡崇法 2000）",
        "HJ 1173-2021; 蔡崇法 et al. 2000 [U]; Desmet & Govers 1996; InVEST SDR 3.20",
        False,
        "t",
        layers=("rainfall_erosivity", "soil_erodibility", "vegetation_cover", "dem"),
        derived=("ls_factor_mfd",),
        parameters=(UsedParameter("usle_p", "1"), UsedParameter("ls_l_max", "1"), *SOIL_VALUATION),
        complete_types=("usle_p",),
        flows=("soil_retained",),
    ),
    MethodSpec(
        "sand_fixation",
        "rweq",
        "RWEQ potential (C = 1) − actual wind erosion (Fryrear), × sand-control cost",
        "修正风蚀方程（RWEQ）潜在风蚀量 − 实际风蚀量",
        "HJ 1173-2021; Fryrear et al. 1998 (USDA-ARS Tech. Bull. 1), 2000 JSWC 55(2)",
        False,
        "t",
        layers=(
            "wind_factor",
            "erodible_fraction",
            "soil_crust_factor",
            "surface_roughness",
            "vegetation_cover",
        ),
        parameters=(UsedParameter("rweq_downwind_distance", "m"), *SAND_VALUATION),
        flows=("sand_fixed",),
    ),
    MethodSpec(
        "pest_control",
        "self_recovery_area",
        "self-recovering area × prevention cost",
        "自然恢复面积 × 防治成本",
        "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362 §2.4.9, §3.2.9",
        True,
        "hm2",
        columns={"forestry": ("forest_self_recovery_area", "grassland_self_recovery_area")},
        parameters=(
            UsedParameter("pest_control_cost_forest", "CNY/hm2"),
            UsedParameter("pest_control_cost_grassland", "CNY/hm2"),
        ),
        flows=("pest_control_by_ecosystems",),
    ),
    MethodSpec(
        "recreation",
        "tourism_revenue",
        "tourism revenue (no travel-cost survey)",
        "旅游收入法",
        "tourism revenue where no travel-cost survey exists (an upper bound; named alternative)",
        True,
        "person-time",
        columns={"tourism": ("visits", "tourism_revenue")},
        flows=("visits_to_ecosystems",),
    ),
    MethodSpec(
        "recreation",
        "travel_cost",
        "Σ visits × (trip hours × wage × share + trip cost)",
        "旅行费用法",
        "白玛卓嘎 et al. 2017 §2.5 (旅行费用法); time at 30 % of the wage, 江波 et al. 2017 §2.3.1",
        False,
        "person-time",
        columns={"tourism": ("visits", "trip_hours", "hourly_wage", "trip_cost")},
        parameters=(UsedParameter("time_cost_share", "1"),),
        flows=("visits_to_ecosystems",),
    ),
    MethodSpec(
        "landscape_premium",
        "hedonic",
        "benefiting floor area × hedonic premium",
        "享乐价格法",
        "hedonic pricing, form of the method family (unverified)",
        False,
        "m2",
        columns={"landscape": ("benefiting_area", "landscape_premium")},
        flows=("landscape_amenity",),
    ),
)

SPECS: dict[str, dict[str, MethodSpec]] = {}
for _m in _ALL:
    SPECS.setdefault(_m.indicator, {})[_m.key] = _m

#: Physical indicators computed beside the GEP indicators and never valued, so that
#: nothing is counted twice: sediment export (InVEST SDR ``sed_export``) is the part of
#: the soil lost that reaches the streams, reported beside soil retention (which is
#: already valued). Kept out of :data:`SPECS`, which profiles value and sum into GEP.
PHYSICAL_SPECS: dict[str, dict[str, MethodSpec]] = {
    "sediment_export": {
        f"sdr_{algo}": MethodSpec(
            "sediment_export",
            f"sdr_{algo}",
            f"sediment export R·K·LS·C·P × SDR, {algo.upper()} routing (InVEST SDR sed_export)",
            f"输沙量（泥沙输移比法）R·K·LS·C·P × SDR，{algo.upper()} 汇流（同 InVEST SDR）",
            "Borselli et al. 2008, doi:10.1016/j.catena.2008.07.006; Vigiak et al. 2012, "
            "doi:10.1016/j.geomorph.2012.05.007; InVEST SDR 3.20 (no deposition, no "
            "trapped sediment)",
            False,
            "t",
            layers=("rainfall_erosivity", "soil_erodibility", "dem"),
            derived=(f"ls_factor_{algo}", f"sdr_{algo}"),
            parameters=(
                UsedParameter("usle_c", "1"),
                UsedParameter("usle_p", "1"),
                UsedParameter("ls_l_max", "1"),
                *SDR_PARAMETERS,
            ),
            complete_types=("usle_c", "usle_p"),
        )
        for algo in ("mfd", "d8")
    }
}


#: Chinese and English names of the physical indicators
PHYSICAL_NAMES: dict[str, tuple[str, str]] = {
    "sediment_export": ("输沙量（入河泥沙）", "sediment export to streams"),
}
assert set(PHYSICAL_NAMES) == set(PHYSICAL_SPECS)

M = TypeVar("M", bound=MethodSpec)


def pick(registry: dict[str, dict[str, M]], what: str, indicator: str, key: str) -> M:
    """``registry[indicator][key]``; an unknown name lists the valid ones."""
    if indicator not in registry:
        raise UnknownNameError(what, indicator, registry)
    if key not in registry[indicator]:
        raise UnknownNameError(f"method of {indicator}", key, registry[indicator])
    return registry[indicator][key]


def spec(indicator: str, key: str) -> MethodSpec:
    """The declaration of the method ``key`` of ``indicator``; unknown names list the
    valid ones."""
    return pick(SPECS, "indicator (with a method)", indicator, key)


def physical_spec(indicator: str, key: str) -> MethodSpec:
    """The declaration of the method ``key`` of the physical (unvalued) indicator
    ``indicator``."""
    return pick(PHYSICAL_SPECS, "physical indicator", indicator, key)
