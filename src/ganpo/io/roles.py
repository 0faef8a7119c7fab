"""What each input of a dataset is: the layer and table roles a manifest may declare.

One declaration per role (unit, plausible range, meaning) drives the manifest checks, the
error messages and the documentation. Units are written as in the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

#: how a layer may be brought onto the dataset's grid (a manifest entry's ``resampling``;
#: GDAL's warp methods of the same names)
ResamplingMethod = Literal["nearest", "bilinear", "cubic", "average", "mode"]
RESAMPLING_METHODS: tuple[str, ...] = get_args(ResamplingMethod)


@dataclass(frozen=True)
class LayerRole:
    """A raster layer role: its unit and the range a valid cell must lie in.

    ``resampling`` is the method ganpo recommends to bring a layer of this role onto
    another grid (continuous fields: bilinear; classes: nearest). It is applied only when
    a manifest entry declares it (``resampling = "..."``): a layer off the grid without
    that declaration is refused, never warped silently."""

    role: str
    unit: str
    name_zh: str
    name_en: str
    minimum: float
    maximum: float
    per_year: bool = True
    resampling: str = "bilinear"


LAYER_ROLES: dict[str, LayerRole] = {
    r.role: r
    for r in (
        LayerRole(
            "ecosystem_type", "code", "生态系统类型", "ecosystem type", 0, 254, resampling="nearest"
        ),
        LayerRole("dem", "m", "数字高程模型", "elevation", -500, 9000, per_year=False),
        LayerRole("precipitation", "mm", "年降水量", "annual precipitation", 0, 10_000),
        LayerRole(
            "evapotranspiration", "mm", "年实际蒸散发", "annual actual evapotranspiration", 0, 3000
        ),
        LayerRole(
            "npp", "g/m2", "净初级生产力（干物质）", "net primary production, dry matter", 0, 5000
        ),
        LayerRole("hot_days", "d", "日均温>26℃日数", "days with mean temperature > 26 °C", 0, 366),
        LayerRole(
            "evapotranspiration_hot_days",
            "mm",
            "日均温>26℃日的实际蒸散发之和",
            "actual evapotranspiration summed over the days with mean temperature > 26 °C",
            0,
            2000,
        ),
        LayerRole(
            "heterotrophic_respiration",
            "g/m2",
            "土壤异养呼吸（年，碳）",
            "soil heterotrophic respiration, annual sum of the monthly regression (carbon)",
            0,
            3000,
        ),
        LayerRole("temperature", "degC", "年平均气温", "mean annual temperature", -40, 40),
        LayerRole(
            "reference_et", "mm", "参考蒸散发", "annual reference evapotranspiration ET0", 0, 3000
        ),
        LayerRole(
            "soil_depth",
            "mm",
            "根系限制层深度",
            "depth to root-restricting layer",
            0,
            20_000,
            per_year=False,
        ),
        LayerRole(
            "pawc",
            "1",
            "植物可利用水含量",
            "plant available water content",
            0,
            1,
            per_year=False,
        ),
        LayerRole(
            "rainfall_erosivity",
            "MJ mm/(ha h a)",
            "降雨侵蚀力因子 R",
            "rainfall erosivity R",
            0,
            50_000,
        ),
        LayerRole(
            "soil_erodibility",
            "t ha h/(ha MJ mm)",
            "土壤可蚀性因子 K",
            "soil erodibility K",
            0,
            0.2,
            per_year=False,
        ),
        LayerRole(
            "vegetation_cover",
            "1",
            "植被覆盖度",
            "fractional vegetation cover",
            0,
            1,
        ),
        LayerRole(
            "storm_precipitation",
            "mm",
            "暴雨降水量（日降水≥50 mm）",
            "storm rainfall (days with at least 50 mm)",
            0,
            5_000,
        ),
        LayerRole("wind_factor", "kg/m", "气象因子 WF", "RWEQ weather factor WF", 0, 2_000),
        LayerRole(
            "erodible_fraction",
            "1",
            "土壤可蚀性成分 EF",
            "RWEQ erodible fraction EF",
            0,
            1,
            per_year=False,
        ),
        LayerRole(
            "soil_crust_factor",
            "1",
            "土壤结皮因子 SCF",
            "RWEQ soil crust factor SCF",
            0,
            1,
            per_year=False,
        ),
        LayerRole(
            "surface_roughness",
            "1",
            "地表糙度因子 K'",
            "RWEQ surface roughness factor K'",
            0,
            1,
            per_year=False,
        ),
    )
}

#: Layers the engine derives from manifest layers before a run (never declared in a
#: manifest): the RUSLE LS factor from the DEM by MFD or D8 routing, and InVEST SDR's
#: sediment delivery ratio from the DEM and the ecosystem map (ganpo.engine.derived).
DERIVED_ROLES: dict[str, LayerRole] = {
    r.role: r
    for r in (
        LayerRole(
            "ls_factor_mfd", "1", "坡长坡度因子 LS（多流向）", "LS factor (MFD routing)", 0, 2_000
        ),
        LayerRole("ls_factor_d8", "1", "坡长坡度因子 LS（D8）", "LS factor (D8 routing)", 0, 2_000),
        LayerRole(
            "sdr_mfd", "1", "泥沙输移比 SDR（多流向）", "sediment delivery ratio (MFD)", 0, 1
        ),
        LayerRole("sdr_d8", "1", "泥沙输移比 SDR（D8）", "sediment delivery ratio (D8)", 0, 1),
    )
}


@dataclass(frozen=True)
class TableRole:
    """A statistics table role: its columns (besides the unit key) and their units."""

    role: str
    name_zh: str
    name_en: str
    department_zh: str
    department_en: str
    columns: dict[str, str]
    per_county: bool = True  # False: a list (many rows per county, e.g. one per lake)


KEY_COLUMN = "county_adcode"
NAME_COLUMN = "county_name"

TABLE_ROLES: dict[str, TableRole] = {
    t.role: t
    for t in (
        TableRole(
            "agriculture",
            "农林牧渔业产值与增加值",
            "agriculture, forestry, animal husbandry and fishery output and value added",
            "农业农村厅、林业局",
            "agriculture and forestry departments",
            {
                "agriculture_output": "10^4 CNY",
                "forestry_output": "10^4 CNY",
                "animal_husbandry_output": "10^4 CNY",
                "fishery_output": "10^4 CNY",
                "agriculture_value_added": "10^4 CNY",
                "forestry_value_added": "10^4 CNY",
                "animal_husbandry_value_added": "10^4 CNY",
                "fishery_value_added": "10^4 CNY",
            },
        ),
        TableRole(
            "water",
            "用水量与水电",
            "water use by sector and hydropower",
            "水利厅",
            "water resources department",
            {
                "water_use_domestic": "10^4 m3",
                "water_use_industrial": "10^4 m3",
                "water_use_agricultural": "10^4 m3",
                "hydropower": "10^4 kWh",
            },
        ),
        TableRole(
            "tourism",
            "旅游接待",
            "tourism",
            "文化和旅游厅",
            "culture and tourism department",
            {
                "visits": "10^4 person-time",
                "tourism_revenue": "10^8 CNY",
                "trip_hours": "h",
                "hourly_wage": "CNY/h",
                "trip_cost": "CNY",
            },
        ),
        TableRole(
            "energy",
            "其他生态能源",
            "other ecological energy",
            "发展改革委（能源局）",
            "development and reform commission (energy)",
            {"biomass_energy": "10^4 kWh"},
        ),
        TableRole(
            "water_bodies",
            "水库库容",
            "reservoirs",
            "水利厅",
            "water resources department",
            {"reservoir_capacity": "10^4 m3"},
        ),
        TableRole(
            "lakes",
            "湖泊面积与调蓄水量（分县）",
            "lakes by county: area, lake region, flood storage",
            "水利厅、自然资源厅",
            "water resources / natural resources departments",
            {
                "lake_name": "text",
                "lake_area": "km2",
                "lake_region": "text",
                "flood_storage": "10^4 m3",
            },
            per_county=False,
        ),
        TableRole(
            "forestry",
            "林草病虫害自然恢复面积",
            "forest and grassland recovering from pests without treatment",
            "林业局",
            "forestry bureau",
            {"forest_self_recovery_area": "hm2", "grassland_self_recovery_area": "hm2"},
        ),
        TableRole(
            "landscape",
            "景观溢价",
            "landscape premium of housing",
            "住房和城乡建设厅",
            "housing and urban-rural development department",
            {"benefiting_area": "m2", "landscape_premium": "CNY/m2"},
        ),
        TableRole(
            "external",
            "区外来源生态产品比例",
            "share of ecosystem products from outside the region",
            "统计局、水利厅",
            "statistics bureau, water resources department",
            {"water_supply_external_share": "1", "hydropower_external_share": "1"},
        ),
        TableRole(
            "emissions",
            "污染物排放量",
            "pollutant emissions",
            "生态环境厅",
            "ecology and environment department",
            {"so2": "t", "nox": "t", "dust": "t", "cod": "t", "nh3n": "t", "tp": "t"},
        ),
    )
}
