"""The asset register: deposit, overlap check, packages without double counting, audit.

Runs on SQLite and on PostgreSQL (``store_url``). The tiny grid (tests/conftest.py) has
100 m cells (10 000 m²) coded [[forest, forest, water, cropland], [shrub, built, forest,
grassland]]; county 360101 holds columns 0-1, county 360102 columns 2-3.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from assets_support import ALBERS, TinyStore, cell_box, tiny_store
from sqlalchemy import func, select

import ganpo.store.inclusive_models  # noqa: F401  (every table in Base.metadata)
from ganpo.apply.register import deposit_parcel, value_package, value_parcel
from ganpo.errors import InputError, UnknownNameError
from ganpo.store import register as store
from ganpo.store.platform_models import PlatformAudit
from ganpo.store.register_models import RegisterParcel
from ganpo.store.repository import open_store


@pytest.fixture
def ts(tmp_path: Path, store_url: str) -> TinyStore:
    return tiny_store(tmp_path, store_url, draws=0)


def _deposit(ts: TinyStore, code: str, geom, **kw):  # type: ignore[no-untyped-def]
    fields = {"name": f"地块 {code}", "owner": "村集体", "rights_type": "ownership", **kw}
    return deposit_parcel(
        open_store(ts.url), ts.account_id, geom, ALBERS, code=code, actor="tester", **fields
    )


def _counts(ts: TinyStore) -> tuple[int, int]:
    engine = open_store(ts.url)
    with engine.connect() as conn:
        return (
            int(conn.scalar(select(func.count()).select_from(RegisterParcel)) or 0),
            int(conn.scalar(select(func.count()).select_from(PlatformAudit)) or 0),
        )


def test_deposit_records_area_county_and_composition(ts: TinyStore) -> None:
    p1 = _deposit(ts, "P1", cell_box(0, 1, 2, 2))  # shrub + built-up
    assert p1.area_m2 == pytest.approx(20_000.0)
    assert p1.adcode == 360101
    assert p1.composition == pytest.approx({2: 10_000.0, 6: 10_000.0})
    assert p1.status == "deposited" and p1.created_by == "tester"
    # 1.5 cells in county B: all of the water cell, half of the cropland cell
    p2 = _deposit(ts, "P2", cell_box(2, 0, 3.5, 1), rights_type="contract")
    assert p2.adcode == 360102
    assert p2.composition == pytest.approx({7: 10_000.0, 5: 5_000.0})
    assert [p.code for p in store.list_parcels(open_store(ts.url), {360102})] == ["P2"]
    assert _counts(ts) == (2, 2)  # one audit row per deposit


def test_overlap_is_refused_and_nothing_is_stored(ts: TinyStore) -> None:
    _deposit(ts, "P1", cell_box(0, 0, 2, 1))
    before = _counts(ts)
    with pytest.raises(InputError, match=r"overlaps registered parcel\(s\) P1 \(1.00 ha\)"):
        _deposit(ts, "P2", cell_box(1, 0, 3, 1))
    assert _counts(ts) == before


def test_bad_input_is_refused_and_nothing_is_stored(ts: TinyStore) -> None:
    before = _counts(ts)
    with pytest.raises(UnknownNameError, match="rights type 'lease'"):
        _deposit(ts, "P1", cell_box(0, 0, 1, 1), rights_type="lease")
    with pytest.raises(InputError, match="outside the account's region"):
        _deposit(ts, "P1", cell_box(10, 10, 11, 11))
    with pytest.raises(InputError, match=r"reaches 1\.00 ha outside"):
        _deposit(ts, "P1", cell_box(3, 0, 5, 1))
    with pytest.raises(InputError, match="owner is empty"):
        _deposit(ts, "P1", cell_box(0, 0, 1, 1), owner=" ")
    assert _counts(ts) == before
    _deposit(ts, "P1", cell_box(0, 0, 1, 1))
    with pytest.raises(InputError, match="already in the register"):
        _deposit(ts, "P1", cell_box(1, 1, 2, 2))


def test_package_counts_overlaps_once(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    _deposit(ts, "P1", cell_box(0, 0, 2, 1))  # cells (0,0) (0,1)
    p2 = _deposit(ts, "P2", cell_box(1, 0, 3, 1), rights_type="management", allow_overlap=True)
    assert "overlaps (allowed, layered rights): P1 1.00 ha" in p2.notes[0]
    store.add_package(engine, "PKG", "测试资产包", ["P1", "P2"], actor="tester")
    assert {p.status for p in store.list_parcels(engine)} == {"packaged"}
    v = value_package(
        engine, "PKG", ts.account_id, discount_rate=0.05, horizon_years=3, actor="tester"
    )
    cells = {k: ts.cells(k) for k in ts.rasters}
    # union: cells (0,0), (0,1), (0,2) once each; parcels: P1 (0,0)+(0,1), P2 (0,1)+(0,2)
    union = sum(c[0, 0] + c[0, 1] + c[0, 2] for c in cells.values())
    shared = sum(c[0, 1] for c in cells.values())
    assert v.union.flow_cny == pytest.approx(union, rel=1e-6)
    assert v.sum_of_parcels_cny == pytest.approx(union + shared, rel=1e-6)
    assert v.overlap_not_double_counted_cny == pytest.approx(shared, rel=1e-6)
    assert v.union.asset_value_cny == pytest.approx(union * (1 + 1 / 1.05 + 1 / 1.05**2), rel=1e-6)
    stored = store.list_valuations(engine, "PKG")
    assert len(stored) == 1 and stored[0]["flow_cny"] == pytest.approx(v.union.flow_cny)
    assert value_parcel(engine, "P1", ts.account_id).flow_cny == pytest.approx(
        sum(c[0, 0] + c[0, 1] for c in cells.values()), rel=1e-6
    )


def test_package_refusals(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    _deposit(ts, "P1", cell_box(0, 0, 1, 1))
    _deposit(ts, "P2", cell_box(1, 0, 2, 1))
    _deposit(ts, "P3", cell_box(0, 1, 1, 2))
    with pytest.raises(UnknownNameError, match="unknown parcel 'NOPE'"):
        store.add_package(engine, "A", "a", ["P1", "NOPE"], actor="t")
    store.add_package(engine, "A", "a", ["P1"], actor="t")
    with pytest.raises(InputError, match=r"already packaged: P1 \(in A\)"):
        store.add_package(engine, "B", "b", ["P1", "P2"], actor="t")
    store.update_parcel(engine, "P3", {"status": "withdrawn"}, actor="t")
    with pytest.raises(InputError, match="withdrawn: P3"):
        store.add_package(engine, "B", "b", ["P3"], actor="t")
    with pytest.raises(InputError, match="delete the package first"):
        store.delete_parcel(engine, "P1", actor="t")
    store.delete_package(engine, "A", actor="t")
    assert store.get_parcel(engine, "P1").status == "deposited"
    store.delete_parcel(engine, "P1", actor="t")
    assert [p.code for p in store.list_parcels(engine)] == ["P2", "P3"]
    # a withdrawn parcel no longer blocks its land
    _deposit(ts, "P4", cell_box(0, 1, 1, 2))


def test_audit_rows_describe_each_change(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    _deposit(ts, "P1", cell_box(0, 0, 1, 1))
    store.update_parcel(engine, "P1", {"owner": "新权利人"}, actor="office")
    with engine.connect() as conn:
        rows = conn.execute(select(PlatformAudit).order_by(PlatformAudit.id)).all()
    actions = [(r.actor, r.action, r.entity_id) for r in rows]
    assert actions[-2:] == [
        ("tester", "register.parcel.deposit", "P1"),
        ("office", "register.parcel.update", "P1"),
    ]
    assert rows[-1].before["owner"] == "村集体" and rows[-1].after["owner"] == "新权利人"


def test_migration_0005_matches_the_models(tmp_path: Path, store_url: str) -> None:
    import importlib
    import pkgutil

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import ganpo.store
    from ganpo.store.schema import full_metadata

    # every model module registered, whatever ran before: a table the migrations made but
    # no imported model declares (reserve_rights, whose key points at register_parcels)
    # would otherwise show as a difference of the register's tables
    for m in pkgutil.iter_modules(ganpo.store.__path__):
        if m.name.endswith("_models"):
            importlib.import_module(f"ganpo.store.{m.name}")
    engine = open_store(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), full_metadata())
    engine.dispose()
    mine = [d for d in diff if "register_" in repr(d)]
    assert mine == []
