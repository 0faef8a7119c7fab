"""The store of the departure audit tests: the hand accounts of
:mod:`applications_support` (2022 id 1, 2023 id 2; Leping, Wuyuan, Dexing), a GEP-flow
compensation agreement (upstream Wuyuan + Dexing, downstream Leping) settled for 2022 and
2023, a hand greenhouse-gas inventory of 2023 holding Leping only (synthetic, 合成数据),
and the forest inventories of 2021 and 2023 reported by the forestry bureau and approved
(:data:`FOREST_ROWS`, files under ``<folder>/work``; Dexing is absent from 2023).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from sqlalchemy import Engine

from applications_support import DEXING, LEPING, WUYUAN, hand_store, write
from ganpo.apply.compensation import save_settlement, settle
from ganpo.apply.rules import load_rule, store_rule
from ganpo.io.manifest import sha256_file
from ganpo.store import reporting
from ganpo.store.carbon import FACTOR_COLUMNS, ROW_COLUMNS, UNCERTAINTY_COLUMNS, save_inventory
from ganpo.submissions.workflow import storage_dir

AGREEMENT = """
kind = "compensation"
name = "audit-gep"
title_zh = "测试"
title_en = "test"
description = "test"
source = "test"
method = "gep_flow"
gep_indicators = ["water_conservation"]
flow_share = 0.5

[upstream]
name_zh = "上游"
name_en = "upstream"
counties = [361130, 361181]

[downstream]
name_zh = "下游"
name_en = "downstream"
counties = [360281]

[[sections]]
key = "s1"
name_zh = "断面"

[[rounds]]
round = 1
start_year = 2022
end_year = 2024
amount_cny = 0.0
payment_share = 0.1
"""

# Leping 2023 [g CO2e]: 50,000 t from power generation, a forest sink of 10,000 t
POWER_G, SINK_G = 50_000 * 10**6, -10_000 * 10**6


def inventory_2023() -> SimpleNamespace:
    rows = pd.DataFrame(
        [
            (LEPING, "county", 360200, "1.A.1.a", "CO2", "direct", POWER_G, POWER_G),
            (LEPING, "county", 360200, "3.B.1.a", "CO2", "direct", SINK_G, SINK_G),
        ],
        columns=ROW_COLUMNS,
    )
    return SimpleNamespace(
        region=360000,
        year=2023,
        gwp_set="AR6",
        level="county",
        fuel_set="test",
        grid="test",
        dataset_title_zh="测试（合成数据）",
        dataset_title_en="test (synthetic)",
        dataset_digest="0" * 64,
        synthetic=True,
        code_version="test",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        rows=rows,
        provenance=pd.DataFrame(columns=FACTOR_COLUMNS),
        uncertainty=pd.DataFrame(columns=UNCERTAINTY_COLUMNS),
        notes=[],
    )


#: the forest inventories reported (unit code, forest type, stand volume, unit), by year:
#: values that are exact in binary so that sums compare exactly
FOREST_ROWS: dict[int, list[tuple[int, str, float, str]]] = {
    2021: [
        (LEPING, "chinese_fir", 12.5, "万m3"),
        (LEPING, "masson_pine", 3.25, "万m3"),
        (WUYUAN, "chinese_fir", 40.0, "万m3"),
        (WUYUAN, "mixed_broadleaf", 8.5, "万m3"),
        (DEXING, "masson_pine", 6.0, "万m3"),
    ],
    2023: [
        (LEPING, "chinese_fir", 13.75, "万m3"),
        (LEPING, "masson_pine", 30_000.0, "m3"),  # 3 万m³, reported in m³
        (LEPING, "mixed_broadleaf", 0.5, "万m3"),
        (WUYUAN, "chinese_fir", 41.5, "万m3"),
        (WUYUAN, "mixed_broadleaf", 9.0, "万m3"),
    ],
}
FOREST_FORM = "carbon_forest_stock"


def forest_frame(year: int) -> pd.DataFrame:
    """The forest inventory of ``year`` as the reporting form stores it."""
    return pd.DataFrame(
        [(u, year, kind, q, unit) for u, kind, q, unit in FOREST_ROWS[year]],
        columns=["unit_code", "year", "forest_type", "quantity", "unit"],
    )


def report_forest_inventory(
    engine: Engine, work: Path, year: int, rows: pd.DataFrame | None = None
) -> int:
    """The forestry bureau's report of the ``year`` forest inventory (``rows``, default
    :func:`forest_frame`), stored as the upload stores it (the file under the work folder,
    its checksum in the version), submitted and approved by a reviewer; returns the
    submission id."""
    folder = storage_dir(work, year)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{year:032x}.csv"
    path = folder / name
    table = forest_frame(year) if rows is None else rows
    table.to_csv(path, index=False)
    digest = sha256_file(path)
    new = reporting.NewVersion(
        origin="upload",
        original_name="forest.csv",
        media="csv",
        upload_file=name,
        upload_sha256=digest,
        data_file=name,
        data_sha256=digest,
        size_bytes=path.stat().st_size,
        columns={},
        n_rows=len(table),
    )
    sub = reporting.add_version(
        engine,
        actor="forest",
        year=year,
        form=FOREST_FORM,
        kind="table",
        department="forestry",
        new=new,
    )
    reporting.transition(engine, sub.id, actor="forest", action="submit")
    reporting.transition(engine, sub.id, actor="reviewer", action="approve")
    return int(sub.id)


def audit_store(folder: Path) -> Engine:
    engine = hand_store(f"sqlite:///{folder / 'audit.sqlite'}")
    rule = store_rule(engine, load_rule(str(write(folder / "agreement.toml", AGREEMENT))), "t")
    for year in (2022, 2023):
        save_settlement(engine, settle(engine, rule, year, None), "tester")
    save_inventory(engine, inventory_2023(), created_by="tester")  # type: ignore[arg-type]
    for year in FOREST_ROWS:
        report_forest_inventory(engine, folder / "work", year)
    return engine
