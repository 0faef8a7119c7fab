"""The store keeps an account's units at any level (migration 0010), on SQLite and on a
real PostgreSQL server: a township account round-trips (with its decisions and coverage
per township), and a store of schema 0008 or 0009 holding an account is upgraded through
0009 (records), 0010 (units) and 0011 (quality) without losing a row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import ganpo.store.inclusive_models  # noqa: F401  (every table in Base.metadata)
from ganpo.engine.account import run_account
from ganpo.engine.uncertainty import monte_carlo
from ganpo.store import schema
from ganpo.store.repository import load_account, open_store, save_account
from tinydata import TOWNSHIPS, A, B, use_units

KEYS = ["indicator", "component", "unit_code", "ecosystem_code"]
MINE = {"results", "extent", "physical_results", "account_units", "uncertainty_intervals"}


def _sorted(frame: pd.DataFrame, keys: list[str] = KEYS) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


def test_township_account_round_trip(tiny: Callable[..., Path], store_url: str) -> None:
    acc = run_account(use_units(tiny()), 2022)
    iv = monte_carlo(acc, 100, 1)
    engine = open_store(store_url)
    stored = load_account(engine, save_account(engine, acc, iv))
    pd.testing.assert_frame_equal(_sorted(stored.results), _sorted(acc.results), check_dtype=False)
    assert stored.units["unit_code"].tolist() == [t[0] for t in TOWNSHIPS]
    assert set(stored.units["level"]) == {"township"} and stored.level == "township"
    assert stored.units["parent_code"].tolist() == [A, A, B, B]
    assert stored.units["unit_name"].tolist() == [t[1] for t in TOWNSHIPS]
    assert stored.counties["county_adcode"].tolist() == [A, B]
    assert stored.counties["area_km2"].tolist() == pytest.approx([0.04, 0.04])
    ext = ["unit_code", "ecosystem_code"]
    pd.testing.assert_frame_equal(
        _sorted(stored.extent.drop(columns="account_id"), ext),
        _sorted(acc.extent, ext),
        check_dtype=False,
    )
    assert set(stored.intervals["unit_code"]) == {0, A, B}
    cov = ["unit_code", "role"]
    assert set(stored.coverage["unit_code"]) == {t[0] for t in TOWNSHIPS}
    pd.testing.assert_frame_equal(
        _sorted(stored.coverage, cov), _sorted(acc.coverage, cov), check_dtype=False
    )
    assert stored.decisions == acc.decisions


def _old_rows(acc) -> dict[str, list[dict[str, object]]]:  # type: ignore[no-untyped-def]
    """An account's rows as a ganpo of schema 0008 stored them (no unit columns)."""

    def recs(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> list[dict[str, object]]:
        out = frame.drop(columns=list(drop), errors="ignore").astype(object)
        return [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in out.to_dict("records")
        ]

    units = acc.units.drop(columns="geometry")
    return {
        "account_units": recs(units, ("unit_code", "unit_name", "level", "parent_code")),
        "results": recs(acc.results, ("unit_code",)),
        "extent": recs(acc.extent, ("unit_code",)),
        "uncertainty_intervals": recs(
            monte_carlo(acc, 50, 2).table.assign(draws=50), ("unit_code",)
        ),
    }


@pytest.mark.parametrize("revision", ["0008", "0009"])
def test_upgrade_of_an_older_store_keeps_its_account(
    tiny: Callable[..., Path], store_url: str, revision: str
) -> None:
    acc = run_account(tiny(), 2022)
    engine = sa.create_engine(store_url)
    schema.upgrade(engine, revision)
    meta = sa.MetaData()
    meta.reflect(engine)
    now = acc.finished_at
    with engine.begin() as conn:
        account_id = conn.execute(
            sa.insert(meta.tables["accounts"]).returning(meta.tables["accounts"].c.id),
            {
                "dataset_name": "old",
                "region_adcode": 360000,
                "year": 2022,
                "profile": acc.profile,
                "price_policy": acc.price_policy,
                "parameter_set": acc.parameter_set,
                "parameter_set_version": acc.parameter_set_version,
                "synthetic": True,
                "code_version": "old",
                "host": "old",
                "started_at": now,
                "finished_at": now,
                "manifest_sha256": acc.manifest_sha256,
                "dataset_root": acc.dataset_root,
                "input_digest": acc.input_digest,
                "gep_cny": acc.gep_cny,
                "warnings": [],
                "notes": [],
                "log": [],
                # 0009's standing: the account was published
                **({"status": "published", "published_by": "u"} if revision == "0009" else {}),
            },
        ).scalar_one()
        for table, rows in _old_rows(acc).items():
            conn.execute(
                sa.insert(meta.tables[table]), [dict(r, account_id=account_id) for r in rows]
            )
    engine.dispose()
    with pytest.raises(Exception, match=f"is at schema {revision}"):
        open_store(store_url)
    schema.upgrade(sa.create_engine(store_url))  # what `ganpo db upgrade` does
    engine = open_store(store_url)
    stored = load_account(engine, account_id)
    assert stored.account.status == ("published" if revision == "0009" else "draft")
    assert stored.decisions == [] and stored.coverage.empty  # 0011: nothing recorded then
    assert len(stored.results) == len(acc.results)
    assert (stored.results["unit_code"] == stored.results["county_adcode"]).all()
    pd.testing.assert_frame_equal(
        _sorted(stored.results), _sorted(acc.results), check_dtype=False, rtol=0, atol=0
    )
    assert stored.units["unit_code"].tolist() == [A, B] == stored.units["county_adcode"].tolist()
    assert stored.units["unit_name"].tolist() == ["甲县", "乙县"]
    assert set(stored.units["level"]) == {"county"}
    assert stored.units["parent_code"].tolist() == [360100, 360100]
    assert len(stored.extent) == len(acc.extent) and len(stored.intervals) > 0
    assert (stored.intervals["unit_code"] == stored.intervals["county_adcode"]).all()
    # the rebuilt tables take new rows: the next account gets the next id
    assert save_account(engine, acc) == account_id + 1


def test_migration_0010_matches_the_models(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ganpo.store.models import Base

    engine = open_store(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    mine = [d for d in diff if any(f"'{t}'" in repr(d) or f"{t}." in repr(d) for t in MINE)]
    assert mine == []


def test_downgrade_refused_while_township_accounts_are_stored(
    tiny: Callable[..., Path], tmp_path: Path
) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    engine = open_store(url)
    save_account(engine, run_account(use_units(tiny()), 2022))
    cfg = schema.alembic_config(engine)
    with engine.begin() as conn, pytest.raises(RuntimeError, match="finer than county"):
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")


def test_boundary_repairs_reach_the_stored_quality_report(
    tiny: Callable[..., Path], store_url: str
) -> None:
    """A repair the manifest declares is a decision of the account (kind boundary_repair,
    basis manifest): stored with it and listed in its quality report, in both languages."""
    from shapely.geometry import box

    from ganpo.report.quality import build_quality
    from tinydata import RES, X0, Y0, column_box, townships_frame

    # A2 covers only its top cell: a gap in county A the manifest declares it accepts
    rows = [(c, n, p, column_box(col)) for c, n, p, col in TOWNSHIPS]
    rows[1] = (rows[1][0], rows[1][1], rows[1][2], box(X0 + RES, Y0 - RES, X0 + 2 * RES, Y0))
    acc = run_account(use_units(tiny(), townships_frame(rows), repair=("trust_gaps",)), 2022)
    (decision,) = [d for d in acc.decisions if d.kind == "boundary_repair"]
    engine = open_store(store_url)
    stored = load_account(engine, save_account(engine, acc))
    assert stored.decisions == acc.decisions
    for lang, label, message in (
        ("en", "Repaired boundaries", decision.message_en),
        ("zh", "行政区边界修复", decision.message_zh),
    ):
        report = build_quality(stored, lang)  # type: ignore[arg-type]
        (group,) = [g for g in report.decisions if g.kind == "boundary_repair"]
        assert group.label == label
        assert [(x.text, x.basis) for x in group.decisions] == [(message, "manifest")]
        assert report.as_dict()["summary"][0]["count"] == len(acc.decisions)
