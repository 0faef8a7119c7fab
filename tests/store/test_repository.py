"""The store, on SQLite and on a real PostgreSQL server: an account is saved whole, read
back identical, never half-written; schemas, re-runs, deletes and checksums are guarded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ganpo.engine.account import run_account
from ganpo.errors import StoreError
from ganpo.store.models import Account, Result
from ganpo.store.repository import (
    audit_log,
    delete_account,
    find_account,
    list_accounts,
    load_account,
    open_store,
    save_account,
    verify_inputs,
)

KEYS = ["indicator", "component", "county_adcode", "ecosystem_code"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEYS).reset_index(drop=True)


def test_round_trip(tiny: Callable[..., Path], store_url: str) -> None:
    acc = run_account(tiny(), 2022)
    engine = open_store(store_url)
    aid = save_account(engine, acc)
    stored = load_account(engine, aid)
    assert stored.account.gep_cny == pytest.approx(acc.gep_cny, rel=1e-15)
    assert stored.account.profile == "jiangxi-db36-2021"
    assert stored.account.manifest_sha256 == acc.manifest_sha256
    assert stored.account.input_digest == acc.input_digest and len(acc.input_digest) == 64
    assert stored.account.code_version and stored.account.host
    pd.testing.assert_frame_equal(_sorted(stored.results), _sorted(acc.results), check_dtype=False)
    assert [a.id for a in list_accounts(engine)] == [aid]
    assert set(stored.units.county_adcode) == {360101, 360102}
    assert verify_inputs(engine, aid) == []


def test_sqlite_and_postgresql_identical(
    tiny: Callable[..., Path], tmp_path: Path, postgres_url: str
) -> None:
    acc = run_account(tiny(), 2022)
    lite = open_store(tmp_path / "a.sqlite")
    pg = open_store(postgres_url)
    a = load_account(lite, save_account(lite, acc)).results
    b = load_account(pg, save_account(pg, acc)).results
    pd.testing.assert_frame_equal(_sorted(a), _sorted(b), check_dtype=False, rtol=0, atol=0)


def test_failed_save_writes_nothing(tiny: Callable[..., Path], store_url: str) -> None:
    acc = run_account(tiny(), 2022)
    engine = open_store(store_url)
    save_account(engine, acc)
    broken = run_account(tiny(), 2022)
    broken.results.loc[3, "indicator"] = None  # NOT NULL violated half-way through the save
    with pytest.raises(StoreError, match="nothing was written"):
        save_account(engine, broken)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 1
        assert s.scalar(select(func.count()).select_from(Result)) == len(acc.results)


def test_rerun_is_found_by_digest(tiny: Callable[..., Path], store_url: str) -> None:
    path = tiny()
    engine = open_store(store_url)
    aid = save_account(engine, run_account(path, 2022))
    again = run_account(path, 2022)
    found = find_account(engine, again.input_digest)
    assert found is not None and found.id == aid
    other = run_account(path, 2022, "national-2022")
    assert (
        other.input_digest != again.input_digest
        and find_account(engine, other.input_digest) is None
    )


def test_delete_is_logged(tiny: Callable[..., Path], store_url: str) -> None:
    engine = open_store(store_url)
    aid = save_account(engine, run_account(tiny(), 2022))
    delete_account(engine, aid)
    assert list_accounts(engine) == []
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Result)) == 0  # cascade
    log = audit_log(engine)
    assert [(e.action, e.account_id) for e in log] == [("create", aid), ("delete", aid)]
    assert log[1].detail["year"] == 2022 and log[1].user


def test_changed_input_is_reported(tiny: Callable[..., Path], tmp_path: Path) -> None:
    path = tiny()
    engine = open_store(tmp_path / "s.sqlite")
    aid = save_account(engine, run_account(path, 2022))
    with (path.parent / "2022/npp.tif").open("r+b") as fh:  # corrupt the raster
        fh.seek(-8, 2)
        fh.write(b"\x00" * 8)
    (problem,) = verify_inputs(engine, aid)
    assert "npp.tif: changed since the account was computed (checksum mismatch)" in problem


def test_old_schema_refused_then_upgraded(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect

    from ganpo.store import schema

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    schema.upgrade(create_engine(url), "0001")  # a store made by an older ganpo
    with pytest.raises(
        StoreError,
        match=rf"is at schema 0001; this ganpo needs schema {schema.head_revision()}\. Back it up, then run: ganpo db upgrade --database sqlite:///",
    ):
        open_store(url)
    schema.upgrade(create_engine(url))  # what `ganpo db upgrade` does
    engine = open_store(url)
    assert "uncertainty_intervals" in inspect(engine).get_table_names()


def test_foreign_database_refused(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    with create_engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE something (x INTEGER)"))
    with pytest.raises(StoreError, match=r"is at schema none \(not a ganpo store\?\)"):
        open_store(url)


def test_unreachable_server(tmp_path: Path) -> None:
    with pytest.raises(
        StoreError,
        match=r"cannot reach the store postgresql\+psycopg://nobody:\*\*\*@127.0.0.1:9/x",
    ):
        open_store("postgresql+psycopg://nobody:secret@127.0.0.1:9/x")


def test_unknown_account_lists_ids(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "x.sqlite")
    with pytest.raises(StoreError, match=r"no account 7 in the store; stored ids: none"):
        load_account(engine, 7)


def test_value_rasters_referenced_with_checksums(
    tiny: Callable[..., Path], tmp_path: Path, store_url: str
) -> None:
    acc = run_account(tiny(), 2022, rasters_dir=tmp_path / "rasters")
    engine = open_store(store_url)
    aid = save_account(engine, acc)
    stored = load_account(engine, aid)
    assert len(stored.rasters) == 6 and stored.account.log  # rasters and the run log kept
    assert verify_inputs(engine, aid) == []
    victim = Path(stored.rasters.path.iloc[0])
    victim.write_bytes(victim.read_bytes() + b"x")
    (problem,) = verify_inputs(engine, aid)
    assert "value raster missing or changed" in problem


def test_a_new_store_opened_at_once_by_several_processes_is_created_once(
    store_url: str,
) -> None:
    """The workers of ``ganpo serve --workers N`` open a new store at the same moment: one
    creates it (under a PostgreSQL advisory lock), the others find it at the newest
    schema; nobody fails."""
    import threading

    from ganpo.store import schema

    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite serves one worker")
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            open_store(store_url).dispose()
        except BaseException as exc:  # recorded, the test names it
            failures.append(exc)

    threads = [threading.Thread(target=open_it, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)  # without the lock the migrations may block one another
    assert not any(t.is_alive() for t in threads), "the store creations blocked each other"
    assert failures == []
    engine = open_store(store_url)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()
