"""`ganpo zoning violations`: the register of zoning violations found by the enforcement
departments (load a CSV of cases, list them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    FormatOption,
    console,
    print_records,
    user_errors,
)

app = typer.Typer(
    help="Zoning violations: load the enforcement departments' cases, list them. "
    "违反分区管控要求的案件：导入、查询。",
    no_args_is_help=True,
)
#: the keys of `ganpo zoning violations list --format csv|json`
VIOLATION_KEYS = (
    "case_no",
    "revision",
    "county_adcode",
    "county_name",
    "unit_code",
    "found_on",
    "kind",
    "kind_zh",
    "kind_en",
    "penalty_wan",
    "status",
    "status_zh",
    "status_en",
    "closed_on",
    "source",
    "synthetic",
)


def _region_counties(region: int) -> dict[int, str]:
    from ganpo.io.regions import read_district_table

    t = read_district_table()
    if region % 10000 == 0:
        t = t[t["district_adcode"] // 10000 == region // 10000]
    else:
        t = t[t["city_adcode"] == region]
    return dict(zip(t["district_adcode"].astype(int), t["district_name"].astype(str), strict=True))


@app.command("load")
def load(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV of cases: case_no, county_adcode, unit_code, found_on, kind, description, "
            "penalty_wan, status, closed_on, source. 违规案件表。"
        ),
    ],
    zoning: Annotated[
        Path | None,
        typer.Option(
            "--zoning",
            help="Zoning dataset folder whose control units the unit codes must name. "
            "分区管控数据集目录。",
        ),
    ] = None,
    region: Annotated[
        int, typer.Option("--region", help="Province or city adcode. 地区代码。")
    ] = 360000,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="The cases are synthetic demo data. 合成数据。")
    ] = False,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Check a file of violation cases and record them (a case loaded again with a change
    becomes a new revision, the old one kept; every record audited). 导入违规案件。"""
    from ganpo.store.cases import record_violations
    from ganpo.store.repository import open_store
    from ganpo.zoning.violations import read_violations

    with user_errors():
        units = None
        if zoning is not None:
            from ganpo.zoning.units import read_zoning

            units = set(read_zoning(zoning).units["code"].astype(str))
        rows = read_violations(
            file, counties=_region_counties(region), units=units, synthetic=synthetic
        )
        done = record_violations(open_store(database), rows)
    console.print(
        f"新增 added {len(done.added)}, 修订 revised {len(done.revised)}, "
        f"未变 unchanged {len(done.unchanged)}" + (" · 合成数据 SYNTHETIC" if synthetic else "")
    )


@app.command("list")
def list_(
    county: Annotated[
        int | None, typer.Option("--county", help="Only this county's cases. 县级区划代码。")
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """The violation cases in force (newest revision of each). 违规案件列表。"""
    from ganpo.io.regions import read_district_table
    from ganpo.store.cases import violations_in_force
    from ganpo.store.cases_models import VIOLATION_KINDS, VIOLATION_STATUSES
    from ganpo.store.repository import open_store

    with user_errors():
        found = violations_in_force(
            open_store(database), counties=None if county is None else [county]
        )
    table = read_district_table()
    known = dict(zip(table["district_adcode"].astype(int), table["district_name"], strict=True))
    names = [str(known.get(v.county_adcode, "")) for v in found]
    records: list[dict[str, Any]] = [
        {
            "case_no": v.case_no,
            "revision": v.revision,
            "county_adcode": v.county_adcode,
            "county_name": name,
            "unit_code": v.unit_code,
            "found_on": v.found_on.isoformat(),
            "kind": v.kind,
            "kind_zh": VIOLATION_KINDS[v.kind][0],
            "kind_en": VIOLATION_KINDS[v.kind][1],
            "penalty_wan": v.penalty_cny / 1e4,
            "status": v.status,
            "status_zh": VIOLATION_STATUSES[v.status][0],
            "status_en": VIOLATION_STATUSES[v.status][1],
            "closed_on": v.closed_on.isoformat() if v.closed_on else "",
            "source": v.source,
            "synthetic": v.synthetic,
        }
        for v, name in zip(found, names, strict=True)
    ]
    if print_records(fmt, VIOLATION_KEYS, records):
        return
    t = Table(title="违反分区管控要求的案件 Zoning violations")
    for header in ("案件编号\ncase", "县\ncounty", "管控单元\nunit", "发现日期\nfound",
                   "类型\nkind", "罚款（万元）\nfine", "状态\nstatus", "来源\nsource"):  # fmt: skip
        t.add_column(header, overflow="fold")
    for r in records:
        t.add_row(
            str(r["case_no"]) + (" 合成" if r["synthetic"] else ""),
            f"{r['county_name']}\n{r['county_adcode']}",
            str(r["unit_code"]) or "—",
            str(r["found_on"]),
            f"{r['kind_zh']}\n{r['kind_en']}",
            f"{r['penalty_wan']:,.2f}",
            f"{r['status_zh']}\n{r['status_en']}",
            str(r["source"]),
        )
    console.print(t)
    if not records:
        console.print("没有记录 no case recorded")
