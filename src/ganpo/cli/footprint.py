"""``ganpo footprint …``: product carbon footprints (产品碳足迹, ISO 14067 / GB/T 24067) —
the synthetic demo, a study's footprint with its contributions and Monte Carlo, the PACT
export. Every library is imported when a command runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ganpo.cli.common import (
    FormatOption,
    console,
    err_console,
    print_records,
    report_target,
    say,
    user_errors,
)

app = typer.Typer(
    help="Product carbon footprints: demo, run, report, label, PACT export. "
    "产品碳足迹：示范、核算、报告、碳标识、数据交换。",
    no_args_is_help=True,
)
SYNTHETIC_LABEL = "合成数据 SYNTHETIC"
ALLOCATION = {
    "economic": "经济价值分配 economic",
    "mass": "质量分配 mass",
    "none": "不分配 none",
}
DEMO_FILE = Path("data/footprint-demo/copper-cathode.toml")
#: keys of `ganpo footprint run --format csv|json` (one record per process)
PROCESS_KEYS = (
    "key",
    "name_zh",
    "name_en",
    "stage",
    "allocation_share",
    "direct_kg",
    "background_kg",
    "kg",
)


#: the demo studies: the shipped file and the name it is written under, beside --out
DEMO_STUDIES = (
    ("demo-rare-earth-oxide.toml", "rare-earth-oxide.toml"),
    ("demo-navel-orange.toml", "navel-orange.toml"),
)


@app.command("demo")
def demo(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the copper study; the others go beside it. 输出文件。",
        ),
    ] = DEMO_FILE,
) -> None:
    """Write the SYNTHETIC demo studies (合成示例): copper cathode, praseodymium-neodymium
    oxide from ionic-adsorption clay (Ganzhou), Gannan navel oranges. 写出示范研究。"""
    import shutil

    from ganpo.catalog.files import data_dir

    written = [out] + [out.parent / name for _, name in DEMO_STUDIES]
    with user_errors():
        out.parent.mkdir(parents=True, exist_ok=True)
        for (src, _), dst in zip(
            (("demo-copper-cathode.toml", ""), *DEMO_STUDIES), written, strict=True
        ):
            shutil.copyfile(data_dir("footprint") / src, dst)
    for path in written:
        console.print(f"{SYNTHETIC_LABEL}: {path}")
    console.print(f"try 试用 `ganpo footprint run {out} --draws 2000`")


@app.command("run")
def run(
    study: Annotated[Path, typer.Argument(help="Product system file (TOML). 产品系统文件。")],
    draws: Annotated[
        int, typer.Option("--draws", help="Monte Carlo draws (0: none; ≥ 1000). 蒙特卡罗次数。")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed. 随机种子。")] = 20240101,
    pact: Annotated[
        Path | None, typer.Option("--pact", help="Also write the PACT JSON. 输出 PACT 数据。")
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """The footprint per functional unit, by process, stage and gas, biogenic CO2 apart,
    with a Monte Carlo interval. 产品碳足迹及其构成。"""
    from ganpo.footprint.lca import footprint
    from ganpo.footprint.model import STAGES, read_product_system

    with user_errors():
        system = read_product_system(study)
        result = footprint(system, draws=draws, seed=seed)
        if pact is not None:
            from ganpo.footprint.pact import product_footprint

            pact.parent.mkdir(parents=True, exist_ok=True)
            pact.write_text(
                json.dumps(product_footprint(system, result), ensure_ascii=False, indent=1),
                encoding="utf-8",
            )
            if fmt == "table":
                say(f"written 已写出: {pact}")
            else:  # stdout is the records' (CSV or JSON for a script)
                err_console.print(f"written 已写出: {pact}")
    if print_records(fmt, PROCESS_KEYS, result.by_process):
        return
    mark = f" · {SYNTHETIC_LABEL}" if result.synthetic else ""
    console.print(f"{result.title_zh} / {result.title_en}{mark}")
    gate = result.boundary == "cradle_to_gate"
    boundary = "从摇篮到大门 cradle to gate" if gate else "从摇篮到坟墓 cradle to grave"
    console.print(
        f"功能单位 functional unit: {result.functional_unit}; 系统边界 boundary: {boundary}; "
        f"分配 allocation: {ALLOCATION[result.allocation]}; GWP {result.gwp}"
    )
    t = Table(
        "过程\nprocess", "阶段\nstage", "分配系数\nshare", "kg CO₂e", title="按过程 By process"
    )
    for p in result.by_process:
        zh, en = STAGES[p["stage"]]
        t.add_row(
            f"{p['name_zh']}\n{p['name_en']}",
            f"{zh}\n{en}",
            f"{p['allocation_share']:.4f}",
            f"{p['kg']:,.2f}",
        )
    console.print(t)
    g = Table("气体\ngas", "kg", "kg CO₂e", title="按气体 By gas")
    for x in result.by_gas:
        g.add_row(x["gas"], f"{x['kg']:,.4f}", f"{x['co2e_kg']:,.2f}")
    console.print(g)
    console.print(
        f"产品碳足迹 carbon footprint: {result.total_kg:,.2f} kg CO₂e / {result.functional_unit} "
        f"(不含生物源二氧化碳 excluding biogenic CO₂); 生物源 CO₂ biogenic: "
        f"{result.biogenic_co2_kg:,.2f} kg"
    )
    if result.monte_carlo:
        mc = result.monte_carlo
        console.print(
            f"蒙特卡罗 Monte Carlo ({int(mc['draws'])} draws, seed {int(mc['seed'])}): mean "
            f"{mc['mean_kg']:,.2f}, 95 % interval {mc['p2_5_kg']:,.2f} – "
            f"{mc['p97_5_kg']:,.2f} kg CO₂e"
        )


StudyArg = Annotated[Path, typer.Argument(help="Product system file (TOML). 产品系统文件。")]
DrawsOption = Annotated[
    int, typer.Option("--draws", help="Monte Carlo draws (0: none; ≥ 1000). 蒙特卡罗次数。")
]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed. 随机种子。")]


@app.command("report")
def report(
    study: StudyArg,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="File to write: .pdf or .xlsx. 输出文件。")
    ],
    lang: Annotated[str, typer.Option("--lang", help="zh (中文, default) or en.")] = "zh",
    draws: DrawsOption = 0,
    seed: SeedOption = 20240101,
) -> None:
    """The carbon footprint study report (ISO 14067 §7) as PDF or Excel, one language.
    产品碳足迹研究报告。"""
    from ganpo.report.footprint_report import (
        load_study,
        write_report_pdf,
        write_report_workbook,
    )

    with user_errors():
        language, suffix = report_target(out, lang)
        s = load_study(study, draws=draws, seed=seed)
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".pdf":
            console.print("rendering the report (the first PDF builds the font cache, ~10 s)…")
            path = write_report_pdf(s, out, language)
        else:
            path = write_report_workbook(s, out, language)
    mark = f" {SYNTHETIC_LABEL}" if s.system.synthetic else ""
    console.print(f"written 已写出: {path}{mark}")


@app.command("label")
def label(
    study: StudyArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .pdf. 输出文件。")],
    draws: DrawsOption = 0,
    seed: SeedOption = 20240101,
) -> None:
    """The one-page carbon label (碳标识): the footprint per declared unit, its boundary and
    standard, the verification data, the command that recomputes it. 碳标识。"""
    from ganpo.report.footprint_report import load_study, write_label_pdf

    with user_errors():
        report_target(out, "zh", (".pdf",))
        s = load_study(study, draws=draws, seed=seed)
        out.parent.mkdir(parents=True, exist_ok=True)
        path = write_label_pdf(s, out)
    mark = f" {SYNTHETIC_LABEL}" if s.system.synthetic else ""
    console.print(f"written 已写出: {path}{mark}")
    console.print(f"SHA-256 {s.digest}; {s.result.total_kg:,.2f} kg CO₂e")
