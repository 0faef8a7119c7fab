"""The opinion on a site's conformity with the zoning control (建设项目生态环境分区管控符合性
分析意见), as a PDF with a map, in Chinese or English, from a check of
:func:`ganpo.zoning.check.check_site`.

Sections: the project and its site; the control units it falls in (area or length and
share); the ecological red lines; the clauses that apply; the conclusion (the verdict, and
the clauses a person must still judge); the data and method. The map shows the units around
the site by category, the red lines and the site.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ganpo.report.annual import CSS, _table, write_pdf

if TYPE_CHECKING:
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

    from ganpo.zoning.check import SiteCheck
    from ganpo.zoning.units import ZoningDataset

Lang = Literal["zh", "en"]
COLOURS = {"priority": "#2e7d32", "key": "#e65100", "general": "#bdbdbd"}

TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "建设项目生态环境分区管控符合性分析意见",
        "Opinion on a project's conformity with the ecological-environment zoning",
    ),
    "issuer": (
        "ganpo 分区管控核查（未指定出具单位）",
        "ganpo zoning check (no issuing body named)",
    ),
    "synthetic": (
        "合成数据：本意见所用分区管控数据为示范用合成数据，不是官方成果，结论不得引用。",
        "SYNTHETIC: the zoning data of this opinion are synthetic demo data, not the "
        "official zoning; do not cite the conclusion.",
    ),
    "project": ("一、项目与选址", "1. The project and its site"),
    "industry": ("行业（GB/T 4754-2017）", "Industry (GB/T 4754-2017)"),
    "kind": ("选址类型", "Kind of site"),
    "measure": ("规模", "Size"),
    "centre": ("中心位置（经度，纬度）", "Centre (longitude, latitude)"),
    "units": ("二、涉及的环境管控单元", "2. Environmental control units"),
    "redlines": ("三、生态保护红线", "3. Ecological red lines"),
    "no_redline": ("选址不涉及生态保护红线。", "The site touches no ecological red line."),
    "clauses": ("四、适用的生态环境准入清单条款", "4. Clauses of the requirement lists that apply"),
    "no_clause": ("无适用条款。", "No clause applies."),
    "conclusion": ("五、结论", "5. Conclusion"),
    "verdict": ("分区管控符合性结论：{v}。", "Conformity with the zoning: {v}."),
    "judge": (
        "以下条款为文字性要求，须由审批人员结合项目情况研判：{ids}。",
        "These clauses are written requirements a reviewer must apply to the project: {ids}.",
    ),
    "method": ("六、数据与方法", "6. Data and method"),
    "method_text": (
        "分区管控数据：{title}（{version} 年版）。选址与各管控单元、生态保护红线叠加分析，"
        "面积按等积投影计算；条款按适用范围（单元、类别、县市省总体要求、红线）和行业代码"
        "（国民经济行业分类 GB/T 4754-2017，按门类、大类匹配）筛选；结论取各条款中最严格者："
        "禁止、限制、需人工研判、允许。",
        "Zoning data: {title} (version {version}). The site is overlaid on the control units "
        "and red lines, areas in an equal-area projection; clauses are selected by scope "
        "(unit, category, general requirements of county, city and province, red lines) and "
        "industry (GB/T 4754-2017, matched by section and division); the conclusion is the "
        "strictest effect among them: prohibited, restricted, needs judgement, allowed.",
    ),
    "map": ("图 1 选址与环境管控单元", "Figure 1 The site and the environmental control units"),
    "h_unit": ("单元编码", "Unit code"),
    "h_name": ("单元名称", "Unit name"),
    "h_cat": ("类别", "Category"),
    "h_inside": ("范围内{u}", "Inside{u}"),
    "h_share": ("占选址（%）", "Share of the site (%)"),
    "h_redline": ("红线编码", "Red line"),
    "h_where": ("适用于", "Applies to"),
    "h_dim": ("维度", "Dimension"),
    "h_effect": ("结论", "Effect"),
    "h_clause": ("条款", "Clause"),
    "red_line": ("生态保护红线", "ecological red line"),
    "point": ("点", "point"),
    "line": ("线", "line"),
    "polygon": ("面", "polygon"),
}
_UNITS = {"polygon": (" (公顷)", " (hm²)"), "line": (" (千米)", " (km)"), "point": ("", "")}
_CAT_LEGEND = {
    "priority": ("优先保护单元", "priority protection"),
    "key": ("重点管控单元", "key control"),
    "general": ("一般管控单元", "general control"),
}


def _t(key: str, lang: Lang, **kw: object) -> str:
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**kw)


def site_map_png(ds: ZoningDataset, site: BaseGeometry, lang: Lang = "zh") -> bytes:
    """A map of the site (blue), the control units around it by category and the red lines
    (hatched), with a scale in km; PNG bytes."""
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from ganpo.report.fonts import use_cjk_font

    use_cjk_font()
    minx, miny, maxx, maxy = site.buffer(max(2000.0, site.length / 4 + site.area**0.5)).bounds
    fig, ax = plt.subplots(figsize=(6.0, 4.6), dpi=150)
    near = ds.units.cx[minx:maxx, miny:maxy]
    for cat, colour in COLOURS.items():
        part = near[near["category"] == cat]
        if len(part):
            part.plot(ax=ax, color=colour, alpha=0.55, edgecolor="white", linewidth=0.6)
    reds = ds.redlines.cx[minx:maxx, miny:maxy]
    if len(reds):
        reds.plot(ax=ax, facecolor="none", edgecolor="#b71c1c", hatch="///", linewidth=0.8)
    shown = gpd.GeoSeries([site], crs=ds.units.crs)
    if site.geom_type in ("Point", "MultiPoint"):
        shown.plot(ax=ax, color="#0d47a1", markersize=60, marker="*", zorder=5)
    else:
        shown.plot(ax=ax, facecolor="none", edgecolor="#0d47a1", linewidth=2.0, zorder=5)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    handles = [
        Patch(color=c, alpha=0.55, label=_CAT_LEGEND[k][0 if lang == "zh" else 1])
        for k, c in COLOURS.items()
    ]
    handles.append(
        Patch(facecolor="none", edgecolor="#b71c1c", hatch="///", label=_t("red_line", lang))
    )
    handles.append(
        Patch(facecolor="none", edgecolor="#0d47a1", label="选址" if lang == "zh" else "site")
    )
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    width_km = (maxx - minx) / 1000
    bar = max(1, round(width_km / 4))
    ax.plot([minx + (maxx - minx) * 0.05, minx + (maxx - minx) * 0.05 + bar * 1000],
            [miny + (maxy - miny) * 0.05] * 2, color="black", linewidth=2)  # fmt: skip
    ax.text(minx + (maxx - minx) * 0.05, miny + (maxy - miny) * 0.07, f"{bar} km", fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _frame(rows: list[dict[str, object]], columns: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [{h: r[k] for k, h in columns.items()} for r in rows], columns=list(columns.values())
    )


def build_opinion_html(
    ds: ZoningDataset,
    result: SiteCheck,
    site: BaseGeometry,
    lang: Lang = "zh",
    *,
    issuer: str = "",
    report_date: str = "",
) -> str:
    """The opinion as a standalone HTML document (title and author in its head)."""
    import geopandas as gpd

    esc = html.escape
    title = _t("title", lang)
    issuer = issuer or _t("issuer", lang)
    day = report_date or datetime.now(UTC).date().isoformat()
    zh = lang == "zh"
    centre = gpd.GeoSeries([site.centroid], crs=ds.units.crs).to_crs(4326).iloc[0]
    ind = result.industry
    unit_zh, unit_en = _UNITS[result.kind]
    size = "—" if result.kind == "point" else f"{result.measure:,.2f}{unit_zh if zh else unit_en}"

    def p(text: str, cls: str = "") -> str:
        return f"<p{f' class={cls!r}' if cls else ''}>{esc(text)}</p>"

    png = base64.b64encode(site_map_png(ds, site, lang)).decode()
    parts = [
        f"<html lang='{'zh-CN' if zh else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><meta name='author' content='{esc(issuer)}'>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        p(f"{issuer} · {day}", "meta"),
        p(_t("synthetic", lang), "warn") if result.synthetic else "",
        f"<h2>{esc(_t('project', lang))}</h2>",
        _table(
            _frame(
                [
                    {"k": _t("industry", lang), "v": f"{ind.code} {ind.zh if zh else ind.en}"},
                    {"k": _t("kind", lang), "v": _t(result.kind, lang)},
                    {"k": _t("measure", lang), "v": size},
                    {"k": _t("centre", lang), "v": f"{centre.x:.5f}, {centre.y:.5f}"},
                ],
                {"k": "项目" if zh else "Item", "v": "内容" if zh else "Value"},
            ),
            ["项目" if zh else "Item", "内容" if zh else "Value"],
        ),
        f"<img class='sitemap' src='data:image/png;base64,{png}'>",
        p(_t("map", lang), "caption"),
        f"<h2>{esc(_t('units', lang))}</h2>",
    ]
    inside = _t("h_inside", lang, u=unit_zh if zh else unit_en)
    units = [
        {
            **u,
            "cat": u["category_zh"] if zh else u["category_en"],
            "inside": "—" if result.kind == "point" else f"{u['measure']:,.2f}",
            "share": f"{u['share_pct']:.1f}",
        }
        for u in result.units
    ]
    cols = {
        "code": _t("h_unit", lang),
        "name": _t("h_name", lang),
        "cat": _t("h_cat", lang),
        "inside": inside,
        "share": _t("h_share", lang),
    }
    parts.append(_table(_frame(units, cols), list(cols.values())))
    parts.append(f"<h2>{esc(_t('redlines', lang))}</h2>")
    if result.redlines:
        reds = [
            {**r, "inside": "—" if result.kind == "point" else f"{r['measure']:,.2f}",
             "share": f"{r['share_pct']:.1f}"}
            for r in result.redlines
        ]  # fmt: skip
        rc = {"code": _t("h_redline", lang), "name": _t("h_name", lang), "inside": inside,
              "share": _t("h_share", lang)}  # fmt: skip
        parts.append(_table(_frame(reds, rc), list(rc.values())))
    else:
        parts.append(p(_t("no_redline", lang)))
    parts.append(f"<h2>{esc(_t('clauses', lang))}</h2>")
    if result.clauses:
        clauses = [
            {
                "where": _t("red_line", lang) if c["unit"] == "redline" else c["unit"],
                "dim": c["dimension_zh"] if zh else c["dimension_en"],
                "effect": c["effect_zh"] if zh else c["effect_en"],
                "text": f"{c['id']} {c['text_zh'] if zh else c['text_en']}",
            }
            for c in result.clauses
        ]
        cc = {"where": _t("h_where", lang), "dim": _t("h_dim", lang),
              "effect": _t("h_effect", lang), "text": _t("h_clause", lang)}  # fmt: skip
        parts.append(_table(_frame(clauses, cc), list(cc.values())))
    else:
        parts.append(p(_t("no_clause", lang)))
    verdict = result.verdict_zh if zh else result.verdict_en
    parts += [
        f"<h2>{esc(_t('conclusion', lang))}</h2>",
        p(_t("verdict", lang, v=verdict), "verdict"),
    ]
    judge = sorted({c["id"] for c in result.clauses if c["effect"] == "judgement"})
    if judge:
        parts.append(p(_t("judge", lang, ids="、".join(judge) if zh else ", ".join(judge))))
    parts += [
        f"<h2>{esc(_t('method', lang))}</h2>",
        p(_t("method_text", lang, title=ds.title_zh if zh else ds.title_en, version=ds.version)),
        "</body></html>",
    ]
    return "".join(parts)


EXTRA_CSS = """
.warn { color: #b71c1c; font-weight: bold; border: 2px solid #b71c1c; padding: 2mm; }
.sitemap { width: 115mm; display: block; margin: 3mm auto 0 auto; }
tr { page-break-inside: avoid; }
.caption { text-align: center; font-size: 9pt; }
.verdict { font-size: 13pt; font-weight: bold; }
"""


def write_zoning_opinion(
    ds: ZoningDataset,
    result: SiteCheck,
    site: BaseGeometry,
    out_path: Path | str,
    lang: Lang = "zh",
    *,
    issuer: str = "",
) -> Path:
    """Write the opinion as PDF (atomically) and return its path."""
    return write_pdf(build_opinion_html(ds, result, site, lang, issuer=issuer), Path(out_path))
