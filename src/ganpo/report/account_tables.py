"""The standard tables and notes of a stored account, as ``ganpo account export``,
``ganpo account report`` and the platform's export download give them."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from ganpo.io.units import is_county_level
from ganpo.report import summary

#: what the tables of an account's finer units hold (notes of the workbooks)
UNIT_TABLES_NOTE = (
    "{year}: the account runs per {level}; the {level} tables hold what is computed per "
    "{level} (raster services, statistics given per {level}); statistics given per county "
    "are not split among a county's {level}s and appear in the county, city and province "
    "tables only / 按{level}核算：{level}表只含按{level}计算的项目（栅格服务、按{level}填报的"
    "统计），按县填报的统计不拆分到{level}，只计入县、市、省表"
)


def finer_frames(
    results: pd.DataFrame, units: pd.DataFrame, physical: pd.DataFrame, suffix: str = ""
) -> dict[str, pd.DataFrame]:
    """The tables of the account's own units when they are finer than counties
    (``gep_by_township``, ``physical_by_township`` …); none for a county-level account.
    They hold what is computed per unit: statistics given per county are in the county
    tables only."""
    if "level" not in units.columns or is_county_level(units):
        return {}
    level = str(units["level"].iloc[0])
    out = {f"gep_by_{level}{suffix}": summary.gep_by_unit(results, units, "unit")}
    if not physical.empty:
        out[f"physical_by_{level}{suffix}"] = summary.physical_by_unit(physical, units, "unit")
    return out


def account_frames(stored: Any) -> dict[str, pd.DataFrame]:
    """The standard tables of a stored account (summary, by service, type, unit; all rows
    with their prices; its quality report), keyed by sheet name."""
    from ganpo.report.quality import quality_table

    return {
        "gep_by_category": summary.gep_by_category(stored.results),
        "gep_by_indicator": summary.gep_by_indicator(stored.results),
        "gep_by_ecosystem": summary.gep_by_ecosystem(stored.results),
        "gep_by_county": summary.gep_by_unit(stored.results, stored.units, "county"),
        "gep_by_city": summary.gep_by_unit(stored.results, stored.units, "city"),
        "results": stored.results,
        "prices": stored.prices.drop(columns=["id", "account_id", "by_type"]),
        # quantities reported beside the GEP, never valued (profile [physical])
        **(
            {"physical_by_county": summary.physical_by_unit(stored.physical, stored.units)}
            if not stored.physical.empty
            else {}
        ),
        # an account at a finer level: its own units beside the counties (decision 0021)
        **finer_frames(stored.results, stored.units, stored.physical),
        # coverage, decisions, warnings, overrides, parameters not verified (both languages)
        "quality": quality_table(stored),
    }


# ------------------------------------------------------------------- the account workbook
# The workbook a statistician opens: values in 亿元/万元 as each column's header says,
# a total row under every table of additive rows (equal to the sum of its rows), sheets
# named in both languages, no keys or code structures in cells, notes as sentences.

TOTAL = "合计 Total"  # ganpo.report.export.TOTAL_LABEL
YI, WAN = 1e8, 1e4


def _money_cols(frame: pd.DataFrame, scale: float = YI) -> pd.DataFrame:
    return frame / scale


def _with_total(frame: pd.DataFrame, label_col: str, sum_cols: list[str]) -> pd.DataFrame:
    """``frame`` with a last row "合计 Total": the sums of ``sum_cols``, empty elsewhere."""
    total: dict[str, Any] = {c: None for c in frame.columns}
    total[label_col] = TOTAL
    for c in sum_cols:
        total[c] = float(frame[c].sum())
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def _unit_sheet(
    table: pd.DataFrame, parent: dict[int, str] | None, parent_head: str, name_head: str
) -> pd.DataFrame:
    out = pd.DataFrame({"代码 Code": table["adcode"].astype("int64").to_numpy()})
    if parent is not None:
        out[parent_head] = [
            parent.get(int(p), "") if pd.notna(p) else "" for p in table["parent_adcode"]
        ]
    out[name_head] = table["name"].astype(str).to_numpy()
    out["面积（km²）Area (km²)"] = table["area_km2"].to_numpy()
    out["GEP（亿元）GEP (100 million yuan)"] = table["gep_cny"].to_numpy() / YI
    out["物质产品（亿元）Material (100 million yuan)"] = table["material_cny"].to_numpy() / YI
    out["调节服务（亿元）Regulating (100 million yuan)"] = table["regulating_cny"].to_numpy() / YI
    out["文化服务（亿元）Cultural (100 million yuan)"] = table["cultural_cny"].to_numpy() / YI
    out["单位面积 GEP（万元/km²）GEP per km² (10,000 yuan/km²)"] = (
        table["gep_cny_per_km2"].to_numpy() / WAN
    )
    sums = [c for c in out.columns if "亿元" in c or "km²）Area" in c]
    total = _with_total(out.drop(columns="代码 Code"), name_head, sums)
    density = "单位面积 GEP（万元/km²）GEP per km² (10,000 yuan/km²)"
    area = float(out["面积（km²）Area (km²)"].sum())
    total.loc[len(total) - 1, density] = (
        float(out["GEP（亿元）GEP (100 million yuan)"].sum()) * YI / area / WAN if area else None
    )
    total.insert(0, "代码 Code", [*out["代码 Code"].tolist(), None])
    return total


def account_workbook(
    stored: Any, language: str = "zh", change: pd.DataFrame | None = None
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The account's workbook (sheets keyed by their bilingual names) and its notes in
    ``language``: summary, indicators, ecosystems, cities, counties (and the account's own
    units below the counties), physical indicators, the change from the previous year
    (``change``: :func:`ganpo.report.summary.compare`), every result row, the
    parameters and the quality report."""
    from ganpo.catalog.ecosystems import ecosystem_types
    from ganpo.catalog.parameter_names import parameter_name
    from ganpo.catalog.units import display_unit, is_money, prose_units
    from ganpo.report.method_table import STATUS_NAMES, unit_text
    from ganpo.report.quality import parameter_source, quality_table

    lang: Literal["zh", "en"] = "zh" if language == "zh" else "en"
    results = stored.results
    sheets: dict[str, pd.DataFrame] = {}

    cats = summary.gep_by_category(results)
    sheets["汇总 Summary"] = _with_total(
        pd.DataFrame(
            {
                "类别 Category": [
                    f"{z} {e}" for z, e in zip(cats.name_zh, cats.name_en, strict=True)
                ],
                "价值（亿元）Value (100 million yuan)": cats.value_cny.to_numpy() / YI,
                "占比 Share": cats.share.to_numpy(),
            }
        ),
        "类别 Category",
        ["价值（亿元）Value (100 million yuan)", "占比 Share"],
    )

    by = summary.gep_by_indicator(results)
    quantities: list[float | None] = []
    units: list[str] = []
    for q, u in zip(by.quantity, by.quantity_unit, strict=True):
        if is_money(str(u)):
            quantities.append(None)
            units.append("—")
            continue
        zh, div = display_unit(str(u), "zh", float(q))
        en, _ = display_unit(str(u), "en", float(q))
        quantities.append(float(q) / div)
        units.append(f"{zh} {en}")
    sheets["按指标 By indicator"] = _with_total(
        pd.DataFrame(
            {
                "指标 Indicator": [f"{z} {e}" for z, e in zip(by.name_zh, by.name_en, strict=True)],
                "实物量 Quantity": quantities,
                "实物量单位 Unit": units,
                "价值（亿元）Value (100 million yuan)": by.value_cny.to_numpy() / YI,
                "占比 Share": by.share.to_numpy(),
            }
        ),
        "指标 Indicator",
        ["价值（亿元）Value (100 million yuan)", "占比 Share"],
    )

    eco = summary.gep_by_ecosystem(results)
    sheets["按生态系统 By ecosystem"] = _with_total(
        pd.DataFrame(
            {
                "生态系统类型 Ecosystem type": [
                    f"{z} {e}" for z, e in zip(eco.name_zh, eco.name_en, strict=True)
                ],
                "价值（亿元）Value (100 million yuan)": eco.value_cny.to_numpy() / YI,
                "占比 Share": eco.share.to_numpy(),
            }
        ),
        "生态系统类型 Ecosystem type",
        ["价值（亿元）Value (100 million yuan)", "占比 Share"],
    )

    cities = summary.gep_by_unit(results, stored.units, "city")
    sheets["按市 By city"] = _unit_sheet(cities, None, "", "设区市 City")
    counties = summary.gep_by_unit(results, stored.units, "county")
    city_names = dict(zip(cities.adcode.astype(int), cities["name"].astype(str), strict=True))
    sheets["按县 By county"] = _unit_sheet(
        counties, city_names, "设区市 City", "县（市、区）County"
    )
    finer = finer_frames(results, stored.units, stored.physical)
    level = stored.level
    if finer:
        from ganpo.io.units import LEVEL_NAMES

        en_level, zh_level = LEVEL_NAMES.get(level, (level, level))
        own = finer[f"gep_by_{level}"]
        county_names = dict(
            zip(counties.adcode.astype(int), counties["name"].astype(str), strict=True)
        )
        sheets[f"按{zh_level} By {en_level}"] = _unit_sheet(
            own, county_names, "县（市、区）County", f"{zh_level} {en_level.capitalize()}"
        )

    if not stored.physical.empty:
        phys = summary.physical_by_unit(stored.physical, stored.units)
        table = pd.DataFrame(
            {
                "代码 Code": counties.adcode.to_numpy(),
                "县（市、区）County": counties["name"].to_numpy(),
            }
        )
        heads = []
        for keys, rows in phys.groupby(["name_zh", "name_en", "quantity_unit"], sort=False):
            zh, en, u = (str(k) for k in keys)
            q = rows.set_index("adcode")["quantity"].reindex(table["代码 Code"]).to_numpy()
            label_zh, div = display_unit(str(u), "zh", float(rows.quantity.sum()))
            label_en, _ = display_unit(str(u), "en", float(rows.quantity.sum()))
            head = f"{zh}（{label_zh}）{en} ({label_en})"
            table[head] = q / div
            heads.append(head)
        sheets["实物量 Physical"] = _with_total(table, "县（市、区）County", heads)

    if change is not None:
        a, b = change.attrs.get("label_a", "A"), change.attrs.get("label_b", "B")
        rows = change[change.indicator != summary.GEP_KEY]
        frame = pd.DataFrame(
            {
                "指标 Indicator": [
                    f"{z} {e}" for z, e in zip(rows.name_zh, rows.name_en, strict=True)
                ],
                f"{a}年（亿元）{a} (100 million yuan)": rows.value_a_cny.to_numpy() / YI,
                f"{b}年（亿元）{b} (100 million yuan)": rows.value_b_cny.to_numpy() / YI,
                "变化（亿元）Change (100 million yuan)": rows.change_cny.to_numpy() / YI,
            }
        )
        sums = [c for c in frame.columns if "亿元" in c]
        frame = _with_total(frame, "指标 Indicator", sums)
        va, vb = frame[sums[0]], frame[sums[1]]
        frame["变化率（%）Change (%)"] = (100 * (vb - va) / va.where(va != 0)).to_numpy()
        sheets["年度变化 Change"] = frame

    types = {t.code: t for t in ecosystem_types()}
    county_name = dict(zip(counties.adcode.astype(int), counties["name"].astype(str), strict=True))
    ind = dict(zip(by.indicator, zip(by.name_zh, by.name_en, strict=True), strict=True))
    detail = pd.DataFrame(
        {
            "指标 Indicator": [" ".join(ind.get(k, (k, ""))) for k in results.indicator],
            "生态系统类型 Ecosystem type": [
                f"{types[c].name_zh} {types[c].name_en}" if c in types else "—"
                for c in results.ecosystem_code.astype(int)
            ],
            "县（市、区）County": [county_name.get(int(c), str(c)) for c in results.county_adcode],
            "实物量 Quantity": [
                None if is_money(str(u)) else float(q)
                for q, u in zip(results.quantity, results.quantity_unit, strict=True)
            ],
            "实物量单位 Unit": [
                "—"
                if is_money(str(u))
                else f"{display_unit(str(u), 'zh', 1.0)[0]} {display_unit(str(u), 'en', 1.0)[0]}"
                for u in results.quantity_unit
            ],
            "价值（万元）Value (10,000 yuan)": results.value_cny.to_numpy() / WAN,
        }
    )
    sheets["明细 Results"] = _with_total(
        detail, "指标 Indicator", ["价值（万元）Value (10,000 yuan)"]
    )

    prices = stored.prices
    sheets["参数 Parameters"] = pd.DataFrame(
        {
            "参数 Parameter": [
                f"{parameter_name(str(k), 'zh')} {parameter_name(str(k), 'en')}" for k in prices.key
            ],
            "数值 Value": [
                float(v) if isinstance(v, int | float) and pd.notna(v) else None
                for v in prices.value
            ],
            "单位 Unit": [prose_units(unit_text(str(u), lang), lang) for u in prices.unit],
            "年份 Year": [int(y) if pd.notna(y) else None for y in prices.year],
            "核实情况 Status": [
                " ".join(STATUS_NAMES.get(str(s), (str(s), str(s)))) for s in prices.status
            ],
            # in the workbook's language, the price index by its name
            "来源 Source": [
                parameter_source(str(s), str(k), str(stored.account.parameter_set), lang)
                for s, k in zip(prices.source, prices.key, strict=True)
            ],
        }
    )
    sheets["质量报告 Quality"] = quality_table(stored)
    return sheets, readable_notes(stored, lang)


def readable_notes(stored: Any, language: str) -> list[str]:
    """The workbook's notes as sentences in ``language``: what the account is, how its
    values are shown, where its warnings and decisions are."""
    from ganpo.catalog.profiles import load_profile
    from ganpo.report.account_report import _set_title

    a = stored.account
    zh = language == "zh"
    try:
        p = load_profile(a.profile)
        profile = p.title_zh if zh else p.title_en
    except Exception:  # a profile no longer in the catalogue: its name
        profile = a.profile
    params = _set_title(a.parameter_set, a.parameter_set_version, "zh" if zh else "en")
    level = {
        "county": ("县", "county"),
        "township": ("乡镇", "township"),
        "village": ("村", "village"),
    }
    lv_zh, lv_en = level.get(stored.level, (stored.level, stored.level))
    if zh:
        notes = [
            f"核算编号 {a.id}：{a.dataset_name} {a.year} 年；核算口径：{profile}；"
            f"参数集：{params}；按{lv_zh}核算；ganpo {a.code_version}；"
            f"输入数据摘要 {a.input_digest[:16]}。",
            "价值以亿元（万元）计，见各列标题；“合计”行为该表各行之和。",
            "物质产品以产值（增加值）计，其实物量即价值，实物量栏空白。",
            f"核算运行中的警告 {len(a.warnings or [])} 条，对输入数据所作的决定见“质量报告”页。",
        ]
        if stored.level != "county":
            notes.append(
                f"按{lv_zh}核算：{lv_zh}表只含按{lv_zh}计算的项目（栅格服务、按{lv_zh}填报的统计），"
                f"按县填报的统计不拆分到{lv_zh}，只计入县、市表。"
            )
        if a.synthetic:
            notes.append("本表基于合成数据（仅行政区划为真实数据），数字不得引用。")
    else:
        notes = [
            f"Account no. {a.id}: {a.dataset_name} {a.year}; profile: {profile}; parameters: "
            f"{params}; accounted per {lv_en}; ganpo {a.code_version}; inputs digest "
            f"{a.input_digest[:16]}.",
            "Values are in 100 million yuan (or 10,000 yuan) as each column's header says; "
            "a “Total” row is the sum of its table's rows.",
            "Material products are valued by their output (value added): their quantity is a "
            "value, so the quantity cell is empty.",
            f"The run gave {len(a.warnings or [])} warning(s); they and the decisions taken "
            "about the inputs are on the Quality sheet.",
        ]
        if stored.level != "county":
            notes.append(
                f"The account runs per {lv_en}: the {lv_en} table holds what is computed per "
                f"{lv_en}; statistics given per county are not split among a county's "
                f"{lv_en}s and appear in the county and city tables only."
            )
        if a.synthetic:
            notes.append(
                "Synthetic data (only the boundaries are real): do not cite these numbers."
            )
    from ganpo.store.repository import standing_mark

    mark = standing_mark(a)  # a withdrawn or superseded account: its first note says so
    if mark:
        notes.insert(0, mark)
    return notes
