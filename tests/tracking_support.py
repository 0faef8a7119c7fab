"""A store for the decision's series and yearly report: the hand GEP accounts of
:func:`applications_support.hand_store` for 2023 (id 1) and 2024 (id 2), and carbon
inventories of a micro dataset (two counties of 南昌市, cement clinker only) for 2023
(id 1) and 2024 (id 2), with their GDP at constant 2023 prices.

GEP (亿元 = 10⁸ CNY): 2024 holds GEP_2022 (乐平, 婺源, 德兴 100 CNY each: 300 CNY = 3 × 10⁻⁶
亿元); 2023 holds GEP_2022 × (1.10, 1.00, 0.80) × 1.002 (110.22 + 100.2 + 80.16 = 290.58
CNY). Carbon: 5 202 t CO2 per 万t clinker (0.5202 t CO2 per t, the inventory's factor).

And the start the bad-input corpora of the decision's tracking share
(tests/cli/test_bad_input_corpus_tracking.py and
tests/cli/test_bad_input_corpus_tracking_region_rules.py): :func:`decision_start`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from typer.testing import CliRunner

from applications_support import hand_store
from corpus_support import write_csv
from ganpo.carbon.dual_control_link import gdp_at_constant_prices
from ganpo.carbon.inventory import read_dataset, run_inventory
from ganpo.cli.main import app
from ganpo.store.carbon import save_inventory
from ganpo.store.tracking import Recorded, observations_in_force, record_observations
from ganpo.tracking.registry import Registry, read_tracking_file, shipped_file
from ganpo.tracking.stored import checked, use_series

GULOU, XIHU = 360102, 360103
CLINKER = {(GULOU, 2023): 10, (XIHU, 2023): 4, (GULOU, 2024): 9, (XIHU, 2024): 4}
#: GDP at constant 2023 prices [亿元]
GDP = {(GULOU, 2023): 100.0, (XIHU, 2023): 50.0, (GULOU, 2024): 104.0, (XIHU, 2024): 52.0}


def write_micro(folder: Path) -> Path:
    folder.mkdir(parents=True)
    rows = "".join(f"{u},{y},{q},万t\n" for (u, y), q in CLINKER.items())
    (folder / "cement_clinker.csv").write_text(
        "unit_code,year,quantity,unit\n" + rows, encoding="utf-8"
    )
    (folder / "carbon-dataset.toml").write_text(
        'title_zh = "微型测试数据（合成数据）"\ntitle_en = "micro test data (synthetic)"\n'
        'region = 360000\nlevel = "county"\nyears = [2023, 2024]\nfuel_set = "cn-statistics"\n'
        'grid = "national"\nsynthetic = true\n[tables]\ncement = "cement_clinker.csv"\n',
        encoding="utf-8",
    )
    return folder


def gdp_table() -> pd.DataFrame:
    rows = [{"unit_code": u, "year": y, "gdp_constant_2023": g} for (u, y), g in GDP.items()]
    return gdp_at_constant_prices(pd.DataFrame(rows))


def write_gdp(path: Path) -> Path:
    rows = "".join(f"{u},{y},{g},亿元\n" for (u, y), g in GDP.items())
    path.write_text("unit_code,year,gdp_constant_2023,unit\n" + rows, encoding="utf-8")
    return path


def series_store(url: str, folder: Path) -> Engine:
    """GEP accounts 2023 (#1) and 2024 (#2); inventories 2023 (#1) and 2024 (#2), AR6."""
    engine = hand_store(url, years=(2023, 2024))
    data = read_dataset(write_micro(folder / "micro"))
    for year in (2023, 2024):
        save_inventory(engine, run_inventory(data, year, "AR6", code_version="test"))
    return engine


def record_checked(engine: Engine, registry: Registry, rows: Iterable[Any]) -> Recorded:
    """Rows checked against the registry's indicators, then recorded in the store."""
    return record_observations(engine, checked(registry, rows))


def use_stored_series(registry: Registry, engine: Engine) -> None:
    """The registry's observations: the stored ones in force."""
    use_series(registry, observations_in_force(engine))


#: the start's files: the decision's tracking file and the series file of its observations
TOML = "decision.toml"
SERIES = "series.csv"
COLUMNS = ["indicator", "unit_code", "year", "value", "unit", "source", "status", "note"]


def decision_start(built: Path) -> Callable[[Path], None]:
    """Build the start in ``built``: the shipped tracking file of the Jiangxi decision as
    :data:`TOML`, its observations as the UTF-8 series CSV :data:`SERIES` (columns
    :data:`COLUMNS`) and a SQLite store holding them (``store.sqlite``, by ``ganpo
    tracking series load``); return what copies the start into a case's folder."""
    shutil.copy(shipped_file("jiangxi-decision"), built / TOML)
    rows = [COLUMNS] + [
        [str(getattr(ob, c)) for c in COLUMNS]
        for ob in read_tracking_file(built / TOML).observations
    ]
    write_csv(built / SERIES, rows)
    r = CliRunner().invoke(
        app,
        ["tracking", "series", "load", str(built / TOML), "--file", str(built / TOML),
         "--database", str(built / "store.sqlite")],
    )  # fmt: skip
    assert r.exit_code == 0, r.output

    def copy(folder: Path) -> None:
        shutil.copytree(built, folder, dirs_exist_ok=True)

    return copy
