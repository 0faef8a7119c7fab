"""The departure audit pack (领导干部自然资源资产离任审计资料) as PDF and Excel, in Chinese or
English, from an :class:`~ganpo.apply.audit.AuditPack`.

Sections: cover (unit, tenure, issuing body, 合成数据 when any record used is synthetic),
the rule choosing the accounts, natural-resource areas by ecosystem type (公顷 and 平方千米),
the ecosystem asset value, the forest stock by forest type (林木蓄积量, 万立方米, and the
living-biomass carbon it holds, 万吨碳) at both dates, GEP by category at both dates (万元,
at the prices of each year and at the end year's prices), carbon emissions and sinks
(万吨二氧化碳当量), damage cases and compensation settlements (万元), the zoning violations
found in the tenure, the decision's indicators at both dates and the unit's targets with
their status, each value with its source, figures not available and why, and the records
used with their status. The workbook holds the same tables as numbers (the PDF rounds them
to two decimals), one language throughout.
The page layout and tables are the annual GEP report's (:mod:`ganpo.report.annual`).
"""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from ganpo.catalog.parameter_names import index_name
from ganpo.report.annual import CSS, _table, write_pdf

if TYPE_CHECKING:
    from ganpo.apply.audit import AuditPack

Lang = Literal["zh", "en"]

TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "{unit}领导干部自然资源资产离任审计资料",
        "Natural-resource asset departure audit: {unit}",
    ),
    "tenure": ("任期：{start} 至 {end}", "Tenure: {start} to {end}"),
    "issuer_default": (
        "ganpo 生态产品总值核算平台生成（未指定出具单位）",
        "Prepared with ganpo (no issuing body given)",
    ),
    "synthetic": (
        "合成数据：本资料所用的部分核算成果为示范用合成数据，数字不得引用。",
        "Synthetic data: some records used are synthetic demonstration data. Do not cite the "
        "numbers.",
    ),
    "restricted": ("仅供审计使用", "For audit use only"),
    "basis": ("一、核算时点与口径", "1. Dates and basis"),
    "basis_rule": (
        "核算成果按年度编制，Y 年核算代表 Y 年末状况。某一日期的状况取该日期当日或之前"
        "最近一个年末的核算：任期起始 {start} 取 {ys} 年核算，任期终止 {end} 取 {ye} 年核算。同一"
        "年度有多份核算时，取最新的已发布核算，否则取最新草稿，不用已撤回或已被替代的核算。",
        "Accounts are annual; the account of year Y stands for the state at the end of Y. The "
        "state at a date is taken from the last year end on or before it: the start of tenure "
        "({start}) uses the account of {ys}, the end ({end}) that of {ye}. Of several accounts "
        "of a year the newest published one is used, else the newest draft, never a withdrawn "
        "or superseded one.",
    ),
    "basis_prices": (
        "生态产品价值以万元列示，可比价为 {py} 年价格，按{deflator}换算。",
        "Values are in 10,000 CNY; comparable prices are those of {py}, restated by the "
        "{deflator}.",
    ),
    "assets": ("二、自然资源资产面积", "2. Natural-resource areas"),
    "assets_caption": (
        "表 1-1 按生态系统类型的面积（核算成果的生态系统范围）",
        "Table 1-1. Area by ecosystem type (extent of the accounts)",
    ),
    "asset_values_caption": (
        "表 1-2 生态系统资产价值（{py} 年价格，万元）",
        "Table 1-2. Ecosystem asset value ({py} prices, 10,000 CNY)",
    ),
    "asset_values_rule": (
        "生态系统资产价值为各年生态产品价值流量的净现值（联合国《环境经济核算体系—生态系统核算》"
        "货币资产账户口径）：资产价值 = 年流量 × {factor:.3f}（贴现率 {rate:.2%}，{years} 年）。",
        "The ecosystem asset value is the net present value of the year's service flows (the "
        "monetary asset account of SEEA Ecosystem Accounting): value = the year's flow × "
        "{factor:.3f} (discount rate {rate:.2%}, {years} years).",
    ),
    "stocks_caption": (
        "表 1-3 林木蓄积量及生物量碳储量（分森林类型）",
        "Table 1-3. Forest stand volume and living-biomass carbon by forest type",
    ),
    "stocks_rule": (
        "林木蓄积量取经审核通过的森林资源清查报送数据：各县（市、区）取清查年份不晚于该日期所代表"
        "年度（当日或之前最近一个年末）的最近一期清查（清查年份视同该年末状况），市为所辖县（市、"
        "区）之和。所用清查年份：任期起始 {ys}，任期终止 {ye}。生物量碳储量 = 蓄积量 × "
        "基本木材密度 × 生物量扩展因子 ×（1 + 根茎比）× 含碳率（与碳汇核算相同），因子取自"
        "“{factors}”。水资源量和湿地实物存量未入库，未列示。",
        "Stand volume comes from the approved forest-inventory reports: for each county the "
        "latest inventory whose year is not after the year standing for the date (the last "
        "year end on or before it; an inventory of year Y is read as the state at the end of "
        "Y), a city being the sum of its counties. Inventory years used: start of tenure {ys}, "
        "end of tenure {ye}. Living-biomass carbon = volume × basic wood density × "
        "biomass expansion factor × (1 + root-to-shoot ratio) × carbon fraction (the chain of "
        "the sink account), with the factors of '{factors}'. Water resources and wetland "
        "stocks are not stored and not shown.",
    ),
    "no_stocks": (
        "任期起止两个时点均无可用的森林资源清查数据（见“无法提供的数据”）。",
        "No forest inventory is available for either date (see 'Figures not available').",
    ),
    "forest_type": ("森林类型", "Forest type"),
    "start_volume": ("任期起始蓄积量（万立方米）", "Start volume (10,000 m³)"),
    "end_volume": ("任期终止蓄积量（万立方米）", "End volume (10,000 m³)"),
    "change_volume": ("蓄积量变化（万立方米）", "Volume change (10,000 m³)"),
    "start_carbon": ("任期起始碳储量（万吨碳）", "Start carbon (10,000 t C)"),
    "end_carbon": ("任期终止碳储量（万吨碳）", "End carbon (10,000 t C)"),
    "change_carbon": ("碳储量变化（万吨碳）", "Carbon change (10,000 t C)"),
    "none_year": ("无", "none"),
    "start_asset": ("{y} 年资产价值（万元）", "{y} asset value (10,000 CNY)"),
    "change_asset": ("变化（万元）", "Change (10,000 CNY)"),
    "gep": ("三、生态产品总值", "3. Gross ecosystem product"),
    "gep_caption": ("表 2 生态产品总值（万元）", "Table 2. Gross ecosystem product (10,000 CNY)"),
    "carbon": ("四、温室气体排放与碳汇", "4. Greenhouse-gas emissions and sinks"),
    "carbon_caption": (
        "表 3 温室气体排放（万吨二氧化碳当量）",
        "Table 3. Greenhouse-gas emissions (10,000 t CO2e)",
    ),
    "settlements": ("五、生态环境损害与生态补偿", "5. Ecological damage and compensation"),
    "zoning": ("六、违反生态环境分区管控要求的情况", "6. Breaches of zoning control"),
    "damage_caption": (
        "表 4 任期内发生的生态环境损害案件（万元，按各案基线核算年份价格）",
        "Table 4. Ecological damage cases of the tenure (10,000 CNY, at the prices of each "
        "case's baseline account)",
    ),
    "no_damage": (
        "任期内没有涉及本单位的生态环境损害案件记录。",
        "No ecological damage case of the tenure involves the unit.",
    ),
    "violations_caption": (
        "表 6 任期内发现的违反分区管控要求的案件",
        "Table 6. Zoning violations found in the tenure",
    ),
    "no_violations": (
        "任期内没有本单位违反分区管控要求的案件记录。",
        "No zoning violation of the unit was found in the tenure.",
    ),
    "case": ("案件编号", "Case"),
    "case_title": ("案件名称", "Title"),
    "damage_date": ("损害日期", "Date of damage"),
    "area_ha": ("面积（公顷）", "Area (ha)"),
    "interim": ("期间损害", "Interim loss"),
    "permanent": ("永久性损害", "Permanent loss"),
    "total_loss": ("损害合计", "Total loss"),
    "paid": ("已赔付", "Paid"),
    "price_year": ("价格年份", "Price year"),
    "county": ("县（市、区）", "County"),
    "control_unit": ("管控单元", "Control unit"),
    "found_on": ("发现日期", "Found"),
    "violation_kind": ("违规类型", "Kind"),
    "description_col": ("案情", "Facts"),
    "penalty": ("罚款（万元）", "Fine (10,000 CNY)"),
    "case_status": ("办理状态", "Status"),
    "closed_on": ("结案日期", "Closed"),
    "damage_case": ("生态环境损害案件", "damage case"),
    "role_damage": ("损害案件", "damage case"),
    "targets": ("七、目标完成情况", "7. Targets"),
    "indicators_caption": (
        "表 7 主要监测指标（已入库监测序列）",
        "Table 7. Monitoring indicators (stored series)",
    ),
    "targets_caption": (
        "表 8 本单位目标完成情况（{y} 年，所需增速法）",
        "Table 8. The unit's targets ({y}, required-growth method)",
    ),
    "no_indicators": (
        "已入库的监测序列中没有本单位在上述年份的数值。",
        "The stored series hold no value of the unit for these years.",
    ),
    "no_targets": (
        "目标登记册中没有分解到本单位、期限与任期重叠的目标。",
        "The target registry holds no target of the unit whose period meets the tenure.",
    ),
    "indicator": ("指标", "Indicator"),
    "measure": ("计量单位", "Unit"),
    "value_at": ("{y} 年", "{y}"),
    "change_plain": ("变化", "Change"),
    "source": ("数据来源", "Source"),
    "target": ("目标", "Target"),
    "period": ("目标期", "Period"),
    "target_value": ("目标值", "Target value"),
    "actual": ("实际值", "Actual"),
    "grade": ("完成情况", "Status"),
    "reason": ("判定依据", "Reason"),
    "target_basis": ("目标性质", "Target status"),
    "target_adopted": ("已发布", "adopted"),
    "target_synthetic": ("合成数据", "SYNTHETIC"),
    "target_draft": ("草案", "draft"),
    "kind_floor": ("不低于", "at least"),
    "kind_ceiling": ("不高于", "at most"),
    "kind_reduction_pct": ("下降", "reduction"),
    "settlements_caption": (
        "表 5 任期内涉及本单位的横向生态补偿结算（万元）",
        "Table 5. Horizontal compensation settled in the tenure's years (10,000 CNY)",
    ),
    "no_settlements": (
        "任期内没有涉及本单位的生态补偿结算记录。",
        "No compensation settlement of the tenure's years involves the unit.",
    ),
    "missing": ("八、无法提供的数据", "8. Figures not available"),
    "none_missing": ("所有数据均可提供。", "Every figure is available."),
    "sources": ("九、数据来源", "9. Sources"),
    "sources_caption": ("表 9 本资料使用的记录", "Table 9. Records used"),
    "notes": ("说明", "Notes"),
    # headers
    "type": ("生态系统类型", "Ecosystem type"),
    "total": ("合计", "Total"),
    "start_ha": ("起始面积（公顷）", "Start (ha)"),
    "end_ha": ("终止面积（公顷）", "End (ha)"),
    "change_ha": ("变化（公顷）", "Change (ha)"),
    "start_km2": ("起始面积（平方千米）", "Start (km²)"),
    "end_km2": ("终止面积（平方千米）", "End (km²)"),
    "change_km2": ("变化（平方千米）", "Change (km²)"),
    "category": ("类别", "Category"),
    "current": ("{y} 年（当年价，万元）", "{y} (current prices, 10,000 CNY)"),
    "constant": ("{y} 年（{py} 年价，万元）", "{y} ({py} prices, 10,000 CNY)"),
    "change_value": ("变化（可比价，万元）", "Change (comparable prices, 10,000 CNY)"),
    "change_pct": ("变化率（%）", "Change (%)"),
    "item": ("项目", "Item"),
    "co2e": ("{y} 年（万吨二氧化碳当量）", "{y} (10,000 t CO2e)"),
    "change_co2e": ("变化（万吨二氧化碳当量）", "Change (10,000 t CO2e)"),
    "agreement": ("补偿协议", "Agreement"),
    "year": ("年度", "Year"),
    "party": ("本单位所在方", "The unit's party"),
    "payer": ("付款方", "Payer"),
    "payee": ("收款方", "Payee"),
    "amount": ("金额（万元）", "Amount (10,000 CNY)"),
    "in_force": ("是否现行", "In force"),
    "run": ("结算编号", "Settlement no."),
    "kind": ("记录类型", "Record"),
    "id": ("编号", "No."),
    "role": ("用途", "Used for"),
    "status": ("状态", "Status"),
    "synthetic_col": ("合成数据", "Synthetic"),
    "no": ("序号", "No."),
    "what": ("无法提供的数据及原因", "Figure not available, and why"),
    "yes": ("是", "yes"),
    "no_": ("否", "no"),
    "upstream": ("上游", "upstream"),
    "downstream": ("下游", "downstream"),
    "account": ("生态产品总值核算", "GEP account"),
    "inventory": ("温室气体清单", "greenhouse-gas inventory"),
    "forest_inventory": ("森林资源清查（报送数据）", "forest inventory (reported)"),
    "settlement": ("生态补偿结算", "compensation settlement"),
    "role_start": ("任期起始", "start of tenure"),
    "role_end": ("任期终止", "end of tenure"),
    "role_settlement": ("补偿结算", "settlement"),
    "status_published": ("已发布", "published"),
    "status_draft": ("草稿", "draft"),
    "status_stored": ("已入库", "stored"),
    "status_approved": ("已审核通过", "approved"),
    "description": (
        "{unit}任期 {start} 至 {end} 的自然资源资产、生态产品总值、碳排放与生态补偿",
        "Natural-resource assets, GEP, carbon and compensation of {unit}, {start} to {end}",
    ),
    "keywords": (
        "离任审计, 自然资源资产, 生态产品总值, {unit}",
        "departure audit, natural-resource assets, GEP, {unit}",
    ),
}

SHEETS: dict[str, tuple[str, str]] = {
    "about": ("说明", "About"),
    "assets": ("自然资源资产面积", "Areas"),
    "asset_values": ("生态系统资产价值", "Asset value"),
    "stocks": ("林木蓄积量", "Forest stock"),
    "gep": ("生态产品总值", "GEP"),
    "carbon": ("温室气体排放", "Emissions"),
    "damage": ("生态环境损害案件", "Damage cases"),
    "settlements": ("生态补偿结算", "Settlements"),
    "violations": ("分区管控违规案件", "Zoning violations"),
    "indicators": ("监测指标", "Indicators"),
    "targets": ("目标完成情况", "Targets"),
    "missing": ("无法提供的数据", "Not available"),
    "sources": ("数据来源", "Sources"),
}


def t(key: str, lang: Lang, **kw: object) -> str:
    text = TEXT[key][0 if lang == "zh" else 1]
    return text.format(**kw) if kw else text


def _num(x: float, decimals: int = 2) -> str:
    """A number as a table shows it: thousands separated, ``—`` when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    shown = f"{x:,.{decimals}f}"
    return shown[1:] if shown.startswith("-") and not shown.strip("-0.,") else shown


def in_language(text: str, lang: Lang) -> str:
    """A stored bilingual text ("中文 / English", "中文（注）/ English") in ``lang``; any
    other text as it is."""
    parts = re.split(r" ?/ ", text, maxsplit=1)
    return text if len(parts) == 1 else parts[0 if lang == "zh" else 1]


def _name(row: pd.Series, lang: Lang) -> str:
    return str(row["name_zh"] if lang == "zh" else row["name_en"])


# ----------------------------------------------------------------------------- tables


def asset_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """Areas by type with a total row, numbers (ha, km²), headers in ``lang``."""
    a = pack.assets
    cols = ["start_ha", "end_ha", "change_ha", "start_km2", "end_km2", "change_km2"]
    out = pd.DataFrame({t("type", lang): [_name(r, lang) for _, r in a.iterrows()]})
    for c in cols:
        out[t(c, lang)] = a[c].astype(float).to_numpy()
    total = {t("type", lang): t("total", lang)} | {
        t(c, lang): float(a[c].sum(min_count=1)) if len(a) else float("nan") for c in cols
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def asset_value_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """Ecosystem asset value by type [万元] at both dates with a total row."""
    a = pack.asset_values
    ys, ye = pack.years["start"], pack.years["end"]
    out = pd.DataFrame(
        {
            t("type", lang): [_name(r, lang) for _, r in a.iterrows()],
            t("start_asset", lang, y=ys): a["start_asset_cny"].astype(float).to_numpy() / 1e4,
            t("start_asset", lang, y=ye): a["end_asset_cny"].astype(float).to_numpy() / 1e4,
            t("change_asset", lang): a["change_cny"].astype(float).to_numpy() / 1e4,
        }
    )
    total = {t("type", lang): t("total", lang)} | {
        c: float(out[c].sum(min_count=1)) for c in out.columns[1:]
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def stock_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """Forest stand volume [万m³] and living-biomass carbon [万t C] by forest type at both
    dates with a total row, headers in ``lang``."""
    d = pack.stocks
    keys = ["start_volume", "end_volume", "change_volume"]
    keys += ["start_carbon", "end_carbon", "change_carbon"]
    cols = ["start_m3", "end_m3", "change_m3", "start_carbon_t", "end_carbon_t"]
    cols += ["change_carbon_t"]
    out = pd.DataFrame({t("forest_type", lang): [_name(r, lang) for _, r in d.iterrows()]})
    for key, col in zip(keys, cols, strict=True):
        out[t(key, lang)] = d[col].astype(float).to_numpy() / 1e4 if len(d) else []
    total = {t("forest_type", lang): t("total", lang)} | {
        c: float(out[c].sum(min_count=1)) if len(out) else float("nan") for c in out.columns[1:]
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def stock_years_text(pack: AuditPack, side: str, lang: Lang) -> str:
    """The inventory years used for a date ("2021、2023" / "2021, 2023"; none)."""
    years = pack.stock_years.get(side, [])
    if not years:
        return t("none_year", lang)
    return ("、" if lang == "zh" else ", ").join(map(str, years))


def stocks_rule(pack: AuditPack, lang: Lang) -> str:
    """How the stock table's inventories were chosen and converted, in ``lang``."""
    from ganpo.carbon.sinks_factors import sink_factor_set

    f = sink_factor_set(pack.sink_factors or "cn-forestry")
    return t(
        "stocks_rule",
        lang,
        ys=stock_years_text(pack, "start", lang),
        ye=stock_years_text(pack, "end", lang),
        factors=f.title_zh if lang == "zh" else f.title_en,
    )


def gep_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """GEP by category [万元] at both dates, headers in ``lang``."""
    g = pack.gep
    ys, ye, py = pack.years["start"], pack.years["end"], pack.price_year or pack.years["end"]
    return pd.DataFrame(
        {
            t("category", lang): [_name(r, lang) for _, r in g.iterrows()],
            t("current", lang, y=ys): g["start_cny"].to_numpy() / 1e4,
            t("constant", lang, y=ys, py=py): g["start_constant_cny"].to_numpy() / 1e4,
            t("current", lang, y=ye): g["end_cny"].to_numpy() / 1e4,
            t("change_value", lang): g["change_cny"].to_numpy() / 1e4,
            t("change_pct", lang): g["change_pct"].to_numpy(),
        }
    )


def carbon_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """Emissions and sinks [万t CO2e] at both dates, headers in ``lang``."""
    c = pack.carbon
    return pd.DataFrame(
        {
            t("item", lang): [_name(r, lang) for _, r in c.iterrows()],
            t("co2e", lang, y=pack.years["start"]): c["start_t"].to_numpy() / 1e4,
            t("co2e", lang, y=pack.years["end"]): c["end_t"].to_numpy() / 1e4,
            t("change_co2e", lang): c["change_t"].to_numpy() / 1e4,
        }
    )


def settlement_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    s = pack.settlements
    return pd.DataFrame(
        {
            t("agreement", lang): s[f"title_{lang}"].astype(str).to_numpy(),
            t("year", lang): s["year"].astype(int).to_numpy(),
            t("party", lang): [t(str(p), lang) for p in s["party"]],
            t("payer", lang): s[f"payer_{lang}"].astype(str).to_numpy(),
            t("payee", lang): s[f"payee_{lang}"].astype(str).to_numpy(),
            t("amount", lang): s["amount_cny"].astype(float).to_numpy() / 1e4,
            t("in_force", lang): [t("yes" if f else "no_", lang) for f in s["in_force"]],
            t("run", lang): s["run_id"].astype(int).to_numpy(),
        }
    )


def _day(x: object) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def damage_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """The damage cases of the tenure [万元], headers in ``lang``."""
    d = pack.damage
    return pd.DataFrame(
        {
            t("case", lang): d["case_no"].astype(str).to_numpy(),
            t("case_title", lang): d["title"].astype(str).to_numpy(),
            t("damage_date", lang): [_day(x) for x in d["damage_date"]],
            t("county", lang): _county_names(d["county_adcode"], lang),
            t("area_ha", lang): d["area_m2"].astype(float).to_numpy() / 1e4,
            t("interim", lang): d["interim_cny"].astype(float).to_numpy() / 1e4,
            t("permanent", lang): d["permanent_cny"].astype(float).to_numpy() / 1e4,
            t("total_loss", lang): d["total_cny"].astype(float).to_numpy() / 1e4,
            t("paid", lang): d["paid_cny"].astype(float).to_numpy() / 1e4,
            t("price_year", lang): d["price_year"].astype(int).to_numpy(),
        }
    )


def violation_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """The zoning violations of the tenure, headers in ``lang``."""
    d = pack.violations
    return pd.DataFrame(
        {
            t("case", lang): d["case_no"].astype(str).to_numpy(),
            t("county", lang): _county_names(d["county_adcode"], lang),
            t("control_unit", lang): d["unit_code"].astype(str).to_numpy(),
            t("found_on", lang): [_day(x) for x in d["found_on"]],
            t("violation_kind", lang): d[f"kind_{lang}"].astype(str).to_numpy(),
            t("description_col", lang): d["description"].astype(str).to_numpy(),
            t("penalty", lang): d["penalty_cny"].astype(float).to_numpy() / 1e4,
            t("case_status", lang): d[f"status_{lang}"].astype(str).to_numpy(),
            t("closed_on", lang): [_day(x) for x in d["closed_on"]],
            t("source", lang): d["source"].astype(str).to_numpy(),
        }
    )


def _county_names(codes: pd.Series, lang: Lang) -> list[str]:
    """County names in ``lang`` from the district table (the adcode when not found)."""
    from ganpo.catalog.names import unit_names
    from ganpo.io.regions import read_district_table

    table = read_district_table()
    known = dict(zip(table["district_adcode"].astype(int), table["district_name"], strict=True))
    ints = [int(c) for c in codes]
    return unit_names(ints, [str(known.get(c, c)) for c in ints], lang)


def indicator_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """The unit's indicator values at both dates, each with its source, headers in
    ``lang`` (the source is the stored text, which names its record in both languages)."""
    d = pack.indicators
    ys, ye = pack.years["start"], pack.years["end"]
    if d.empty:
        return pd.DataFrame(
            columns=[t(k, lang) for k in ("indicator", "measure", "change_plain", "source")]
        )

    def src(row: pd.Series) -> str:
        parts = [in_language(str(row[f"{side}_source"]), lang) for side in ("start", "end")]
        return "；".join(dict.fromkeys(p for p in parts if p))

    return pd.DataFrame(
        {
            t("indicator", lang): [_name(r, lang) for _, r in d.iterrows()],
            t("measure", lang): d[f"unit_{lang}"].astype(str).to_numpy(),
            t("value_at", lang, y=ys): d["start_value"].astype(float).to_numpy(),
            t("value_at", lang, y=ye): d["end_value"].astype(float).to_numpy(),
            t("change_plain", lang): d["change"].astype(float).to_numpy(),
            t("source", lang): [src(r) for _, r in d.iterrows()],
        }
    )


def _target_label(row: pd.Series, lang: Lang) -> str:
    kind = t(f"kind_{row['kind']}", lang)
    return f"{_name(row, lang)}（{kind}）" if lang == "zh" else f"{_name(row, lang)} ({kind})"


def target_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    """The unit's targets with their status, headers in ``lang``."""
    d = pack.targets
    if d.empty:
        return pd.DataFrame(columns=[t(k, lang) for k in ("target", "grade")])

    def basis(s: str) -> str:
        return t(f"target_{s}", lang) if f"target_{s}" in TEXT else s

    return pd.DataFrame(
        {
            t("target", lang): [_target_label(r, lang) for _, r in d.iterrows()],
            t("period", lang): [f"{r['first_year']}–{r['last_year']}" for _, r in d.iterrows()],
            t("measure", lang): d[f"unit_{lang}"].astype(str).to_numpy(),
            t("target_value", lang): d["target_value"].astype(float).to_numpy(),
            t("year", lang): d["year"].astype(int).to_numpy(),
            t("actual", lang): d["actual"].astype(float).to_numpy(),
            t("grade", lang): d[f"status_{lang}"].astype(str).to_numpy(),
            t("reason", lang): d[f"reason_{lang}"].astype(str).to_numpy(),
            t("target_basis", lang): [basis(str(x)) for x in d["target_status"]],
            t("source", lang): [in_language(str(x), lang) for x in d["source"]],
        }
    )


def missing_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("no", lang): list(range(1, len(pack.missing) + 1)),
            t("what", lang): [m.zh if lang == "zh" else m.en for m in pack.missing],
        }
    )


def _source_id(record: int, version: int | None, lang: Lang) -> int | str:
    """A record's number, with its version for a reported table (12（第 2 版）)."""
    if version is None:
        return record
    return f"{record}（第 {version} 版）" if lang == "zh" else f"{record} (version {version})"


def source_frame(pack: AuditPack, lang: Lang) -> pd.DataFrame:
    def status(s: str) -> str:
        return t(f"status_{s}", lang) if f"status_{s}" in TEXT else s

    return pd.DataFrame(
        {
            t("kind", lang): [t(s.kind, lang) for s in pack.sources],
            t("id", lang): [_source_id(s.id, s.version, lang) for s in pack.sources],
            t("year", lang): [s.year for s in pack.sources],
            t("role", lang): [t(f"role_{s.role}", lang) for s in pack.sources],
            t("status", lang): [status(s.status) for s in pack.sources],
            t("synthetic_col", lang): [
                t("yes" if s.synthetic else "no_", lang) for s in pack.sources
            ],
        }
    )


def _shown(frame: pd.DataFrame, integer: tuple[str, ...] = ()) -> pd.DataFrame:
    """The frame's numbers as text: two decimals, thousands separated, — when missing."""
    out = frame.copy()
    for col in out.columns:
        if col in integer:
            out[col] = [str(int(v)) for v in out[col]]
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = [_num(float(v)) for v in out[col]]
    return out


# ----------------------------------------------------------------------------- PDF


def _unit_label(pack: AuditPack, lang: Lang) -> str:
    """The unit's name in ``lang`` (its Chinese name when it has no English one)."""
    from ganpo.catalog.names import unit_names

    return unit_names([pack.unit_code], [pack.unit_name], lang)[0]


def build_audit_html(
    pack: AuditPack, lang: Lang = "zh", *, issuer: str = "", report_date: str = ""
) -> str:
    """The pack as a standalone HTML document; the PDF's title, author, subject and
    keywords come from its head."""
    import ganpo

    esc = html.escape
    unit = _unit_label(pack, lang)
    start, end = pack.start.isoformat(), pack.end.isoformat()
    title = t("title", lang, unit=unit)
    issuer = issuer or t("issuer_default", lang)
    day = report_date or datetime.now(UTC).date().isoformat()
    subject = t("description", lang, unit=unit, start=start, end=end)

    def p(text: str, cls: str = "") -> str:
        return f"<p{f' class={cls!r}' if cls else ''}>{esc(text)}</p>"

    def h2(key: str) -> str:
        return f"<h2>{esc(t(key, lang))}</h2>"

    parts = [
        f"<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title>"
        f"<meta name='author' content='{esc(issuer)}'>"
        f"<meta name='description' content='{esc(subject)}'>"
        f"<meta name='keywords' content='{esc(t('keywords', lang, unit=unit))}'>"
        f"<meta name='generator' content='ganpo {esc(str(ganpo.__version__))}'>"
        f"<meta name='dcterms.created' content='{esc(day)}'>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<div class='cover'><h1>{esc(title)}</h1>",
        p(t("tenure", lang, start=start, end=end), "meta"),
        p(issuer, "issuer"),
        p(day, "date"),
        p(t("restricted", lang), "meta"),
        p(t("synthetic", lang), "warn") if pack.synthetic else "",
        "</div>",
        h2("basis"),
        p(
            t(
                "basis_rule",
                lang,
                start=start,
                end=end,
                ys=pack.years["start"],
                ye=pack.years["end"],
            )
        ),
    ]
    if pack.price_year is not None:
        parts.append(
            p(t("basis_prices", lang, py=pack.price_year, deflator=index_name(pack.deflator, lang)))
        )
    for zh, en in pack.notes:
        parts.append(p(zh if lang == "zh" else en))
    parts += [h2("assets"), p(t("assets_caption", lang), "caption")]
    parts.append(
        _table(
            _shown(asset_frame(pack, lang)), list(asset_frame(pack, lang).columns), total_row=True
        )
    )
    if len(pack.asset_values) and pack.price_year is not None:
        from ganpo.apply.vep import DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON_YEARS

        values = asset_value_frame(pack, lang)
        parts += [
            p(t("asset_values_caption", lang, py=pack.price_year), "caption"),
            _table(_shown(values), list(values.columns), total_row=True),
            p(
                t(
                    "asset_values_rule",
                    lang,
                    factor=pack.npv_factor,
                    rate=DEFAULT_DISCOUNT_RATE,
                    years=DEFAULT_HORIZON_YEARS,
                )
            ),
        ]
    parts.append(p(t("stocks_caption", lang), "caption"))
    if len(pack.stocks):
        stocks = stock_frame(pack, lang)
        parts.append(_table(_shown(stocks), list(stocks.columns), total_row=True))
    else:
        parts.append(p(t("no_stocks", lang)))
    parts.append(p(stocks_rule(pack, lang)))
    gep = gep_frame(pack, lang)
    parts += [
        h2("gep"),
        p(t("gep_caption", lang), "caption"),
        _table(_shown(gep), list(gep.columns)),
    ]
    carbon = carbon_frame(pack, lang)
    parts += [
        h2("carbon"),
        p(t("carbon_caption", lang), "caption"),
        _table(_shown(carbon), list(carbon.columns)),
    ]
    gone = {m.item: m.zh if lang == "zh" else m.en for m in pack.missing}
    parts.append(h2("settlements"))
    if "damage" in gone:
        parts.append(p(gone["damage"]))
    elif len(pack.damage):
        dmg = damage_frame(pack, lang)
        shown = _shown(dmg, (t("price_year", lang),))
        parts += [p(t("damage_caption", lang), "caption"), _table(shown, list(dmg.columns))]
    else:
        parts.append(p(t("no_damage", lang)))
    if len(pack.settlements):
        s = settlement_frame(pack, lang)
        shown = _shown(s, (t("year", lang), t("run", lang)))
        parts += [p(t("settlements_caption", lang), "caption"), _table(shown, list(s.columns))]
    else:
        parts.append(p(t("no_settlements", lang)))
    parts.append(h2("zoning"))
    if "zoning" in gone:  # an empty register: say so
        parts.append(p(gone["zoning"]))
    elif len(pack.violations):
        vio = violation_frame(pack, lang)
        parts += [
            p(t("violations_caption", lang), "caption"),
            _table(_shown(vio), list(vio.columns)),
        ]
    else:
        parts.append(p(t("no_violations", lang)))
    parts += [h2("targets"), p(t("indicators_caption", lang), "caption")]
    ind = indicator_frame(pack, lang)
    parts.append(
        _table(_shown(ind), list(ind.columns)) if len(ind) else p(t("no_indicators", lang))
    )
    parts.append(p(t("targets_caption", lang, y=pack.years["end"]), "caption"))
    tg = target_frame(pack, lang)
    parts.append(
        _table(_shown(tg, (t("year", lang),)), list(tg.columns))
        if len(tg)
        else p(t("no_targets", lang))
    )
    parts.append(h2("missing"))
    if pack.missing:
        parts.append(
            "<ol>"
            + "".join(f"<li>{esc(m.zh if lang == 'zh' else m.en)}</li>" for m in pack.missing)
            + "</ol>"
        )
    else:
        parts.append(p(t("none_missing", lang)))
    src = source_frame(pack, lang)
    parts += [
        h2("sources"),
        p(t("sources_caption", lang), "caption"),
        _table(src.astype(str), list(src.columns)),
        "</body></html>",
    ]
    return "".join(parts)


EXTRA_CSS = """
h2 { page-break-before: auto; }
.cover .warn { font-size: 12pt; border: 2px solid #b71c1c; padding: 3mm; }
.caption { font-weight: bold; margin-bottom: 0; }
"""


def write_audit_pdf(
    pack: AuditPack,
    out_path: Path | str,
    lang: Lang = "zh",
    *,
    issuer: str = "",
    report_date: str = "",
) -> Path:
    """Write the pack as PDF (atomically) and return its path."""
    document = build_audit_html(pack, lang, issuer=issuer, report_date=report_date)
    return write_pdf(document, Path(out_path))


# ----------------------------------------------------------------------------- Excel


def audit_sheets(pack: AuditPack, lang: Lang = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's tables, keyed by their sheet names in ``lang``."""
    i = 0 if lang == "zh" else 1
    return {
        SHEETS["assets"][i]: asset_frame(pack, lang),
        SHEETS["asset_values"][i]: asset_value_frame(pack, lang),
        SHEETS["stocks"][i]: stock_frame(pack, lang),
        SHEETS["gep"][i]: gep_frame(pack, lang),
        SHEETS["carbon"][i]: carbon_frame(pack, lang),
        SHEETS["damage"][i]: damage_frame(pack, lang),
        SHEETS["settlements"][i]: settlement_frame(pack, lang),
        SHEETS["violations"][i]: violation_frame(pack, lang),
        SHEETS["indicators"][i]: indicator_frame(pack, lang),
        SHEETS["targets"][i]: target_frame(pack, lang),
        SHEETS["missing"][i]: missing_frame(pack, lang),
        SHEETS["sources"][i]: source_frame(pack, lang),
    }


def workbook_notes(pack: AuditPack, lang: Lang) -> list[str]:
    start, end = pack.start.isoformat(), pack.end.isoformat()
    notes = [
        t("tenure", lang, start=start, end=end),
        t("basis_rule", lang, start=start, end=end, ys=pack.years["start"], ye=pack.years["end"]),
    ]
    if pack.price_year is not None:
        notes.append(
            t("basis_prices", lang, py=pack.price_year, deflator=index_name(pack.deflator, lang))
        )
    notes.append(stocks_rule(pack, lang))
    notes += [zh if lang == "zh" else en for zh, en in pack.notes]
    notes.append(t("restricted", lang))
    if pack.synthetic:
        notes.insert(0, t("synthetic", lang))
    return notes


def write_audit_workbook(pack: AuditPack, out_path: Path | str, lang: Lang = "zh") -> Path:
    """Write the pack's workbook (atomically) and return its path."""
    from ganpo.report.export import write_excel

    return write_excel(
        audit_sheets(pack, lang),
        Path(out_path),
        title=t("title", lang, unit=_unit_label(pack, lang)),
        notes=workbook_notes(pack, lang),
        about_sheet=SHEETS["about"][0 if lang == "zh" else 1],
    )
