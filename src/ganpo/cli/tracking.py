"""``ganpo tracking …``: the decision's targets and their status by a stated method
(docs/tracking.md, "The decision's targets"). Every library is imported when a command
runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.table import Table

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    FormatOption,
    console,
    err_console,
    print_records,
    report_target,
    user_errors,
)

if TYPE_CHECKING:
    import pandas as pd

    from ganpo.tracking.registry import Registry
    from ganpo.tracking.status import Assessment, Method

app = typer.Typer(
    help="Targets of the decision and their status: achieved, on track, at risk, off track. "
    "决定的目标及其进展状态。",
    no_args_is_help=True,
)
series_app = typer.Typer(
    help="Monitoring series in the store: load published or reported figures, compute GEP "
    "and carbon series from the stored accounts. 库中的监测序列。",
    no_args_is_help=True,
)
app.add_typer(series_app, name="series")

#: the keys of `ganpo tracking status --format csv|json`
STATUS_KEYS = (
    "target",
    "pillar",
    "pillar_zh",
    "pillar_en",
    "clause",
    "clause_zh",
    "clause_en",
    "indicator",
    "indicator_zh",
    "indicator_en",
    "department",
    "department_zh",
    "department_en",
    "unit_code",
    "unit_name_zh",
    "unit_name_en",
    "method",
    "year",
    "base_year",
    "base_value",
    "last_year",
    "actual",
    "target_value",
    "kind",
    "unit",
    "unit_zh",
    "unit_en",
    "achieved_rate_pct",
    "required_rate_pct",
    "remaining_rate_pct",
    "time_elapsed_pct",
    "task_achieved_pct",
    "ratio",
    "status",
    "status_zh",
    "status_en",
    "reason",
    "reason_zh",
    "reason_en",
    "target_status",
    "target_source",
    "observation_status",
    "observation_source",
)
#: an observation's or a target's status as the table writes it
_DATA_NAMES = {
    "published": ("公开发布", "published"),
    "reported": ("新闻报道", "reported"),
    "synthetic": ("合成数据", "SYNTHETIC"),
    "computed": ("平台计算", "computed"),
    "form": ("部门报表", "department form"),
    "adopted": ("已发布", "adopted"),
    "draft": ("草案", "draft"),
}


def _unit_names(code: int) -> tuple[str, str]:
    from ganpo.report.tracking_report import unit_names

    return unit_names(code)


def _records(registry: Registry, found: list[Assessment]) -> list[dict[str, Any]]:
    from ganpo.catalog.departments import departments
    from ganpo.tracking.status import REASON_NAMES, STATUS_NAMES

    deps = departments()
    rows = []
    for a in found:
        ind = registry.indicator(a.indicator)
        t = registry.targets[a.target]
        link = registry.clause_of(a.indicator)
        dep = deps.get(ind.department)
        zh, en = _unit_names(a.unit_code)
        rows.append(
            {
                "target": a.target,
                "pillar": link[0].key if link else None,
                "pillar_zh": link[0].name_zh if link else None,
                "pillar_en": link[0].name_en if link else None,
                "clause": link[1].key if link else None,
                "clause_zh": link[1].name_zh if link else None,
                "clause_en": link[1].name_en if link else None,
                "indicator": a.indicator,
                "indicator_zh": ind.name_zh,
                "indicator_en": ind.name_en,
                "department": ind.department or None,
                "department_zh": dep.name_zh if dep else None,
                "department_en": dep.name_en if dep else None,
                "unit_code": a.unit_code,
                "unit_name_zh": zh,
                "unit_name_en": en,
                "method": a.method,
                "year": a.year,
                "base_year": a.base_year,
                "base_value": a.base_value,
                "last_year": a.last_year,
                "actual": a.actual,
                "target_value": a.target_value,
                "kind": t.kind,
                "unit": a.unit,
                "unit_zh": ind.unit_in("zh"),
                "unit_en": ind.unit_in("en"),
                "achieved_rate_pct": a.achieved_rate_pct,
                "required_rate_pct": a.required_rate_pct,
                "remaining_rate_pct": a.remaining_rate_pct,
                "time_elapsed_pct": a.time_elapsed_pct,
                "task_achieved_pct": a.task_achieved_pct,
                "ratio": a.ratio,
                "status": a.status,
                "status_zh": STATUS_NAMES[a.status][0],
                "status_en": STATUS_NAMES[a.status][1],
                "reason": a.reason,
                "reason_zh": REASON_NAMES[a.reason][0],
                "reason_en": REASON_NAMES[a.reason][1],
                "target_status": t.status,
                "target_source": t.source,
                "observation_status": a.observation_status,
                "observation_source": a.source,
            }
        )
    return rows


def _in_decision_order(registry: Registry, found: list[Assessment]) -> list[Assessment]:
    """Assessments in the order of the decision's pillars and clauses, then by target;
    indicators no clause names last."""
    order = {
        ind: i
        for i, ind in enumerate(
            k for p in registry.pillars.values() for c in p.clauses for k in c.indicators
        )
    }
    return sorted(found, key=lambda a: (order.get(a.indicator, len(order)), a.target))


def _num(value: float | None, unit: str) -> str:
    """A value as a statistics table writes it in ``unit``: 亿元 whole with thousands
    separators, ratios of units to 4 decimals, shares and the rest to 2."""
    if value is None:
        return "—"
    if unit in ("亿元", "万元", "万t", "万t CO2"):
        return f"{value:,.0f}"
    return f"{value:,.4f}" if "/" in unit else f"{value:,.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} %"


@app.command("status")
def status(
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="A tracking TOML file (pillars, indicators, targets, observations; "
            "docs/tracking.md); default: the shipped Jiangxi decision. 目标文件。",
        ),
    ] = None,
    series: Annotated[
        Path | None,
        typer.Option(
            "--series",
            help="More observations: a CSV file (indicator, unit_code, year, value, unit, "
            "source, status). 观测序列 CSV 文件。",
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", help="Year assessed; default: the last observed. 评价年份。"),
    ] = None,
    method: Annotated[
        Literal["required-growth", "linear"],
        typer.Option(
            "--method",
            "-m",
            help="required-growth (achieved against required compound annual change) or "
            "linear (against the straight path from the baseline). "
            "评价方法：所需增速法或线性路径法。",
        ),
    ] = "required-growth",
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "--db",
            help="Read the series stored in this store (SQLite path or SQLAlchemy URL) "
            "instead of the file's observations. 使用库中的监测序列。",
        ),
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Status of each target (achieved, on track, at risk, off track) by the stated method,
    from the observed series, with each value's source. 各目标进展状态（已实现、进度正常、
    存在风险、偏离目标）及数据来源。"""
    from ganpo.tracking.decision import register
    from ganpo.tracking.series import read_series_csv
    from ganpo.tracking.status import AT_RISK, METHOD_NAMES, ON_TRACK, registry_status

    key: Method = "linear" if method == "linear" else "required_growth"
    with user_errors():
        registry = register(file)
        if database is not None:
            from ganpo.store.repository import open_store
            from ganpo.store.tracking import observations_in_force
            from ganpo.tracking.stored import use_series

            use_series(registry, observations_in_force(open_store(database)))
        if series is not None:
            registry.add_observations(read_series_csv(series), source=series)
        report = registry_status(registry, year=year, method=key)
        records = _records(registry, _in_decision_order(registry, report.assessments))
    if print_records(fmt, STATUS_KEYS, records):
        return
    name_zh, name_en = METHOD_NAMES[key]
    progress_header = (
        "年均变化（实际/所需）\nannual change (achieved/required)"
        if key == "required_growth"
        else "任务/时间进度\ntask/time elapsed"
    )
    t = Table(
        title=f"目标进展 Target status · {name_zh} {name_en}",
        caption=f"进度比 ≥ {ON_TRACK:g} 进度正常 on track; ≥ {AT_RISK:g} 存在风险 at risk; "
        "以下偏离目标 below: off track (ganpo 阈值，未经核实 ganpo's thresholds, not verified). "
        "合成数据 SYNTHETIC = made up for the demo.",
    )
    for header in (
        "条款\nclause",
        "指标\nindicator",
        "地区\nunit",
        "年份\nyear",
        "基期值\nbaseline",
        "实际值\nactual",
        "目标值\ntarget",
        "单位\nunit of measure",
        progress_header,
        "进度比\nratio",
        "状态\nstatus",
        "数据\ndata",
    ):
        t.add_column(header, overflow="fold")
    sources: list[str] = []
    for r in records:
        unit = str(r["unit"])
        sign = "≥" if r["kind"] == "floor" else "≤"
        # the rates or shares grade only a status by the ratio: elsewhere they would mislead
        if r["reason"] != "ratio":
            progress_cell = "—"
        elif key == "required_growth":
            progress_cell = f"{_pct(r['achieved_rate_pct'])} / {_pct(r['required_rate_pct'])}"
        else:
            progress_cell = f"{_pct(r['task_achieved_pct'])} / {_pct(r['time_elapsed_pct'])}"
        why = (
            ""
            if r["reason"] in ("ratio", "target_met")
            else f"\n（{r['reason_zh']}）\n({r['reason_en']})"
        )
        source = str(r["observation_source"])
        if source not in sources:
            sources.append(source)
        data_zh, data_en = _DATA_NAMES[str(r["observation_status"])]
        t.add_row(
            f"{r['clause_zh'] or '—'}\n{r['clause_en'] or '—'}",
            f"{r['indicator_zh']}\n{r['indicator_en']}",
            f"{r['unit_name_zh']}\n{r['unit_name_en']}",
            f"{r['year']}",
            f"{_num(r['base_value'], unit)} ({r['base_year']})",
            _num(r["actual"], unit),
            f"{sign} {_num(r['target_value'], unit)} ({r['last_year']})",
            f"{r['unit_zh']}\n{r['unit_en']}",
            progress_cell,
            "—" if r["ratio"] is None else f"{r['ratio']:.2f}",
            f"{r['status_zh']}\n{r['status_en']}{why}",
            f"{data_zh} [{sources.index(source) + 1}]\n{data_en}",
        )
    console.print(t)
    for i, source in enumerate(sources, start=1):
        console.print(f"[{i}] {source}")
    if report.without_data:
        names = [registry.indicator(registry.targets[k].indicator) for k in report.without_data]
        console.print(
            "无观测数据 no observed value: " + "; ".join(f"{n.name_zh} {n.name_en}" for n in names)
        )


#: the keys of `ganpo tracking alerts --format csv|json`
ALERT_KEYS = (
    "key",
    "kind",
    "level",
    "level_zh",
    "level_en",
    "department",
    "department_zh",
    "department_en",
    "unit_code",
    "unit_name_zh",
    "unit_name_en",
    "target",
    "indicator",
    "indicator_zh",
    "indicator_en",
    "year",
    "last_year",
    "status",
    "actual",
    "target_value",
    "measure",
    "ratio",
    "missing_years",
    "source",
    "message_zh",
    "message_en",
)


@app.command("alerts")
def alerts(
    department: Annotated[
        str | None,
        typer.Option(
            "--department",
            "-d",
            help="Only this department's alerts (a key of departments.toml: forestry, "
            "ecology, statistics …). 只列本部门的预警。",
        ),
    ] = None,
    as_of: Annotated[
        int | None,
        typer.Option(
            "--as-of",
            help="Year of the check (a value is due a year after its own); "
            "default: this year. 检查年份。",
        ),
    ] = None,
    method: Annotated[
        Literal["required-growth", "linear"],
        typer.Option("--method", "-m", help="Status method. 评价方法。"),
    ] = "required-growth",
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="The tracking TOML file; default: the shipped Jiangxi decision. 目标文件。",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "--db",
            help="Read the series stored in this store instead of the file's observations. "
            "使用库中的监测序列。",
        ),
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Alerts to the responsible departments: targets at risk or off track, and values
    missing past their due year, each addressed to the indicator's department and the
    unit. 向责任部门和地区发出的预警：存在风险或偏离目标的指标、逾期未报的数值。"""
    from ganpo.catalog.departments import department as find_department
    from ganpo.tracking.alerts import tracking_alerts
    from ganpo.tracking.decision import register

    key: Method = "linear" if method == "linear" else "required_growth"
    with user_errors():
        if department is not None:
            find_department(department)  # an unknown key lists the departments
        registry = register(file)
        if database is not None:
            from ganpo.store.repository import open_store
            from ganpo.store.tracking import observations_in_force
            from ganpo.tracking.stored import use_series

            use_series(registry, observations_in_force(open_store(database)))
        found = tracking_alerts(registry, as_of=as_of, method=key, names=_unit_names)
    if department is not None:
        found = [a for a in found if a.department == department]
    records = [dict(a.__dict__, missing_years=list(a.missing_years)) for a in found]
    if print_records(fmt, ALERT_KEYS, records):
        return
    t = Table(title="预警 Alerts")
    for header in ("预警\nlevel", "责任部门\ndepartment", "地区\nunit", "指标\nindicator",
                   "年份\nyear", "说明\nmessage"):  # fmt: skip
        t.add_column(header, overflow="fold")
    for a in found:
        t.add_row(
            f"{a.level_zh}\n{a.level_en}",
            f"{a.department_zh}\n{a.department_en}",
            f"{a.unit_name_zh}\n{a.unit_name_en}",
            f"{a.indicator_zh}\n{a.indicator_en}",
            str(a.year),
            f"{a.message_zh}\n{a.message_en}",
        )
    console.print(t)
    if not found:
        console.print("无预警 no alert")


#: the keys of `ganpo tracking series load|compute --format csv|json`
SERIES_KEYS = ("indicator", "unit_code", "year", "value", "unit", "source", "status", "outcome")
_OUTCOMES = {"added": ("新增", "added"), "revised": ("修订", "revised"),
             "unchanged": ("未变", "unchanged")}  # fmt: skip


def _print_recorded(
    registry: Registry, rows: list[Any], recorded: Any, fmt: str, title: str
) -> None:
    outcome = {k: "added" for k in recorded.added}
    outcome |= {k: "revised" for k in recorded.revised}
    outcome |= {k: "unchanged" for k in recorded.unchanged}
    records = [
        {
            "indicator": r.indicator,
            "unit_code": r.unit_code,
            "year": r.year,
            "value": r.value,
            "unit": r.unit,
            "source": r.source,
            "status": r.status,
            "outcome": outcome[(r.indicator, r.unit_code, r.year)],
        }
        for r in rows
    ]
    if print_records(fmt, SERIES_KEYS, records):  # type: ignore[arg-type]
        return
    t = Table(title=title)
    for header in ("指标\nindicator", "地区\nunit", "年份\nyear", "数值\nvalue",
                   "单位\nunit of measure", "来源\nsource", "结果\noutcome"):  # fmt: skip
        t.add_column(header, overflow="fold")
    for r in records:
        zh, en = _unit_names(int(r["unit_code"]))
        o = _OUTCOMES[str(r["outcome"])]
        ind = registry.indicator(str(r["indicator"]))
        data_zh, data_en = _DATA_NAMES[str(r["status"])]
        unit = str(r["unit"])
        t.add_row(
            f"{ind.name_zh}\n{ind.name_en}",
            f"{zh}\n{en}",
            str(r["year"]),
            _num(float(r["value"]), unit),
            f"{ind.unit_in('zh')}\n{ind.unit_in('en')}" if unit == ind.unit else unit,
            f"{r['source']}\n（{data_zh} {data_en}）",
            f"{o[0]}\n{o[1]}",
        )
    console.print(t)
    console.print(
        f"新增 added {len(recorded.added)}, 修订 revised {len(recorded.revised)}, "
        f"未变 unchanged {len(recorded.unchanged)}"
    )


@series_app.command("load")
def series_load(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A series CSV file (indicator, unit_code, year, value, unit, source, status) "
            "or a tracking TOML file (its observations); default: the observations of the "
            "shipped Jiangxi decision. 观测序列文件。"
        ),
    ] = None,
    targets: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="The tracking TOML file whose indicators check the series; "
            "default: the shipped Jiangxi decision. 目标文件。",
        ),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """Record observed values in the store after checking them (registered indicator, unit
    that converts); a changed value becomes a new revision, the old one kept.
    将观测值存入库中（修订值另存为新版本，原值保留）。"""
    from ganpo.store.repository import open_store
    from ganpo.store.tracking import record_observations
    from ganpo.tracking.decision import register
    from ganpo.tracking.registry import read_tracking_file, shipped_file
    from ganpo.tracking.series import read_series_csv
    from ganpo.tracking.stored import checked

    with user_errors():
        registry = register(targets)
        if file is None or file.suffix.lower() == ".toml":
            path = file if file is not None else shipped_file("jiangxi-decision")
            rows = read_tracking_file(path).observations
        else:
            path, rows = file, read_series_csv(file)
        recorded = record_observations(open_store(database), checked(registry, rows, source=path))
    _print_recorded(registry, rows, recorded, fmt, "观测值入库 Series recorded")


@series_app.command("compute")
def series_compute(
    year: Annotated[int, typer.Option("--year", "-y", help="Year computed. 年份。")],
    gdp: Annotated[
        Path | None,
        typer.Option(
            "--gdp",
            help="GDP table for the carbon intensity (unit_code, year, gdp_constant_YYYY in "
            "亿元); default: the demo carbon dataset's when the inventories are its. "
            "不变价地区生产总值表。",
        ),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """Compute GEP, GEP growth (constant prices), carbon total and intensity of a year per
    county, city and province from the stored accounts and inventories, and record them
    (source: the account or inventory id). 由库中核算与清单计算监测序列并入库。"""
    from ganpo.apply.decision_series import compute_series
    from ganpo.carbon.dual_control_link import dataset_gdp, read_gdp_file
    from ganpo.cli.carbon import DEMO_FOLDER
    from ganpo.errors import InputError, joined
    from ganpo.store.carbon import list_inventories
    from ganpo.store.repository import open_store
    from ganpo.store.tracking import record_observations
    from ganpo.tracking.decision import register
    from ganpo.tracking.stored import checked

    with user_errors():
        engine = open_store(database)
        table: pd.DataFrame | None = None
        read_notes: list[str] = []
        if gdp is not None:
            table = read_gdp_file(gdp)
            read_notes = list(table.attrs.get("notes", []))
            if not (table["year"] == year).any():
                years = sorted(set(table["year"]))
                raise InputError(
                    en=f"GDP table: no GDP of {year} (its years: "
                    f"{', '.join(map(str, years))}); give the GDP of the year computed",
                    zh=f"地区生产总值表中没有 {year} 年的数值",
                    source=gdp.name,
                    field="year",
                    values=years,
                )
        else:
            digests = {h.dataset_digest for h in list_inventories(engine) if h.year == year}
            table = dataset_gdp(DEMO_FOLDER, digests) if digests else None
        computed = compute_series(engine, year, table)
        registry = register()
        recorded = record_observations(engine, checked(registry, computed.observations))
    _print_recorded(
        registry, computed.observations, recorded, fmt, f"计算序列 Computed series · {year}"
    )
    for en, zh in computed.skipped:
        err_console.print(f"未计算 not computed: {joined(en, zh)}")
    for note in read_notes if fmt == "table" else []:  # json/csv stay parseable
        err_console.print(f"说明 note: {note}")


@series_app.command("reported")
def series_reported(
    year: Annotated[int, typer.Option("--year", "-y", help="Year reported. 年份。")],
    work_dir: Annotated[
        Path,
        typer.Option("--work-dir", help="The platform's work folder (uploads). 平台工作目录。"),
    ] = Path("out/web"),
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """Record the values of the year's approved monitoring forms (reported by the
    departments through the reporting forms and reviewed) in the stored series; a changed
    value becomes a new revision, the old one kept. 将审核通过的目标监测报表数值存入监测序列。"""
    from ganpo.errors import InputError
    from ganpo.store.repository import open_store
    from ganpo.store.tracking import record_observations
    from ganpo.submissions.tracking_series import reported_series
    from ganpo.tracking.decision import register
    from ganpo.tracking.stored import checked

    with user_errors():
        engine = open_store(database)
        found = reported_series(engine, year, work_dir)
        if not found.observations:
            waiting = "; ".join(f"{k} ({v})" for k, v in sorted(found.pending.items()))
            raise InputError(
                en=f"no approved monitoring form of {year}"
                + (f"; not yet approved: {waiting}" if waiting else "")
                + "; departments report them on the platform's reporting page (forms "
                "tracking_…), reviewers approve them",
                zh="该年度没有审核通过的目标监测报表",
                field="year",
                values=[year],
            )
        registry = register()
        recorded = record_observations(engine, checked(registry, found.observations))
    _print_recorded(
        registry, found.observations, recorded, fmt, f"报表监测值入库 Reported series · {year}"
    )
    for key, state in sorted(found.pending.items()):
        err_console.print(f"未采用 not used: {key} ({state}) / 报表尚未审核通过")


@app.command("report")
def report(
    year: Annotated[int, typer.Option("--year", "-y", help="Year reported. 报告年份。")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="File to write: .pdf, or .docx for Word (issued: the kept PDF's figures in "
            "Word). 输出 PDF 或 Word 文件。",
        ),
    ],
    lang: Annotated[Literal["zh", "en"], typer.Option("--lang", help="zh or en. 语言。")] = "zh",
    issue: Annotated[
        bool,
        typer.Option(
            "--issue",
            help="Issue the report: the next version of the year, stored with its figures and "
            "the PDF's SHA-256; the PDF kept under WORK_DIR/reports. 印发并存档。",
        ),
    ] = False,
    version: Annotated[
        int | None,
        typer.Option(
            "--version",
            help="Render an issued version again from its own stored figures. 重新生成已印发版本。",
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="The tracking TOML file (targets); default: the shipped "
            "Jiangxi decision. 目标文件。",
        ),
    ] = None,
    method: Annotated[
        Literal["required-growth", "linear"],
        typer.Option("--method", "-m", help="Status method. 评价方法。"),
    ] = "required-growth",
    issuer: Annotated[
        str, typer.Option("--issuer", help="Issuing body (cover, PDF author). 报告单位。")
    ] = "",
    work_dir: Annotated[
        Path, typer.Option("--work-dir", help="Work folder of issued reports. 工作目录。")
    ] = Path("out"),
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """The yearly report to the people's congress standing committee, from the stored
    series and the targets; every figure footnoted with its source. A draft unless
    --issue. 省政府向人大常委会的生态文明高地建设情况年度报告。"""
    from ganpo.errors import InputError
    from ganpo.report.tracking_docx import write_issued_docx, write_tracking_docx
    from ganpo.report.tracking_report import (
        copy_out,
        issue_tracking_report,
        rerender_issued,
        unit_names,
        write_tracking_report,
    )
    from ganpo.store.repository import open_store
    from ganpo.store.tracking import list_reports, load_report, observations_in_force
    from ganpo.tracking.decision import register
    from ganpo.tracking.stored import use_series
    from ganpo.tracking.yearly_report import changes_between, report_figures

    key: Method = "linear" if method == "linear" else "required_growth"
    with user_errors():
        language, suffix = report_target(out, lang, (".pdf", ".docx"))
        word = suffix == ".docx"
        engine = open_store(database)
        if version is not None:
            if issue:
                raise InputError(
                    en="--version renders an issued version again; it cannot be issued anew",
                    zh="已印发版本不可重复印发",
                    field="version",
                )
            issued = load_report(engine, year, version)
            if word:
                write_issued_docx(issued, out, issuer=issuer)
            else:
                rerender_issued(issued, out, issuer=issuer)
            console.print(f"第{version}版（已印发）version {version} (issued) → {out}")
            return
        registry = register(file)
        use_series(registry, observations_in_force(engine))
        figures = report_figures(registry, year, method=key, names=unit_names)
        if not issue:
            previous = list_reports(engine, year)
            changes = changes_between(previous[-1].figures, figures) if previous else None
            since = previous[-1].version if previous else None
            write = write_tracking_docx if word else write_tracking_report
            write(figures, year, out, language, issuer=issuer, changes=changes,
                  previous_version=since)  # fmt: skip
            console.print(f"草稿 draft (not issued) → {out}")
            return
        stored, kept = issue_tracking_report(
            engine, figures, year, work_dir, language, issuer=issuer
        )
        if word:
            write_issued_docx(stored, out, issuer=issuer)
        else:
            copy_out(kept, out)
    console.print(
        f"已印发第{stored.version}版 issued version {stored.version} → {out} "
        f"(kept: {kept.name}, SHA-256 {stored.pdf_sha256[:16]}…; "
        f"{len(stored.changes)} 项变化 changes)"
    )


#: the keys of `ganpo tracking series history --format csv|json`
HISTORY_KEYS = ("revision", "value", "unit", "source", "status", "recorded_at", "recorded_by")


@series_app.command("history")
def series_history(
    indicator: Annotated[str, typer.Argument(help="Indicator key (forest_cover …). 指标。")],
    unit_code: Annotated[int, typer.Argument(help="Unit code (adcode). 地区代码。")],
    year: Annotated[int, typer.Argument(help="Year. 年份。")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """Every revision of one stored value, oldest first; the last is in force.
    某一观测值的全部修订记录。"""
    from ganpo.errors import InputError
    from ganpo.store.repository import open_store
    from ganpo.store.tracking import observation_history
    from ganpo.tracking.decision import register

    with user_errors():
        ind = register().indicator(indicator)
        found = observation_history(open_store(database), indicator, unit_code, year)
        if not found:
            raise InputError(
                en=f"no stored value of {indicator!r} for {unit_code} in {year}",
                zh="库中无该观测值",
                field="year",
                values=[indicator, unit_code, year],
            )
    records: list[dict[str, Any]] = [
        {
            "revision": h.revision,
            "value": h.value,
            "unit": h.unit,
            "source": h.source,
            "status": h.status,
            "recorded_at": h.recorded_at.isoformat(timespec="seconds"),
            "recorded_by": h.recorded_by,
        }
        for h in found
    ]
    if print_records(fmt, HISTORY_KEYS, records):
        return
    zh, en = _unit_names(unit_code)
    t = Table(title=f"{ind.name_zh} {ind.name_en} · {zh} {en} · {year}")
    for header in ("修订\nrevision", "数值\nvalue", "单位\nunit of measure", "来源\nsource",
                   "数据\ndata", "记录时间\nrecorded at", "记录人\nrecorded by"):  # fmt: skip
        t.add_column(header, overflow="fold")
    for r in records:
        data_zh, data_en = _DATA_NAMES[str(r["status"])]
        in_force = "（现行 in force）" if r is records[-1] else ""
        t.add_row(
            f"{r['revision']}{in_force}",
            _num(float(r["value"]), str(r["unit"])),
            str(r["unit"]),
            str(r["source"]),
            f"{data_zh}\n{data_en}",
            str(r["recorded_at"]),
            str(r["recorded_by"]),
        )
    console.print(t)


#: the keys of `ganpo tracking reports --format csv|json`
REPORT_KEYS = ("year", "version", "lang", "issued_at", "issued_by", "changes", "pdf_sha256")


@app.command("reports")
def reports(
    year: Annotated[int | None, typer.Option("--year", "-y", help="Year. 年份。")] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """The issued versions of the yearly report. 已印发的年度报告各版本。"""
    from ganpo.store.repository import open_store
    from ganpo.store.tracking import list_reports

    with user_errors():
        found = list_reports(open_store(database), year)
    records = [
        {
            "year": r.year,
            "version": r.version,
            "lang": r.lang,
            "issued_at": r.issued_at.isoformat(timespec="seconds"),
            "issued_by": r.issued_by,
            "changes": len(r.changes),
            "pdf_sha256": r.pdf_sha256,
        }
        for r in found
    ]
    if print_records(fmt, REPORT_KEYS, records):
        return
    t = Table(title="已印发的年度报告 Issued yearly reports")
    for header in ("年份\nyear", "版本\nversion", "语言\nlanguage", "印发时间\nissued at",
                   "印发人\nissued by", "变化项\nchanges", "SHA-256"):  # fmt: skip
        t.add_column(header, overflow="fold")
    for r in records:
        t.add_row(
            str(r["year"]),
            str(r["version"]),
            "中文 Chinese" if r["lang"] == "zh" else "英文 English",
            str(r["issued_at"]),
            str(r["issued_by"]),
            str(r["changes"]),
            str(r["pdf_sha256"]),
        )
    console.print(t)
    if not records:
        console.print("尚无印发的报告 no report issued yet")
