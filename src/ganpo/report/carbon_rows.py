"""The rows of the inventory report's tables in a language: the figures of
:mod:`ganpo.report.carbon_tables` as labelled lines in whole grams (shared by the PDF and
the workbook) and as the PDF's rows of text (万t with two decimals and thousands
separators, never in scientific notation); the inventory's notes; the previous year."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ganpo.catalog.units import number
from ganpo.errors import halves
from ganpo.report.carbon_tables import (
    LULUCF,
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
    region_name,
    unit_label,
    wan_t,
)
from ganpo.report.carbon_text import TEXT, t

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ganpo.store.carbon import StoredInventory


def wan_text(grams: int) -> str:
    """Whole grams in 万t with two decimals and thousands separators."""
    return number(wan_t(grams), 2)


def pct_text(value: float, decimals: int = 1) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{decimals}f}%"


def u_text(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.1f}"


def plain_number(value: float) -> str:
    """A factor's value as printed: thousands separators, no exponent, no trailing zeros
    (20,908; 0.5271; 0.0075)."""
    text = np.format_float_positional(float(value), trim="-")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def notes_in(notes: list[str], lang: Lang, fuel_set: str = "") -> list[str]:
    """The inventory's notes in ``lang`` (a note is "English / 中文"), a fuel of
    ``fuel_set`` named (原煤, raw coal) where the note gives its key; the synthetic marking
    is said on its own."""
    from ganpo.carbon.factors import fuel_factor_set, fuel_factor_set_names

    fuels = fuel_factor_set(fuel_set).fuels if fuel_set in fuel_factor_set_names() else {}
    out = []
    for n in notes:
        if n.startswith("合成数据"):
            continue
        en, zh = halves(n)
        text = zh if lang == "zh" else en
        for key, fuel in fuels.items():
            text = re.sub(rf"\b{re.escape(key)}\b", fuel.zh if lang == "zh" else fuel.en, text)
        out.append(text)
    return out


@dataclass(frozen=True)
class PreviousYear:
    """The previous year's inventory of a report, or why there is none."""

    figures: InventoryFigures | None
    #: the sentence said when there is none (empty when there is one)
    missing: str = ""


def find_previous(
    stored: StoredInventory,
    lang: Lang,
    previous: StoredInventory | None = None,
    engine: Engine | None = None,
) -> PreviousYear:
    """The previous year of ``stored``: ``previous`` checked (same region, earlier year,
    same GWP set, else :class:`InputError`), else the store's inventory of the same region,
    the year before and the same GWP set (:func:`~ganpo.report.carbon_tables.
    previous_inventory`) when ``engine`` is given, else none, with the sentence saying why."""
    from ganpo.report.carbon_tables import check_previous, other_gwp_previous, previous_inventory
    from ganpo.store.carbon import load_inventory

    h = stored.header
    if previous is not None:
        check_previous(h, previous.header)
        return PreviousYear(figures(previous))
    if engine is None:
        return PreviousYear(None, t("no_previous_given", lang))
    found = previous_inventory(engine, h)
    if found is not None:
        return PreviousYear(figures(load_inventory(engine, found.id)))
    region = region_name(int(h.region_adcode), lang)
    text = t("no_previous", lang, region=region, year=h.year - 1, gwp=h.gwp_set)
    others = sorted({o.gwp_set for o in other_gwp_previous(engine, h)})
    if others:
        sep = "、" if lang == "zh" else ", "
        text += (" " if lang == "en" else "") + t(
            "no_previous_other_gwp", lang, year=h.year - 1, sets=sep.join(others)
        )
    return PreviousYear(None, text)


def total_lines(f: InventoryFigures, lang: Lang) -> list[tuple[str, int, float | None]]:
    """The totals (label, grams, Approach 1 uncertainty %): gross, land-use change and
    forestry and net where the inventory has them, consumption-based."""
    top, u = f.top, f.total_u
    keys = ["gross", *([LULUCF, "net"] if f.has_lulucf else []), "consumption"]
    return [(t(_LABEL_KEYS.get(k, k), lang), top[k], u.get(k)) for k in keys]


_LABEL_KEYS = {LULUCF: "lulucf_row"}


def totals_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame([(label, wan_text(g), u_text(u)) for label, g, u in total_lines(f, lang)])


def sector_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    """The sectors in the guideline's order; land-use change and forestry (a net removal
    where negative) beside them, outside the gross total, which is the last row."""
    top = f.top
    gross = top["gross"]
    rows = []
    for s in SECTORS:
        if s == LULUCF and not f.has_lulucf:
            continue
        share = "—" if s == LULUCF or not gross else pct_text(top[s] / gross * 100)
        rows.append(
            (
                SECTOR_NAMES[s][0 if lang == "zh" else 1],
                wan_text(top[s]),
                share,
                u_text(f.total_u.get(s)),
            )
        )
    rows.append(
        (
            t("gross", lang),
            wan_text(gross),
            "100.0%" if gross else "—",
            u_text(f.total_u.get("gross")),
        )
    )
    return pd.DataFrame(rows)


def gas_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    gross = f.top["gross"]
    rows = [
        (
            t(str(g["gas"]), lang) if str(g["gas"]) in TEXT else str(g["gas"]),
            wan_text(int(g["quantity_g"])),
            wan_text(int(g["co2e_g"])),
            pct_text(int(g["co2e_g"]) / gross * 100) if gross else "—",
        )
        for g in f.gases.to_dict("records")
    ]
    rows.append((t("gross", lang), "—", wan_text(gross), "100.0%" if gross else "—"))
    return pd.DataFrame(rows)


def category_rows(f: InventoryFigures, s: str, lang: Lang) -> pd.DataFrame:
    cats = f.categories[f.categories["sector"] == s]
    total = f.top[s]
    rows = [
        (
            category_code_shown(str(c["category_code"]), lang),
            category_label(str(c["category_code"]), lang),
            wan_text(int(c["co2e_g"])),
            pct_text(int(c["co2e_g"]) / total * 100) if total else "—",
            u_text(float(c["u_pct"])),
        )
        for c in cats.to_dict("records")
    ]
    rows.append(
        (
            "",
            t("total", lang),
            wan_text(total),
            "100.0%" if total else "—",
            u_text(f.total_u.get(s)),
        )
    )
    return pd.DataFrame(rows)


def electricity_lines(f: InventoryFigures, lang: Lang) -> list[tuple[str, int]]:
    """The electricity chapter's lines (label, grams): consumed, generated, their
    difference (net import), the gross and the consumption-based totals."""
    top = f.top
    return [
        (t("elec_consumed", lang), top["electricity"]),
        (t("elec_generated", lang), top["power"]),
        (t("elec_net", lang), top["electricity"] - top["power"]),
        (t("gross", lang), top["gross"]),
        (t("consumption", lang), top["consumption"]),
    ]


def electricity_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame([(label, wan_text(g)) for label, g in electricity_lines(f, lang)])


def a1_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                category_code_shown(str(c["category_code"]), lang),
                category_label(str(c["category_code"]), lang),
                wan_text(int(c["co2e_g"])),
                u_text(float(c["u_activity_pct"])),
                u_text(float(c["u_factor_pct"])),
                u_text(float(c["u_pct"])),
            )
            for c in f.categories.to_dict("records")
        ]
    )


def a2_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    rows = []
    for r in f.monte_carlo.to_dict("records"):
        code = str(r["category_code"])
        label = t("gross", lang) if code == "total" else category_label(code, lang)
        rows.append(
            (
                label,
                number(float(r["co2e_t"]) / 1e4),
                number(float(r["p2_5_t"]) / 1e4),
                number(float(r["p97_5_t"]) / 1e4),
                f"−{float(r['u_low_pct']):.1f} / +{float(r['u_high_pct']):.1f}",
            )
        )
    return pd.DataFrame(rows)


def unit_columns(f: InventoryFigures) -> list[str]:
    cols = [s for s in SECTORS if s != LULUCF or f.has_lulucf]
    return [*cols, "gross", *(["net"] if f.has_lulucf else []), "consumption"]


def unit_headers(f: InventoryFigures, lang: Lang) -> list[str]:
    names = {s: SECTOR_NAMES[s][0 if lang == "zh" else 1] for s in SECTORS}
    names |= {k: t(f"col_{k}", lang) for k in ("gross", "net", "consumption")}
    return [names[c] for c in unit_columns(f)]


def unit_rows(f: InventoryFigures, level: str, lang: Lang) -> tuple[pd.DataFrame, list[str]]:
    """The units of ``level`` (cities, counties; a county with its city), each sector and
    total in 万t CO2e, and a total row: the sum of the rows."""
    from ganpo.carbon.regions import region

    reg = region(f.region_code)
    table = f.levels[level]
    cols = unit_columns(f)
    out = []
    for code, r in table.iterrows():
        unit = reg.units[int(str(code))]
        row = [unit_label(unit.code, unit.name, lang)]
        if level == "county":
            parent = reg.units.get(unit.parent) if unit.parent is not None else None
            row.insert(0, unit_label(parent.code, parent.name, lang) if parent else "")
        out.append([*row, *(wan_text(int(r[c])) for c in cols)])
    total = [t("total", lang), *(wan_text(sum(int(v) for v in table[c])) for c in cols)]
    if level == "county":
        total.insert(0, "")
    out.append(total)
    first = [t("city", lang)] if level == "city" else [t("city", lang), t("county", lang)]
    return pd.DataFrame(out), [*first, *unit_headers(f, lang)]


def _change_line(label: str, a: int, b: int) -> tuple[str, str, str, str, str]:
    return (label, wan_text(a), wan_text(b), wan_text(b - a), pct_text(change_pct(a, b)))


def change_lines(
    p: InventoryFigures, f: InventoryFigures, lang: Lang
) -> list[tuple[str, int, int]]:
    """The totals and the emitting sectors of both years (label, grams before, after)."""
    keys = ["gross", *([LULUCF, "net"] if f.has_lulucf or p.has_lulucf else []), "consumption"]
    lines = [(t(_LABEL_KEYS.get(k, k), lang), p.top[k], f.top[k]) for k in keys]
    lines += [
        (SECTOR_NAMES[s][0 if lang == "zh" else 1], p.top[s], f.top[s])
        for s in SECTORS
        if s != LULUCF
    ]
    return lines


def change_rows(p: InventoryFigures, f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame([_change_line(*line) for line in change_lines(p, f, lang)])


def city_change_lines(
    p: InventoryFigures, f: InventoryFigures, lang: Lang
) -> list[tuple[str, int, int]] | None:
    """The cities' gross direct emissions of both years (label, grams before, after) and
    their total (when both inventories have cities)."""
    from ganpo.carbon.regions import region

    if "city" not in f.levels or "city" not in p.levels:
        return None
    reg = region(f.region_code)
    a, b = p.levels["city"]["gross"], f.levels["city"]["gross"]
    lines = [
        (
            unit_label(int(c), reg.units[int(c)].name, lang),
            int(a.get(c, 0)),
            int(b.get(c, 0)),
        )
        for c in sorted(set(a.index) | set(b.index))
    ]
    lines.append((t("total", lang), sum(int(v) for v in a), sum(int(v) for v in b)))
    return lines


def change_unit_rows(p: InventoryFigures, f: InventoryFigures, lang: Lang) -> pd.DataFrame | None:
    lines = city_change_lines(p, f, lang)
    return None if lines is None else pd.DataFrame([_change_line(*x) for x in lines])


def factor_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    rows = []
    for r in f.stored.factors.to_dict("records"):
        status = str(r["status"])
        rows.append(
            (
                factor_label(str(r["key"]), lang),
                plain_number(float(r["value"])),
                factor_unit(str(r["unit"]), lang),
                str(int(r["year"])),
                t(status, lang) if status in TEXT else status,
                factor_source(str(r["source"]), lang),
            )
        )
    return pd.DataFrame(rows)


def gwp_rows(name: str, lang: Lang) -> pd.DataFrame:
    from ganpo.carbon.factors import gwp_set

    s = gwp_set(name)
    labels = {
        "CO2": "CO2",
        "CH4_fossil": "ch4_fossil",
        "CH4_non_fossil": "ch4_non_fossil",
        "N2O": "N2O",
    }
    source = factor_source(s.source, lang)
    return pd.DataFrame(
        [
            (t(labels[k], lang) if k in labels else k, plain_number(v), source)
            for k, v in s.values.items()
        ]
    )
