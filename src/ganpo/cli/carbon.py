"""``ganpo carbon …``: greenhouse-gas inventories — build the synthetic demo, run and store
an inventory from a dataset of activity tables, list the stored ones, show one by category
in 万吨二氧化碳当量 with its uncertainty. Every library is imported when a command runs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.table import Table

from ganpo.cli import carbon_inclusive, carbon_report, carbon_sinks
from ganpo.cli.carbon_reported import run_reported
from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    FormatOption,
    console,
    err_console,
    print_records,
    say,
    user_errors,
)

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from ganpo.carbon.inventory import Dataset
    from ganpo.store.carbon import StoredInventory

app = typer.Typer(
    help="Greenhouse-gas inventories: demo, run (from a dataset or from departments' "
    "reports), list, show, publish, dual-control progress, sinks, report. "
    "温室气体清单：示范、核算（数据集或部门报送）、列表、查看、发布、双控进度、碳汇、报告。",
    no_args_is_help=True,
)

GwpOption = Annotated[
    str,
    typer.Option(
        "--gwp",
        help="GWP-100 set: AR4, AR5 or AR6 (none is chosen for you). 全球增温潜势取值版本。",
    ),
]
Level = Literal["province", "city", "county"]
DEMO_FOLDER = Path("data/carbon-demo")
UNIT_LABEL = "万吨二氧化碳当量 (万tCO₂e)"
SYNTHETIC_LABEL = "合成数据 SYNTHETIC"
#: the keys of `ganpo carbon list --format csv|json`
LIST_KEYS = (
    "id",
    "region_adcode",
    "year",
    "gwp_set",
    "level",
    "dataset_title_zh",
    "dataset_title_en",
    "synthetic",
    "status",
    "created_at",
    "created_by",
    "code_version",
    "dataset_digest",
    "rows",
)
#: the keys of `ganpo carbon show --format csv|json`
SHOW_KEYS = (
    "inventory_id",
    "year",
    "gwp_set",
    "synthetic",
    "unit_code",
    "unit_name",
    "level",
    "category_code",
    "category_zh",
    "category_en",
    "co2e_10k_t",
    "co2e_t",
    "u_pct",
)


def _store(database: str) -> Engine:
    from ganpo.store.repository import open_store

    return open_store(database)


def _run_and_store(engine: Engine, data: Dataset, year: int, gwp: str) -> int:
    """The id of the inventory of ``data``, ``year`` and ``gwp``: one already stored from
    the same data by the same code, else a new one computed and stored."""
    from ganpo.carbon.inventory import run_inventory
    from ganpo.engine.provenance import code_version
    from ganpo.store.carbon import find_inventory, save_inventory

    version = code_version()
    found = find_inventory(engine, data.digest, year, gwp, version)
    if found is not None:
        say(f"inventory {found} was computed from the same data and code: not stored again")
        return found
    inv = run_inventory(data, year, gwp, code_version=version)
    for note in inv.notes:
        if not note.startswith("合成数据"):
            say(f"check: {note}")
    return save_inventory(engine, inv)


def _wan_t(value: float) -> str:
    """万t with two decimals and thousands separators, never in scientific notation."""
    return f"{value:,.2f}"


def _print_totals(engine: Engine, ids: list[int]) -> None:
    """The province-level totals of stored inventories, one line each."""
    from ganpo.carbon.inventory import CONSUMPTION, NET, PRODUCTION, summary
    from ganpo.store.carbon import load_inventory

    t = Table(
        "编号\nid",
        "年份\nyear",
        "生产侧总量\nproduction-based",
        "消费侧总量\nconsumption-based",
        "净排放量（计入土地利用变化和林业）\nnet, including LULUCF",
        title=f"省级总量 Province totals, {UNIT_LABEL}",
        caption="生产侧、消费侧总量不含土地利用变化和林业 / production- and consumption-based "
        "totals exclude LULUCF",
    )
    for iid in ids:
        s = load_inventory(engine, iid)
        h = s.header
        top = summary(s.rows, s.uncertainty, h.region_adcode, _top_level(s.rows))
        tot = top.set_index("category_code")["co2e_10k_t"]
        t.add_row(
            str(iid),
            str(h.year),
            _wan_t(tot[PRODUCTION]),
            _wan_t(tot[CONSUMPTION]),
            _wan_t(tot[NET]),
        )
    console.print(t)


def _top_level(rows: object) -> str:
    from ganpo.carbon.regions import LEVELS

    present = set(rows["level"])  # type: ignore[index]
    return next(lv for lv in LEVELS if lv in present)


@app.command("demo")
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the synthetic data. 数据目录。")
    ] = DEMO_FOLDER,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    gwp: GwpOption = "AR6",
    seed: Annotated[int, typer.Option("--seed", help="Random seed. 随机种子。")] = 20260101,
) -> None:
    """Build the SYNTHETIC Jiangxi activity data (100 counties, 2022 and 2023), run and
    store the inventory of both years. 生成合成示范数据并核算、存储两年清单。"""
    from ganpo.carbon.inventory import read_dataset
    from ganpo.demo.carbon import build_carbon_demo

    with user_errors():
        say(f"writing the synthetic activity data ({SYNTHETIC_LABEL}) into {out}")
        data = read_dataset(build_carbon_demo(out, seed=seed).parent)
        engine = _store(database)
        ids = []
        for year in data.years:
            say(f"inventory of {year} (GWP {gwp}) / 核算 {year} 年清单")
            ids.append(_run_and_store(engine, data, year, gwp))
        console.print(
            f"{SYNTHETIC_LABEL}: stored inventories 已存储清单 {', '.join(map(str, ids))}; "
            f"see `ganpo carbon show ID --database {database}`"
        )
        _print_totals(engine, ids)
        targets = _demo_targets()
        console.print(
            f"{SYNTHETIC_LABEL} 双控示范目标 dual-control demo targets: {targets}; try 试用 "
            f"`ganpo carbon progress {' '.join(map(str, ids))} --targets {targets} "
            f"--database {database}`"
        )
        console.print(
            f"{SYNTHETIC_LABEL} 森林碳汇 forest sink: try 试用 `ganpo carbon sinks {ids[0]} "
            f"--database {database}` (--account ID: a GEP account of {data.years[0]})"
        )


def _demo_targets() -> Path:
    from ganpo.tracking.registry import shipped_file

    return shipped_file("jiangxi-demo-targets")


@app.command("run")
def run(
    dataset: Annotated[
        Path, typer.Argument(help="Dataset folder (with carbon-dataset.toml). 数据集目录。")
    ],
    year: Annotated[int, typer.Option("--year", "-y", help="Inventory year. 清单年份。")],
    gwp: GwpOption,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Compute a dataset's inventory for one year and store it. 核算并存储一年的清单。"""
    from ganpo.carbon.inventory import read_dataset

    with user_errors():
        data = read_dataset(dataset)
        engine = _store(database)
        iid = _run_and_store(engine, data, year, gwp)
        mark = f" {SYNTHETIC_LABEL}" if data.synthetic else ""
        console.print(f"stored inventory 已存储清单 {iid}{mark}")
        _print_totals(engine, [iid])


@app.command("list")
def list_(
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """The stored inventories. 已存储的清单。"""
    from ganpo.store import quick

    with user_errors():
        q = quick.open_quick(database)
        if q is not None:
            found: list[Any] = quick.inventories(q)
            counts = quick.inventory_row_counts(q)
        else:
            from ganpo.store.carbon import list_inventories, row_counts

            engine = _store(database)
            found = list_inventories(engine)
            counts = row_counts(engine)
    records = [
        {**{k: getattr(h, k) for k in LIST_KEYS if hasattr(h, k)}, "rows": counts.get(h.id, 0)}
        for h in found
    ]
    if print_records(fmt, LIST_KEYS, records):
        return
    t = Table(
        "编号\nid",
        "地区\nregion",
        "年份\nyear",
        "GWP",
        "数据集\ndataset",
        "状态\nstatus",
        "创建\ncreated",
        title="温室气体清单 Greenhouse-gas inventories",
    )
    for h in found:
        title = f"{h.dataset_title_zh}\n{h.dataset_title_en}"
        status = {"draft": "草稿 draft", "published": "已发布 published"}.get(h.status, h.status)
        t.add_row(
            str(h.id),
            str(h.region_adcode),
            str(h.year),
            h.gwp_set,
            title + (f"\n{SYNTHETIC_LABEL}" if h.synthetic else ""),
            status,
            f"{h.created_at:%Y-%m-%d %H:%M}\n{h.created_by}",
        )
    console.print(t if found else "no inventories stored / 尚无清单")


@app.command("show")
def show(
    inventory_id: Annotated[int, typer.Argument(help="Inventory id (`ganpo carbon list`).")],
    level: Annotated[
        Level, typer.Option("--level", "-l", help="province, city or county. 层级。")
    ] = "province",
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """Totals by category in 万tCO₂e with their uncertainty (IPCC Approach 1), the
    production- and consumption-based totals (gross of LULUCF) and the net emissions
    including LULUCF. 分类别排放量、不确定性、两种口径总量与净排放量。"""
    from ganpo.carbon.inventory import CONSUMPTION, NET, PRODUCTION, summary
    from ganpo.store.carbon import load_inventory

    with user_errors():
        s = load_inventory(_store(database), inventory_id)
        h = s.header
        table = summary(s.rows, s.uncertainty, h.region_adcode, level)
    extra = {
        "inventory_id": h.id,
        "year": h.year,
        "gwp_set": h.gwp_set,
        "synthetic": h.synthetic,
    }
    records = [{**extra, **r} for r in table.to_dict("records")]
    for r in records:  # rounded so that no number prints in scientific notation
        r["co2e_t"] = round(float(r["co2e_10k_t"]) * 1e4, 2)
        r["co2e_10k_t"] = round(float(r["co2e_10k_t"]), 4)
        u = float(r["u_pct"])
        r["u_pct"] = None if math.isnan(u) else round(u, 2)  # NaN: a total of zero
    if print_records(fmt, SHOW_KEYS, records):
        return
    mark = f" · {SYNTHETIC_LABEL}" if h.synthetic else ""
    t = Table(
        "单位\nunit",
        "类别\ncategory",
        "排放量\nemissions",
        "不确定性 (95 %)\nuncertainty",
        title=f"温室气体清单 {h.id} · {h.year} 年 · GWP {h.gwp_set}{mark}",
        caption=f"单位 unit: {UNIT_LABEL}; 不确定性按 IPCC 方法 1 (误差传播) / uncertainty by "
        "IPCC Approach 1 (error propagation), categories taken as independent; 生产侧、消费侧"
        "总量不含土地利用变化和林业 / production- and consumption-based totals exclude LULUCF",
    )
    totals = {PRODUCTION, CONSUMPTION, NET}
    last = None
    for r in records:
        code = str(r["category_code"])
        shown = "" if code in totals else ("备忘 memo" if code.startswith("memo") else code)
        label = f"{shown} {r['category_zh']}".strip() + f"\n{r['category_en']}"
        unit = str(r["unit_name"]) if r["unit_code"] != last else ""
        last = r["unit_code"]
        t.add_row(
            unit,
            label,
            _wan_t(float(r["co2e_10k_t"])),
            "—" if r["u_pct"] is None else f"±{float(r['u_pct']):.1f} %",
            style="bold" if code in totals else None,
            end_section=code == NET,
        )
    console.print(t)
    for note in h.notes:
        console.print(f"注 note: {note}")


@app.command("publish")
def publish(
    inventory_id: Annotated[int, typer.Argument(help="Inventory id (`ganpo carbon list`).")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Publish a draft inventory (its figures never change). 发布清单草稿。"""
    from ganpo.store.carbon import publish_inventory

    with user_errors():
        publish_inventory(_store(database), inventory_id)
    console.print(f"published inventory 已发布清单 {inventory_id}")


#: the keys of `ganpo carbon progress --format csv|json`
PROGRESS_KEYS = (
    "unit_code",
    "unit_name",
    "year",
    "co2_total_10k_t",
    "gdp_100m_yuan",
    "co2_intensity_t_per_10k_yuan",
    "target",
    "indicator_zh",
    "indicator_en",
    "period",
    "target_value",
    "target_unit",
    "time_elapsed_pct",
    "task_achieved_pct",
    "achieved_rate_pct",
    "required_rate_pct",
    "status_zh",
    "status_en",
    "warning_level_zh",
    "warning_level_en",
    "warning_zh",
    "warning_en",
)


def _gdp_table(gdp: Path | None, inventories: list[StoredInventory]) -> pd.DataFrame:
    """The GDP table at constant prices: ``--gdp``'s file, else the ``gdp`` table of the
    inventories' dataset when it is the demo folder's (the store keeps a dataset's
    digest, not its folder)."""
    from ganpo.carbon.dual_control_link import dataset_gdp, read_gdp_file
    from ganpo.errors import InputError

    if gdp is not None:
        return read_gdp_file(gdp)
    found = dataset_gdp(DEMO_FOLDER, {s.header.dataset_digest for s in inventories})
    if found is not None:
        return found
    h = inventories[0].header
    raise InputError(
        en=f"no GDP table found for the dataset {h.dataset_title_en!r}: the store records the "
        f"dataset's digest, not its folder, and {DEMO_FOLDER}/gdp.csv is not that dataset's; "
        "give the dataset's gdp.csv (unit_code, year, gdp_constant_YYYY in 亿元) with "
        "--gdp FILE",
        zh=f"未找到数据集“{h.dataset_title_zh}”的地区生产总值表，请用 --gdp 指定",
        field="gdp",
    )


def _num(v: object, digits: int, suffix: str = "") -> str:
    return "—" if v is None else f"{float(v):,.{digits}f}{suffix}"  # type: ignore[arg-type]


@app.command("progress")
def progress(
    inventory_ids: Annotated[
        list[int], typer.Argument(help="Inventory ids, one a year (`ganpo carbon list`).")
    ],
    targets: Annotated[
        Path,
        typer.Option(
            "--targets",
            help="Dual-control targets (a tracking TOML file, docs/tracking.md). 双控目标文件。",
        ),
    ],
    level: Annotated[
        Literal["city", "county"],
        typer.Option("--level", "-l", help="city or county. 层级。"),
    ] = "city",
    gdp: Annotated[
        Path | None,
        typer.Option(
            "--gdp",
            help="GDP table (unit_code, year, gdp_constant_YYYY in 亿元); default: the demo "
            "dataset's. 不变价地区生产总值表。",
        ),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """Dual-control progress (碳排放双控) of the inventories' cities or counties: total
    (production-based) and intensity per year, each target's progress and the warnings.
    清单各市县碳排放总量、强度、双控目标进度与预警。"""
    from ganpo.carbon.dual_control_link import dual_control_progress
    from ganpo.store.carbon import load_inventory
    from ganpo.tracking.dual_control import register

    with user_errors():
        engine = _store(database)
        inventories = [load_inventory(engine, i) for i in inventory_ids]
        registry = register()
        registry.load(targets)
        table = _gdp_table(gdp, inventories)
        result = dual_control_progress(registry, inventories, table, level)
    for note in table.attrs.get("notes", []) if gdp is not None and fmt == "table" else []:
        err_console.print(f"说明 note: {note}")  # after a table only: json/csv stay parseable
    if print_records(fmt, PROGRESS_KEYS, result.records):
        return
    mark = f" · {SYNTHETIC_LABEL}" if result.synthetic else ""
    t = Table(
        "单位\nunit",
        "年份\nyear",
        "总量\ntotal",
        "强度\nintensity",
        "目标\ntarget",
        "时间进度\ntime elapsed",
        "任务进度\ntask achieved",
        "年均变化（实际/需要）\nannual change (achieved/required)",
        "状态\nstatus",
        title=f"碳排放双控进度 Dual-control progress · {'–'.join(map(str, result.years))} · "
        f"GWP {result.gwp_set}{mark}",
        caption=f"总量 total: 万吨二氧化碳 (万tCO₂e, 生产侧 production-based); 强度 intensity: "
        f"吨二氧化碳/万元 (tCO₂/万元, {result.price_year} 年不变价 constant prices)",
    )
    last = None
    for r in result.records:
        name = str(r["unit_name"]) if r["unit_code"] != last else ""
        last = r["unit_code"]
        rates = f"{_num(r['achieved_rate_pct'], 2, ' %')} / {_num(r['required_rate_pct'], 2, ' %')}"
        t.add_row(
            name,
            str(r["year"]),
            _num(r["co2_total_10k_t"], 2),
            _num(r["co2_intensity_t_per_10k_yuan"], 4),
            f"{r['indicator_zh']} {r['period']}\n{r['indicator_en']}\n"
            f"≤ {_num(r['target_value'], 2 if r['target_unit'] == '万吨二氧化碳' else 4)} "
            f"{r['target_unit']}",
            _num(r["time_elapsed_pct"], 1, " %"),
            _num(r["task_achieved_pct"], 1, " %"),
            rates,
            f"{r['status_zh']}\n{r['status_en']}",
        )
    console.print(t)
    for w in result.warnings.to_dict("records"):
        console.print(
            f"预警 warning · {w['level_zh']} {w['level_en']}: {w['message_zh']} / {w['message_en']}"
        )
    if result.warnings.empty:
        console.print("无预警 no warnings")


@app.command("project-check")
def project_check(
    inventory_ids: Annotated[
        list[int], typer.Argument(help="Inventory ids, one a year (`ganpo carbon list`).")
    ],
    targets: Annotated[
        Path,
        typer.Option("--targets", help="Dual-control targets (a tracking TOML file). 双控目标。"),
    ],
    unit: Annotated[
        int, typer.Option("--unit", "-u", help="The city or county adcode. 项目所在地区代码。")
    ],
    emissions: Annotated[
        float,
        typer.Option(
            "--emissions", help="The project's CO₂ a year, 万吨 (10⁴ t). 项目年新增排放（万吨）。"
        ),
    ],
    added_gdp: Annotated[
        float,
        typer.Option(
            "--added-gdp",
            help="The project's GDP a year, 亿元 at the GDP table's constant prices. "
            "项目年新增地区生产总值（亿元，不变价）。",
        ),
    ] = 0.0,
    level: Annotated[
        Literal["city", "county"],
        typer.Option("--level", "-l", help="city or county. 层级。"),
    ] = "city",
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="Default: the last year. 评价年份。")
    ] = None,
    gdp: Annotated[
        Path | None,
        typer.Option("--gdp", help="GDP table, as for `carbon progress`. 不变价地区生产总值表。"),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """Project carbon evaluation (项目碳评价): a project's added emissions and GDP against
    the unit's dual-control targets: total, intensity, each target's progress and status
    without and with it, the warnings it raises. 项目新增排放对双控目标的影响。"""
    from ganpo.carbon.dual_control_link import project_check as check
    from ganpo.store.carbon import load_inventory
    from ganpo.tracking.dual_control import register

    with user_errors():
        engine = _store(database)
        inventories = [load_inventory(engine, i) for i in inventory_ids]
        registry = register()
        registry.load(targets)
        result = check(
            registry,
            inventories,
            _gdp_table(gdp, inventories),
            level,
            unit,
            emissions,
            added_gdp=added_gdp,
            year=year,
        )
    rows = result.table()
    if fmt != "table":
        records = [
            {
                "unit_code": result.unit_code,
                "year": result.year,
                **{str(k): v for k, v in r.items()},
            }
            for r in rows.to_dict("records")
        ]
        keys = ("unit_code", "year", *map(str, rows.columns))
        print_records(fmt, keys, records)
        return
    console.print(result.summary("zh"))
    console.print(result.summary("en"))
    t = Table(
        "目标\ntarget",
        "目标值\ntarget value",
        "实际（无/有项目）\nactual (without/with)",
        "任务进度\ntask achieved",
        "状态（无/有项目）\nstatus (without/with)",
        title=f"项目碳评价 Project carbon evaluation · {result.unit_name} {result.year}",
    )
    for r in rows.to_dict("records"):
        t.add_row(
            str(r["target"]),
            f"{_num(r['target_value'], 4)} {r['unit']}",
            f"{_num(r['actual_before'], 4)} → {_num(r['actual_after'], 4)}",
            f"{_num(r['task_achieved_pct_before'], 1, ' %')} → "
            f"{_num(r['task_achieved_pct_after'], 1, ' %')}",
            f"{r['status_zh_before']} → {r['status_zh_after']}\n"
            f"{r['status_before']} → {r['status_after']}",
        )
    console.print(t)
    for w in result.crossed:
        console.print(
            f"新增预警 new warning · {w.level_zh} {w.level_en}: {w.message_zh} / {w.message_en}"
        )
    if not result.crossed:
        console.print("不新增或升级预警 no warning raised or made more severe")


app.command("sinks")(carbon_sinks.sinks)  # the sink account: its own module
app.command("report")(carbon_report.report)  # the annual report, in its own module
app.command("run-reported")(run_reported)  # the inventory from departments' reports
app.add_typer(carbon_inclusive.app, name="inclusive")  # the carbon-inclusive registry
