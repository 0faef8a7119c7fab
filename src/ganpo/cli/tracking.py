"""``ganpo tracking …``: the decision's targets and their status by a stated method
(docs/tracking.md, "The decision's targets"). Every library is imported when a command
runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.table import Table

from ganpo.cli.common import FormatOption, console, print_records, user_errors

if TYPE_CHECKING:
    from ganpo.tracking.registry import Registry
    from ganpo.tracking.status import Assessment, Method

app = typer.Typer(
    help="Targets of the decision and their status: achieved, on track, at risk, off track. "
    "决定的目标及其进展状态。",
    no_args_is_help=True,
)

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
    "adopted": ("已发布", "adopted"),
    "draft": ("草案", "draft"),
}


def _unit_names(code: int) -> tuple[str, str]:
    from ganpo.carbon.regions import known_unit
    from ganpo.catalog.names import english_names

    unit = known_unit(code)
    # the built-in table names a city with its province (赣州市（江西省）): the name alone
    zh = re.sub(r"（[^）]*）$", "", unit.name) if unit is not None else str(code)
    return zh, english_names().get(code, zh)


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
