"""``ganpo zoning …``: ecological-environment zoning control (生态环境分区管控) — write the
synthetic demo, validate a zoning dataset, check a site or plan against it. Every library
is imported when a command runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from ganpo.cli.common import FormatOption, console, print_records, say, user_errors
from ganpo.errors import InputError

app = typer.Typer(
    help="Zoning control: demo, import, validate, diff, check a site. "
    "生态环境分区管控：示范、导入、校验、版本比较、选址核查。",
    no_args_is_help=True,
)
DEMO_FOLDER = Path("data/zoning-demo")
#: where `ganpo zoning import` writes a year's dataset by default
IMPORT_ROOT = Path("data/zoning")
SYNTHETIC_LABEL = "合成数据 SYNTHETIC"
#: the keys of `ganpo zoning check --format csv|json` (one record per clause that applies)
CLAUSE_KEYS = (
    "verdict",
    "unit",
    "id",
    "dimension",
    "dimension_zh",
    "dimension_en",
    "effect",
    "effect_zh",
    "effect_en",
    "text_zh",
    "text_en",
    "source",
)
#: the keys of `ganpo zoning diff --format csv|json` (one record per unit or clause changed)
DIFF_KEYS = (
    "kind",
    "change",
    "code",
    "what",
    "name_old",
    "name_new",
    "category_old",
    "category_new",
    "area_old_hm2",
    "area_new_hm2",
    "area_change_hm2",
    "moved_hm2",
    "scope",
    "dimension",
    "effect",
    "industries",
    "text_zh",
    "id",
)
DatasetArg = Annotated[
    Path, typer.Argument(help="Zoning dataset folder (zoning-dataset.toml). 分区管控数据集目录。")
]


@app.command("demo")
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the synthetic data. 数据目录。")
    ] = DEMO_FOLDER,
) -> None:
    """Write the SYNTHETIC zoning demo on Jiangxi's real county boundaries (three control
    units per county, red lines, a requirement list) and validate it. 生成合成示范数据。"""
    from ganpo.demo.zoning import build_zoning_demo
    from ganpo.zoning.units import read_zoning

    with user_errors():
        say(f"writing the synthetic zoning data ({SYNTHETIC_LABEL}) into {out}")
        ds = read_zoning(build_zoning_demo(out))
    console.print(
        f"{SYNTHETIC_LABEL}: {len(ds.units)} control units 管控单元, {len(ds.redlines)} red lines "
        f"生态保护红线, {len(ds.requirements)} clauses 准入条款; try 试用 `ganpo zoning check "
        f"{out} --site 'POINT (117.7 29.5)' --industry C26`"
    )


@app.command("validate")
def validate(dataset: DatasetArg) -> None:
    """Validate a zoning dataset: unit codes, categories, geometries, overlaps, coverage of
    the region, requirement lists (every problem at once). 校验分区管控数据。"""
    from ganpo.zoning.units import CATEGORIES, read_zoning

    with user_errors():
        ds = read_zoning(dataset)
    t = Table("类别\ncategory", "单元数\nunits", "面积（平方千米）\narea (km²)", title=ds.title_zh)
    for cat, (_, zh, en) in CATEGORIES.items():
        sel = ds.units[ds.units["category"] == cat]
        t.add_row(f"{zh}\n{en}", str(len(sel)), f"{sel.area.sum() / 1e6:,.2f}")
    console.print(t)
    mark = f" · {SYNTHETIC_LABEL}" if ds.synthetic else ""
    console.print(
        f"valid 校验通过{mark}: {len(ds.units)} units, {len(ds.redlines)} red lines, "
        f"{len(ds.requirements)} clauses; uncovered 未覆盖 {ds.gap_pct:.3f} % of the region"
    )


@app.command("check")
def check(
    dataset: DatasetArg,
    site: Annotated[
        str,
        typer.Option(
            "--site",
            help="WKT or GeoJSON in longitude/latitude, or a layer file (.gpkg, .geojson, "
            ".shp). 选址：经纬度 WKT/GeoJSON 或图层文件。",
        ),
    ],
    industry: Annotated[
        str,
        typer.Option(
            "--industry", help="GB/T 4754-2017 code (C, 26, C2611). 国民经济行业分类代码。"
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also write the opinion as PDF. 输出分析意见 PDF。"),
    ] = None,
    lang: Annotated[Literal["zh", "en"], typer.Option("--lang", help="zh or en. 语言。")] = "zh",
    issuer: Annotated[str, typer.Option("--issuer", help="Issuing body. 出具单位。")] = "",
    fmt: FormatOption = "table",
) -> None:
    """Check a site or plan: the control units and red lines it falls in, with areas, the
    clauses that apply and the verdict; with --out, the opinion as PDF with a map.
    项目选址与分区管控符合性核查。"""
    from ganpo.zoning.check import check_site, site_geometry
    from ganpo.zoning.units import read_zoning

    with user_errors():
        ds = read_zoning(dataset)
        geom = site_geometry(site)
        result = check_site(ds, geom, industry)
        if out is not None:
            from ganpo.report.zoning_opinion import write_zoning_opinion

            if out.suffix.lower() != ".pdf":
                raise InputError(
                    en=f"the opinion is a PDF: give --out with .pdf, not {out.suffix or 'none'}",
                    zh="分析意见须输出为 PDF",
                    field="out",
                )
            write_zoning_opinion(ds, result, geom, out, lang, issuer=issuer)
            say(f"written 已写出: {out}")
    if print_records(fmt, CLAUSE_KEYS, ({**c, "verdict": result.verdict} for c in result.clauses)):
        return
    unit = {"polygon": "公顷 hm²", "line": "千米 km", "point": ""}[result.kind]
    ind = result.industry
    console.print(
        f"行业 industry: {ind.code} {ind.zh} / {ind.en}"
        + (" (checked by its division / 按大类核对)" if ind.division and len(ind.code) > 2 else "")
    )
    t = Table(
        "单元\nunit",
        "类别\ncategory",
        f"范围内 inside {unit}",
        "占选址 share",
        title="管控单元 Control units",
    )
    for u in result.units:
        inside = "—" if result.kind == "point" else f"{u['measure']:,.2f}"
        t.add_row(
            f"{u['code']}\n{u['name']}",
            f"{u['category_zh']}\n{u['category_en']}",
            inside,
            f"{u['share_pct']:.1f} %",
        )
    console.print(t)
    if result.redlines:
        r = Table(
            "红线\nred line",
            f"范围内 inside {unit}",
            "占选址 share",
            title="生态保护红线 Red lines",
        )
        for x in result.redlines:
            inside = "—" if result.kind == "point" else f"{x['measure']:,.2f}"
            r.add_row(f"{x['code']}\n{x['name']}", inside, f"{x['share_pct']:.1f} %")
        console.print(r)
    else:
        console.print("不涉及生态保护红线 no ecological red line touched")
    c = Table(
        "单元\nunit",
        "维度\ndimension",
        "结论\neffect",
        "条款\nclause",
        title="适用条款 Clauses that apply",
    )
    for x in result.clauses:
        where = "生态保护红线\nred line" if x["unit"] == "redline" else x["unit"]
        c.add_row(
            where,
            f"{x['dimension_zh']}\n{x['dimension_en']}",
            f"{x['effect_zh']}\n{x['effect_en']}",
            f"{x['id']} {x['text_zh']}\n{x['text_en']}",
        )
    console.print(c)
    mark = f" · {SYNTHETIC_LABEL}" if result.synthetic else ""
    console.print(f"结论 verdict: {result.verdict_zh} / {result.verdict_en}{mark}")


@app.command("import")
def import_(
    units: Annotated[
        Path,
        typer.Option(
            "--units",
            help="The published units layer (.shp, .gpkg, .geojson; any CRS; GBK or UTF-8). "
            "环境管控单元图层。",
        ),
    ],
    requirements: Annotated[
        Path,
        typer.Option(
            "--requirements",
            help="The published requirement list (.xlsx or CSV). 生态环境准入清单表格。",
        ),
    ],
    mapping: Annotated[
        str,
        typer.Option(
            "--mapping",
            help="The mapping file (TOML) of the source columns, or a shipped mapping's name "
            "(jiangxi). 字段映射文件。",
        ),
    ],
    redlines: Annotated[
        Path | None,
        typer.Option("--redlines", help="The red-line layer, optional. 生态保护红线图层。"),
    ] = None,
    version: Annotated[
        int | None,
        typer.Option("--version", help="The year of the publication. 数据版本年份。"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Dataset folder (default data/zoning/<region>-<year>). 输出数据集目录。",
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace an existing folder. 覆盖已有目录。")
    ] = False,
) -> None:
    """Import a province's published control units, requirement list and red lines into a
    zoning dataset through a column mapping, and validate it (every problem at once).
    导入省级发布的生态环境分区管控成果。"""
    from ganpo.zoning.importer import default_folder, import_zoning
    from ganpo.zoning.mapping import read_mapping
    from ganpo.zoning.units import EFFECTS

    with user_errors():
        m = read_mapping(mapping)
        year = version if version is not None else m.dataset.version
        target = out if out is not None else default_folder(IMPORT_ROOT, m, year or 0)
        result = import_zoning(
            units,
            requirements,
            m,
            target,
            redlines_path=redlines,
            version=version,
            replace=replace,
        )
    ds = result.dataset
    effects = ", ".join(
        f"{EFFECTS[k][0]} {k} {n}" for k, n in sorted(result.clauses_by_effect.items())
    )
    console.print(
        f"imported 已导入 {result.folder}: {ds.title_zh} {ds.version}, {len(ds.units)} units "
        f"管控单元, {len(ds.redlines)} red lines 生态保护红线, {len(ds.requirements)} clauses "
        f"准入条款 ({effects}); uncovered 未覆盖 {ds.gap_pct:.3f} % of the region"
    )
    for code, change in result.repaired:
        console.print(
            f"repaired 已修复 {code}: invalid only by rounding, area changed by {change:+.3f} m² "
            "/ 图形因坐标舍入自相交，已修复"
        )


@app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The older dataset folder. 旧版本数据集。")],
    new: Annotated[Path, typer.Argument(help="The newer dataset folder. 新版本数据集。")],
    fmt: FormatOption = "table",
) -> None:
    """The units added, removed or changed (category, name, geometry with the area change
    in hm²) and the clauses added or removed between two versions. 比较两个版本。"""
    from ganpo.zoning.diff import diff_zoning
    from ganpo.zoning.units import read_zoning

    with user_errors():
        d = diff_zoning(read_zoning(old), read_zoning(new))
    units = d.unit_records()
    clauses = d.clause_records()
    records = [{"kind": "unit", **u} for u in units] + [{"kind": "clause", **c} for c in clauses]
    if print_records(fmt, DIFF_KEYS, records):
        return
    t = Table(
        "单元\nunit",
        "变化\nchange",
        "类别\ncategory",
        "面积（公顷）\narea (hm²)",
        "变化面积（公顷）\nchange (hm²)",
        title=f"管控单元变化 Control units {d.version_old} → {d.version_new}",
    )
    for u in units:
        cats = [str(x) for x in (u["category_old_zh"], u["category_new_zh"]) if x]
        cat = " → ".join(dict.fromkeys(cats))  # one name when unchanged
        area = " → ".join(
            f"{x:,.2f}" for x in (u["area_old_hm2"], u["area_new_hm2"]) if isinstance(x, float)
        )
        what = f" ({u['what_zh']} {u['what']})" if u["what"] else ""
        t.add_row(
            f"{u['code']}\n{u['name_new'] or u['name_old']}",
            f"{u['change_zh']} {u['change']}{what}",
            cat,
            area,
            f"{u['area_change_hm2']:+,.2f}",
        )
    console.print(t)
    c = Table(
        "变化\nchange",
        "范围\nscope",
        "维度\ndimension",
        "条款\nclause",
        title="准入条款变化 Clauses",
    )
    for x in clauses:
        c.add_row(
            f"{x['change_zh']} {x['change']}",
            str(x["scope_label"]),
            f"{x['dimension_zh']}",
            f"{x['text_zh']}",
        )
    console.print(c)
    console.print(
        f"{len(units)} units changed 单元变化, {len(clauses)} clauses added or removed 条款增删"
    )


def _register_violations() -> None:
    from ganpo.cli import zoning_violations

    app.add_typer(zoning_violations.app, name="violations")


_register_violations()
