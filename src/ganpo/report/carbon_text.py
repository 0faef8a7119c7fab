"""The texts of the annual greenhouse-gas inventory report (:mod:`ganpo.report.
carbon_report`) and its workbook (:mod:`ganpo.report.carbon_excel`), each in Chinese and
English: headings, labels, table captions and the sentences that explain the figures."""

from __future__ import annotations

from typing import Any

from ganpo.report.carbon_tables import Lang

TEXT: dict[str, dict[Lang, str]] = {
    "title": {
        "zh": "{region}{year}年温室气体清单报告",
        "en": "Greenhouse gas inventory of {region}, {year}",
    },
    "synthetic": {
        "zh": "合成数据：本清单的活动数据为 ganpo 示范用合成数据，不是统计数据，数字不得引用。",
        "en": "Synthetic data: the activity data of this inventory are synthetic demonstration "
        "data of ganpo, not statistics. Do not cite its numbers.",
    },
    "issuer_default": {
        "zh": "ganpo 温室气体清单平台编制（未指定发布单位）",
        "en": "Prepared with ganpo, the greenhouse gas inventory platform (no issuing body given)",
    },
    "inventory_line": {
        "zh": "清单编号 {id} · {status} · ganpo{version}",
        "en": "Inventory no. {id} · {status} · ganpo{version}",
    },
    "toc": {"zh": "目  录", "en": "Contents"},
    "overview": {"zh": "概述", "en": "Overview"},
    "overall": {"zh": "总体排放情况", "en": "Overall emissions"},
    "electricity": {"zh": "电力调入调出间接排放", "en": "Indirect emissions of electricity"},
    "uncertainty": {"zh": "不确定性", "en": "Uncertainty"},
    "units": {"zh": "各设区市和县（市、区）排放", "en": "Emissions by city and county"},
    "units_counties": {"zh": "各县（市、区）排放", "en": "Emissions by county"},
    "change": {"zh": "与上年比较", "en": "Change from the previous year"},
    "appendix": {"zh": "附录：排放因子及来源", "en": "Appendix: emission factors and sources"},
    "unit_wan": {"zh": "万吨二氧化碳当量", "en": "10,000 t CO₂e"},
    "emissions": {"zh": "排放量（万吨二氧化碳当量）", "en": "Emissions (10,000 t CO₂e)"},
    "item": {"zh": "项目", "en": "Item"},
    "content": {"zh": "内容", "en": "Content"},
    "sector": {"zh": "部门", "en": "Sector"},
    "share_gross": {"zh": "占直接排放总量", "en": "Share of gross total"},
    "share_sector": {"zh": "占本部门", "en": "Share of the sector"},
    "share": {"zh": "占比", "en": "Share"},
    "u": {"zh": "不确定性（±%）", "en": "Uncertainty (±%)"},
    "code": {"zh": "IPCC 代码", "en": "IPCC code"},
    "category": {"zh": "排放源和吸收汇类别", "en": "Source or sink category"},
    "gas": {"zh": "气体", "en": "Gas"},
    "gas_mass": {"zh": "排放量（万吨）", "en": "Emissions (10,000 t of the gas)"},
    "total": {"zh": "合计", "en": "Total"},
    "gross": {
        "zh": "直接排放总量（不含土地利用变化和林业）",
        "en": "Gross direct emissions (excluding land-use change and forestry)",
    },
    "lulucf_row": {
        "zh": "土地利用变化和林业（负值为净吸收）",
        "en": "Land-use change and forestry (negative: net removal)",
    },
    "net": {
        "zh": "净排放总量（含土地利用变化和林业）",
        "en": "Net emissions (including land-use change and forestry)",
    },
    "consumption": {
        "zh": "消费侧排放总量（含电力调入调出）",
        "en": "Consumption-based total (with the electricity imported and exported)",
    },
    "kpi_gross": {"zh": "直接排放总量", "en": "Gross direct emissions"},
    "kpi_net": {"zh": "净排放总量", "en": "Net emissions"},
    "kpi_consumption": {"zh": "消费侧排放总量", "en": "Consumption-based total"},
    "kpi_u": {"zh": "直接排放总量不确定性", "en": "Uncertainty of the gross total"},
    "table_totals": {"zh": "表 {n}  排放总量", "en": "Table {n}  Totals"},
    "table_sectors": {"zh": "表 {n}  分部门排放", "en": "Table {n}  Emissions by sector"},
    "table_gases": {"zh": "表 {n}  分气体排放", "en": "Table {n}  Emissions by gas"},
    "table_sector": {"zh": "表 {n}  {sector}排放", "en": "Table {n}  {sector}"},
    "table_electricity": {
        "zh": "表 {n}  电力调入调出间接排放",
        "en": "Table {n}  Indirect emissions of electricity",
    },
    "table_a1": {
        "zh": "表 {n}  分类别不确定性（方法 1，误差传播）",
        "en": "Table {n}  Uncertainty by category (Approach 1, error propagation)",
    },
    "table_a1_totals": {
        "zh": "表 {n}  总量的不确定性（方法 1）",
        "en": "Table {n}  Uncertainty of the totals (Approach 1)",
    },
    "table_a2": {
        "zh": "表 {n}  蒙特卡罗模拟（方法 2）",
        "en": "Table {n}  Monte Carlo simulation (Approach 2)",
    },
    "table_cities": {"zh": "表 {n}  各设区市排放", "en": "Table {n}  Emissions by city"},
    "table_counties": {
        "zh": "表 {n}  各县（市、区）排放",
        "en": "Table {n}  Emissions by county",
    },
    "table_change": {"zh": "表 {n}  排放变化", "en": "Table {n}  Change of emissions"},
    "table_change_cities": {
        "zh": "表 {n}  各设区市直接排放总量变化",
        "en": "Table {n}  Change of gross direct emissions by city",
    },
    "table_factors": {"zh": "附表 1  排放因子", "en": "Table A1  Emission factors"},
    "table_gwp": {"zh": "附表 2  全球增温潜势", "en": "Table A2  Global warming potentials"},
    "region": {"zh": "地区", "en": "Region"},
    "year": {"zh": "年份", "en": "Year"},
    "scope": {"zh": "清单范围", "en": "Scope"},
    "scope_text": {
        "zh": "{region}行政区域内的直接排放（{levels}），以及电力消费的间接排放（备忘项）；"
        "温室气体为二氧化碳（CO₂）、甲烷（CH₄）和氧化亚氮（N₂O）。",
        "en": "Direct emissions within {region} ({levels}) and the indirect emissions of the "
        "electricity consumed (memo item); the gases are carbon dioxide (CO₂), methane (CH₄) "
        "and nitrous oxide (N₂O).",
    },
    "gwp": {"zh": "全球增温潜势", "en": "Global warming potentials"},
    "methods": {"zh": "核算方法", "en": "Methods"},
    "methods_text": {
        "zh": "采用《2006 年 IPCC 国家温室气体清单指南》第一层级（Tier 1）方法，排放源类别与"
        "报告结构依据《省级温室气体清单编制指南（试行）》（国家发展和改革委员会，2011 年）；"
        "县级排放按类别和气体取整到克，逐级加总为设区市和全省排放，合计与分项完全一致。",
        "en": "Tier 1 methods of the 2006 IPCC Guidelines for National Greenhouse Gas "
        "Inventories; categories and the structure of the report after the provincial "
        "guideline (省级温室气体清单编制指南（试行）, National Development and Reform "
        "Commission, 2011). County emissions are rounded to whole grams per category and gas "
        "and summed to the cities and the province, so that every total is the sum of its "
        "parts.",
    },
    "data_sources": {"zh": "活动数据", "en": "Activity data"},
    "fuel_factors": {"zh": "燃料燃烧因子", "en": "Fuel-combustion factors"},
    "grid_region": {"zh": "电网排放因子", "en": "Grid emission factor"},
    "digest": {"zh": "数据摘要（SHA-256 前 12 位）", "en": "Data digest (SHA-256, first 12)"},
    "prepared": {"zh": "核算时间", "en": "Computed"},
    "status_draft": {"zh": "草稿", "en": "draft"},
    "status_published": {"zh": "已发布", "en": "published"},
    "levels_province": {"zh": "全省、设区市、县（市、区）", "en": "province, cities, counties"},
    "levels_city": {"zh": "设区市、县（市、区）", "en": "city, counties"},
    "notes": {"zh": "说明", "en": "Notes"},
    "sector_intro": {
        "zh": "{sector}{kind} {value} 万吨二氧化碳当量，{share}。",
        "en": "{sector}: {kind} {value} (10,000 t CO₂e), {share}.",
    },
    "kind_emission": {"zh": "排放", "en": "emissions of"},
    "kind_removal": {"zh": "净吸收", "en": "net removal of"},
    "share_of_gross": {"zh": "占直接排放总量的 {pct}", "en": "{pct} of the gross total"},
    "not_share": {
        "zh": "不计入直接排放总量",
        "en": "not part of the gross total",
    },
    "no_sector": {
        "zh": "本清单未核算该部门的排放（无活动数据）。",
        "en": "The inventory has no emissions of this sector (no activity data).",
    },
    "elec_consumed": {
        "zh": "电力消费隐含排放（全社会用电量 × 电网平均排放因子）",
        "en": "Emissions of the electricity consumed (consumption × grid average factor)",
    },
    "elec_generated": {
        "zh": "本地电力和热力生产直接排放（1.A.1.a）",
        "en": "Direct emissions of local electricity and heat production (1.A.1.a)",
    },
    "elec_net": {
        "zh": "电力调入调出间接排放（净调入为正）",
        "en": "Indirect emissions of electricity imported less exported (net import positive)",
    },
    "elec_text": {
        "zh": "电力调入调出间接排放按简化方法计算：全社会用电量乘以{grid}平均二氧化碳排放因子"
        "得到电力消费的排放，减去本地电力和热力生产的直接排放；本地发电与电网排放强度的差异"
        "也计入该项。消费侧排放总量 = 直接排放总量 + 电力调入调出间接排放。",
        "en": "The indirect emissions of electricity are computed by a simplified method: the "
        "electricity consumed times the average CO₂ factor of the {grid} gives the emissions "
        "of the electricity consumed, less the direct emissions of local electricity and heat "
        "production; the difference between the local plants' and the grid's emission "
        "intensity is counted in this item too. Consumption-based total = gross direct "
        "emissions + indirect emissions of electricity.",
    },
    "grid_used": {"zh": "所用电网排放因子：{items}。", "en": "Grid factor used: {items}."},
    "no_electricity": {
        "zh": "本清单没有电力消费数据，未计算电力调入调出间接排放。",
        "en": "The inventory has no electricity consumption data: no indirect emissions.",
    },
    "a1_text": {
        "zh": "方法 1（误差传播，IPCC 2006 指南第 1 卷第 3 章式 3.1、3.2）：各类别不确定性 = "
        "√(活动水平不确定性² + 排放因子不确定性²)，总量不确定性 = √Σ(Uᵢ·Eᵢ)² / |ΣEᵢ|；"
        "不确定性为 95% 置信区间的半宽，各类别视为相互独立。",
        "en": "Approach 1 (error propagation, IPCC 2006 Guidelines Vol. 1 Ch. 3 Eq. 3.1, "
        "3.2): per category U = √(U_activity² + U_factor²), for a total √Σ(Uᵢ·Eᵢ)² / |ΣEᵢ|; "
        "uncertainties are half-widths of 95 % confidence intervals, categories taken as "
        "independent.",
    },
    "a2_text": {
        "zh": "方法 2（蒙特卡罗模拟，IPCC 2006 指南第 1 卷第 3 章 3.2.3.2 节）：各类别活动水平与"
        "排放因子乘数按正态分布抽样（均值 1，标准差 = 不确定性 / 1.96，截断于 0），抽样 "
        "{draws} 次，随机种子 {seed}；直接排放总量为同一抽样之和，区间为 2.5% 与 97.5% 分位数。",
        "en": "Approach 2 (Monte Carlo, IPCC 2006 Guidelines Vol. 1 Ch. 3 §3.2.3.2): the "
        "activity and factor multipliers of each category are drawn from normal distributions "
        "(mean 1, standard deviation = uncertainty / 1.96, truncated at 0), {draws} draws, "
        "random seed {seed}; the gross total is the sum of the same draws, the interval its "
        "2.5 and 97.5 percentiles.",
    },
    "u_activity": {"zh": "活动水平（±%）", "en": "Activity data (±%)"},
    "u_factor": {"zh": "排放因子（±%）", "en": "Emission factor (±%)"},
    "u_combined": {"zh": "合成（±%）", "en": "Combined (±%)"},
    "p2_5": {"zh": "2.5% 分位", "en": "2.5th percentile"},
    "p97_5": {"zh": "97.5% 分位", "en": "97.5th percentile"},
    "range_pct": {"zh": "区间（%）", "en": "Range (%)"},
    "city": {"zh": "设区市", "en": "City"},
    "county": {"zh": "县（市、区）", "en": "County"},
    "col_gross": {"zh": "直接排放总量", "en": "Gross direct"},
    "col_net": {"zh": "净排放总量", "en": "Net"},
    "col_consumption": {"zh": "消费侧排放总量", "en": "Consumption-based"},
    "units_text": {
        "zh": "单位：万吨二氧化碳当量。县级排放逐级加总为上级行政区的排放，“合计”行为各行之和。",
        "en": "Unit: 10,000 t CO₂e. County emissions sum to the units above them; the "
        "“Total” row is the sum of the rows.",
    },
    "previous_col": {"zh": "{year} 年", "en": "{year}"},
    "change_abs": {"zh": "变化量", "en": "Change"},
    "change_rel": {"zh": "变化率", "en": "Change (%)"},
    "change_text": {
        "zh": "与 {year} 年清单（编号 {id}，同一地区、同一全球增温潜势版本 {gwp}）比较。",
        "en": "Compared with the inventory of {year} (no. {id}, same region, same GWP set {gwp}).",
    },
    "no_previous": {
        "zh": "无上年清单：清单库中没有{region}{year}年采用 {gwp} 全球增温潜势的清单，本报告"
        "不作年度比较。",
        "en": "No previous inventory: the store holds no inventory of {region} for {year} "
        "under the GWP set {gwp}, so this report makes no comparison with the previous year.",
    },
    "no_previous_other_gwp": {
        "zh": "库中另有{year}年采用其他全球增温潜势版本（{sets}）的清单，二氧化碳当量不可比较。",
        "en": "The store holds inventories of {year} under other GWP sets ({sets}); their "
        "CO₂-equivalents are not comparable.",
    },
    "no_previous_given": {
        "zh": "未提供上年清单，本报告不作年度比较。",
        "en": "No previous inventory was given, so this report makes no comparison with the "
        "previous year.",
    },
    "factor": {"zh": "因子", "en": "Factor"},
    "value": {"zh": "数值", "en": "Value"},
    "unit": {"zh": "单位", "en": "Unit"},
    "status": {"zh": "核实情况", "en": "Status"},
    "source": {"zh": "来源", "en": "Source"},
    "verified": {"zh": "已核实", "en": "verified"},
    "unverified": {"zh": "未核实", "en": "unverified"},
    "placeholder": {"zh": "占位值", "en": "placeholder"},
    "factors_text": {
        "zh": "“已核实”指数值已在所列来源中读到；“未核实”指为该方法的常用值，尚未重新核对来源。",
        "en": "“verified”: the value was read in the source named; “unverified”: the usual "
        "value of the method, not re-read in its source.",
    },
    "ch4_fossil": {"zh": "甲烷（化石源）", "en": "Methane (fossil)"},
    "ch4_non_fossil": {"zh": "甲烷（非化石源）", "en": "Methane (non-fossil)"},
    "CO2": {"zh": "二氧化碳（CO₂）", "en": "Carbon dioxide (CO₂)"},
    "CH4": {"zh": "甲烷（CH₄）", "en": "Methane (CH₄)"},
    "N2O": {"zh": "氧化亚氮（N₂O）", "en": "Nitrous oxide (N₂O)"},
    "keywords": {
        "zh": "温室气体清单, 二氧化碳排放, 省级温室气体清单编制指南, {region}, {year}",
        "en": "greenhouse gas inventory, CO2 emissions, provincial inventory guideline, "
        "{region}, {year}",
    },
    "description": {
        "zh": "依据 IPCC 2006 指南与省级温室气体清单编制指南编制的{region}{year}年温室气体清单",
        "en": "Greenhouse gas inventory of {region}, {year}, after the IPCC 2006 Guidelines "
        "and the provincial inventory guideline",
    },
}

NUMERALS = "一二三四五六七八九十"


def t(key: str, lang: Lang, **kw: Any) -> str:
    return TEXT[key][lang].format(**kw)
