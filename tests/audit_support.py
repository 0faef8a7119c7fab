"""The store of the departure audit tests: the hand accounts of
:mod:`applications_support` (2022 id 1, 2023 id 2; Leping, Wuyuan, Dexing), a GEP-flow
compensation agreement (upstream Wuyuan + Dexing, downstream Leping) settled for 2022 and
2023, and a hand greenhouse-gas inventory of 2023 holding Leping only (synthetic, 合成数据).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from sqlalchemy import Engine

from applications_support import LEPING, hand_store, write
from ganpo.apply.compensation import save_settlement, settle
from ganpo.apply.rules import load_rule, store_rule
from ganpo.store.carbon import FACTOR_COLUMNS, ROW_COLUMNS, UNCERTAINTY_COLUMNS, save_inventory

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


def audit_store(folder: Path) -> Engine:
    engine = hand_store(f"sqlite:///{folder / 'audit.sqlite'}")
    rule = store_rule(engine, load_rule(str(write(folder / "agreement.toml", AGREEMENT))), "t")
    for year in (2022, 2023):
        save_settlement(engine, settle(engine, rule, year, None), "tester")
    save_inventory(engine, inventory_2023(), created_by="tester")  # type: ignore[arg-type]
    return engine
