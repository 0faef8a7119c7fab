"""Stored greenhouse-gas inventories on SQLite and PostgreSQL: a round trip keeps every
row to the gram, the factors and the uncertainties; a save that fails half-way writes
nothing; ids are listed, an unknown id is named; a draft is published once; the schema's
head is 0021 and the models match the migration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ganpo.store.apply_models
import ganpo.store.carbon_models
import ganpo.store.cases_models
import ganpo.store.inclusive_models
import ganpo.store.platform_models
import ganpo.store.rating_models
import ganpo.store.register_models
import ganpo.store.reporting_models
import ganpo.store.reserve_models
import ganpo.store.tracking_models  # noqa: F401  (every table in Base.metadata)
from ganpo.carbon.inventory import DATASET_FILE, Inventory, read_dataset, run_inventory
from ganpo.errors import StoreError
from ganpo.store import schema
from ganpo.store.carbon import (
    list_inventories,
    load_inventory,
    publish_inventory,
    row_counts,
    save_inventory,
)
from ganpo.store.carbon_models import CarbonInventory, CarbonInventoryFactor, CarbonInventoryRow
from ganpo.store.repository import open_store
from ganpo.store.schema import full_metadata


def _inventory(tmp_path: Path) -> Inventory:
    """Two counties of 南昌市, 2022: electricity, pigs and clinker."""
    d = tmp_path / "data"
    d.mkdir()
    (d / "electricity.csv").write_text(
        "unit_code,year,quantity,unit\n360102,2022,10000,万kWh\n360103,2022,5000,万kWh\n",
        encoding="utf-8",
    )
    (d / "livestock.csv").write_text(
        "unit_code,year,animal,quantity,unit\n360102,2022,swine,2,万头\n", encoding="utf-8"
    )
    (d / "cement.csv").write_text(
        "unit_code,year,quantity,unit\n360103,2022,1,万t\n", encoding="utf-8"
    )
    (d / DATASET_FILE).write_text(
        'region = 360000\nlevel = "county"\nyears = [2022]\nfuel_set = "cn-statistics"\n'
        'grid = "national"\nsynthetic = true\n[tables]\nelectricity = "electricity.csv"\n'
        'livestock = "livestock.csv"\ncement = "cement.csv"\n',
        encoding="utf-8",
    )
    return run_inventory(read_dataset(d), 2022, "AR6", code_version="test")


def test_round_trip(tmp_path: Path, store_url: str) -> None:
    inv = _inventory(tmp_path)
    engine = open_store(store_url)
    iid = save_inventory(engine, inv, created_by="tester")
    back = load_inventory(engine, iid)
    key = ["unit_code", "category_code", "gas", "scope"]
    want = inv.rows.sort_values(key).reset_index(drop=True)
    got = back.rows.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[want.columns], want)
    # 10⁸ kWh × 0.5366 kg/kWh = 53 660 t = 5.366 × 10¹⁰ g, to the gram
    elec = got[(got["unit_code"] == 360102) & (got["category_code"] == "memo.electricity")]
    assert elec["co2e_g"].tolist() == [53_660_000_000]
    h = back.header
    assert (h.region_adcode, h.year, h.gwp_set, h.level, h.status) == (
        360000, 2022, "AR6", "county", "draft"
    )  # fmt: skip
    assert h.synthetic and h.created_by == "tester" and h.code_version == "test"
    assert h.dataset_digest == inv.dataset_digest and h.grid == "national"
    assert set(back.factors["key"]) == set(inv.provenance["key"])
    assert back.uncertainty["category_code"].tolist() == sorted(inv.uncertainty["category_code"])
    assert [i.id for i in list_inventories(engine)] == [iid]
    assert row_counts(engine) == {iid: len(inv.rows)}


def test_a_failure_half_way_writes_nothing(tmp_path: Path, store_url: str) -> None:
    inv = _inventory(tmp_path)
    engine = open_store(store_url)
    # the last row repeats the first one's key: the header and the rows before it are
    # written before the database refuses it, and must all be rolled back
    bad_rows = pd.concat([inv.rows, inv.rows.iloc[[0]]], ignore_index=True)
    with pytest.raises(StoreError, match="nothing was written"):
        save_inventory(engine, dataclasses.replace(inv, rows=bad_rows))
    with Session(engine) as s:
        for model in (CarbonInventory, CarbonInventoryRow, CarbonInventoryFactor):
            assert s.scalar(select(func.count()).select_from(model)) == 0
    iid = save_inventory(engine, inv)  # the store is usable afterwards
    assert [i.id for i in list_inventories(engine)] == [iid]


def test_unknown_id_is_named(tmp_path: Path, store_url: str) -> None:
    engine = open_store(store_url)
    iid = save_inventory(engine, _inventory(tmp_path))
    with pytest.raises(StoreError, match=rf"no carbon inventory 99 .*stored ids: {iid}"):
        load_inventory(engine, 99)


def test_publish_a_draft_once(tmp_path: Path, store_url: str) -> None:
    engine = open_store(store_url)
    iid = save_inventory(engine, _inventory(tmp_path))
    publish_inventory(engine, iid)
    assert load_inventory(engine, iid).header.status == "published"
    with pytest.raises(StoreError, match="not a draft"):
        publish_inventory(engine, iid)


def test_head_is_0022_and_the_models_match_the_migration(store_url: str) -> None:
    assert schema.HEAD_REVISION == "0022" == schema.alembic_head()
    engine = open_store(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), full_metadata())
    assert diff == []


def test_downgrade_to_0013_drops_the_carbon_tables(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    schema.downgrade(engine, "0013")
    from sqlalchemy import inspect

    assert not [t for t in inspect(engine).get_table_names() if t.startswith("carbon_")]
    schema.upgrade(engine)
    assert "carbon_inventory_rows" in inspect(engine).get_table_names()
