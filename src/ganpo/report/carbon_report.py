"""The annual greenhouse-gas inventory report (温室气体清单报告) of a stored inventory: an
HTML document rendered to PDF by WeasyPrint, in Chinese or English, in the structure of the
provincial guideline (省级温室气体清单编制指南（试行）, NDRC 2011).

Chapters: overview (region, year, GWP set, scope, methods, data sources; 合成数据 marked
on the cover and here when the data are synthetic), overall emissions (gross direct, net
with land-use change and forestry where the inventory has it, consumption-based; by sector;
by gas in 万吨 of the gas and in 万吨二氧化碳当量), one chapter per sector with its
categories, the indirect emissions of electricity, uncertainty (IPCC Approach 1 per
category and total, Approach 2 Monte Carlo with its draws and seed), cities and counties,
the change from the previous year (or a sentence saying there is none), and an appendix of
the factors used with their unit, value, source and status. The figures come from
:mod:`ganpo.report.carbon_tables`, the tables' rows from :mod:`ganpo.report.carbon_rows`,
the texts from :mod:`ganpo.report.carbon_text`; the page layout, tables and key-figure
boxes are the annual GEP report's (:mod:`ganpo.report.annual`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ganpo.report.annual import CSS, _kpi_boxes, _table, write_pdf
from ganpo.report.carbon_rows import (
    PreviousYear,
    a1_rows,
    a2_rows,
    category_rows,
    change_rows,
    change_unit_rows,
    electricity_rows,
    factor_rows,
    find_previous,
    gas_rows,
    gwp_rows,
    notes_in,
    pct_text,
    plain_number,
    sector_rows,
    totals_rows,
    unit_rows,
    wan_text,
)
from ganpo.report.carbon_tables import (
    LULUCF,
    MC_DRAWS,
    MC_SEED,
    SECTOR_NAMES,
    SECTORS,
    InventoryFigures,
    Lang,
    factor_label,
    factor_unit,
    figures,
    fuel_set_title,
    grid_name,
    gwp_title,
    region_name,
)
from ganpo.report.carbon_text import NUMERALS, TEXT, t

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ganpo.store.carbon import StoredInventory


def _chapter_label(n: int, text: str, lang: Lang) -> str:
    if lang == "en":
        return f"{n}. {text}"
    numeral = NUMERALS[n - 1] if n <= 10 else "十" + NUMERALS[n - 11]
    return f"{numeral}、{text}"


@dataclass
class _Doc:
    """What every chapter writes with: the language, the chapters' numbered headings and
    the running table number."""

    lang: Lang
    labels: dict[str, str]
    tables: Iterator[int] = field(default_factory=lambda: iter(range(1, 1000)))

    def t(self, key: str, **kw: Any) -> str:
        return t(key, self.lang, **kw)

    def h2(self, key: str) -> str:
        return f"<h2 id='sec-{key}' class='section'>{html.escape(self.labels[key])}</h2>"

    def p(self, text: str, cls: str = "") -> str:
        return f"<p{f' class={cls!r}' if cls else ''}>{html.escape(text)}</p>"

    def caption(self, key: str, **kw: Any) -> str:
        return self.p(self.t(key, n=next(self.tables), **kw), "caption")

    def table(self, frame: pd.DataFrame, heads: list[str], *, total: bool = False) -> str:
        """A table whose headers are keys of :data:`TEXT` (or texts, when not keys)."""
        return _table(frame, [self.t(h) if h in TEXT else h for h in heads], total_row=total)


def build_inventory_html(
    f: InventoryFigures,
    lang: Lang = "zh",
    previous: PreviousYear | None = None,
    *,
    issuer: str = "",
    report_date: str = "",
) -> str:
    """The report as a standalone HTML document (cover, contents, chapters, appendix); the
    PDF's title, author, subject and keywords come from its head."""
    region = region_name(f.region_code, lang)
    previous = previous or PreviousYear(None, t("no_previous_given", lang))
    sectors = [s for s in SECTORS if s != LULUCF or f.has_lulucf]
    chapters = [("overview", t("overview", lang)), ("overall", t("overall", lang))]
    chapters += [(f"sector-{s}", SECTOR_NAMES[s][0 if lang == "zh" else 1]) for s in sectors]
    chapters += [(k, t(k, lang)) for k in ("electricity", "uncertainty")]
    if f.levels:
        chapters.append(("units", t("units" if "city" in f.levels else "units_counties", lang)))
    chapters.append(("change", t("change", lang)))
    labels = {k: _chapter_label(i, text, lang) for i, (k, text) in enumerate(chapters, start=1)}
    labels["appendix"] = t("appendix", lang)
    d = _Doc(lang, labels)
    parts = [
        _head_and_cover(f, d, region, issuer, report_date),
        f"<div class='toc'><h2 class='toc-title'>{d.t('toc')}</h2><ul>",
        *(f"<li><a href='#sec-{k}'>{html.escape(v)}</a></li>" for k, v in labels.items()),
        "</ul></div>",
        _overview(f, d, region),
        _overall(f, d),
        *(_sector(f, d, s) for s in sectors),
        _electricity(f, d),
        _uncertainty(f, d),
        _units(f, d) if f.levels else "",
        _change(f, d, previous),
        _appendix(f, d),
        "</body></html>",
    ]
    return "".join(parts)


def _head_and_cover(
    f: InventoryFigures, d: _Doc, region: str, issuer: str, report_date: str
) -> str:
    esc = html.escape
    h = f.stored.header
    title = d.t("title", region=region, year=h.year)
    issuer = issuer or d.t("issuer_default")
    date = report_date or datetime.now(UTC).date().isoformat()
    status = d.t(f"status_{h.status}") if f"status_{h.status}" in TEXT else h.status
    version = f" {h.code_version}" if h.code_version else ""
    line = d.t("inventory_line", id=h.id, status=status, version=version)
    parts = [
        f"<html lang='{'zh-CN' if d.lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title>"
        f"<meta name='author' content='{esc(issuer)}'>"
        f"<meta name='description' content='{esc(d.t('description', region=region, year=h.year))}'>"
        f"<meta name='keywords' content='{esc(d.t('keywords', region=region, year=h.year))}'>"
        f"<meta name='generator' content='ganpo {esc(h.code_version)}'>"
        f"<meta name='dcterms.created' content='{esc(date)}'>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<div class='cover'><h1>{esc(title)}</h1>",
        d.p(issuer, "issuer"),
        d.p(date, "date"),
        d.p(line, "meta"),
        d.p(d.t("synthetic"), "warn") if h.synthetic else "",
        "</div>",
    ]
    return "".join(parts)


def _overview(f: InventoryFigures, d: _Doc, region: str) -> str:
    h = f.stored.header
    zh = d.lang == "zh"
    levels = d.t("levels_province" if f.region_level == "province" else "levels_city")
    data = h.dataset_title_zh if zh else h.dataset_title_en
    if h.synthetic and "合成" not in data and "synthetic" not in data.lower():
        data += "（合成数据）" if zh else " (synthetic)"
    gwp = gwp_title(h.gwp_set, d.lang) + (f"（{h.gwp_set}）" if zh else f" ({h.gwp_set})")
    rows = [
        (d.t("region"), region),
        (d.t("year"), str(h.year)),
        (d.t("scope"), d.t("scope_text", region=region, levels=levels)),
        (d.t("gwp"), gwp),
        (d.t("methods"), d.t("methods_text")),
        (d.t("data_sources"), data),
        (d.t("fuel_factors"), fuel_set_title(h.fuel_set, d.lang)),
        (d.t("grid_region"), grid_name(h.grid, d.lang)),
        (d.t("digest"), h.dataset_digest[:12]),
        (d.t("prepared"), f"{h.created_at:%Y-%m-%d}"),
    ]
    parts = [d.h2("overview"), d.p(d.t("synthetic"), "warn") if h.synthetic else ""]
    parts.append("<div class='kv'>" + d.table(pd.DataFrame(rows), ["item", "content"]) + "</div>")
    notes = notes_in(list(h.notes or []), d.lang, h.fuel_set)
    if notes:
        parts.append(f"<h3>{d.t('notes')}</h3>")
        parts += [d.p(x, "meta") for x in notes]
    return "".join(parts)


def _overall(f: InventoryFigures, d: _Doc) -> str:
    top, unit = f.top, d.t("unit_wan")
    kpis = [(d.t("kpi_gross"), wan_text(top["gross"]), unit)]
    if f.has_lulucf:
        kpis.append((d.t("kpi_net"), wan_text(top["net"]), unit))
    kpis.append((d.t("kpi_consumption"), wan_text(top["consumption"]), unit))
    u_gross = f.total_u.get("gross", math.nan)
    kpis.append((d.t("kpi_u"), "±" + pct_text(u_gross) if math.isfinite(u_gross) else "—", ""))
    return "".join(
        [
            d.h2("overall"),
            _kpi_boxes(kpis, per_row=len(kpis)),
            d.caption("table_totals"),
            d.table(totals_rows(f, d.lang), ["item", "emissions", "u"]),
            d.caption("table_sectors"),
            d.table(
                sector_rows(f, d.lang), ["sector", "emissions", "share_gross", "u"], total=True
            ),
            d.caption("table_gases"),
            d.table(gas_rows(f, d.lang), ["gas", "gas_mass", "emissions", "share"], total=True),
        ]
    )


def _sector(f: InventoryFigures, d: _Doc, s: str) -> str:
    """A sector's chapter: its emission (or net removal) and its categories' table."""
    name = SECTOR_NAMES[s][0 if d.lang == "zh" else 1]
    if not (f.categories["sector"] == s).any():
        return d.h2(f"sector-{s}") + d.p(d.t("no_sector"))
    value, gross = f.top[s], f.top["gross"]
    if s == LULUCF:
        share = d.t("not_share")
    else:
        share = d.t("share_of_gross", pct=pct_text(value / gross * 100 if gross else math.nan))
    kind = d.t("kind_removal" if value < 0 else "kind_emission")
    intro = d.t("sector_intro", sector=name, kind=kind, value=wan_text(abs(value)), share=share)
    heads = ["code", "category", "emissions", "share_sector", "u"]
    return "".join(
        [
            d.h2(f"sector-{s}"),
            d.p(intro),
            d.caption("table_sector", sector=name),
            d.table(category_rows(f, s, d.lang), heads, total=True),
        ]
    )


def _electricity(f: InventoryFigures, d: _Doc) -> str:
    if not (f.categories["sector"] == "memo").any():
        return d.h2("electricity") + d.p(d.t("no_electricity"))
    parts = [
        d.h2("electricity"),
        d.p(d.t("elec_text", grid=grid_name(f.stored.header.grid, d.lang))),
        d.caption("table_electricity"),
        d.table(electricity_rows(f, d.lang), ["item", "emissions"], total=True),
    ]
    used = f.stored.factors[f.stored.factors["key"].str.startswith("grid.")]
    items = ("；" if d.lang == "zh" else "; ").join(
        f"{factor_label(str(r['key']), d.lang)} {plain_number(float(r['value']))} "
        f"{factor_unit(str(r['unit']), d.lang)}"
        for r in used.to_dict("records")
    )
    if items:
        parts.append(d.p(d.t("grid_used", items=items), "meta"))
    return "".join(parts)


def _uncertainty(f: InventoryFigures, d: _Doc) -> str:
    """Approach 1 per category and for the totals; Approach 2 of the gross total."""
    a1 = ["code", "category", "emissions", "u_activity", "u_factor", "u_combined"]
    parts = [
        d.h2("uncertainty"),
        d.p(d.t("a1_text")),
        d.caption("table_a1"),
        d.table(a1_rows(f, d.lang), a1),
        d.caption("table_a1_totals"),
        d.table(totals_rows(f, d.lang), ["item", "emissions", "u"]),
    ]
    if not f.monte_carlo.empty:
        a2 = ["category", "emissions", "p2_5", "p97_5", "range_pct"]
        parts += [
            d.p(d.t("a2_text", draws=f"{MC_DRAWS:,}", seed=MC_SEED)),
            d.caption("table_a2"),
            d.table(a2_rows(f, d.lang), a2, total=True),
        ]
    return "".join(parts)


def _units(f: InventoryFigures, d: _Doc) -> str:
    parts = [d.h2("units"), d.p(d.t("units_text"), "meta")]
    for level, key in (("city", "table_cities"), ("county", "table_counties")):
        if level in f.levels:
            frame, heads = unit_rows(f, level, d.lang)
            parts += [d.caption(key), "<div class='units'>", d.table(frame, heads, total=True)]
            parts.append("</div>")
    return "".join(parts)


def _change(f: InventoryFigures, d: _Doc, previous: PreviousYear) -> str:
    p = previous.figures
    if p is None:
        return d.h2("change") + d.p(previous.missing, "no-previous")
    ph = p.stored.header
    heads = [
        d.t("item"),
        d.t("previous_col", year=ph.year),
        d.t("previous_col", year=f.stored.header.year),
        d.t("change_abs"),
        d.t("change_rel"),
    ]
    parts = [
        d.h2("change"),
        d.p(d.t("change_text", year=ph.year, id=ph.id, gwp=ph.gwp_set)),
        d.caption("table_change"),
        d.table(change_rows(p, f, d.lang), heads),
    ]
    cities = change_unit_rows(p, f, d.lang)
    if cities is not None:
        parts += [d.caption("table_change_cities"), "<div class='units'>"]
        parts += [d.table(cities, [d.t("city"), *heads[1:]], total=True), "</div>"]
    return "".join(parts)


def _appendix(f: InventoryFigures, d: _Doc) -> str:
    heads = ["factor", "value", "unit", "year", "status", "source"]
    return "".join(
        [
            d.h2("appendix"),
            d.p(d.t("factors_text"), "meta"),
            d.p(d.t("table_factors"), "caption"),
            "<div class='factors'>",
            d.table(factor_rows(f, d.lang), heads),
            "</div>",
            d.p(d.t("table_gwp"), "caption"),
            d.table(gwp_rows(f.stored.header.gwp_set, d.lang), ["gas", "value", "source"]),
        ]
    )


EXTRA_CSS = """
.kv table { table-layout: fixed; }
.kv th:nth-child(1) { width: 24%; }
.cover .warn { font-size: 12pt; border: 2px solid #b71c1c; padding: 3mm; }
.factors table { table-layout: fixed; font-size: 7.5pt; }
.factors td { vertical-align: top; }
.factors th:nth-child(1) { width: 22%; }
.factors th:nth-child(2) { width: 9%; }
.factors th:nth-child(3) { width: 15%; }
.factors th:nth-child(4) { width: 6%; }
.factors th:nth-child(5) { width: 8%; }
.factors th:nth-child(6) { width: 40%; }
"""


# ------------------------------------------------------------------ the tables' rows


def write_inventory_report(
    inventory: StoredInventory,
    out_path: Path | str,
    lang: Lang = "zh",
    previous: StoredInventory | None = None,
    *,
    engine: Engine | None = None,
    issuer: str = "",
    report_date: str = "",
) -> Path:
    """Write the inventory's annual report as PDF (atomically) and return its path.

    ``previous``: the inventory of the previous year to compare with (same region, an
    earlier year and the same GWP set, else :class:`~ganpo.errors.InputError`); without it
    the store's (``engine``) inventory of the year before is found, and the report says
    when there is none. ``issuer`` names the issuing body (cover, PDF author)."""
    f = figures(inventory)
    before = find_previous(inventory, lang, previous, engine)
    document = build_inventory_html(f, lang, before, issuer=issuer, report_date=report_date)
    return write_pdf(document, Path(out_path))
