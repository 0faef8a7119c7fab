"""The store's "was not stored (nothing was written)" errors, made by
:func:`ganpo.store.failures.not_written`: both halves carry the database's cause (first
line, no SQL), an update says "not changed" / 未修改, and real writes the database refuses
(a trigger aborting the insert or update) raise them with exactly these halves and leave
nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from applications_support import GEP_2022, account
from ganpo.carbon.inventory import DATASET_FILE, read_dataset, run_inventory
from ganpo.errors import StoreError
from ganpo.store import applications, platform, reserve
from ganpo.store.carbon import list_inventories, save_inventory
from ganpo.store.failures import not_written
from ganpo.store.repository import open_store, save_account
from ganpo.store.tracking import ObservationRecord, observations_in_force, record_observations

REFUSED = "refused by the test"


def _integrity_error() -> IntegrityError:
    """A real NOT NULL violation of SQLite, as SQLAlchemy raises it (statement appended)."""
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER NOT NULL)"))
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (x) VALUES (NULL)"))
    except IntegrityError as exc:
        assert "[SQL: INSERT INTO t" in str(exc)  # what the halves must leave out
        return exc
    raise AssertionError("SQLite accepted NULL in a NOT NULL column")


def _refuse(engine: Engine, table: str, on: str = "INSERT") -> None:
    """Make the database refuse every ``on`` (INSERT or UPDATE) of ``table``."""
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TRIGGER refuse_{table} BEFORE {on} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
            )
        )


def _store(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'ganpo.sqlite'}")


def test_both_halves_carry_the_cause_of_a_real_database_error() -> None:
    exc = not_written("parcel", "地块", _integrity_error())
    assert isinstance(exc, StoreError)
    assert (
        exc.en == "the parcel was not stored (nothing was written): NOT NULL constraint failed: t.x"
    )
    assert exc.zh == "地块未存储（未写入任何数据）：NOT NULL constraint failed: t.x"
    assert str(exc) == f"{exc.en} / {exc.zh}"


def test_an_update_is_not_changed() -> None:
    exc = not_written("submission", "填报记录", _integrity_error(), verb="changed")
    assert exc.en == (
        "the submission was not changed (nothing was written): NOT NULL constraint failed: t.x"
    )
    assert exc.zh == "填报记录未修改（未写入任何数据）：NOT NULL constraint failed: t.x"


def test_plural_and_recorded() -> None:
    exc = not_written("violations", "违规案件", ValueError("x"), verb="recorded", plural=True)
    assert exc.en == "the violations were not recorded (nothing was written): x"
    assert exc.zh == "违规案件未存储（未写入任何数据）：x"


def test_reserve_names_a_deal_by_its_kind() -> None:
    names = {w: reserve._what_zh(w) for w in ("acquisition", "sale", "lease", "return")}
    assert names == {
        "acquisition": "收储记录",
        "sale": "出让记录",
        "lease": "出租记录",
        "return": "租期届满收回记录",
    }
    assert reserve._what_zh("package") == "资产包"


def test_refused_observations_name_the_cause_in_both_halves(tmp_path: Path) -> None:
    engine = _store(tmp_path)
    _refuse(engine, "tracking_observations")
    air = ObservationRecord(
        "good_air_days_share", 360000, 2024, 95.5, "%", "江西日报 2025-01-17", "reported"
    )
    with pytest.raises(StoreError) as raised:
        record_observations(engine, [air], recorded_by="t")
    assert raised.value.en == (
        f"the observations were not recorded (nothing was written): {REFUSED}"
    )
    assert raised.value.zh == f"观测值未存储（未写入任何数据）：{REFUSED}"
    assert observations_in_force(engine) == []


def test_a_refused_inventory_names_the_cause_in_both_halves(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    (d / "electricity.csv").write_text(
        "unit_code,year,quantity,unit\n360102,2022,10000,万kWh\n", encoding="utf-8"
    )
    (d / DATASET_FILE).write_text(
        'region = 360000\nlevel = "county"\nyears = [2022]\nfuel_set = "cn-statistics"\n'
        'grid = "national"\nsynthetic = true\n[tables]\nelectricity = "electricity.csv"\n',
        encoding="utf-8",
    )
    inv = run_inventory(read_dataset(d), 2022, "AR6", code_version="test")
    engine = _store(tmp_path)
    _refuse(engine, "carbon_inventory_rows")  # after the header was written
    with pytest.raises(StoreError) as raised:
        save_inventory(engine, inv)
    assert raised.value.en == f"the inventory was not stored (nothing was written): {REFUSED}"
    assert raised.value.zh == f"清单未存储（未写入任何数据）：{REFUSED}"
    assert list_inventories(engine) == []


def test_a_refused_user_update_is_not_changed(tmp_path: Path) -> None:
    engine = _store(tmp_path)
    user = platform.create_user(engine, actor="t", username="lin", password_hash="x", role="office")
    _refuse(engine, "platform_users", on="UPDATE")
    with pytest.raises(StoreError) as raised:
        platform.update_user(engine, user.id, actor="t", active=False)
    assert raised.value.en == f"the user was not changed (nothing was written): {REFUSED}"
    assert raised.value.zh == f"用户未修改（未写入任何数据）：{REFUSED}"
    found = platform.get_user(engine, user.id)
    assert found is not None and found.active


def test_a_refused_run_is_named_by_its_kind_in_chinese(tmp_path: Path) -> None:
    engine = _store(tmp_path)
    aid = save_account(engine, account(2022, GEP_2022))
    rule = applications.save_rule(
        engine, kind="transfer", name="r", digest="d" * 64, body={}, actor="t"
    )
    _refuse(engine, "apply_runs")
    with pytest.raises(StoreError) as raised:
        applications.save_run(
            engine,
            kind="transfer",
            rule_id=rule.id,
            year=2022,
            account_ids=[aid],
            inputs=[],
            params={},
            notes=[],
            lines=[],
            actor="t",
        )
    assert raised.value.en == f"the transfer run was not stored (nothing was written): {REFUSED}"
    assert raised.value.zh == f"转移支付分配记录未存储（未写入任何数据）：{REFUSED}"
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(text("apply_runs"))) == 0
