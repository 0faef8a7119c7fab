"""The physical forest stock of the departure audit pack: stand volume (林木蓄积量) by forest
type and the living-biomass carbon it holds, for a county or city at the start and the end
of a tenure, from the forest inventories the forestry bureau reported and the reviewers
approved (form ``carbon_forest_stock`` of the reporting workflow, the same records the
inventory run reads: :mod:`ganpo.submissions.carbon_dataset`).

Which inventory stands for a date: forest inventories are made every few years; the state
at a date is the inventory of the latest inventory year not after it. An inventory of year
Y is read, like an account of year Y, as the state at the end of Y, so "not after the date"
is Y ≤ the pack's balance year of the date (:func:`ganpo.apply.audit.balance_year`): a
tenure from 2022-03-01 to 2024-12-31 takes the latest inventory of 2021 or before and the
latest of 2024 or before. For each county, the inventory used is the latest approved
report of such a year that holds rows of the county, and the county's figure is the sum of
those rows; a city's figure is the sum of its counties' (the district table's counties of
the city, and any other county of the pack's accounts), each from its own latest inventory
(counties are inventoried in different years; the years used are listed, and a county of
the accounts with no inventory is noted). When no county has an approved report that
qualifies, or an approved file cannot be read as approved (absent from the work folder,
changed since its approval), the figure is missing, with the reason and what to do: an
earlier inventory is never put in place of an unreadable later one.

Carbon [t C] is :func:`ganpo.carbon.sinks.forest_carbon_stock` on the same rows (C = V × D
× BEF × (1 + R) × CF, IPCC 2006 Vol. 4 Eq. 2.8, the chain of the inventory's forest sink),
with the sink factor set given (default ``cn-forestry``, the set the reporting forms are
checked with). Simplification: the pack does not read which factor set a stored
greenhouse-gas inventory used; a region running its inventory with another set gives it.
Rows counted by culms or area (bamboo, economic forest, when the set has their factors) add
carbon but no stand volume. A row the set cannot convert (a forest type without its factors)
makes the date's stock missing, with the conversion's message.

The base carbon dataset's forest rows (the years nobody reported) are files outside the
store: they are not used here, and a year only they hold is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from ganpo.carbon.inventory import FOREST_TABLE
from ganpo.carbon.sinks import forest_carbon_stock, stand_volume_m3
from ganpo.carbon.sinks_factors import SinkFactorSet, sink_factor_set
from ganpo.errors import InputError, halves_of
from ganpo.store import reporting
from ganpo.submissions.forms import CARBON_PREFIX

#: the reporting form of the forest inventories
FOREST_FORM = f"{CARBON_PREFIX}{FOREST_TABLE}"
#: the columns of the stock table (m³ and t C; the report shows 万立方米 and 万吨碳)
STOCK_COLUMNS = [
    "forest_type",
    "name_zh",
    "name_en",
    "start_m3",
    "end_m3",
    "change_m3",
    "start_carbon_t",
    "end_carbon_t",
    "change_carbon_t",
]
SIDES = ("start", "end")
_SIDE_NAMES = {"start": ("任期起始", "start of tenure"), "end": ("任期终止", "end of tenure")}


@dataclass(frozen=True)
class ForestInventory:
    """The approved forest-inventory report used for one date, and the unit's rows of it."""

    submission_id: int
    version: int
    year: int
    rows: pd.DataFrame


@dataclass(frozen=True)
class StockGap:
    """A stock the pack cannot give: ``item`` (stocks_start, stocks_end) and why."""

    item: str
    zh: str
    en: str


@dataclass(frozen=True)
class ForestStocks:
    """The stock table (:data:`STOCK_COLUMNS`), the inventories used for each date (one
    per report, with the unit's rows of it; empty when missing), the gaps, and notes."""

    table: pd.DataFrame
    used: dict[str, list[ForestInventory]]
    gaps: list[StockGap]
    notes: list[tuple[str, str]]


def unit_counties(code: int, level: str, account_counties: set[int]) -> set[int]:
    """The county codes whose rows make the unit's figure: the county itself, or the
    counties of the city in the district table and any county of its accounts."""
    if level != "city":
        return {code}
    from ganpo.io.regions import read_district_table

    table = read_district_table()
    found = table.loc[table["city_adcode"] == code, "district_adcode"]
    return {int(c) for c in found} | set(account_counties)


def _read_report(
    sub: reporting.SubmissionRecord, work_dir: Path | None
) -> tuple[pd.DataFrame | None, str, str]:
    """The approved file of ``sub`` as a table, else None with the reason (zh, en)."""
    from ganpo.io.manifest import sha256_file
    from ganpo.submissions.workflow import stored_path

    v = sub.current
    what_zh = f"{sub.year} 年森林资源清查报送数据（第 {sub.id} 号第 {v.version} 版）"
    what_en = f"the {sub.year} forest inventory report (submission {sub.id} version {v.version})"
    if work_dir is None:
        return (
            None,
            f"{what_zh}：未给出平台工作目录，无法读取（`--work-dir`）",
            f"{what_en} cannot be read: the platform's work folder was not given (--work-dir)",
        )
    try:
        path = stored_path(work_dir, sub.year, v.data_file)
    except InputError:
        path = None
    if path is None or not path.is_file():
        return (
            None,
            f"{what_zh}的已审核文件不在工作目录 {work_dir} 中：请给出平台的工作目录"
            "（`--work-dir`）或从备份恢复该文件",
            f"the approved file of {what_en} is not in the work folder {work_dir}: give the "
            "platform's --work-dir or restore the file from a backup",
        )
    if v.data_sha256 and sha256_file(path) != v.data_sha256:
        return (
            None,
            f"{what_zh}的文件在审核后被改动（校验值不符），不予采用：请从备份恢复",
            f"the file of {what_en} was changed after approval (its checksum differs) and is "
            "not used: restore it from a backup",
        )
    return pd.read_csv(path), "", ""


def _choose(
    approved: list[reporting.SubmissionRecord],
    year: int,
    counties: set[int],
    work_dir: Path | None,
    cache: dict[int, pd.DataFrame],
) -> tuple[list[ForestInventory], tuple[str, str] | None]:
    """For each of ``counties``, the latest approved report of ``year`` or before holding
    rows of it; the reports used (each with the rows taken from it), else an empty list
    and, when a report could not be read, the reason."""
    taken: dict[int, list[pd.DataFrame]] = {}
    left = set(counties)
    for sub in sorted(approved, key=lambda s: s.year, reverse=True):
        if sub.year > year or not left:
            continue
        if sub.id not in cache:
            table, zh, en = _read_report(sub, work_dir)
            if table is None:
                return [], (zh, en)
            cache[sub.id] = table
        table = cache[sub.id]
        codes = table["unit_code"].astype("int64")
        rows = table[codes.isin(left)]
        if len(rows):
            taken.setdefault(sub.id, []).append(rows)
            left -= {int(c) for c in rows["unit_code"]}
    by_id = {s.id: s for s in approved}
    return [
        ForestInventory(i, by_id[i].current_version, by_id[i].year, pd.concat(parts))
        for i, parts in taken.items()
    ], None


def forest_stocks(
    engine: Engine,
    years: dict[str, int],
    code: int,
    level: str,
    account_counties: set[int],
    *,
    work_dir: Path | None,
    factor_set: str | SinkFactorSet = "cn-forestry",
) -> ForestStocks:
    """Stand volume [m³] and living-biomass carbon [t C] by forest type of the unit at both
    dates (``years``: the balance year of each date), from the approved forest-inventory
    reports whose files are under ``work_dir`` (the rule of the module docstring)."""
    approved = [
        s
        for s in reporting.list_submissions(engine, state=reporting.APPROVED)
        if s.form == FOREST_FORM
    ]
    counties = unit_counties(code, level, account_counties)
    f = sink_factor_set(factor_set)
    cache: dict[int, pd.DataFrame] = {}
    used: dict[str, list[ForestInventory]] = {}
    gaps: list[StockGap] = []
    notes: list[tuple[str, str]] = []
    volume: dict[str, pd.Series] = {}
    carbon: dict[str, pd.Series] = {}
    held = ", ".join(str(y) for y in sorted({s.year for s in approved})) or "none"
    held_zh = "、".join(str(y) for y in sorted({s.year for s in approved})) or "无"
    for side in SIDES:
        zh, en = _SIDE_NAMES[side]
        found, problem = _choose(approved, years[side], counties, work_dir, cache)
        used[side] = found
        if not found:
            reason_zh, reason_en = problem or (
                f"库中没有 {years[side]} 年或此前、包含本单位的已审核森林资源清查报送数据（已审核"
                f"清查年份：{held_zh}）；由林业部门经报表“温室气体清单：森林资源清查蓄积量”报送并"
                "审核通过后即可列示",
                f"no approved forest inventory report of {years[side]} or before holds the unit "
                f"(approved inventory years: {held}); the forestry bureau reports it on the form "
                "'GHG inventory: Forest inventory stand volume by forest type' and a reviewer "
                "approves it",
            )
            gaps.append(
                StockGap(
                    f"stocks_{side}",
                    f"{zh}林木蓄积量及其生物量碳储量：{reason_zh}",
                    f"forest stand volume and biomass carbon at the {en}: {reason_en}",
                )
            )
            continue
        vols, carbons = [], []
        try:
            for inv in found:
                name = f"forest inventory {inv.year}, submission {inv.submission_id}"
                vols.append(stand_volume_m3(inv.rows, table=name))
                c, _ = forest_carbon_stock(inv.rows, f, table=name)
                carbons.append(pd.Series(c["carbon_t"].to_numpy(), index=inv.rows.index))
        except InputError as exc:  # a row the factor set cannot convert: said, not guessed
            used[side] = []
            # the message is "English / 中文": each language its own part
            said_en, said_zh = halves_of(exc)
            gaps.append(
                StockGap(
                    f"stocks_{side}",
                    f"{zh}林木蓄积量及其生物量碳储量：森林资源清查数据无法按因子集“{f.name}”"
                    f"换算（{said_zh}），请更正报送数据或给出含该森林类型因子的因子集",
                    f"forest stand volume and biomass carbon at the {en}: {said_en or said_zh}",
                )
            )
            continue
        rows = pd.concat([inv.rows for inv in found], ignore_index=True)
        types = rows["forest_type"].astype(str).to_numpy()
        vol = pd.concat(vols, ignore_index=True)
        volume[side] = vol.groupby(types).sum(min_count=1)
        carbon[side] = pd.Series(pd.concat(carbons).to_numpy(), index=types).groupby(level=0).sum()
        got = {int(u) for u in rows["unit_code"]}
        lacking = sorted(set(account_counties) - got)
        if level == "city" and (lacking or len(found) > 1):
            yz = "、".join(str(inv.year) for inv in found)
            ye = ", ".join(str(inv.year) for inv in found)
            shown = ", ".join(map(str, lacking))
            notes.append(
                (
                    f"{zh}林木蓄积量取各县（市、区）最近一期森林资源清查（{yz} 年）"
                    + (
                        f"；以下县（市、区）没有 {years[side]} 年或此前的清查：{shown}"
                        if lacking
                        else ""
                    ),
                    f"forest stock at the {en}: each county's latest forest inventory "
                    f"(of {ye})"
                    + (
                        f"; counties {shown} have no inventory of {years[side]} or before"
                        if lacking
                        else ""
                    ),
                )
            )
    order = [t for t in f.types_under("forest")]
    present = set().union(*(set(s.index) for s in carbon.values())) if carbon else set()
    kinds = [t for t in order if t in present] + sorted(present - set(order))
    out = pd.DataFrame(
        {
            "forest_type": kinds,
            "name_zh": [f.type_names(k)[0] for k in kinds],
            "name_en": [f.type_names(k)[1] for k in kinds],
        }
    )
    for side in SIDES:
        if side in carbon:
            out[f"{side}_m3"] = out["forest_type"].map(volume[side]).astype(float)
            out[f"{side}_carbon_t"] = out["forest_type"].map(carbon[side]).fillna(0.0)
            # a type absent from this inventory has no stand there: 0, not unknown
            absent = ~out["forest_type"].isin(volume[side].index)
            out.loc[absent, f"{side}_m3"] = 0.0
        else:
            out[f"{side}_m3"] = float("nan")
            out[f"{side}_carbon_t"] = float("nan")
    out["change_m3"] = out["end_m3"] - out["start_m3"]
    out["change_carbon_t"] = out["end_carbon_t"] - out["start_carbon_t"]
    return ForestStocks(out[STOCK_COLUMNS], used, gaps, notes)
