"""Migration 0009 on a store with data (SQLite and PostgreSQL): nothing lost, every
account a draft, and ids continue past the largest ever used, including an account that
an older ganpo deleted (whose id it would have given again)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from shapely import wkb
from shapely.geometry import box
from sqlalchemy import Connection, Engine, MetaData, create_engine, delete, event, select, text

import ganpo.store.apply_models
import ganpo.store.carbon_models
import ganpo.store.inclusive_models
import ganpo.store.platform_models
import ganpo.store.register_models
import ganpo.store.reporting_models
import ganpo.store.reserve_models
import ganpo.store.tracking_models  # noqa: F401  (every table in Base.metadata)
from applications_support import GEP_2022, account
from ganpo.store import register, schema
from ganpo.store.repository import list_accounts, open_store, save_account
from ganpo.store.schema import full_metadata

NOW = datetime(2025, 1, 1, tzinfo=UTC)
OLD_TABLES = (
    "accounts",
    "results",
    "account_log",
    "apply_rules",
    "apply_runs",
    "apply_lines",
    "register_parcels",
    "register_packages",
    "register_package_parcels",
    "register_valuations",
    "platform_audit",
)


def _account(conn: Connection, meta: MetaData, year: int) -> int:
    row = {
        "dataset_name": "old",
        "region_adcode": 360000,
        "year": year,
        "profile": "jiangxi-db36-2021",
        "price_policy": "deflate",
        "parameter_set": "jiangxi-default",
        "parameter_set_version": "1",
        "synthetic": True,
        "code_version": "0.old",
        "host": "h",
        "started_at": NOW,
        "finished_at": NOW,
        "manifest_sha256": "0" * 64,
        "dataset_root": "/x",
        "input_digest": f"{year:064d}",
        "gep_cny": 100.0,
        "warnings": [],
        "notes": [],
        "log": ["ran"],
    }
    aid = int(conn.execute(meta.tables["accounts"].insert().values(row)).inserted_primary_key[0])
    conn.execute(
        meta.tables["results"].insert(),
        [
            {
                "account_id": aid,
                "indicator": ind,
                "component": "",
                "category": "regulating",
                "ecosystem_code": 1,
                "county_adcode": 361130,
                "quantity": 1.0,
                "quantity_unit": "t",
                "price_key": "",
                "price": None,
                "price_unit": "",
                "value_cny": 50.0,
            }
            for ind in ("water_conservation", "soil_retention")
        ],
    )
    conn.execute(
        meta.tables["account_log"]
        .insert()
        .values(account_id=aid, action="create", at=NOW, user="u", detail={"year": year})
    )
    return aid


def _parcel(conn: Connection, meta: MetaData, code: str, account_id: int | None) -> int:
    row = {
        "code": code,
        "name": code,
        "owner": "o",
        "rights_type": "use",
        "area_m2": 1e4,
        "adcode": 361130,
        "geometry_wkb": wkb.dumps(box(0, 0, 100, 100)),
        "crs": "EPSG:3857",
        "composition": {"1": 1e4},
        "composition_account_id": account_id,
        "status": "deposited",
        "notes": [],
        "created_by": "u",
        "created_at": NOW,
    }
    return int(
        conn.execute(meta.tables["register_parcels"].insert().values(row)).inserted_primary_key[0]
    )


def _old_store(url: str) -> None:
    """A store at 0008 as an older ganpo left it: accounts #1, #2, #3 created and #3
    deleted (so 0008 would give id 3 again), a run that used #1 and #2 and an older run
    that used the deleted #3, a valuation on #2, parcels (the newest deleted), a package."""
    engine = create_engine(url)
    schema.upgrade(engine, "0008")
    meta = MetaData()
    with engine.begin() as conn:
        meta.reflect(conn)
        ids = [_account(conn, meta, y) for y in (2022, 2023, 2023)]
        assert ids == [1, 2, 3]
        conn.execute(delete(meta.tables["results"]).where(text("account_id = 3")))
        conn.execute(delete(meta.tables["accounts"]).where(text("id = 3")))
        conn.execute(
            meta.tables["account_log"]
            .insert()
            .values(account_id=3, action="delete", at=NOW, user="u", detail={"year": 2023})
        )
        rule = conn.execute(
            meta.tables["apply_rules"]
            .insert()
            .values(
                kind="transfer",
                name="r",
                version=1,
                digest="d" * 64,
                body={"a": 1},
                created_at=NOW,
                created_by="u",
            )
        ).inserted_primary_key[0]
        for used in ([3], [1, 2]):
            run = conn.execute(
                meta.tables["apply_runs"]
                .insert()
                .values(
                    kind="transfer",
                    rule_id=rule,
                    year=2022,
                    budget_cny=10.0,
                    total_cny=10.0,
                    account_ids=used,
                    inputs=[],
                    params={},
                    notes=[],
                    created_at=NOW,
                    created_by="u",
                )
            ).inserted_primary_key[0]
            conn.execute(
                meta.tables["apply_lines"]
                .insert()
                .values(run_id=run, county_adcode=361130, item="x", value=10.0, detail={})
            )
        p1, p2 = _parcel(conn, meta, "P1", 1), _parcel(conn, meta, "P2", None)
        pkg = conn.execute(
            meta.tables["register_packages"]
            .insert()
            .values(code="K", name="k", description="", created_by="u", created_at=NOW)
        ).inserted_primary_key[0]
        conn.execute(
            meta.tables["register_package_parcels"].insert().values(package_id=pkg, parcel_id=p1)
        )
        conn.execute(delete(meta.tables["register_parcels"]).where(text(f"id = {p2}")))
        conn.execute(
            meta.tables["platform_audit"]
            .insert()
            .values(
                at=NOW,
                actor="u",
                action="register.parcel.delete",
                entity="register_parcel",
                entity_id="P2",
                before={"id": p2, "code": "P2"},
                after=None,
            )
        )
        conn.execute(
            meta.tables["register_valuations"]
            .insert()
            .values(
                target_kind="package",
                target_code="K",
                account_id=2,
                discount_rate=0.03,
                horizon_years=20,
                flow_cny=1.0,
                asset_value_cny=15.0,
                detail={"flows": {"a": 1.0}},
                created_by="u",
                created_at=NOW,
            )
        )
    engine.dispose()


Dump = dict[str, list[tuple[Any, ...]]]


def _dump(
    url: str, columns: dict[str, list[str]] | None = None
) -> tuple[Dump, dict[str, list[str]]]:
    """Every row of the tables 0008 had (sorted), in ``columns`` (default: all of them
    now), with the columns read."""
    engine = create_engine(url)
    meta = MetaData()
    out = {}
    with engine.connect() as conn:
        meta.reflect(conn, only=OLD_TABLES)
        columns = columns or {t: list(meta.tables[t].c.keys()) for t in OLD_TABLES}
        for name in OLD_TABLES:
            table = meta.tables[name]
            rows = conn.execute(select(*[table.c[c] for c in columns[name]])).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    engine.dispose()
    return out, columns


def _fk_on_engine(url: str) -> Engine:
    """An engine like ganpo's: SQLite enforces foreign keys (so that a careless rebuild of
    ``accounts`` would cascade-delete its results)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda c, _: c.execute("PRAGMA foreign_keys=ON"))
    return engine


def test_upgrade_keeps_every_row_and_never_reuses_an_id(store_url: str) -> None:
    _old_store(store_url)
    before, columns = _dump(store_url)
    assert len(before["results"]) == 4 and len(before["register_parcels"]) == 1
    schema.upgrade(_fk_on_engine(store_url))
    # no row lost or changed (the results were not cascaded away with the old `accounts`)
    assert _dump(store_url, columns)[0] == before
    engine = open_store(store_url)
    assert [(a.id, a.status, a.superseded_by) for a in list_accounts(engine)] == [
        (1, "draft", None),
        (2, "draft", None),
    ]
    # 0008 would have given 3 again: the id of the deleted account the old run names
    assert save_account(engine, account(2024, GEP_2022)) == 4
    assert register.add_parcel(engine, _new_parcel(), actor="t") == 3  # P2 was #2
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), full_metadata())
        if engine.dialect.name == "sqlite":
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name='accounts'"))
            assert "AUTOINCREMENT" in sql.scalar_one()
    assert diff == []


def _new_parcel() -> register.NewParcel:
    return register.NewParcel(
        code="P3",
        name="n",
        owner="o",
        rights_type="use",
        adcode=361130,
        geometry=box(500, 0, 600, 100),
        crs="EPSG:3857",
        composition={1: 1e4},
        composition_account_id=None,
    )


def test_downgrade_and_upgrade_again(store_url: str) -> None:
    """The migration goes back (for a rollback of ganpo) without losing rows either."""
    _old_store(store_url)
    before, _ = _dump(store_url)
    engine = _fk_on_engine(store_url)
    schema.upgrade(engine)
    schema.downgrade(engine, "0008")
    assert _dump(store_url)[0] == before
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()


def test_the_full_schema_names_every_module_of_tables() -> None:
    """``full_metadata`` imports every ``*_models`` module: a new one left out of
    ``MODEL_MODULES`` would make a schema comparison pass or fail by which tests ran
    before it in the process."""
    from pathlib import Path

    from ganpo.store import schema

    folder = Path(schema.__file__).parent
    assert sorted(p.stem for p in folder.glob("*_models.py")) == sorted(schema.MODEL_MODULES)
    tables = schema.full_metadata().tables
    assert {"zoning_violations", "rating_appeals", "accounts"} <= set(tables)
