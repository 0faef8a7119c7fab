"""What each input of a dataset is: the layer and table roles a manifest may declare.

One declaration per role (unit, plausible range, meaning) drives the manifest checks, the
error messages and the documentation. Units are written as in the manifest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

#: how a layer may be brought onto the dataset's grid (a manifest entry's ``resampling``;
#: GDAL's warp methods of the same names)
ResamplingMethod = Literal["nearest", "bilinear", "cubic", "average", "mode"]
RESAMPLING_METHODS: tuple[str, ...] = get_args(ResamplingMethod)


@dataclass(frozen=True)
class UnitSlip:
    """A usual unit or scale mistake in a layer of some role: values given in ``unit``
    become the role's unit when multiplied by ``factor``. ``unit_zh`` is ``unit`` for a
    Chinese message where it holds words (empty: ``unit`` as it is)."""

    factor: float
    unit: str
    unit_zh: str = ""

    def remedy(self, role_unit: str) -> str:
        """``"multiply by 1000"`` or ``"divide by 10"``, to bring the values to ``role_unit``."""
        if self.factor >= 1:
            return f"multiply by {self.factor:g}"
        return f"divide by {1 / self.factor:g}"

    def remedy_zh(self) -> str:
        """:meth:`remedy` in Chinese: ``"乘以 1000"`` or ``"除以 10"``."""
        if self.factor >= 1:
            return f"乘以 {self.factor:g}"
        return f"除以 {1 / self.factor:g}"


@dataclass(frozen=True)
class LayerRole:
    """A raster layer role: its unit and the range a valid cell must lie in.

    ``resampling`` is the method ganpo recommends to bring a layer of this role onto
    another grid (continuous fields: bilinear; classes: nearest). It is applied only when
    a manifest entry declares it (``resampling = "..."``): a layer off the grid without
    that declaration is refused, never warped silently.

    ``per_year``: the quantity changes from year to year, so a layer serves only the year
    it is of, unless its manifest entry declares more (``serves_years``); a role with
    ``per_year = False`` (elevation, soil properties) is timeless and serves every year.

    Plausibility, beyond the hard range ``[minimum, maximum]`` (outside it a cell is
    impossible and the account is refused):

    - ``soft_min``/``soft_max``: outside them a cell is possible but rare; such cells are
      used and counted in a decision of the account (``None``: the hard bound);
    - ``typical``: the band the median over a region's cells lies in when the layer is
      in the role's unit; a median outside it refuses the account (unless the manifest
      entry declares ``accept_unusual``), because whole layers off by a power of ten
      (kg/m² read as g/m², scaled integers) stay inside the hard range. ``None``: no
      band can tell such a slip from a real region (elevation);
    - ``slips``: the usual mistakes, to name the likely one when the median is off."""

    role: str
    unit: str
    name_zh: str
    name_en: str
    minimum: float
    maximum: float
    per_year: bool = True
    resampling: str = "bilinear"
    soft_min: float | None = None
    soft_max: float | None = None
    typical: tuple[float, float] | None = None
    slips: tuple[UnitSlip, ...] = ()

    @property
    def soft(self) -> tuple[float, float]:
        """The soft range (the hard bound where no soft one is set)."""
        lo = self.minimum if self.soft_min is None else self.soft_min
        hi = self.maximum if self.soft_max is None else self.soft_max
        return lo, hi

    def likely_slip(self, median: float) -> UnitSlip | None:
        """The slip that brings ``median`` into the typical band, nearest the band's
        middle (on a log scale for a positive band); ``None`` when none does."""
        if self.typical is None:
            return None
        lo, hi = self.typical
        fits = [s for s in self.slips if lo <= median * s.factor <= hi]
        if not fits:
            return None
        if lo > 0:
            middle = math.sqrt(lo * hi)
            return min(fits, key=lambda s: abs(math.log(median * s.factor / middle)))
        return min(fits, key=lambda s: abs(median * s.factor - (lo + hi) / 2))


#: scaled-integer and metre slips of the water-depth roles [mm]
_MM_SLIPS = (
    UnitSlip(0.1, "0.1 mm (scaled integers)", "0.1 mm（按整数缩放存储）"),
    UnitSlip(1000, "m"),
)
#: a fraction given in per cent
_PERCENT = (UnitSlip(0.01, "%"),)

# The typical bands are for a region's median (a county, a province), not for a cell. They
# are wide on purpose: their job is to catch a layer off by a power of ten, which no hard
# range catches, not to judge a real region. Each band's reason is given beside it.
LAYER_ROLES: dict[str, LayerRole] = {
    r.role: r
    for r in (
        LayerRole(
            "ecosystem_type", "code", "生态系统类型", "ecosystem type", 0, 254, resampling="nearest"
        ),
        # elevation: regions' medians run from below sea level (Turpan basin, about
        # -150 m) to about 5000 m (Tibet): no band separates m from ft or km
        LayerRole(
            "dem",
            "m",
            "数字高程模型",
            "elevation",
            -500,
            9000,
            per_year=False,
            soft_min=-160,
            soft_max=7000,
        ),
        # annual precipitation: about 15 mm (Turpan) to 2000-3000 mm on the south coast in
        # China's climate normals; a region whose median is below 300 mm lies in the arid
        # north-west, where the band is worth a declared exception; a median of tens of
        # thousands is a layer in 0.1 mm, one near 1-4 is in metres, one of 100-200 in a
        # humid region is in cm
        LayerRole(
            "precipitation",
            "mm",
            "年降水量",
            "annual precipitation",
            0,
            10_000,
            soft_min=10,
            soft_max=5000,
            typical=(300, 4000),
            slips=(*_MM_SLIPS, UnitSlip(10, "cm")),
        ),
        # actual evapotranspiration summed over the days with a daily mean above 26 °C: none
        # where there are no such days, about 300-600 mm in the Yangtze basin (80-120 days of
        # 3-5 mm), up to about 1000 mm in southern Hainan; a median in the thousands is a
        # layer of 0.1 mm integers
        LayerRole(
            "evapotranspiration_hot_days",
            "mm",
            "日均温>26℃日的实际蒸散发之和",
            "actual evapotranspiration summed over the days with mean temperature > 26 °C",
            0,
            2000,
            soft_max=1200,
            typical=(0, 1100),
            # a layer in metres is not told from a region without hot days (median 0)
            slips=(UnitSlip(0.1, "0.1 mm (scaled integers)", "0.1 mm（按整数缩放存储）"),),
        ),
        # soil heterotrophic respiration as carbon: about 50 g C/m² in deserts and on the
        # plateau to 400-800 in the subtropical forests of the south (Pei et al. 2009 give
        # its regression by month); kg/m² is three powers of ten off, t/ha two
        LayerRole(
            "heterotrophic_respiration",
            "g/m2",
            "土壤异养呼吸（年，碳）",
            "soil heterotrophic respiration, annual sum of the monthly regression (carbon)",
            0,
            3000,
            soft_max=2000,
            typical=(10, 1500),
            slips=(UnitSlip(1000, "kg/m2"), UnitSlip(100, "t/ha")),
        ),
        # actual evapotranspiration is bounded by rainfall plus inflow and by the energy
        # available: about 100 mm in deserts to 1300-1500 mm in the humid tropics (Hainan);
        # MOD16 ships it as integers of 0.1 mm
        LayerRole(
            "evapotranspiration",
            "mm",
            "年实际蒸散发",
            "annual actual evapotranspiration",
            0,
            3000,
            soft_max=2500,
            typical=(100, 2000),
            slips=(*_MM_SLIPS, UnitSlip(365, "mm/day")),
        ),
        # NPP as dry matter: deserts below 100 g/m², temperate and subtropical forests
        # 1000-2000, tropical rain forest about 2200 (Whittaker & Likens 1975, in Lieth &
        # Whittaker, Primary Productivity of the Biosphere); kg/m² is three powers of ten
        # off, t/ha two
        LayerRole(
            "npp",
            "g/m2",
            "净初级生产力（干物质）",
            "net primary production, dry matter",
            0,
            5000,
            soft_max=3500,
            typical=(50, 2500),
            slips=(UnitSlip(1000, "kg/m2"), UnitSlip(100, "t/ha")),
        ),
        # days with a daily mean above 26 °C: none on the plateaus and in the north-east,
        # about 80-120 in the Yangtze basin, up to about 200 in southern Hainan
        LayerRole(
            "hot_days",
            "d",
            "日均温>26℃日数",
            "days with mean temperature > 26 °C",
            0,
            366,
            soft_max=250,
            typical=(0, 200),
            slips=(UnitSlip(1 / 24, "hours", "小时"),),
        ),
        # mean annual temperature: about -5 °C (Mohe, high plateau) to 25 °C (Sanya)
        LayerRole(
            "temperature",
            "degC",
            "年平均气温",
            "mean annual temperature",
            -40,
            40,
            soft_min=-25,
            soft_max=30,
            typical=(-15, 30),
            slips=(UnitSlip(0.1, "0.1 °C (scaled integers)", "0.1 °C（按整数缩放存储）"),),
        ),
        # FAO-56 reference ET: about 500 mm in the cool humid north-east to 1500-2000 mm in
        # the arid north-west
        LayerRole(
            "reference_et",
            "mm",
            "参考蒸散发",
            "annual reference evapotranspiration ET0",
            0,
            3000,
            soft_min=200,
            soft_max=2500,
            typical=(300, 2500),
            slips=(*_MM_SLIPS, UnitSlip(365, "mm/day")),
        ),
        # depth to a root-restricting layer: thin hill soils of a few hundred mm to loess
        # many metres deep; a median near 1 is in metres, one of tens in cm
        LayerRole(
            "soil_depth",
            "mm",
            "根系限制层深度",
            "depth to root-restricting layer",
            0,
            20_000,
            per_year=False,
            soft_max=10_000,
            typical=(200, 10_000),
            slips=(UnitSlip(10, "cm"), UnitSlip(1000, "m")),
        ),
        # plant available water: about 0.05 (sand) to 0.25 (silt loam) of the soil volume,
        # organic soils more
        LayerRole(
            "pawc",
            "1",
            "植物可利用水含量",
            "plant available water content",
            0,
            1,
            per_year=False,
            soft_max=0.6,
            typical=(0.01, 0.5),
            slips=_PERCENT,
        ),
        # R grows with annual rainfall roughly as P^1.65 (0.0534 P^1.6548 gives about 670
        # for 300 mm, 10 700 for 1600 mm): the band follows the precipitation band, wider
        # on the dry side; a median in the millions is in J instead of MJ
        LayerRole(
            "rainfall_erosivity",
            "MJ mm/(ha h a)",
            "降雨侵蚀力因子 R",
            "rainfall erosivity R",
            0,
            50_000,
            soft_max=40_000,
            typical=(100, 40_000),
            slips=(UnitSlip(1e-6, "J mm/(ha h a)"),),
        ),
        # K of China's soils in SI units: about 0.005 (sandy, stony) to 0.06 (silt); the US
        # customary K (t ac h/(100 ac ft tonf in)) is 7.59 times larger (Foster et al. 1981,
        # J. Soil Water Conserv. 36(6): 355-359)
        LayerRole(
            "soil_erodibility",
            "t ha h/(ha MJ mm)",
            "土壤可蚀性因子 K",
            "soil erodibility K",
            0,
            0.2,
            per_year=False,
            soft_max=0.1,
            typical=(0.005, 0.08),
            slips=(
                UnitSlip(
                    0.1317,
                    "US customary units (t ac h/(100 ac ft tonf in))",
                    "美制单位（t ac h/(100 ac ft tonf in)）",
                ),
            ),
        ),
        # a fraction: a median above 1 is a percentage
        LayerRole(
            "vegetation_cover",
            "1",
            "植被覆盖度",
            "fractional vegetation cover",
            0,
            1,
            typical=(0, 1),
            slips=_PERCENT,
        ),
        # rain of days with at least 50 mm: none in the arid north-west, a few hundred mm in
        # the humid south, about 1000 mm at the wettest coastal stations
        LayerRole(
            "storm_precipitation",
            "mm",
            "暴雨降水量（日降水≥50 mm）",
            "storm rainfall (days with at least 50 mm)",
            0,
            5_000,
            soft_max=2_500,
            typical=(0, 2_000),
            slips=(UnitSlip(0.1, "0.1 mm (scaled integers)", "0.1 mm（按整数缩放存储）"),),
        ),
        # the RWEQ weather factor spans orders of magnitude between humid and windy arid
        # regions: no band
        LayerRole("wind_factor", "kg/m", "气象因子 WF", "RWEQ weather factor WF", 0, 2_000),
        LayerRole(
            "erodible_fraction",
            "1",
            "土壤可蚀性成分 EF",
            "RWEQ erodible fraction EF",
            0,
            1,
            per_year=False,
            typical=(0, 1),
            slips=_PERCENT,
        ),
        LayerRole(
            "soil_crust_factor",
            "1",
            "土壤结皮因子 SCF",
            "RWEQ soil crust factor SCF",
            0,
            1,
            per_year=False,
            typical=(0, 1),
            slips=_PERCENT,
        ),
        LayerRole(
            "surface_roughness",
            "1",
            "地表糙度因子 K'",
            "RWEQ surface roughness factor K'",
            0,
            1,
            per_year=False,
            typical=(0, 1),
            slips=_PERCENT,
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
#: the key column of a table keyed by the units of the finest level (``level`` other than
#: ``county`` in its manifest entry, :mod:`ganpo.io.units`)
UNIT_KEY_COLUMN = "unit_code"

#: the administrative level of a dataset's units (a manifest's ``[units] level``): county
#: (区县), township (乡镇、街道), village (村、社区) or any other polygon set with a parent
UnitLevel = Literal["county", "township", "village", "unit"]
UNIT_LEVELS: tuple[str, ...] = get_args(UnitLevel)

#: what a manifest may declare to accept a boundary problem (``[units] repair``), each a
#: stated rule recorded as a decision with the account (:mod:`ganpo.io.boundaries`)
BoundaryRepair = Literal[
    "make_valid",  # repair invalid polygons (self-intersections) with GEOS make_valid
    "clip_to_parent",  # cut the parts of a unit that lie outside its parent away
    "trust_overlaps",  # accept overlaps: a cell in two units counts once, for one of them
    "trust_gaps",  # accept parts of a parent in no unit: their cells count in no unit
    "from_gcj02",  # the file is in GCJ-02: convert its coordinates to WGS84 when read
    "trust_datum",  # the datum check is wrong about this file: skip it
]
BOUNDARY_REPAIRS: tuple[str, ...] = get_args(BoundaryRepair)

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
