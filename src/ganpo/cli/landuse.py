"""``ganpo landuse …``: land-use scenarios (土地利用情景) — write the synthetic demo (three
years), calibrate the suitability model and the automaton on two maps, simulate a year
with a PLUS-like automaton, validate a simulated map against an observed one. Every
library is imported when a command runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ganpo.cli.common import console, say, user_errors
from ganpo.errors import InputError

app = typer.Typer(
    help="Land-use scenarios: demo, calibrate, simulate, validate. "
    "土地利用情景：示范、标定、模拟、验证。",
    no_args_is_help=True,
)
DEMO_FOLDER = Path("data/landuse-demo")
SYNTHETIC_LABEL = "合成数据 SYNTHETIC"
MapArg = Annotated[Path, typer.Argument(help="Land-cover GeoTIFF. 土地覆被栅格。")]
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model", help="Suitability model: forest or logistic. 适宜性模型：随机森林或逻辑回归。"
    ),
]
WindowOpt = Annotated[
    int, typer.Option("--window", help="Neighbourhood window [cells, odd]. 邻域窗口。")
]
InertiaOpt = Annotated[float, typer.Option("--inertia", help="Inertia of persistence. 惯性。")]
SeedShareOpt = Annotated[
    float, typer.Option("--seed-share", help="Chance of a random patch seed. 随机斑块种子概率。")
]
MODELS = ("forest", "logistic")


def _model(value: str) -> str:
    if value not in MODELS:
        raise InputError(
            en=f"--model {value!r}: use forest or logistic",
            zh="--model 应为 forest（随机森林）或 logistic（逻辑回归）",
            field="model",
            values=[value],
        )
    return value


def _numbers(option: str, text: str, kind: type[float] | type[int]) -> tuple[float, ...]:
    """A comma-separated list of numbers of ``option``; a malformed one names itself."""
    try:
        values = tuple(kind(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values:
        raise InputError(
            en=f"{option} {text!r}: give numbers separated by commas, e.g. 3,5",
            zh=f"{option} 应为逗号分隔的数值",
            field=option,
            values=[text],
        )
    return values


def _targets(values: list[str]) -> dict[int, float]:
    """``CODE=HM2`` pairs of ``--target``."""
    out: dict[int, float] = {}
    for v in values:
        code, sep, area = v.partition("=")
        try:
            if not sep:
                raise ValueError
            out[int(code)] = float(area)
        except ValueError:
            raise InputError(
                en=f"--target {v!r}: write CODE=HECTARES, e.g. 5=120000",
                zh=f"--target {v!r} 应写作 类别代码=公顷数，如 5=120000",
                field="target",
                values=[v],
            ) from None
    return out


def _drivers(values: list[str]) -> dict[str, Path]:
    """``NAME=FILE`` options as a mapping; a malformed one names itself."""
    out: dict[str, Path] = {}
    for v in values:
        name, sep, file = v.partition("=")
        if not sep or not name.strip() or not file.strip():
            raise InputError(
                en=f"--driver {v!r}: give NAME=FILE (a name and a raster on the maps' grid)",
                zh="驱动因子格式应为 名称=文件",
                field="driver",
                values=[v],
            )
        out[name.strip()] = Path(file.strip())
    return out


@app.command("demo")
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the synthetic data. 数据目录。")
    ] = DEMO_FOLDER,
    resolution: Annotated[
        float, typer.Option("--resolution", help="Cell size [m]. 像元大小（米）。")
    ] = 2000.0,
) -> None:
    """Write three years (2022–2024) of SYNTHETIC land cover and a DEM for Jiangxi:
    calibrate on the first two, validate on the third. 生成三期合成土地覆被。"""
    from ganpo.demo.landuse import PROGRAMME_DRIVER, PROGRAMME_FILE, YEARS, build_landuse_demo

    with user_errors():
        say(f"writing the synthetic land-use data ({SYNTHETIC_LABEL}) into {out}")
        build_landuse_demo(out, resolution_m=resolution)
    a, b, c = (out / f"cover_{y}.tif" for y in YEARS)
    drivers = f"--dem {out / 'dem.tif'} --driver {PROGRAMME_DRIVER}={out / PROGRAMME_FILE}"
    console.print(
        f"{SYNTHETIC_LABEL}: cover_{YEARS[0]}/{YEARS[1]}/{YEARS[2]}.tif, dem.tif; try 试用 "
        f"`ganpo landuse calibrate {a} {b} {drivers}`, then 再 "
        f"`ganpo landuse simulate {a} {b} {drivers} FLAGS --out {out / 'sim.tif'}` with the "
        "flags calibrate printed 使用标定给出的参数, "
        f"then 再 `ganpo landuse validate {b} {c} {out / 'sim.tif'}`"
    )


@app.command("clip")
def clip(
    maps: Annotated[list[Path], typer.Argument(help="Rasters of one grid. 同一网格的栅格。")],
    unit: Annotated[
        int, typer.Option("--unit", help="City or county code, e.g. 360200. 市或县代码。")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the clips. 输出目录。")],
) -> None:
    """Cut land-cover maps, the DEM and drivers to one city or county (cells outside it
    nodata), on the same grid, to simulate the unit alone. 裁剪至一个市或县。"""
    import rasterio

    from ganpo.landuse.region import clip_to_unit

    with user_errors():
        u, written = clip_to_unit(maps, unit, out)
        with rasterio.open(written[0]) as src:
            shape = (src.height, src.width)
    console.print(
        f"{u.name_zh} ({unit}): {len(written)} map(s) of {shape[0]} × {shape[1]} cells in {out} "
        f"/ 已写出 {len(written)} 幅图"
    )


@app.command("simulate")
def simulate(
    first: MapArg,
    second: MapArg,
    dem: Annotated[Path, typer.Option("--dem", help="DEM on the maps' grid [m]. 高程。")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Simulated map. 模拟结果。")],
    steps: Annotated[
        int, typer.Option("--steps", help="Intervals past SECOND (Markov). 预测步数。")
    ] = 1,
    target: Annotated[
        list[str] | None,
        typer.Option("--target", help="Plan target CODE=HECTARES (repeat). 规划目标。"),
    ] = None,
    restricted: Annotated[
        Path | None,
        typer.Option("--restricted", help="Raster, non-zero = no change. 限制区栅格。"),
    ] = None,
    zoning: Annotated[
        Path | None,
        typer.Option(
            "--zoning", help="Zoning dataset: red lines, priority units stay. 分区管控数据集。"
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed. 随机种子。")] = 0,
    driver: Annotated[
        list[str] | None,
        typer.Option(
            "--driver",
            help="More driver rasters NAME=FILE on the maps' grid (repeat). 其他驱动因子。",
        ),
    ] = None,
    model: ModelOpt = "forest",
    window: WindowOpt = 3,
    inertia: InertiaOpt = 0.3,
    seed_share: SeedShareOpt = 0.01,
    max_distance: Annotated[
        float | None,
        typer.Option(
            "--max-distance",
            help="Cap of the distance drivers [m] (default 256 cells). 距离因子上限（米）。",
        ),
    ] = None,
    block_rows: Annotated[
        int | None,
        typer.Option(
            "--block-rows",
            help="Run block by block of this many rows, arrays on disk (automatic from "
            "1.6e7 cells). 分块行数。",
        ),
    ] = None,
) -> None:
    """Calibrate on FIRST → SECOND, simulate the next map (Markov demand, or plan targets
    with --target), write it as a GeoTIFF. `ganpo landuse calibrate` chooses --model,
    --window, --inertia and --seed-share on FIRST → SECOND. 以两期地图标定并模拟下一期。"""
    from ganpo.catalog.ecosystems import level1
    from ganpo.landuse.ca import CAParameters
    from ganpo.landuse.run import CLASSES
    from ganpo.landuse.run import simulate as run_simulation

    with user_errors():
        targets = _targets(target or [])
        extra = _drivers(driver or [])
        params = CAParameters(window=window, inertia=inertia, seed_share=seed_share)
        run = run_simulation(
            first,
            second,
            dem,
            out,
            demand="plan" if targets else "markov",
            steps=steps,
            targets_hm2=targets,
            restricted=restricted,
            zoning=zoning,
            seed=seed,
            extra_drivers=extra,
            model=_model(model),  # type: ignore[arg-type]
            params=params,
            max_distance_m=max_distance,
            block_rows=block_rows,
        )
    ha = run.cell_area_hm2
    t = Table(
        "类别\nclass",
        "现状 (hm²)\ncurrent",
        "需求 (hm²)\ndemand",
        "未满足 (hm²)\nunmet",
        title="土地利用需求与模拟 Land-use demand and simulation",
    )
    for i, code in enumerate(CLASSES):
        kind = level1(code)
        t.add_row(
            f"{kind.name_zh}\n{kind.name_en}",
            f"{run.start_counts[i] * ha:,.0f}",
            f"{run.demand[i] * ha:,.0f}",
            f"{run.allocation.unmet[i] * ha:,.0f}",
        )
    console.print(t)
    state = "met 需求已满足" if run.allocation.met else "NOT fully met 需求未完全满足"
    console.print(f"{state}; {run.allocation.iterations} iterations 迭代; wrote 已写出 {out}")


@app.command("calibrate")
def calibrate(
    first: MapArg,
    second: MapArg,
    dem: Annotated[Path, typer.Option("--dem", help="DEM on the maps' grid [m]. 高程。")],
    driver: Annotated[
        list[str] | None,
        typer.Option(
            "--driver",
            help="More driver rasters NAME=FILE on the maps' grid (repeat). 其他驱动因子。",
        ),
    ] = None,
    models: Annotated[
        str, typer.Option("--models", help="Models to compare, e.g. forest,logistic. 模型。")
    ] = "forest,logistic",
    windows: Annotated[
        str, typer.Option("--windows", help="Windows, e.g. 3,5. 邻域窗口。")
    ] = "3,5",
    inertias: Annotated[
        str, typer.Option("--inertias", help="Inertias, e.g. 0.3,1. 惯性。")
    ] = "0.3,1.0",
    seed_shares: Annotated[
        str, typer.Option("--seed-shares", help="Seed chances, e.g. 0.01,0.1. 种子概率。")
    ] = "0.01,0.1",
    tile: Annotated[
        int, typer.Option("--tile", help="Checkerboard tile [cells]. 棋盘分块（像元）。")
    ] = 16,
    runs: Annotated[int, typer.Option("--runs", help="Random seeds per candidate. 重复次数。")] = 2,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="CSV of the scores. 标定结果表。")
    ] = None,
) -> None:
    """Choose the suitability model and the automaton's window, inertia and seed chance
    on FIRST → SECOND alone: fit on one colour of a checkerboard, allocate the other
    colour's observed change, score the figure of merit there. No later map is read, so
    a held-out year stays a fair test. 仅用两期地图（空间分块）标定模型与参数。"""
    from ganpo.io.outputs import writing
    from ganpo.landuse.calibrate import parameter_grid
    from ganpo.landuse.run import METRICS, calibrate_files

    with user_errors():
        kinds = tuple(_model(m.strip()) for m in models.split(",") if m.strip())
        grid = parameter_grid(
            window=_numbers("--windows", windows, int),
            inertia=_numbers("--inertias", inertias, float),
            seed_share=_numbers("--seed-shares", seed_shares, float),
        )
        table, kind, best = calibrate_files(
            first,
            second,
            dem,
            grid,
            tile=tile,
            seeds=tuple(range(runs)),
            extra_drivers=_drivers(driver or []),
            models=kinds or ("forest",),  # type: ignore[arg-type]
        )
        people = table.rename(
            columns={
                "model": "模型 model",
                "window": "邻域窗口 window",
                "inertia": "惯性 inertia",
                "seed_share": "种子概率 seed share",
                "fom_mean": "平均品质因数 mean FoM (%)",
                "fom_min": "最低品质因数 lowest FoM (%)",
            }
        )
        for col in ("平均品质因数 mean FoM (%)", "最低品质因数 lowest FoM (%)"):
            people[col] = people[col] * 100
        if out is not None:
            with writing(out, METRICS) as tmp:
                people.to_csv(tmp, index=False, encoding="utf-8-sig", float_format="%.4f")
    t = Table(*people.columns, title="标定（空间留出）Calibration (spatial hold-out)")
    for row in people.itertuples(index=False):
        t.add_row(*(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row))
    console.print(t)
    console.print(
        f"best 最优: --model {kind} --window {best.window} --inertia {best.inertia:g} "
        f"--seed-share {best.seed_share:g}"
    )
    if out is not None:
        console.print(f"wrote 已写出 {out}")


@app.command("validate")
def validate(
    first: MapArg,
    observed: MapArg,
    simulated: MapArg,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="CSV of the measures (and -classes.csv, -transitions.csv). 指标表。",
        ),
    ] = None,
) -> None:
    """Validate SIMULATED against OBSERVED (null model: FIRST, no change): agreement,
    Kappa, quantity/allocation disagreement, figure of merit, per-class accuracy,
    landscape metrics. 验证模拟结果。"""
    from ganpo.io.outputs import writing
    from ganpo.landuse.run import METRICS, validation_tables

    with user_errors():
        _, summary, per = validation_tables(first, observed, simulated)
        trans = summary.attrs["transitions"]
        if out is not None:
            for path, frame in (
                (out, summary),
                (out.with_name(out.stem + "-classes.csv"), per),
                (out.with_name(out.stem + "-transitions.csv"), trans),
            ):
                with writing(path, METRICS) as tmp:
                    frame.to_csv(tmp, index=False, encoding="utf-8-sig", float_format="%.4f")
    t = Table("指标", "indicator", "value", "unit", title="验证 Validation")
    for row in summary.itertuples(index=False):
        t.add_row(row[0], row[1], f"{row[2]:,.3f}", row[3])
    console.print(t)
    tt = Table(
        "转换\ntransition",
        "观测 (hm²)\nobserved",
        "模拟 (hm²)\nsimulated",
        "命中 (hm²)\nhits",
        "漏报 (hm²)\nmisses",
        "虚报 (hm²)\nfalse alarms",
        "FoM (%)",
        title="按转换 By transition",
    )
    for row in trans.itertuples(index=False):
        tt.add_row(
            f"{row[0]}\n{row[1]}",
            *(f"{x:,.0f}" for x in (row[2], row[3], row[4], row[6], row[7])),
            f"{row[8]:.1f}",
        )
    console.print(tt)
    zh, en = summary.attrs["verdict"]
    console.print(f"{zh} / {en}")
    console.print(summary.attrs["published"])
    if out is not None:
        console.print(f"wrote 已写出 {out}")


@app.command("gep")
def gep(
    dataset: Annotated[Path, typer.Argument(help="Dataset (manifest.toml). 数据集。")],
    year: Annotated[int, typer.Argument(help="Accounting year. 核算年份。")],
    scenario: Annotated[Path, typer.Argument(help="Scenario land-cover map. 情景土地覆被。")],
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Baseline map (default: the year's, level 1). 基准图。"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="CSV of ΔGEP by service. 结果表。")
    ] = None,
    out_counties: Annotated[
        Path | None,
        typer.Option("--out-counties", help="CSV of ΔGEP by county. 分区县结果表。"),
    ] = None,
) -> None:
    """Run the year's account on the scenario map and on the baseline (same profile,
    parameters, prices) and compare by service and county. A scenario map of one city or
    county (`ganpo landuse clip`) is pasted into the baseline: the rest of the province
    stays as observed. 情景生态系统生产总值对比。"""
    import tempfile

    from ganpo.io.outputs import writing
    from ganpo.landuse.gep import county_table, level1_baseline, scenario_gep, service_table
    from ganpo.landuse.region import on_baseline_grid, paste_window
    from ganpo.landuse.run import METRICS

    with user_errors(), tempfile.TemporaryDirectory(prefix="ganpo-landuse-") as tmp:
        if baseline is None:
            baseline = level1_baseline(dataset, year, Path(tmp) / "baseline.tif")
        pasted = not on_baseline_grid(scenario, baseline)
        if pasted:
            scenario = paste_window(scenario, baseline, Path(tmp) / "scenario.tif")
        result = scenario_gep(dataset, year, baseline, scenario)
        table = service_table(result)
        counties = county_table(result)
        if out is not None:
            with writing(out, METRICS) as target:
                table.to_csv(target, index=False, encoding="utf-8-sig", float_format="%.4f")
        if out_counties is not None:
            with writing(out_counties, METRICS) as target:
                counties.to_csv(target, index=False, encoding="utf-8-sig", float_format="%.2f")
    if pasted:
        console.print(
            "the scenario map covers part of the baseline: pasted in, the rest as observed / "
            "情景图覆盖基准图的一部分：已嵌入，其余保持观测值"
        )
    t = Table(*table.columns, title="情景 GEP 对比 Scenario GEP")
    for row in table.itertuples(index=False):
        t.add_row(row[0], row[1], f"{row[2]:,.2f}", f"{row[3]:,.2f}", f"{row[4]:,.2f}")
    console.print(t)
    changed = counties[counties["变化 Δ (万元)"] != 0.0]
    if len(changed):
        c = Table(*counties.columns, title="变化的区县 Counties that change")
        for row in changed.head(15).itertuples(index=False):
            c.add_row(str(row[0]), row[1], f"{row[2]:,.2f}", f"{row[3]:,.2f}", f"{row[4]:,.2f}")
        console.print(c)
        if len(changed) > 15:
            console.print(f"… {len(changed) - 15} more 另有 {len(changed) - 15} 个区县")
    console.print(
        f"ΔGEP {result.delta_cny / 1e8:,.2f} 亿元 (land-cover change only 仅土地覆被变化)"
    )
