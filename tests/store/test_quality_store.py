"""An account's decisions and coverage in the store (migration 0011), on SQLite and on a
real PostgreSQL server: saved with the account in its one transaction, read back equal,
deleted with it; a store of the previous schema holding an account upgrades."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from ganpo.errors import StoreError
from ganpo.store import schema
from ganpo.store.models import Account, AccountCoverage, AccountDecision
from ganpo.store.repository import delete_account, load_account, open_store, save_account
from qualitydata import coverage, decisions, handmade_account


def _rows(engine: object, model: type) -> int:
    with Session(engine) as s:  # type: ignore[call-overload]
        return int(s.scalar(select(func.count()).select_from(model)))


def test_decisions_and_coverage_round_trip(store_url: str) -> None:
    engine = open_store(store_url)
    aid = save_account(engine, handmade_account())
    stored = load_account(engine, aid)
    # every field comes back, in the run's order, the values' floats and strings as given
    assert stored.decisions == decisions()
    assert stored.decisions[3].explained_by == "王芳（文化和旅游厅）"
    assert stored.decisions[2].values == (3.0, "water_use_domestic")
    expected = coverage().sort_values(["unit_code", "role"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored.coverage, expected, check_dtype=False)
    delete_account(engine, aid)
    assert _rows(engine, AccountDecision) == 0 and _rows(engine, AccountCoverage) == 0


def test_an_account_without_decisions_reads_back_empty(store_url: str) -> None:
    engine = open_store(store_url)
    bare = dataclasses.replace(handmade_account(), decisions=[], coverage=coverage().iloc[0:0])
    stored = load_account(engine, save_account(engine, bare))
    assert stored.decisions == [] and stored.coverage.empty
    assert list(stored.coverage.columns) == list(coverage().columns)


def test_a_failed_save_leaves_no_decision_behind(store_url: str) -> None:
    engine = open_store(store_url)
    broken = handmade_account()
    broken.results.loc[1, "indicator"] = None  # NOT NULL violated half-way through the save
    with pytest.raises(StoreError, match="nothing was written"):
        save_account(engine, broken)
    assert _rows(engine, Account) == 0 and _rows(engine, AccountDecision) == 0


def test_duplicate_coverage_rows_are_refused_before_writing(tmp_path: object) -> None:
    engine = open_store(f"sqlite:///{tmp_path}/s.sqlite")
    twice = handmade_account()
    twice.coverage = pd.concat([twice.coverage, twice.coverage.iloc[[1]]])
    with pytest.raises(
        StoreError,
        match=r"the account's coverage table has more than one row for unit/role "
        r"360103/precipitation; each unit and layer role has one coverage row "
        r"\(nothing was written\)",
    ):
        save_account(engine, twice)
    assert _rows(engine, Account) == 0


def test_a_store_of_the_previous_schema_holding_an_account_upgrades(store_url: str) -> None:
    engine = open_store(store_url)
    aid = save_account(engine, handmade_account())
    # the schema before this one: 0008 in this branch, whatever the chain puts before 0011
    previous = ScriptDirectory(str(schema.MIGRATIONS)).get_revision("0011").down_revision
    assert isinstance(previous, str)
    cfg = schema.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, previous)
    engine.dispose()
    old = create_engine(store_url)
    assert "account_decisions" not in inspect(old).get_table_names()
    with pytest.raises(StoreError, match=f"is at schema {previous}; this ganpo needs schema"):
        open_store(store_url)
    schema.upgrade(old)  # what `ganpo db upgrade` does
    old.dispose()
    engine = open_store(store_url)
    stored = load_account(engine, aid)  # the account is kept; its run recorded nothing here
    assert stored.account.dataset_name == "handmade" and len(stored.results) == 2
    assert stored.decisions == [] and stored.coverage.empty
    from ganpo.report.quality import build_quality

    report = build_quality(stored, "en")
    assert report.decisions == [] and not report.coverage_recorded
    assert [p.key for p in report.unverified] == ["cod_removal_rate", "runoff_coefficient"]
    again = save_account(engine, handmade_account())  # the new tables take rows again
    assert load_account(engine, again).decisions == decisions()
