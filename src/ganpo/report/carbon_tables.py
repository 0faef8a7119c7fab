"""The figures of the annual greenhouse-gas inventory report (温室气体清单报告) of a stored
inventory, shared by its PDF (:mod:`ganpo.report.carbon_report`) and its workbook
(:mod:`ganpo.report.carbon_excel`): the totals, sectors, gases, categories, electricity,
uncertainty, cities and counties, the change from the previous year and the factors used,
in the structure of the provincial guideline (省级温室气体清单编制指南（试行）, NDRC 2011):
energy, industrial processes, agriculture, land-use change and forestry, waste.

Every sum is taken over the stored rows in whole grams (integers, exact), then divided by
10¹⁰ for 万t; a total is therefore the exact sum of its parts before it is rounded for
display. Definitions (docs/carbon.md, "Totals"):

- gross direct total (直接排放总量): every direct emission except land-use change and
  forestry (LULUCF, the guideline's chapter 4, categories 3.B.*, negative = removal);
- net total (净排放总量): gross + LULUCF (only stated when the inventory has LULUCF rows);
- consumption-based total (消费侧排放总量): gross − electricity and heat generation
  (1.A.1.a) + the electricity consumed × the grid factor (memo item, scope indirect).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from ganpo.carbon.factors import category, fuel_factor_set_names, gwp_set, process_factor_set
from ganpo.carbon.regions import LEVELS, known_unit, region
from ganpo.carbon.result import POWER_GENERATION
from ganpo.carbon.uncertainty import approach1, approach2
from ganpo.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ganpo.store.carbon import StoredInventory
    from ganpo.store.carbon_models import CarbonInventory

Lang = Literal["zh", "en"]

G_PER_10K_T = 10**10  # grams in 万t
#: the guideline's chapters, in its order (categories.toml ``chapter``)
SECTORS = ("energy", "industry", "agriculture", "lulucf", "waste")
SECTOR_NAMES: dict[str, tuple[str, str]] = {
    "energy": ("能源活动", "Energy"),
    "industry": ("工业生产过程", "Industrial processes"),
    "agriculture": ("农业活动", "Agriculture"),
    "lulucf": ("土地利用变化和林业", "Land-use change and forestry"),
    "waste": ("废弃物处理", "Waste"),
}
LULUCF = "lulucf"
GASES = ("CO2", "CH4", "N2O")
#: Monte Carlo (IPCC Approach 2) of the report: draws and a fixed seed, stated in it
MC_DRAWS = 20_000
MC_SEED = 20110101
#: the columns of :func:`ganpo.carbon.uncertainty.approach2` the report shows
MC_COLUMNS = [
    "category_code",
    "co2e_t",
    "mean_t",
    "p2_5_t",
    "p97_5_t",
    "u_low_pct",
    "u_high_pct",
    "u_pct",
]
#: the figures of a unit, in grams (the keys of :func:`unit_figures`)
FIGURES = (
    *SECTORS,
    "gross",
    "net",
    "power",
    "electricity",
    "consumption",
)


def sector(code: str) -> str:
    """The guideline chapter of a category (``memo`` for an indirect, memo item)."""
    c = category(code)
    return "memo" if c.scope != "direct" else c.chapter


def _int_sum(values: pd.Series) -> int:
    return sum(int(v) for v in values)


def unit_figures(rows: pd.DataFrame) -> pd.DataFrame:
    """Per unit code the sectors' direct emissions and the totals in whole grams (Python
    integers): ``energy`` … ``waste``, ``gross`` (direct, LULUCF excluded), ``net`` (gross +
    LULUCF), ``power`` (1.A.1.a), ``electricity`` (memo item) and ``consumption``."""
    sectors = rows["category_code"].map(sector)
    out = []
    for unit, g in rows.groupby("unit_code", sort=True):
        s = sectors.loc[g.index]
        f = {k: _int_sum(g.loc[s == k, "co2e_g"]) for k in (*SECTORS, "memo")}
        gross = sum(f[k] for k in SECTORS if k != LULUCF)
        power = _int_sum(g.loc[g["category_code"] == POWER_GENERATION, "co2e_g"])
        out.append(
            {
                "unit_code": int(str(unit)),
                **{k: f[k] for k in SECTORS},
                "gross": gross,
                "net": gross + f[LULUCF],
                "power": power,
                "electricity": f["memo"],
                "consumption": gross - power + f["memo"],
            }
        )
    return pd.DataFrame(out, columns=["unit_code", *FIGURES]).set_index("unit_code")


def wan_t(grams: int) -> float:
    """Whole grams as 万t (÷ 10¹⁰), the division :func:`ganpo.carbon.inventory.summary`
    makes."""
    return int(grams) / G_PER_10K_T


@dataclass(frozen=True)
class InventoryFigures:
    """What the report states of one stored inventory (grams unless named otherwise)."""

    stored: StoredInventory
    region_code: int
    region_level: str
    #: the region's row of :func:`unit_figures`
    top: dict[str, int]
    #: per category of the region: co2e_g, u_pct (Approach 1), u_activity_pct, u_factor_pct
    categories: pd.DataFrame
    #: per gas (direct, LULUCF excluded): quantity_g, co2e_g
    gases: pd.DataFrame
    #: Approach 1 of the totals [%]: gross, net (if LULUCF), consumption, each sector
    total_u: dict[str, float]
    #: Approach 2 (:data:`MC_DRAWS`, :data:`MC_SEED`) of the gross total's categories
    monte_carlo: pd.DataFrame
    #: per level below the region ("city", "county"): :func:`unit_figures` of its units
    levels: dict[str, pd.DataFrame]
    has_lulucf: bool


def figures(stored: StoredInventory) -> InventoryFigures:
    """The report's figures of ``stored``."""
    h = stored.header
    rows = stored.rows
    reg = region(int(h.region_adcode))
    top_rows = rows[rows["unit_code"] == reg.code]
    if top_rows.empty:
        raise InputError(
            en=f"inventory {h.id} has no rows of its region {reg.code} ({reg.name}); it cannot "
            "be reported",
            zh=f"清单 {h.id} 没有本地区（{reg.name}）的数据，无法生成报告",
            field="region",
            values=[reg.code],
        )
    top = {str(k): int(v) for k, v in unit_figures(top_rows).iloc[0].items()}
    by_cat = pd.DataFrame(top_rows.groupby("category_code", as_index=False)["co2e_g"].agg(_int_sum))
    by_cat["unit_code"] = reg.code
    by_cat["year"] = int(h.year)
    by_cat["co2e_t"] = [int(v) / 1e6 for v in by_cat["co2e_g"]]
    by_cat["sector"] = by_cat["category_code"].map(sector)
    u = stored.uncertainty.set_index("category_code")
    a1 = approach1(by_cat, stored.uncertainty).set_index("category_code")["u_pct"]
    cats = by_cat[["category_code", "sector", "co2e_g"]].copy()
    cats["u_pct"] = [float(a1.loc[c]) for c in cats["category_code"]]
    cats["u_activity_pct"] = [float(u.loc[c, "u_activity_pct"]) for c in cats["category_code"]]
    cats["u_factor_pct"] = [float(u.loc[c, "u_factor_pct"]) for c in cats["category_code"]]
    cats["rank"] = cats["sector"].map({s: i for i, s in enumerate((*SECTORS, "memo"))})
    cats = cats.sort_values(["rank", "category_code"]).drop(columns="rank").reset_index(drop=True)

    has_lulucf = bool((by_cat["sector"] == LULUCF).any())
    gross_cats = by_cat[~by_cat["sector"].isin([LULUCF, "memo"])]
    sets = {
        "gross": gross_cats,
        "consumption": by_cat[
            (~by_cat["sector"].isin([LULUCF])) & (by_cat["category_code"] != POWER_GENERATION)
        ],
    }
    if has_lulucf:
        sets["net"] = by_cat[by_cat["sector"] != "memo"]
    for s in SECTORS:
        sets[s] = by_cat[by_cat["sector"] == s]
    total_u = {}
    for key, part in sets.items():
        if part.empty:
            continue
        t = approach1(part, stored.uncertainty)
        total_u[key] = float(t.loc[t["category_code"] == "total", "u_pct"].iloc[0])
    mc = (
        approach2(gross_cats, stored.uncertainty, n=MC_DRAWS, seed=MC_SEED)
        if not gross_cats.empty
        else pd.DataFrame(columns=MC_COLUMNS)
    )

    direct = top_rows[
        top_rows["category_code"].map(sector).isin([s for s in SECTORS if s != LULUCF])
    ]
    gases = pd.DataFrame(
        [
            {
                "gas": gas,
                "quantity_g": _int_sum(direct.loc[direct["gas"] == gas, "quantity_g"]),
                "co2e_g": _int_sum(direct.loc[direct["gas"] == gas, "co2e_g"]),
            }
            for gas in [*GASES, *sorted(set(direct["gas"]) - set(GASES))]
            if gas in GASES or (direct["gas"] == gas).any()
        ]
    )
    below = LEVELS[LEVELS.index(reg.level) + 1 :]
    levels: dict[str, pd.DataFrame] = {
        str(lv): unit_figures(rows[rows["level"] == lv])
        for lv in below
        if lv in ("city", "county") and (rows["level"] == lv).any()
    }
    return InventoryFigures(
        stored=stored,
        region_code=reg.code,
        region_level=reg.level,
        top=top,
        categories=cats,
        gases=gases,
        total_u=total_u,
        monte_carlo=mc,
        levels=levels,
        has_lulucf=has_lulucf,
    )


# ------------------------------------------------------------------ names in a language


def region_name(code: int, lang: Lang) -> str:
    """江西省 / Jiangxi Province; a city with its province in Chinese (江西省南昌市), by its
    name in English."""
    from ganpo.catalog.names import english_names

    reg = region(code)
    own = _OWNERS.sub("", reg.name)
    province = known_unit(reg.units[code].parent or 0) if reg.level == "city" else None
    if lang == "zh":
        return f"{province.name}{own}" if province is not None else own
    en = english_names().get(code, own)
    return f"{en} Province" if reg.level == "province" and "Province" not in en else en


def unit_label(code: int, name: str, lang: Lang) -> str:
    """A unit's name in ``lang`` without the province and city the built-in table adds
    (南昌市（江西省） → 南昌市; a unit without an English name keeps its Chinese one)."""
    from ganpo.catalog.names import unit_names

    return unit_names([code], [_OWNERS.sub("", name)], lang)[0]


_OWNERS = re.compile(r"（[^（）]*）$")


def category_label(code: str, lang: Lang) -> str:
    c = category(code)
    return c.zh if lang == "zh" else c.en


def category_code_shown(code: str, lang: Lang) -> str:
    """The IPCC code as the guideline prints it; the memo item as "备忘项" / "memo"."""
    if code.startswith("memo"):
        return "备忘项" if lang == "zh" else "memo"
    return code


def gwp_title(name: str, lang: Lang) -> str:
    s = gwp_set(name)
    return s.title_zh if lang == "zh" else s.title_en


def grid_name(key: str, lang: Lang) -> str:
    from ganpo.carbon.factors import grid_regions

    names = grid_regions().get(key, {})
    return names.get(lang, key.replace("_", " "))


def fuel_set_title(name: str, lang: Lang) -> str:
    from ganpo.carbon.factors import fuel_factor_set

    if name not in fuel_factor_set_names():
        return name
    s = fuel_factor_set(name)
    return s.title_zh if lang == "zh" else s.title_en


_PARAMS: dict[str, tuple[str, str]] = {
    "ncv": ("平均低位发热量", "net calorific value"),
    "carbon_content": ("单位热值含碳量", "carbon content per unit of energy"),
    "oxidation": ("碳氧化率", "fraction of carbon oxidised"),
    "cement.clinker_ef": ("水泥熟料排放因子", "clinker emission factor"),
    "cement.ckd_correction": ("水泥窑灰校正系数", "cement kiln dust correction"),
    "lime": ("石灰生产排放因子", "lime emission factor"),
    "enteric": ("肠道发酵甲烷排放因子", "enteric fermentation CH₄ factor"),
    "rice.baseline_ef": ("稻田甲烷基准排放因子", "rice CH₄ baseline factor"),
    "rice.water": ("稻田水分管理调节系数", "rice water regime scaling factor"),
    "soils.ef1": ("农用地施氮直接排放因子 EF1", "direct N₂O factor EF1"),
    "soils.ef1_flooded_rice": ("稻田施氮直接排放因子 EF1", "direct N₂O factor EF1, flooded rice"),
    "soils.ef4": ("大气氮沉降排放因子 EF4", "N deposition N₂O factor EF4"),
    "soils.ef5": ("淋溶径流排放因子 EF5", "leaching and runoff N₂O factor EF5"),
    "soils.frac_gas": ("氮挥发比例", "fraction of N volatilised"),
    "soils.frac_leach": ("氮淋溶径流比例", "fraction of N leached"),
    "landfill.docf": ("可分解有机碳分解比例 DOCf", "fraction of DOC decomposed (DOCf)"),
    "landfill.f": ("填埋气甲烷体积比例 F", "CH₄ fraction of landfill gas (F)"),
    "landfill.mcf": ("甲烷修正因子 MCF", "methane correction factor (MCF)"),
    "landfill.ox": ("氧化因子 OX", "oxidation factor (OX)"),
    "wastewater.bo": ("最大甲烷产生能力 Bo", "maximum CH₄ producing capacity (Bo)"),
    "wastewater.mcf": ("废水甲烷修正因子 MCF", "wastewater methane correction factor (MCF)"),
    "incineration.of": ("焚烧氧化因子", "incineration oxidation factor"),
    "density": ("基本木材密度", "basic wood density"),
    "bef": ("生物量扩展因子", "biomass expansion factor"),
    "root_shoot": ("根茎比", "root-to-shoot ratio"),
    "carbon_fraction": ("含碳率", "carbon fraction"),
    "culm_biomass": ("单株竹生物量", "biomass per culm"),
    "carbon_density": ("单位面积碳密度", "carbon density per area"),
    "rate": ("固碳速率", "carbon sequestration rate"),
    "energy.tce": ("标准煤折算热值", "energy of a tonne of coal equivalent"),
}


def _type_name(kind: str, lang: Lang) -> str:
    """A type's name (swine, managed anaerobic landfill, Chinese fir …) from the shipped
    process and sink factor sets' name tables; else the key made readable."""
    from ganpo.carbon.sinks_factors import sink_factor_set, sink_factor_set_names

    tables = [process_factor_set(n).names for n in ("ipcc-2006",)]
    tables += [sink_factor_set(n).names for n in sink_factor_set_names()]
    for names in tables:
        if kind in names:
            return names[kind].get(lang, kind)
    if kind in _TYPES:
        return _TYPES[kind][0 if lang == "zh" else 1]
    return kind.replace("_", " ")


#: types the shipped sets' name tables lack (the landfill oxidation factor's two cases)
_TYPES: dict[str, tuple[str, str]] = {
    "managed": ("管理型填埋场", "managed landfill"),
    "other": ("其他填埋场", "other landfill"),
}


def factor_label(key: str, lang: Lang) -> str:
    """A factor of the provenance by its name in ``lang`` (never by its key):
    ``fuel.cn-statistics.raw_coal.ncv`` → 原煤 平均低位发热量, ``grid.central_china.2023`` →
    华中区域电网 电力平均二氧化碳排放因子 …"""
    from ganpo.carbon.factors import fuel_factor_set

    i = 0 if lang == "zh" else 1
    sep = " " if lang == "zh" else ", "
    parts = key.split(".")
    if key in _PARAMS:
        return _PARAMS[key][i]
    if parts[0] == "fuel" and len(parts) == 4:
        fs = fuel_factor_set(parts[1]) if parts[1] in fuel_factor_set_names() else None
        fuel = fs.fuels.get(parts[2]) if fs else None
        fname = (fuel.zh if lang == "zh" else fuel.en) if fuel else parts[2].replace("_", " ")
        return f"{fname}{sep}{_PARAMS.get(parts[3], (parts[3], parts[3]))[i]}"
    if parts[0] == "grid" and len(parts) == 3:
        what = "电力平均二氧化碳排放因子" if lang == "zh" else "average CO₂ factor of electricity"
        return (
            f"{grid_name(parts[1], lang)}{sep}{what}（{parts[2]}）"
            if lang == "zh"
            else (f"{grid_name(parts[1], lang)}, {what} ({parts[2]})")
        )
    if parts[0] == "combustion" and len(parts) >= 5:
        gas = {"ch4": "CH₄", "n2o": "N₂O"}.get(parts[-1], parts[-1])
        code, fuel_key = ".".join(parts[2:-2]), parts[-2]
        fuel_name = fuel_key.replace("_", " ")
        for n in fuel_factor_set_names():
            found = fuel_factor_set(n).fuels.get(fuel_key)
            if found is not None:
                fuel_name = found.zh if lang == "zh" else found.en
                break
        cat = category_label(code, lang) if _known_category(code) else code
        if lang == "zh":
            return f"{cat} {fuel_name} 燃烧{gas}排放因子"
        return f"{cat}, {fuel_name}: {gas} factor of combustion"
    # <set>.<kind>… of the process and sink sets: the longest known parameter, then types
    rest = parts[1:]
    for size in range(len(rest), 0, -1):
        head = ".".join(rest[:size])
        if head in _PARAMS or (size == 1 and rest[0] == "forest"):
            break
    else:
        head = rest[0] if rest else key
    if head == "forest" and len(rest) == 3:  # forest.<type>.<factor>
        return f"{_type_name(rest[1], lang)}{sep}{_PARAMS.get(rest[2], (rest[2], rest[2]))[i]}"
    if head == "rate" and len(rest) == 3:  # rate.<ecosystem>.<type>
        return (
            f"{_type_name(rest[1], lang)}{sep}{_type_name(rest[2], lang)}{sep}{_PARAMS['rate'][i]}"
        )
    name = _PARAMS.get(head, (head.replace("_", " "),) * 2)[i]
    types = [_type_name(k, lang) for k in rest[len(head.split(".")) :]]
    return sep.join([name, *types]) if lang == "en" else " ".join([name, *types])


def _known_category(code: str) -> bool:
    from ganpo.carbon.factors import categories

    return code in categories()


_UNIT_ZH = (("/head/a", "/（头·年）"), ("/ha/d", "/（公顷·天）"), ("/culm", "/株"), ("/a", "/年"))
_SUBSCRIPTS = (("CO2", "CO₂"), ("CH4", "CH₄"), ("N2O", "N₂O"))


def factor_unit(unit: str, lang: Lang) -> str:
    """A factor's unit as a reader writes it (m³, hm², CO₂; 头·年 in Chinese); "1" (a
    ratio) as "—"."""
    from ganpo.catalog.units import prose_units

    if unit in ("1", ""):
        return "—"
    text = prose_units(unit, lang)
    for a, b in _SUBSCRIPTS:
        text = text.replace(a, b)
    if lang == "zh":
        for a, b in _UNIT_ZH:
            text = text.replace(a, b)
    return text


_CITATION = re.compile(
    r"IPCC (\d{4})(?: Guidelines)?,? Vol\. (\d+),? Ch\. (\d+)"
    r"((?:,? (?:§[\d.]+|Tables? [\d.]+(?:/[\d.]+)?|Eq\. [\d.]+(?:/[\d.]+)?))*)"
)
#: an assessment report's chapter and table (the GWP sets' sources)
_AR_CITATION = re.compile(r"IPCC (\d{4}),.*?WG I, Ch\. (\d+)\b.*?Table ([\d.]+\d)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: an English aside in brackets inside a Chinese part of a source ("(2.3 % below 2022)")
_ENGLISH_ASIDE = re.compile(r"\s*\([^()\u4e00-\u9fff]*[A-Za-z]{3,}[^()\u4e00-\u9fff]*\)")


def factor_source(source: str, lang: Lang) -> str:
    """A factor's source in ``lang``: in English as stored; in Chinese its IPCC citations
    (卷、章、表、式) and its Chinese parts (a standard's title, an announcement), with the
    stored text in brackets where it has no Chinese part or citation."""
    from ganpo.catalog.units import prose_units

    if lang == "en":
        return prose_units(source, "en")
    cites = []
    for m in _CITATION.finditer(source):
        year, vol, ch, tail = m.groups()
        bits = []
        for piece in re.findall(
            r"§[\d.]+|Tables? [\d.]+(?:/[\d.]+)?|Eq\. [\d.]+(?:/[\d.]+)?", tail
        ):
            if piece.startswith("§"):
                bits.append(piece)
            elif piece.startswith("Table"):
                bits.append("表 " + piece.split(" ", 1)[1])
            else:
                bits.append("式 " + piece.split(" ", 1)[1])
        cites.append(
            f"IPCC {year} 指南第 {vol} 卷第 {ch} 章" + ("，" + "，".join(bits) if bits else "")
        )
    for m in _AR_CITATION.finditer(source):
        cites.append(f"IPCC {m[1]} 第一工作组报告第 {m[2]} 章，表 {m[3]}")
    chinese = [p.strip() for p in re.split(r"[;,]\s+", source) if _CJK.search(p)]
    chinese = [re.sub(r"\s*\b(of|as|in|read|figure)\b.*$", "", p) for p in chinese]
    chinese = [_ENGLISH_ASIDE.sub("", p).strip() for p in chinese]
    shown = "；".join(dict.fromkeys([*cites, *(p for p in chinese if p)]))
    if not shown:
        return f"（原文：{source}）"
    return prose_units(shown, "zh")


# ------------------------------------------------------------------ the previous year


def previous_inventory(engine: Engine, header: CarbonInventory) -> CarbonInventory | None:
    """The stored inventory of the same region, the year before and the same GWP set:
    the newest published one, else the newest draft; ``None`` if there is none."""
    from ganpo.store.carbon import list_inventories

    found = [
        h
        for h in list_inventories(engine)
        if h.region_adcode == header.region_adcode
        and h.year == header.year - 1
        and h.gwp_set == header.gwp_set
        and h.id != header.id
    ]
    if not found:
        return None
    return max(found, key=lambda h: (h.status == "published", h.id))


def other_gwp_previous(engine: Engine, header: CarbonInventory) -> list[CarbonInventory]:
    """Inventories of the region and the year before under another GWP set (named in the
    report's "no previous inventory" sentence: they are not comparable)."""
    from ganpo.store.carbon import list_inventories

    return [
        h
        for h in list_inventories(engine)
        if h.region_adcode == header.region_adcode
        and h.year == header.year - 1
        and h.gwp_set != header.gwp_set
    ]


def check_previous(current: CarbonInventory, previous: CarbonInventory) -> None:
    """Refuse a previous inventory that cannot be compared: another region, not an
    earlier year, another GWP set."""
    if previous.region_adcode != current.region_adcode:
        raise InputError(
            en=f"inventory {previous.id} is of region {previous.region_adcode}, inventory "
            f"{current.id} of {current.region_adcode}: give an inventory of the same region",
            zh="上年清单须为同一地区的清单",
            field="previous",
            values=[previous.id],
        )
    if previous.year >= current.year:
        raise InputError(
            en=f"inventory {previous.id} is of {previous.year}, not earlier than inventory "
            f"{current.id} ({current.year}): give an inventory of an earlier year",
            zh="上年清单须早于本年清单",
            field="previous",
            values=[previous.id],
        )
    if previous.gwp_set != current.gwp_set:
        raise InputError(
            en=f"inventory {previous.id} uses GWP set {previous.gwp_set}, inventory {current.id} "
            f"uses {current.gwp_set}: CO2-equivalents under different GWP sets are not "
            f"comparable; give an inventory computed with {current.gwp_set} (`ganpo carbon "
            f"run … --gwp {current.gwp_set}`)",
            zh=f"上年清单的全球增温潜势版本（{previous.gwp_set}）"
            f"与本年（{current.gwp_set}）不同，不可比较",
            field="previous",
            values=[previous.gwp_set, current.gwp_set],
        )


def change_pct(before: int, after: int) -> float:
    """(after − before) / |before| in %; NaN where before is 0."""
    return (after - before) / abs(before) * 100.0 if before else math.nan
