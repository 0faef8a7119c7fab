"""The rights reserve: asset types, acquisition, packages, sale and lease, the holder
ledger, values equal to the register's, the statement, and bad input.

Runs on SQLite and on PostgreSQL (``store_url``). The tiny grid (tests/conftest.py) has
100 m cells (1 hm² each) coded [[forest, forest, water, cropland], [shrub, built, forest,
grassland]].
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from assets_support import ALBERS, TinyStore, cell_box, tiny_store
from sqlalchemy import func, select, text

import ganpo.store.inclusive_models  # noqa: F401  (every table in Base.metadata)
from ganpo.apply.register import deposit_parcel, value_parcel
from ganpo.apply.reserve import (
    emission_right,
    load_prices,
    parcel_element,
    statement,
    statement_text,
    value_right,
)
from ganpo.errors import InputError, StoreError, UnknownNameError
from ganpo.store import reserve as store
from ganpo.store.platform_models import PlatformAudit
from ganpo.store.repository import open_store
from ganpo.store.reserve_models import ReserveDeal, ReserveLedger, ReserveRight

DIGEST = "ab" * 32
D = date.fromisoformat


@pytest.fixture
def ts(tmp_path: Path, store_url: str) -> TinyStore:
    return tiny_store(tmp_path, store_url, draws=0)


def _deposit(ts: TinyStore, code: str, geom) -> None:  # type: ignore[no-untyped-def]
    deposit_parcel(open_store(ts.url), ts.account_id, geom, ALBERS, code=code, name=code,
                   owner="村集体", rights_type="ownership", actor="tester")  # fmt: skip


def _so2(code: str = "E1", quantity: float = 96.0, unit: str = "t/a"):  # type: ignore[no-untyped-def]
    return emission_right(code, "二氧化硫排污权", pollutant="SO2", quantity=quantity, unit=unit,
                          permit="91360400TEST001P", region_adcode=360402,
                          term_start=D("2022-02-01"), term_years=5)  # fmt: skip


def _acquire(url: str, new, on: str = "2022-02-01", holder: str = "化纤公司"):  # type: ignore[no-untyped-def]
    return store.acquire(open_store(url), new.code, new=new, from_holder=holder,
                         price_cny=1000.0, on=D(on), evidence_sha256=DIGEST, actor="tester")[0]  # fmt: skip


def _counts(url: str) -> tuple[int, ...]:
    with open_store(url).connect() as conn:
        return tuple(
            int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in (ReserveRight, ReserveDeal, ReserveLedger, PlatformAudit)
        )


def test_emission_value_reproduces_jiangxi_first_trade(ts: TinyStore) -> None:
    """96 t/a of SO2 at 389 CNY/(t·a) for 5 years = 186 720 CNY, the 18.6 万元 reported
    for the SO2 lot of Jiangxi's first online trade (2022); 96 000 kg/a is the same right."""
    engine = open_store(ts.url)
    right = _acquire(ts.url, _so2())
    v = value_right(engine, right, ts.account_id, price_year=2022)
    assert v.flow_cny == 96 * 389 and v.value_cny == 186_720.0 and not v.synthetic
    assert _so2("E2", 96_000, "kg/a").attributes["quantity_t_per_a"] == pytest.approx(96.0)


def test_parcel_values_equal_the_registers_valuation_exactly(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    _deposit(ts, "F1", cell_box(0, 0, 1, 1))  # forest
    _deposit(ts, "W1", cell_box(2, 0, 3, 1))  # water
    forest = parcel_element(engine, "forestry", "L1", "林业要素一号", "F1", stand_volume_m3=120.0)
    assert forest.attributes["forestry_area_hm2"] == pytest.approx(1.0)
    assert forest.attributes["stand_volume_m3_per_hm2"] == pytest.approx(120.0)
    _acquire(ts.url, forest)
    _acquire(ts.url, parcel_element(engine, "wetland", "S1", "湿地一号", "W1"))
    _acquire(ts.url, _so2())
    st = statement(engine, ts.account_id)
    assert st.price_year == 2022  # the account's year
    by_code = {v.right.code: v for v in st.values}
    for right, parcel in (("L1", "F1"), ("S1", "W1")):
        reg = value_parcel(engine, parcel, ts.account_id)
        assert by_code[right].value_cny == reg.asset_value_cny > 0
        assert by_code[right].flow_cny == reg.flow_cny
    types = st.by_type()
    assert types["forestry"]["value_cny"] == by_code["L1"].value_cny
    assert st.total_value_cny == sum(v.value_cny for v in st.values)
    zh, en = statement_text(st, "zh"), statement_text(st, "en")
    assert "权益储备库报表" in zh and "湿地资源" in zh and f"{st.total_value_cny / 1e4:,.2f}" in zh
    assert "Rights reserve statement" in en and "wetland resource" in en
    assert "emission_right" not in en and "asset_type" not in en


def test_acquire_package_sell_lease_return_and_the_holder_ledger(ts: TinyStore) -> None:
    url = ts.url
    engine = open_store(url)
    _acquire(url, _so2("E1"), "2022-02-01", "化纤公司")
    _acquire(url, _so2("E2"), "2022-02-03", "水泥厂")
    _acquire(url, _so2("E3"), "2022-02-03", "电厂")
    store.add_package(engine, "PK1", "二氧化硫指标包", ["E1", "E2"], actor="tester")
    with pytest.raises(InputError, match="is in package PK1"):
        store.sell(engine, "E1", buyer="环保公司", price_cny=1.0, on=D("2022-03-01"), actor="t")
    store.sell(engine, "PK1", buyer="环保科技公司", price_cny=186_720.0, on=D("2022-03-01"),
               actor="tester")  # fmt: skip
    store.lease(engine, "E3", lessee="陶瓷厂", price_cny=5_000.0, start=D("2022-04-01"),
                end=D("2023-03-31"), actor="tester")  # fmt: skip
    store.return_lease(engine, "E3", on=D("2023-03-31"), actor="tester")
    assert [(r.code, r.status, r.holder) for r in store.list_rights(engine)] == [
        ("E1", "sold", "环保科技公司"), ("E2", "sold", "环保科技公司"), ("E3", "reserve", None)]  # fmt: skip
    periods = store.replay(store.ledger(engine, "E3")).periods
    assert [(p.holder, p.start, p.end) for p in periods] == [
        ("电厂", None, D("2022-02-03")),
        (None, D("2022-02-03"), D("2022-04-01")),
        ("陶瓷厂", D("2022-04-01"), D("2023-03-31")),
        (None, D("2023-03-31"), None),
    ]
    assert [r.kind for r in store.ledger(engine, "E1")] == ["acquisition", "sale"]
    st = statement(engine, ts.account_id)
    assert st.deal_totals() == {"acquisition": 3000.0, "sale": 186_720.0, "lease": 5000.0}
    assert [v.right.code for v in st.held] == ["E3"]
    # buy the package back from its buyer; the ledger continues
    with pytest.raises(InputError, match="is in package PK1"):
        store.acquire(engine, "E1", from_holder="环保科技公司", price_cny=1.0,
                      on=D("2024-01-01"), evidence_sha256=DIGEST, actor="tester")  # fmt: skip
    store.acquire(engine, "PK1", from_holder="环保科技公司", price_cny=1.0, on=D("2024-01-01"),
                  evidence_sha256=DIGEST, actor="tester")  # fmt: skip
    assert store.get_right(engine, "E1").holder is None
    assert store.replay(store.ledger(engine, "E2")).periods[-1] == store.Period(
        None, D("2024-01-01"), None
    )
    audit = [a for (a,) in engine.connect().execute(
        select(PlatformAudit.action).where(PlatformAudit.action.like("reserve.%")))]  # fmt: skip
    assert (
        audit.count("reserve.acquisition") == 4
        and audit.count("reserve.package") == 1
        and "reserve.sale" in audit
    )


def test_refusals_name_the_problem_and_store_nothing(ts: TinyStore) -> None:
    url = ts.url
    engine = open_store(url)
    _deposit(ts, "C1", cell_box(3, 0, 4, 1))  # cropland
    _deposit(ts, "B1", cell_box(1, 1, 2, 2))  # built-up
    _acquire(url, _so2("E1"))
    store.sell(engine, "E1", buyer="甲", price_cny=10.0, on=D("2022-03-01"), actor="t")
    _acquire(url, _so2("E2"))
    _acquire(url, _so2("E3"))
    store.lease(engine, "E2", lessee="乙", price_cny=10.0, start=D("2022-03-01"),
                end=D("2022-12-31"), actor="t")  # fmt: skip
    before = _counts(url)
    with pytest.raises(UnknownNameError, match="reserve right or package 'E9'"):
        store.sell(engine, "E9", buyer="丙", price_cny=1.0, on=D("2022-04-01"), actor="t")
    with pytest.raises(InputError, match=r"E1 cannot be sold: E1 sold \(held by 甲\)"):
        store.sell(engine, "E1", buyer="丙", price_cny=1.0, on=D("2022-04-01"), actor="t")
    with pytest.raises(InputError, match=r"E2 cannot be sold: E2 leased \(held by 乙\)"):
        store.sell(engine, "E2", buyer="丙", price_cny=1.0, on=D("2022-04-01"), actor="t")
    with pytest.raises(InputError, match=r"lease term ends \(2022-01-01\) before it starts"):
        store.lease(engine, "E2", lessee="丙", price_cny=1.0, start=D("2022-06-01"),
                    end=D("2022-01-01"), actor="t")  # fmt: skip
    with pytest.raises(InputError, match=r"term of emission right E3 ends on 2027-02-01"):
        store.sell(engine, "E3", buyer="丙", price_cny=1.0, on=D("2027-03-01"), actor="t")
    with pytest.raises(InputError, match=r"ends on 2027-02-01, before 2028-01-01"):
        store.lease(engine, "E3", lessee="丙", price_cny=1.0, start=D("2026-01-01"),
                    end=D("2028-01-01"), actor="t")  # fmt: skip
    with pytest.raises(InputError, match="before the last change of holder"):
        store.return_lease(engine, "E2", on=D("2022-01-01"), actor="t")
    with pytest.raises(InputError, match="needs the SHA-256 digest"):
        store.acquire(engine, "E3", new=_so2("E3"), from_holder="丁", price_cny=1.0,
                      on=D("2022-01-01"), evidence_sha256=None, actor="t")  # fmt: skip
    with pytest.raises(InputError, match="already used"):
        _acquire(url, _so2("E1"))
    with pytest.raises(UnknownNameError, match=r"pollutant of an emission right 'PM2\.5'"):
        emission_right("E4", "x", pollutant="PM2.5", quantity=1.0, permit="p",
                       region_adcode=360402, term_start=D("2022-01-01"), term_years=5)  # fmt: skip
    with pytest.raises(InputError, match="unknown unit 'bananas/a'"):
        _so2("E4", 1.0, "bananas/a")
    with pytest.raises(InputError, match="'t' does not measure the same quantity as 't/a'"):
        _so2("E4", 1.0, "t")
    with pytest.raises(InputError, match=r"parcel C1 has no wetland \(its ecosystem types: 农田"):
        parcel_element(engine, "wetland", "S1", "湿地", "C1")
    with pytest.raises(InputError, match="parcel B1 has no forest"):
        parcel_element(engine, "forestry", "L1", "林", "B1")
    with pytest.raises(InputError, match=r"no SO2 emission-right price for 2030 \(years with a "
                       r"price: 2022\)"):  # fmt: skip
        value_right(engine, store.get_right(engine, "E2"), ts.account_id, price_year=2030)
    assert _counts(url) == before


def test_the_ledger_and_deals_are_append_only(ts: TinyStore) -> None:
    _acquire(ts.url, _so2())
    engine = open_store(ts.url)
    for sql in ("UPDATE reserve_ledger SET to_holder = 'x'", "DELETE FROM reserve_deals"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    assert _counts(ts.url)[1:3] == (1, 1)


def test_migration_0020_matches_the_models(ts: TinyStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ganpo.store.schema import full_metadata

    engine = open_store(ts.url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), full_metadata())
    assert [d for d in diff if "reserve_" in repr(d)] == []


def test_shipped_prices_name_their_source_and_mark_synthetic_ones() -> None:
    prices = load_prices()
    assert set(prices.pollutants()) == {"COD", "NH3-N", "SO2", "NOx"}
    assert {p.pollutant for p in prices.price if p.synthetic} == {"COD", "NH3-N"}
    assert all("SYNTHETIC" in p.source for p in prices.price if p.synthetic)
    assert prices.price_for("NOx", 2022).cny_per_t_a == 489.0


def test_a_store_failure_is_a_store_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ganpo.sqlite'}"
    _acquire(url, _so2())
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER boom BEFORE INSERT ON reserve_ledger "
                          "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"))  # fmt: skip
    before = _counts(url)
    with pytest.raises(
        StoreError, match=r"sale was not stored \(nothing was written\).*refused by the test"
    ):
        store.sell(engine, "E1", buyer="甲", price_cny=1.0, on=D("2022-03-01"), actor="t")
    assert _counts(url) == before
    assert store.get_right(engine, "E1").status == "reserve"
