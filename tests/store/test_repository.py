"""The store: an account is saved whole, read back identical, and never half-written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ganpo.engine.account import run_account
from ganpo.errors import StoreError
from ganpo.store.models import Account, Result
from ganpo.store.repository import list_accounts, load_account, open_store, save_account


def test_round_trip(tiny: Callable[..., Path], tmp_path: Path) -> None:
    acc = run_account(tiny(), 2022)
    engine = open_store(tmp_path / "ganpo.sqlite")
    aid = save_account(engine, acc)
    stored = load_account(engine, aid)
    assert stored.account.gep_cny == pytest.approx(acc.gep_cny, rel=1e-15)
    assert stored.account.parameter_set == "jiangxi-default"
    assert stored.account.manifest_sha256 == acc.manifest_sha256
    pd.testing.assert_frame_equal(
        stored.results.sort_values(["indicator", "county_adcode", "ecosystem_code"]).reset_index(
            drop=True
        ),
        acc.results.sort_values(["indicator", "county_adcode", "ecosystem_code"]).reset_index(
            drop=True
        ),
        check_dtype=False,
    )
    assert [a.id for a in list_accounts(engine)] == [aid]
    assert set(stored.units.county_adcode) == {360101, 360102}


def test_failed_save_writes_nothing(tiny: Callable[..., Path], tmp_path: Path) -> None:
    acc = run_account(tiny(), 2022)
    engine = open_store(tmp_path / "ganpo.sqlite")
    save_account(engine, acc)
    broken = run_account(tiny(), 2022)
    broken.results.loc[3, "indicator"] = None  # NOT NULL violated half-way through the save
    with pytest.raises(StoreError, match="nothing was written"):
        save_account(engine, broken)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 1
        assert s.scalar(select(func.count()).select_from(Result)) == len(acc.results)


def test_unknown_account_lists_ids(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "x.sqlite")
    with pytest.raises(StoreError, match=r"no account 7 in the store; stored ids: none"):
        load_account(engine, 7)
