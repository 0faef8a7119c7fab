"""Plausibility of statistics tables (逻辑审核与波动审核), declared as data beside each column.

Statistics bureaus check every submission twice before they accept it: a *logic check*
(逻辑审核: each value within what is possible and what is usual, ratios such as revenue
per visit within a band, parts no larger than their whole) and a *fluctuation check*
(波动审核: each value against the same table of the previous year). This module declares
those checks for every column of :data:`ganpo.io.roles.TABLE_ROLES`, in the column's base
unit (CNY, m3, kWh, person-time, m2, t, h; :mod:`ganpo.catalog.units`);
:mod:`ganpo.io.table_checks` runs them, for the engine's reader and for the platform's
upload check alike.

Every bound says why it is where it is. Counties differ by orders of magnitude (a city
district of 35 km² beside a mountain county of 4,500 km²), so extensive columns are judged
per km² of the county (``per="county_km2"``), areas as a share of the county
(``per="county_area"``), and only intensive columns (a wage, a cost per visit) as they
are. Two bands each:

* ``hard`` — outside it a value is impossible or a unit error: refused, never overridden;
* ``soft`` — outside it a value is unusual: accepted as a Decision (``soft_range``) by the
  engine, and on the platform only with the reporter's written explanation. A soft lower
  bound applies to positive values only: 0 means "none", as the forms ask.

The orders of magnitude quoted are rounded from the national and Jiangxi statistical
yearbooks (中国统计年鉴, 江西统计年鉴) of recent years; they place bands, they are not data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: |log10(this year / last year)| at or above which a change is a unit error: 元, 万元 and
#: 亿元 (and m³, 万m³, 亿m³; m² and hm²) differ by 10^4, m² and km² by 10^6; no real county
#: value changes 300-fold in a year. A factor of 100 (hm² for km²) stays below it and is
#: left to the soft fluctuation band (docs/decisions/0027).
UNIT_SCALE_DECADES = 2.5
#: a county's year-on-year ratio is judged a unit error only when last year's value is at
#: least this share of last year's mean county value: a jump from a tiny base (a new
#: attraction, the first pest outbreak) is real more often than not, and is left to the
#: soft band and an explanation
MATERIAL_SHARE = 0.01

Per = Literal["value", "county_km2", "county_area"]
Severity = Literal["hard", "soft"]


@dataclass(frozen=True)
class Band:
    """A closed interval ``[low, high]`` (either end open when ``None``) and why."""

    low: float | None = None
    high: float | None = None
    reason_en: str = ""
    reason_zh: str = ""


@dataclass(frozen=True)
class ColumnCheck:
    """The plausibility of one column.

    ``per`` says what the bands bound: the value in base units (``value``), the value per
    km² of the county (``county_km2``), or an area as a share of the county's area
    (``county_area``, 1 = the whole county). ``share`` columns must lie in [0, 1]; a value
    in (1, 100] is named as a percentage. ``yoy`` bounds this year's value over last
    year's (a fluctuation outside it needs an explanation); ``yoy_change`` bounds the
    absolute change of a share instead. ``additive`` columns (default: those judged per
    county, i.e. not ``value``) are also compared as column totals, where a unit error of
    the whole table shows.
    """

    per: Per
    hard: Band | None = None
    soft: Band | None = None
    share: bool = False
    yoy: Band | None = None
    yoy_change: float | None = None
    additive: bool | None = None

    @property
    def sums(self) -> bool:
        """Whether the column's values add up across counties (a total makes sense)."""
        return self.per != "value" if self.additive is None else self.additive


@dataclass(frozen=True)
class RatioRule:
    """``numerator / denominator`` per row within bands (a logic rule, 逻辑审核).

    The denominator may be a column of another role of the same year (``role.column``):
    such a rule runs when both tables are at hand (the engine reads both; the upload check
    uses the other table's latest version or the base dataset's). ``unit`` is the ratio's
    unit in base units, for messages. A row with a zero denominator and a positive
    numerator is flagged with the soft severity (``zero_denominator``) unless it is
    declared possible (``zero_ok``)."""

    key: str
    name_en: str
    name_zh: str
    numerator: str
    denominator: str
    unit: str  # the ratio's unit in words, for messages ("CNY per visit")
    unit_zh: str
    hard: Band | None = None
    soft: Band | None = None
    zero_ok: bool = False


@dataclass(frozen=True)
class PartsRule:
    """Parts no larger than their whole, per county (a logic rule).

    ``parts`` are columns of the role (a list table's rows are summed per county);
    ``whole`` is a column of the role, ``county_area`` (the county's polygon) or
    ``extent:<ecosystem key>,…`` (the area of those ecosystem types in the county, from
    the account's extent: a reference check the engine makes after the raster pass). The
    parts and the whole must measure the same quantity. A tolerance of 0.5 % allows for
    rounding in the parts."""

    key: str
    name_en: str
    name_zh: str
    parts: tuple[str, ...]
    whole: str
    severity: Severity
    reason_en: str
    reason_zh: str
    tolerance: float = 0.005


Rule = RatioRule | PartsRule


@dataclass(frozen=True)
class RoleChecks:
    """The checks of one table role: one :class:`ColumnCheck` per data column (text
    columns have none), its logic rules, and for list tables the columns that identify a
    row within a county (two rows with the same key are refused, naming both)."""

    columns: dict[str, ColumnCheck]
    rules: tuple[Rule, ...] = ()
    list_key: tuple[str, ...] = field(default=())


# ------------------------------------------------------------------------ shared bands
_OUTPUT_YOY = Band(
    0.7,
    1.3,
    "a county's output at current prices seldom moves more than 30 % in a year (growth of "
    "a few percent; a failed harvest or a price slump about −20 %)",
    "县级产值（现价）年度变化一般不超过 30%（正常增长几个百分点，歉收或价格下跌约 −20%）",
)
_ENERGY_PLANT_HARD = Band(
    0,
    1e9,
    "10^9 kWh per km² of the county is 40 times what Three Gorges generates per km² of its "
    "district (about 9×10^10 kWh in 3,400 km²)",
    "每平方公里 10^9 千瓦时，是三峡电站所在区每平方公里发电量（约 "
    "9×10^10 千瓦时 / 3400 km²）的 40 倍",
)
_EMISSION_YOY = Band(
    0.6,
    1.4,
    "a county's emissions move with its plants: a closure or new scrubbers change them by "
    "up to 40 % in a year",
    "排放量随企业变化，关停或治理设施投运可使年度变化达 40%",
)
_EMISSION_HARD_REASON = (
    "10^4 t per km² is 10 kg per m² of the whole county a year, 30 times a large coal "
    "power station's emissions spread over a small district",
    "每平方公里 10^4 吨即全县每平方米每年 10 千克，为大型燃煤电厂排放量分摊到小城区的 30 倍",
)


def _emission(hard_t_km2: float, soft_t_km2: float) -> ColumnCheck:
    return ColumnCheck(
        "county_km2",
        hard=Band(0, hard_t_km2, *_EMISSION_HARD_REASON),
        soft=Band(
            None,
            soft_t_km2,
            "Jiangxi emits of the order of 0.1–5 t per km² a year of each pollutant; "
            "industrial districts about 100 times more",
            "江西各污染物排放强度约为每平方公里 0.1–5 吨/年，工业城区可高约 100 倍",
        ),
        yoy=_EMISSION_YOY,
    )


def _recovery() -> ColumnCheck:
    return ColumnCheck(
        "county_area",  # the hard bound (within the county) is the rule recovery_within_county
        soft=Band(
            None,
            0.2,
            "forest pests occur on a few percent of Jiangxi's forest a year; a fifth of a "
            "county recovering untreated is an extreme outbreak",
            "江西林业有害生物年发生面积约为林地的百分之几，"
            "自然恢复面积达全县面积的五分之一属极端情况",
        ),
        yoy=Band(
            1 / 3,
            3.0,
            "pest outbreaks rise and fall several-fold from year to year; only larger swings "
            "are flagged",
            "病虫害发生面积年际间可成倍变化，仅标记更大的波动",
        ),
    )


def _value_added(output: ColumnCheck) -> ColumnCheck:
    """Value added of a farm branch, judged against the band of its output: about half to
    two thirds of the output in China's farm accounts, so the usual band is the output's
    with its low end a quarter and its high end a half of the output's."""
    assert output.soft is not None and output.soft.high is not None
    low = output.soft.low / 4 if output.soft.low else None
    return ColumnCheck(
        "county_km2",
        hard=output.hard,
        soft=Band(
            low,
            output.soft.high / 2,
            "value added is about half to two thirds of the branch's output (intermediate "
            "consumption the rest); the usual band is that of the output, halved at the top",
            "增加值约为该部门总产值的一半到三分之二（其余为中间投入），"
            "通常范围取总产值的通常范围、上限减半",
        ),
        yoy=_OUTPUT_YOY,
    )


#: the checks of every table role, by role and column
TABLE_CHECKS: dict[str, RoleChecks] = {
    "agriculture": RoleChecks(
        {
            "agriculture_output": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    2e8,
                    "2×10^8 CNY per km² is 200 CNY per m² of the whole county, more than "
                    "glasshouse vegetables yield per m² of glasshouse",
                    "每平方公里 2×10^8 元即全县每平方米 200 元，超过温室蔬菜每平方米棚面积的产值",
                ),
                soft=Band(
                    1e3,
                    2e7,
                    "crop output is of the order of 10^6 CNY per km² in Jiangxi (about 2×10^11 "
                    "CNY on 1.67×10^5 km²); the most intensive vegetable counties of China "
                    "reach about 10^7",
                    "江西种植业产值约为每平方公里 10^6 元（约 2×10^11 元 / 1.67×10^5 km²），"
                    "全国最集约的蔬菜县约 10^7 元",
                ),
                yoy=_OUTPUT_YOY,
            ),
            "forestry_output": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    5e7,
                    "5×10^7 CNY per km² is 50 CNY per m² of the whole county, 100 times the "
                    "forestry output of China's most wooded counties",
                    "每平方公里 5×10^7 元即全县每平方米 50 元，为全国林业大县的 100 倍",
                ),
                soft=Band(
                    1e2,
                    5e6,
                    "forestry output is of the order of 2×10^5 CNY per km² in Jiangxi",
                    "江西林业产值约为每平方公里 2×10^5 元",
                ),
                yoy=_OUTPUT_YOY,
            ),
            "animal_husbandry_output": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    2e8,
                    "200 CNY per m² of the whole county, above the densest pig-farming "
                    "districts by two orders of magnitude",
                    "全县每平方米 200 元，比最密集的养殖区高两个数量级",
                ),
                soft=Band(
                    1e2,
                    2e7,
                    "animal husbandry output is of the order of 6×10^5 CNY per km² in Jiangxi",
                    "江西牧业产值约为每平方公里 6×10^5 元",
                ),
                yoy=_OUTPUT_YOY,
            ),
            "fishery_output": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    2e8,
                    "200 CNY per m² of the whole county: more than intensive ponds yield per "
                    "m² of pond",
                    "全县每平方米 200 元，超过精养池塘每平方米水面的产值",
                ),
                soft=Band(
                    1e2,
                    2e7,
                    "fishery output is of the order of 4×10^5 CNY per km² in Jiangxi, about "
                    "10 times that in lake and pond counties",
                    "江西渔业产值约为每平方公里 4×10^5 元，湖区和池塘养殖县约高 10 倍",
                ),
                yoy=_OUTPUT_YOY,
            ),
        },
        rules=tuple(
            PartsRule(
                f"{branch}_value_added_within_output",
                f"{name_en} value added within its output",
                f"{name_zh}增加值不超过总产值",
                (f"{branch}_value_added",),
                f"{branch}_output",
                "hard",
                "value added is output less intermediate consumption, so it cannot exceed "
                "the output (a value added larger than its output is a column mix-up or a "
                "unit slip)",
                "增加值等于总产出减去中间投入，不能超过总产值（超过时多为列错位或单位错误）",
            )
            for branch, name_en, name_zh in (
                ("agriculture", "crop farming", "种植业"),
                ("forestry", "forestry", "林业"),
                ("animal_husbandry", "animal husbandry", "牧业"),
                ("fishery", "fishery", "渔业"),
            )
        ),
    ),
    "water": RoleChecks(
        {
            "water_use_domestic": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    2e7,
                    "2×10^7 m³ per km² is 20 m of water a year over the whole county, five "
                    "times the domestic use of the densest city districts (5×10^4 people per "
                    "km² × 200 L a day ≈ 4×10^6 m³)",
                    "每平方公里 2×10^7 立方米即全县每年 20 米水深，为最密集城区生活用水"
                    "（5×10^4 人/km² × 每人每天 200 升 ≈ 4×10^6 立方米）的 5 倍",
                ),
                soft=Band(
                    10,
                    2e6,
                    "Jiangxi uses of the order of 2×10^4 m³ per km² for households; dense "
                    "city districts up to about 10^6",
                    "江西生活用水约为每平方公里 2×10^4 立方米，密集城区可达约 10^6",
                ),
                yoy=Band(
                    0.7,
                    1.3,
                    "household water use follows the population: it seldom moves 30 % in a year",
                    "生活用水随人口变化，年度变化一般不超过 30%",
                ),
            ),
            "water_use_industrial": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    1e8,
                    "10^8 m³ per km² is 100 m of water over the whole county, more than a "
                    "large once-through-cooled power station uses in a small district",
                    "每平方公里 10^8 立方米即全县 100 米水深，超过小城区内大型直流冷却电厂的用水",
                ),
                soft=Band(
                    None,
                    2e7,
                    "Jiangxi's industry uses of the order of 4×10^4 m³ per km²; industrial "
                    "districts with power stations up to about 10^7",
                    "江西工业用水约为每平方公里 4×10^4 立方米，有电厂的工业区可达约 10^7",
                ),
                yoy=Band(
                    0.6,
                    1.4,
                    "industrial water use moves with plants opening and closing: up to 40 % "
                    "in a year",
                    "工业用水随企业开停变化，年度变化可达 40%",
                ),
            ),
            "water_use_agricultural": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    3e6,
                    "3×10^6 m³ per km² is 3 m of water over the whole county; irrigating "
                    "paddy takes about 1 m on the paddies alone",
                    "每平方公里 3×10^6 立方米即全县 3 米水深，而水稻灌溉仅在稻田上约 1 米",
                ),
                soft=Band(
                    None,
                    1e6,
                    "Jiangxi irrigates of the order of 10^5 m³ per km² of county; a county "
                    "of nothing but paddy would need about 10^6",
                    "江西农业用水约为每平方公里 10^5 立方米，全为稻田的县约需 10^6",
                ),
                yoy=Band(
                    0.6,
                    1.4,
                    "irrigation follows the year's rain: a dry year needs up to 40 % more",
                    "灌溉用水随降水变化，干旱年份可多 40%",
                ),
            ),
            "hydropower": ColumnCheck(
                "county_km2",
                hard=_ENERGY_PLANT_HARD,
                soft=Band(
                    None,
                    3e7,
                    "Three Gorges generates about 3×10^7 kWh per km² of its district; "
                    "Jiangxi's counties of the order of 10^4",
                    "三峡电站所在区约每平方公里 3×10^7 千瓦时，江西各县约 10^4",
                ),
                yoy=Band(
                    0.5,
                    1.5,
                    "generation follows the inflow: a wet and a dry year differ by up to half",
                    "发电量随来水变化，丰水年与枯水年可相差一半",
                ),
            ),
        },
        rules=(
            RatioRule(
                "hydropower_per_capacity",
                "hydropower per m³ of reservoir capacity",
                "单位库容发电量",
                "hydropower",
                "water_bodies.reservoir_capacity",
                "kWh per m³",
                "千瓦时/立方米",
                soft=Band(
                    None,
                    20.0,
                    "Three Gorges generates about 2 kWh per m³ of its capacity, Jiangxi's "
                    "reservoirs about 0.3; small plants on steep streams that refill their "
                    "pond 50 times a year reach about 20",
                    "三峡电站每立方米库容约发电 2 千瓦时，江西水库约 0.3；高水头小水电每年"
                    "换水 50 次约可达 20",
                ),
                zero_ok=True,  # run-of-river plants generate without a listed reservoir
            ),
        ),
    ),
    "tourism": RoleChecks(
        {
            "visits": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    1e8,
                    "10^8 visits per km² a year is four times the Palace Museum's visitors "
                    "per km² of its grounds (about 1.7×10^7 on 0.72 km²)",
                    "每平方公里每年 10^8 人次，是故宫单位面积接待量（约 "
                    "1.7×10^7 人次 / 0.72 km²）的 4 倍",
                ),
                soft=Band(
                    1,
                    5e6,
                    "Jiangxi receives of the order of 5×10^3 visits per km² a year; busy "
                    "city districts about 10^6",
                    "江西旅游接待约为每平方公里 5×10^3 人次/年，热门城区约 10^6",
                ),
                yoy=Band(
                    0.5,
                    1.5,
                    "visits swing with new attractions, events and closures: up to half in a year",
                    "接待人次随新景区、节庆和关闭变化，年度变化可达一半",
                ),
            ),
            "tourism_revenue": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    1e12,
                    "10^12 CNY per km² is 10^6 CNY per m² of the whole county",
                    "每平方公里 10^12 元即全县每平方米 10^6 元",
                ),
                soft=Band(
                    1e2,
                    5e9,
                    "Jiangxi's tourism earns of the order of 5×10^6 CNY per km²; busy city "
                    "districts about 10^9",
                    "江西旅游收入约为每平方公里 5×10^6 元，热门城区约 10^9",
                ),
                yoy=Band(
                    0.5,
                    1.5,
                    "revenue moves with visits: up to half in a year",
                    "旅游收入随接待人次变化，年度变化可达一半",
                ),
            ),
            "trip_hours": ColumnCheck(
                "value",
                hard=Band(
                    0,
                    720,
                    "a trip of more than 30 days (720 h) is a stay, not a visit",
                    "超过 30 天（720 小时）已不是一次旅游",
                ),
                soft=Band(
                    0.5,
                    72,
                    "travel and stay of a visit: from half an hour to three days",
                    "一次旅游的往返与停留时间一般为半小时至三天",
                ),
                yoy=Band(
                    0.7, 1.3, "survey means move little from year to year", "调查均值年际变化小"
                ),
            ),
            "hourly_wage": ColumnCheck(
                "value",
                hard=Band(
                    0,
                    2000,
                    "2,000 CNY an hour is 4×10^6 CNY a year, no county's average wage; a "
                    "monthly wage (元/月) written here lands above it",
                    "每小时 2000 元即每年 4×10^6 元，"
                    "不是任何县的平均工资；误填月工资（元/月）会超过此值",
                ),
                soft=Band(
                    10,
                    200,
                    "China's average wage is about 50 CNY/h (about 1.1×10^5 CNY a year in "
                    "urban units, 2022); minimum wages in Jiangxi are about 15–20 CNY/h",
                    "全国城镇单位平均工资约每小时 50 元（2022 年约 1.1×10^5 元/年），江西最低"
                    "小时工资约 15–20 元",
                ),
                yoy=Band(
                    0.8,
                    1.25,
                    "wages move a few percent a year",
                    "工资年度变化一般为几个百分点",
                ),
            ),
            "trip_cost": ColumnCheck(
                "value",
                hard=Band(
                    0,
                    1e5,
                    "10^5 CNY a visit is more than a luxury long-haul journey; no county's average",
                    "每人次 10^5 元超过豪华长途旅行的花费，不可能是县均值",
                ),
                soft=Band(
                    10,
                    1e4,
                    "a domestic trip costs of the order of 10^3 CNY (national survey of "
                    "domestic tourism)",
                    "国内旅游人均花费约 10^3 元（国内旅游抽样调查）",
                ),
                yoy=Band(
                    0.7, 1.3, "survey means move little from year to year", "调查均值年际变化小"
                ),
            ),
        },
        rules=(
            RatioRule(
                "revenue_per_visit",
                "tourism revenue per visit",
                "人均旅游花费（旅游收入/接待人次）",
                "tourism_revenue",
                "visits",
                "CNY per visit",
                "元/人次",
                hard=Band(
                    1,
                    1e5,
                    "a visit that brings less than 1 CNY, or more than 10^5 CNY (a luxury "
                    "long-haul journey), is no county's average: one of the two columns is "
                    "in the wrong unit",
                    "每人次不足 1 元或超过 10^5 元（豪华长途旅行）"
                    "都不可能是县均值：两列中有一列单位有误",
                ),
                soft=Band(
                    50,
                    5000,
                    "Chinese domestic tourists spend of the order of 1,000 CNY per visit "
                    "(national survey of domestic tourism; Jiangxi about 1,200)",
                    "国内游客人均花费约 1000 元（国内旅游抽样调查；江西约 1200 元）",
                ),
            ),
        ),
    ),
    "energy": RoleChecks(
        {
            "biomass_energy": ColumnCheck(
                "county_km2",
                hard=_ENERGY_PLANT_HARD,
                soft=Band(
                    None,
                    5e7,
                    "a 100 MW biomass plant running 7,000 h a year in a 35 km² district "
                    "makes about 2×10^7 kWh per km²",
                    "35 km² 城区内一座 100 MW 生物质电厂年运行 "
                    "7000 小时，约每平方公里 2×10^7 千瓦时",
                ),
                yoy=Band(
                    0.5,
                    1.5,
                    "a plant opening or closing changes a county's generation by half",
                    "电厂投运或关停可使县发电量变化一半",
                ),
            ),
        }
    ),
    "water_bodies": RoleChecks(
        {
            "reservoir_capacity": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    3e8,
                    "3×10^8 m³ per km² is the whole county under 300 m of water, deeper than "
                    "any reservoir's mean depth",
                    "每平方公里 3×10^8 立方米即全县被 300 米深的水覆盖，超过任何水库的平均水深",
                ),
                soft=Band(
                    None,
                    2e7,
                    "Three Gorges holds about 10^7 m³ per km² of its district; Jiangxi of "
                    "the order of 2×10^5",
                    "三峡水库约为所在区每平方公里 10^7 立方米，江西约 2×10^5",
                ),
                yoy=Band(
                    0.8,
                    1.25,
                    "capacity changes only when a reservoir is built, raised or struck off "
                    "the list",
                    "库容只在水库新建、加高或注销时变化",
                ),
            ),
        }
    ),
    "lakes": RoleChecks(
        {
            "lake_area": ColumnCheck(
                "value",
                additive=True,
                hard=Band(
                    0,
                    5e9,
                    "5,000 km² is more than China's largest lake (Qinghai Lake, about 4,400 "
                    "km²): an area in m² written as km²?",
                    "5000 平方公里大于全国最大湖泊青海湖（约 "
                    "4400 平方公里）：是否把平方米当作平方公里？",
                ),
                yoy=Band(
                    0.5,
                    2.0,
                    "a lake's area follows its water level (Poyang's flood-season area is "
                    "several times its dry-season area); only larger jumps are flagged",
                    "湖泊面积随水位变化（鄱阳湖丰水期面积为枯水期的数倍），仅标记更大的变化",
                ),
            ),
            "flood_storage": ColumnCheck(
                "value",
                additive=False,  # the whole lake's storage, repeated on each of its rows
                hard=Band(
                    0,
                    1e11,
                    "10^11 m³ is more than Qinghai Lake holds in all (about 7×10^10 m³), let "
                    "alone between its trough and peak levels: a volume in m³ written as "
                    "10^4 m³?",
                    "10^11 立方米大于青海湖的总蓄水量（约 7×10^10 立方米），更不用说丰枯水位之间的"
                    "调蓄量：是否把立方米当作万立方米？",
                ),
                soft=Band(
                    None,
                    3e10,
                    "Poyang Lake, China's largest freshwater lake, stores about 2×10^10 m³ "
                    "between its trough and peak levels",
                    "全国最大淡水湖鄱阳湖丰枯水位之间的调蓄量约 2×10^10 立方米",
                ),
                yoy=Band(
                    0.2,
                    5.0,
                    "the storage between a year's trough and peak follows that year's flood: "
                    "a dry and a wet year differ several-fold; only larger jumps are flagged",
                    "丰枯水位之间的调蓄量随当年汛情变化，枯水年与丰水年可相差数倍，仅标记更大的变化",
                ),
            ),
        },
        rules=(
            PartsRule(
                "lakes_within_county",
                "lake area within the county",
                "县内湖泊面积",
                ("lake_area",),
                "county_area",
                "hard",
                "the lakes' parts in a county cannot exceed the county's area",
                "县内湖泊面积之和不能超过该县面积",
            ),
        ),
        list_key=("lake_name",),
    ),
    "forestry": RoleChecks(
        {
            "forest_self_recovery_area": _recovery(),
            "grassland_self_recovery_area": _recovery(),
        },
        rules=(
            PartsRule(
                "recovery_within_county",
                "forest and grassland recovering, together",
                "森林与草地自然恢复面积之和",
                ("forest_self_recovery_area", "grassland_self_recovery_area"),
                "county_area",
                "hard",
                "the areas recovering cannot together exceed the county's area",
                "自然恢复面积之和不能超过该县面积",
            ),
            PartsRule(
                "forest_recovery_within_forest",
                "forest recovering without treatment",
                "森林病虫害自然恢复面积",
                ("forest_self_recovery_area",),
                "extent:forest,shrub",
                "soft",
                "a forest area recovering from pests lies within the county's forest; the "
                "forestry bureau's forest land (林地) also counts shrub forest and unstocked "
                "land that the ecosystem map may class otherwise, so a larger area needs an "
                "explanation, not a refusal",
                "森林自然恢复面积应在该县森林范围内；林业部门的林地还包括灌木林地和未成林地，"
                "生态系统分类可能不同，故超出时需说明而不拒收",
            ),
            PartsRule(
                "grassland_recovery_within_grassland",
                "grassland recovering without treatment",
                "草地病虫害自然恢复面积",
                ("grassland_self_recovery_area",),
                "extent:grassland",
                "soft",
                "a grassland area recovering from pests lies within the county's grassland; "
                "the statistics' grassland may be defined otherwise than the ecosystem map's",
                "草地自然恢复面积应在该县草地范围内；统计口径的草地可能与生态系统分类不同",
            ),
        ),
    ),
    "landscape": RoleChecks(
        {
            "benefiting_area": ColumnCheck(
                "county_km2",
                hard=Band(
                    0,
                    1e7,
                    "10^7 m² per km² is 10 m² of floor on every m² of the whole county, "
                    "denser than any city centre",
                    "每平方公里 10^7 平方米即全县每平方米土地上 10 平方米建筑，超过任何城市中心",
                ),
                soft=Band(
                    None,
                    2e6,
                    "2 m² of floor per m² of county is a dense city centre throughout",
                    "每平方米土地 2 平方米建筑相当于全县都是密集城市中心",
                ),
                yoy=Band(
                    0.7,
                    1.3,
                    "the housing stock near parks and water grows a few percent a year",
                    "公园和水体周边的住房存量年增长几个百分点",
                ),
            ),
            "landscape_premium": ColumnCheck(
                "value",
                hard=Band(
                    0,
                    2e5,
                    "2×10^5 CNY per m² is more than the dearest housing in China costs",
                    "每平方米 2×10^5 元超过全国最贵住房的价格",
                ),
                soft=Band(
                    1,
                    5000,
                    "a premium is a part (about 5–20 %) of a housing price of 5,000–20,000 "
                    "CNY per m² in Jiangxi",
                    "景观溢价是房价的一部分（约 5–20%），江西房价约每平方米 5000–20000 元",
                ),
                yoy=Band(
                    0.7,
                    1.3,
                    "housing prices seldom move 30 % in a year",
                    "房价年度变化一般不超过 30%",
                ),
            ),
        }
    ),
    "external": RoleChecks(
        {
            "water_supply_external_share": ColumnCheck("value", share=True, yoy_change=0.2),
            "hydropower_external_share": ColumnCheck("value", share=True, yoy_change=0.2),
        }
    ),
    "emissions": RoleChecks(
        {
            "so2": _emission(1e4, 500),
            "nox": _emission(1e4, 1000),
            "dust": _emission(1e4, 1000),
            "cod": _emission(1e4, 2000),
            "nh3n": _emission(1e3, 200),
            "tp": _emission(1e3, 50),
        }
    ),
}

for _branch in ("agriculture", "forestry", "animal_husbandry", "fishery"):
    TABLE_CHECKS["agriculture"].columns[f"{_branch}_value_added"] = _value_added(
        TABLE_CHECKS["agriculture"].columns[f"{_branch}_output"]
    )

#: why a share's change of more than ``yoy_change`` is flagged
SHARE_CHANGE_REASON = (
    "where a county's water and power come from changes slowly: more than 20 percentage "
    "points in a year needs an explanation",
    "区外来源比例变化缓慢，年度变化超过 20 个百分点需要说明",
)


def checks_of(role: str) -> RoleChecks:
    """The checks of ``role`` (an empty declaration for a role without any)."""
    return TABLE_CHECKS.get(role, RoleChecks({}))
