"""The inventory's input from the departments' reports: a carbon dataset folder built from
the approved carbon forms of a year, the tables nobody reported taken from a base carbon
dataset (docs/carbon.md, "Activity data reported by departments").

The folder is a dataset like any other (``carbon-dataset.toml`` and one CSV per table),
read by :func:`ganpo.carbon.inventory.read_dataset`; each table's first line says where it
came from (the submission and version, or the base dataset), and the dataset is marked
synthetic when a table came from a synthetic base.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from ganpo.carbon.inventory import DATASET_FILE, FOREST_TABLE, activity_tables, read_dataset
from ganpo.errors import InputError
from ganpo.io.outputs import temporary_name
from ganpo.store import reporting as store
from ganpo.submissions.forms import CARBON_PREFIX, carbon_forms
from ganpo.submissions.workflow import stored_path


@dataclass
class ReportedCarbonDataset:
    """A carbon dataset folder assembled from the reports: where each table came from."""

    folder: Path
    year: int
    #: table key → "submission 12 version 2 (approved)" or "base dataset"
    sources: dict[str, str] = field(default_factory=dict)
    #: forms reported but not approved (not used), with their state
    pending: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False

    def notes(self) -> list[str]:
        """The sources in English and Chinese, one line each, for the inventory's notes."""
        out = []
        for table, src in sorted(self.sources.items()):
            zh = activity_tables()[table]["zh"]
            out.append(f"activity table {table} ({zh}): {src}")
        for key, state in sorted(self.pending.items()):
            out.append(
                f"form {key} is {state}, not approved: not used / 报表 {key} 尚未审核通过，未采用"
            )
        return out


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _forest(
    engine: Engine,
    key: str,
    work_dir: Path,
    base: pd.DataFrame | None,
    synthetic: bool,
    tables: dict[str, pd.DataFrame],
    result: ReportedCarbonDataset,
) -> None:
    """The forest inventories: the approved report of each inventory year (a form of that
    year), the base dataset's rows for the years nobody reported."""
    parts, sources = [], []
    reported: set[int] = set()
    for sub in store.list_submissions(engine, state=store.APPROVED):
        if sub.form != key:
            continue
        v = sub.current
        parts.append(pd.read_csv(stored_path(work_dir, sub.year, v.data_file)))
        reported.add(sub.year)
        sources.append(f"{sub.year}: submission {sub.id} version {v.version}")
    if base is not None:
        rest = base[~base["year"].isin(reported)]
        if not rest.empty:
            parts.append(rest)
            years = ", ".join(map(str, sorted(set(rest["year"]))))
            sources.append(
                f"{years}: base dataset" + (" (合成数据 SYNTHETIC)" if synthetic else "")
            )
            result.synthetic = result.synthetic or synthetic
    if parts:
        tables[FOREST_TABLE] = pd.concat(parts, ignore_index=True)
        result.sources[FOREST_TABLE] = "; ".join(sources) + " / 森林资源清查（各清查年份）"


def reported_carbon_dataset(
    engine: Engine,
    year: int,
    *,
    work_dir: Path,
    base: Path,
    out: Path,
    use_base: bool = True,
) -> ReportedCarbonDataset:
    """Write the carbon dataset of ``year`` into ``out`` (replaced whole, atomically):
    each activity table from the approved submission of its carbon form, else (with
    ``use_base``) the ``year`` rows of the base carbon dataset ``base``, whose description
    gives the region, level and factor sets. Refused: ``year`` not a year the base dataset
    describes, no table at all, or (without ``use_base``) a table of the base dataset that
    nobody reported."""
    b = read_dataset(base)
    result = ReportedCarbonDataset(folder=out, year=year)
    tables: dict[str, pd.DataFrame] = {}
    missing: list[str] = []
    for f in carbon_forms(year):
        table = f.key.removeprefix(CARBON_PREFIX)
        if table == FOREST_TABLE:  # inventories of other years: every one reported or based
            _forest(engine, f.key, work_dir, b.tables.get(table), b.synthetic, tables, result)
            continue
        sub = store.find_submission(engine, year, f.key)
        if sub is not None and sub.state == store.APPROVED:
            v = sub.current
            tables[table] = pd.read_csv(stored_path(work_dir, year, v.data_file))
            result.sources[table] = (
                f"submission {sub.id} version {v.version} (approved) / 报送数据第 {sub.id} 号"
                f"第 {v.version} 版（已审核通过）"
            )
            continue
        if sub is not None:
            result.pending[f.key] = store.STATE_NAMES[sub.state]
        if table in b.tables:
            rows = b.tables[table]
            rows = rows[rows["year"] == year]
            if rows.empty:
                continue
            if not use_base:
                missing.append(f.key)
                continue
            tables[table] = rows
            result.sources[table] = "base dataset / 基础数据集" + (
                " (合成数据 SYNTHETIC)" if b.synthetic else ""
            )
            result.synthetic = result.synthetic or b.synthetic
    if missing:
        raise InputError(
            en=f"no approved report of {', '.join(missing)} for {year}; approve them, or "
            "take the base dataset's tables",
            zh="以下报表尚未审核通过：" + "、".join(missing),
            field="forms",
            values=missing,
        )
    if not tables:
        raise InputError(
            en=f"no activity data for {year}: no approved carbon form and no {year} rows in "
            "the base dataset",
            zh=f"{year} 年没有可用的活动数据",
            field="year",
            values=[year],
        )
    names = {k: str(v["file"]) for k, v in activity_tables().items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(out)
    try:
        tmp.mkdir()
        for table, frame in sorted(tables.items()):
            text = frame.to_csv(index=False)
            (tmp / names[table]).write_text(f"# {result.sources[table]}\n{text}", encoding="utf-8")
        title = "温室气体清单活动数据（部门报送）"
        title_en = f"GHG inventory activity data reported by departments, {year}"
        lines = [
            f"title_zh = {_toml_value(f'{title} {year}')}",
            f"title_en = {_toml_value(title_en)}",
            f"synthetic = {_toml_value(result.synthetic)}",
            f"region = {b.region}",
            f"level = {_toml_value(b.level)}",
            f"years = [{year}]",
            f"fuel_set = {_toml_value(b.fuel_set)}",
            f"process_factors = {_toml_value(b.process_factors)}",
            f"grid = {_toml_value(b.grid)}",
            f"uncertainty = {_toml_value(b.uncertainty)}",
            "",
            "[tables]",
            *(f"{t} = {_toml_value(names[t])}" for t in sorted(tables)),
        ]
        (tmp / DATASET_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result
