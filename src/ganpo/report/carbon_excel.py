"""The annual greenhouse-gas inventory report's workbook (Excel): the figures of the PDF
(:mod:`ganpo.report.carbon_report`; the same lines, :mod:`ganpo.report.carbon_rows`) as
numbers, in 万吨二氧化碳当量 as each column's header says, a total row under every table of
additive rows (the sum of its rows), sheets and headers in the workbook's language only,
notes as sentences. Written with :func:`ganpo.report.export.write_excel` (frozen bold
headers, number formats, atomic); it needs none of the PDF's libraries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ganpo.report.carbon_rows import (
    PreviousYear,
    change_lines,
    city_change_lines,
    electricity_lines,
    find_previous,
    notes_in,
    total_lines,
    unit_columns,
    unit_headers,
)
from ganpo.report.carbon_tables import (
    LULUCF,
    MC_DRAWS,
    MC_SEED,
    SECTOR_NAMES,
    SECTORS,
    InventoryFigures,
    Lang,
    category_code_shown,
    category_label,
    change_pct,
    factor_label,
    factor_source,
    factor_unit,
    figures,
    fuel_set_title,
    grid_name,
    gwp_title,
    region_name,
    unit_label,
    wan_t,
)
from ganpo.report.carbon_text import TEXT, t

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ganpo.store.carbon import StoredInventory

#: sheet names, each in one language
SHEETS: dict[str, tuple[str, str]] = {
    "about": ("说明", "About"),
    "totals": ("排放总量", "Totals"),
    "sectors": ("分部门", "By sector"),
    "gases": ("分气体", "By gas"),
    "categories": ("分类别", "By category"),
    "lulucf": ("土地利用变化和林业", "LULUCF"),
    "electricity": ("电力调入调出", "Electricity"),
    "monte_carlo": ("蒙特卡罗模拟", "Monte Carlo"),
    "cities": ("设区市", "Cities"),
    "counties": ("县（市、区）", "Counties"),
    "change": ("与上年比较", "Change"),
    "change_cities": ("设区市变化", "Change by city"),
    "factors": ("排放因子", "Emission factors"),
}
#: headers, each in one language (the number formats follow their units)
HEADS: dict[str, tuple[str, str]] = {
    "emissions": ("排放量（万吨二氧化碳当量）", "Emissions (10,000 t CO2e)"),
    "gas_mass": ("排放量（万吨）", "Emissions (10,000 t of the gas)"),
    "u": ("不确定性（%）", "Uncertainty (%)"),
    "u_activity": ("活动水平不确定性（%）", "Activity data uncertainty (%)"),
    "u_factor": ("排放因子不确定性（%）", "Emission factor uncertainty (%)"),
    "share": ("占比", "Share"),
    "share_sector": ("占本部门", "Share of the sector"),
    "code": ("IPCC 代码", "IPCC code"),
    "adcode": ("行政区划代码", "Code"),
    "mean": ("平均值（万吨二氧化碳当量）", "Mean (10,000 t CO2e)"),
    "p2_5": ("2.5% 分位（万吨二氧化碳当量）", "2.5th percentile (10,000 t CO2e)"),
    "p97_5": ("97.5% 分位（万吨二氧化碳当量）", "97.5th percentile (10,000 t CO2e)"),
    "u_low": ("下限偏差（%）", "Below the estimate (%)"),
    "u_high": ("上限偏差（%）", "Above the estimate (%)"),
    "change": ("变化量（万吨二氧化碳当量）", "Change (10,000 t CO2e)"),
    "change_pct": ("变化率（%）", "Change (%)"),
    "year_col": ("{year}年（万吨二氧化碳当量）", "{year} (10,000 t CO2e)"),
}


def _h(key: str, lang: Lang, **kw: Any) -> str:
    return HEADS[key][0 if lang == "zh" else 1].format(**kw)


def _with_total(
    frame: pd.DataFrame, label_col: str, totals: dict[str, Any], label: str
) -> pd.DataFrame:
    """``frame`` with a last row labelled ``label`` holding ``totals`` (empty elsewhere)."""
    row: dict[str, Any] = {c: None for c in frame.columns}
    row[label_col] = label
    row.update(totals)
    return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def _sector_name(s: str, lang: Lang) -> str:
    return SECTOR_NAMES[s][0 if lang == "zh" else 1]


def inventory_sheets(
    f: InventoryFigures, lang: Lang, previous: PreviousYear | None = None
) -> dict[str, pd.DataFrame]:
    """The workbook's sheets (keyed by their names in ``lang``)."""
    i = 0 if lang == "zh" else 1
    emis = _h("emissions", lang)
    top, u = f.top, f.total_u
    total = t("total", lang)
    sheets: dict[str, pd.DataFrame] = {}

    item = t("item", lang)
    sheets[SHEETS["totals"][i]] = pd.DataFrame(
        [(label, wan_t(g), u_pct) for label, g, u_pct in total_lines(f, lang)],
        columns=[item, emis, _h("u", lang)],
    )

    sector = t("sector", lang)
    emitting = [s for s in SECTORS if s != LULUCF]
    gross = top["gross"]
    frame = pd.DataFrame(
        {
            sector: [_sector_name(s, lang) for s in emitting],
            emis: [wan_t(top[s]) for s in emitting],
            _h("share", lang): [top[s] / gross if gross else None for s in emitting],
            _h("u", lang): [u.get(s) for s in emitting],
        }
    )
    sheets[SHEETS["sectors"][i]] = _with_total(
        frame,
        sector,
        {
            emis: wan_t(gross),
            _h("share", lang): 1.0 if gross else None,
            _h("u", lang): u.get("gross"),
        },
        total,
    )

    gas = t("gas", lang)
    g = f.gases
    frame = pd.DataFrame(
        {
            gas: [t(str(x), lang) if str(x) in TEXT else str(x) for x in g["gas"]],
            _h("gas_mass", lang): [wan_t(int(v)) for v in g["quantity_g"]],
            emis: [wan_t(int(v)) for v in g["co2e_g"]],
            _h("share", lang): [int(v) / gross if gross else None for v in g["co2e_g"]],
        }
    )
    sheets[SHEETS["gases"][i]] = _with_total(
        frame, gas, {emis: wan_t(gross), _h("share", lang): 1.0 if gross else None}, total
    )

    for key, wanted in (("categories", emitting), ("lulucf", [LULUCF])):
        cats = f.categories[f.categories["sector"].isin(wanted)]
        if cats.empty:
            continue
        frame = pd.DataFrame(
            {
                sector: [_sector_name(str(s), lang) for s in cats["sector"]],
                _h("code", lang): [
                    category_code_shown(str(c), lang) for c in cats["category_code"]
                ],
                t("category", lang): [category_label(str(c), lang) for c in cats["category_code"]],
                emis: [wan_t(int(v)) for v in cats["co2e_g"]],
                _h("share_sector", lang): [
                    int(v) / top[str(s)] if top[str(s)] else None
                    for v, s in zip(cats["co2e_g"], cats["sector"], strict=True)
                ],
                _h("u_activity", lang): cats["u_activity_pct"].to_numpy(),
                _h("u_factor", lang): cats["u_factor_pct"].to_numpy(),
                _h("u", lang): cats["u_pct"].to_numpy(),
            }
        )
        part = sum(top[s] for s in wanted)
        part_u = u.get("gross") if key == "categories" else u.get(LULUCF)
        sheets[SHEETS[key][i]] = _with_total(
            frame, sector, {emis: wan_t(part), _h("u", lang): part_u}, total
        )

    if (f.categories["sector"] == "memo").any():
        sheets[SHEETS["electricity"][i]] = pd.DataFrame(
            [(label, wan_t(g)) for label, g in electricity_lines(f, lang)], columns=[item, emis]
        )

    mc = f.monte_carlo
    if not mc.empty:  # no direct emission: no simulation
        sheets[SHEETS["monte_carlo"][i]] = pd.DataFrame(
            {
                t("category", lang): [
                    t("gross", lang) if c == "total" else category_label(str(c), lang)
                    for c in mc["category_code"]
                ],
                emis: mc["co2e_t"].to_numpy() / 1e4,
                _h("mean", lang): mc["mean_t"].to_numpy() / 1e4,
                _h("p2_5", lang): mc["p2_5_t"].to_numpy() / 1e4,
                _h("p97_5", lang): mc["p97_5_t"].to_numpy() / 1e4,
                _h("u_low", lang): mc["u_low_pct"].to_numpy(),
                _h("u_high", lang): mc["u_high_pct"].to_numpy(),
            }
        )

    for level, key in (("city", "cities"), ("county", "counties")):
        if level in f.levels:
            sheets[SHEETS[key][i]] = _unit_sheet(f, level, lang)

    p = previous.figures if previous is not None else None
    if p is not None:
        a, b = p.stored.header.year, f.stored.header.year
        sheets[SHEETS["change"][i]] = _change_frame(change_lines(p, f, lang), item, a, b, lang)
        cities = city_change_lines(p, f, lang)
        if cities is not None:
            sheets[SHEETS["change_cities"][i]] = _change_frame(cities, t("city", lang), a, b, lang)

    fac = f.stored.factors
    sheets[SHEETS["factors"][i]] = pd.DataFrame(
        {
            t("factor", lang): [factor_label(str(k), lang) for k in fac["key"]],
            t("value", lang): [float(v) for v in fac["value"]],
            t("unit", lang): [factor_unit(str(x), lang) for x in fac["unit"]],
            t("year", lang): [int(y) for y in fac["year"]],
            t("status", lang): [
                t(str(s), lang) if str(s) in TEXT else str(s) for s in fac["status"]
            ],
            t("source", lang): [factor_source(str(s), lang) for s in fac["source"]],
        }
    )
    return sheets


def _change_frame(
    lines: list[tuple[str, int, int]], label: str, a: int, b: int, lang: Lang
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            label: [x[0] for x in lines],
            _h("year_col", lang, year=a): [wan_t(x[1]) for x in lines],
            _h("year_col", lang, year=b): [wan_t(x[2]) for x in lines],
            _h("change", lang): [wan_t(x[2] - x[1]) for x in lines],
            _h("change_pct", lang): [change_pct(x[1], x[2]) for x in lines],
        }
    )


def _unit_sheet(f: InventoryFigures, level: str, lang: Lang) -> pd.DataFrame:
    """A sheet of the units of ``level`` (a county with its city first, the label column
    that carries the total row), sectors and totals in 万t CO2e, a total row."""
    from ganpo.carbon.regions import region

    reg = region(f.region_code)
    table = f.levels[level]
    cols = unit_columns(f)
    heads = [
        f"{h}（万吨二氧化碳当量）" if lang == "zh" else f"{h} (10,000 t CO2e)"
        for h in unit_headers(f, lang)
    ]
    units = [reg.units[int(str(c))] for c in table.index]
    out: dict[str, list[Any]] = {}
    city = t("city", lang)
    if level == "county":
        out[city] = [
            unit_label(u.parent, reg.units[u.parent].name, lang)
            if u.parent is not None and u.parent in reg.units
            else ""
            for u in units
        ]
        out[t("county", lang)] = [unit_label(u.code, u.name, lang) for u in units]
    else:
        out[city] = [unit_label(u.code, u.name, lang) for u in units]
    out[_h("adcode", lang)] = [u.code for u in units]
    for c, h in zip(cols, heads, strict=True):
        out[h] = [wan_t(int(v)) for v in table[c]]
    frame = pd.DataFrame(out)
    totals = {h: wan_t(sum(int(v) for v in table[c])) for c, h in zip(cols, heads, strict=True)}
    return _with_total(frame, city, totals, t("total", lang))


def workbook_notes(f: InventoryFigures, lang: Lang, previous: PreviousYear | None) -> list[str]:
    """The About sheet's sentences: what the inventory is, its units and totals, the
    Monte Carlo's draws and seed, the previous year, the inventory's own notes."""
    h = f.stored.header
    region = region_name(f.region_code, lang)
    data = h.dataset_title_zh if lang == "zh" else h.dataset_title_en
    if lang == "zh":
        notes = [
            f"清单编号 {h.id}：{region} {h.year} 年；全球增温潜势：{gwp_title(h.gwp_set, lang)}"
            f"（{h.gwp_set}）；活动数据：{data}；燃料燃烧因子：{fuel_set_title(h.fuel_set, lang)}；"
            f"电网排放因子：{grid_name(h.grid, lang)}；ganpo {h.code_version or '—'}。",
            t("methods_text", lang),
            "排放量以万吨二氧化碳当量计（气体质量以万吨计），见各列标题；“合计”行为该表各行之和；"
            "直接排放总量不含土地利用变化和林业，消费侧排放总量 = 直接排放总量 − 本地电力和热力生产"
            "排放 + 电力消费隐含排放。",
            f"蒙特卡罗模拟抽样 {MC_DRAWS:,} 次，随机种子 {MC_SEED}。",
        ]
    else:
        notes = [
            f"Inventory no. {h.id}: {region}, {h.year}; global warming potentials: "
            f"{gwp_title(h.gwp_set, lang)} ({h.gwp_set}); activity data: {data}; fuel-combustion "
            f"factors: {fuel_set_title(h.fuel_set, lang)}; grid factor: {grid_name(h.grid, lang)}; "
            f"ganpo {h.code_version or '—'}.",
            t("methods_text", lang),
            "Emissions are in 10,000 t CO2e (masses of the gases in 10,000 t) as each column's "
            "header says; a “Total” row is the sum of its table's rows; gross direct emissions "
            "exclude land-use change and forestry; consumption-based total = gross − local "
            "electricity and heat production + emissions of the electricity consumed.",
            f"Monte Carlo simulation: {MC_DRAWS:,} draws, random seed {MC_SEED}.",
        ]
    if previous is not None and previous.figures is None:
        notes.append(previous.missing)
    notes += notes_in(list(h.notes or []), lang, h.fuel_set)
    if h.synthetic:
        notes.insert(0, t("synthetic", lang))
    return notes


def write_inventory_workbook(
    inventory: StoredInventory,
    out_path: Path | str,
    lang: Lang = "zh",
    previous: StoredInventory | None = None,
    *,
    engine: Engine | None = None,
) -> Path:
    """Write the inventory report's workbook (atomically) and return its path; the
    previous year as :func:`ganpo.report.carbon_report.write_inventory_report` finds it."""
    from ganpo.report.export import write_excel

    f = figures(inventory)
    before = find_previous(inventory, lang, previous, engine)
    title = t("title", lang, region=region_name(f.region_code, lang), year=inventory.header.year)
    return write_excel(
        inventory_sheets(f, lang, before),
        Path(out_path),
        title=title,
        notes=workbook_notes(f, lang, before),
        about_sheet=SHEETS["about"][0 if lang == "zh" else 1],
    )
