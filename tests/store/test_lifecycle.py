"""Records that never lie, on SQLite and on a real PostgreSQL server: an account a record
uses (or that was published) cannot be deleted; it is withdrawn or superseded instead, and
the records keep pointing at it, marked; ids are never reused after a delete."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import box
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from applications_support import GEP_2022, account, scaled
from ganpo.apply.gepdata import account_for_year, stored_account
from ganpo.errors import InputError, StoreConflictError
from ganpo.store import applications, lifecycle, platform, register
from ganpo.store.models import Account, AccountLog, Result
from ganpo.store.repository import audit_log, list_accounts, open_store, save_account

CRS_WKT = "EPSG:3857"  # any projected CRS: the parcels here are plain squares


def _store(url: str, *years: int) -> tuple[Engine, list[int]]:
    engine = open_store(url)
    return engine, [save_account(engine, account(y, GEP_2022)) for y in years]


def _rule(engine: Engine) -> int:
    return applications.save_rule(
        engine, kind="transfer", name="r", digest="d" * 64, body={}, actor="t"
    ).id


def _run(engine: Engine, kind: str, account_ids: list[int]) -> int:
    settlement: dict[str, Any] | None = None
    if kind == "settlement":
        settlement = {
            "agreement": "a",
            "year": 2022,
            "method": "gep",
            "index_value": 1.0,
            "met": True,
            "payer": "p",
            "payee": "q",
            "amount_cny": 1.0,
            "gaps": [],
        }
    return applications.save_run(
        engine,
        kind=kind,
        rule_id=_rule(engine),
        year=2022,
        account_ids=account_ids,
        inputs=[],
        params={},
        notes=[],
        lines=[{"county_adcode": 361130, "item": "x", "value": 1.0, "detail": {}}],
        actor="tester",
        settlement=settlement,
    )


def _parcel(code: str, account_id: int | None, x: float = 0.0) -> register.NewParcel:
    return register.NewParcel(
        code=code,
        name="林地",
        owner="村集体",
        rights_type="use",
        adcode=361130,
        geometry=box(x, 0.0, x + 100.0, 100.0),
        crs=CRS_WKT,
        composition={1: 10_000.0},
        composition_account_id=account_id,
    )


def _valuation(engine: Engine, account_id: int) -> int:
    register.add_parcel(engine, _parcel("P1", None), actor="tester")
    return register.add_valuation(
        engine,
        target_kind="parcel",
        target_code="P1",
        account_id=account_id,
        discount_rate=0.03,
        horizon_years=20,
        flow_cny=1.0,
        asset_value_cny=15.0,
        detail={},
        actor="tester",
    )


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (
            int(s.scalar(select(func.count()).select_from(Account)) or 0),
            int(s.scalar(select(func.count()).select_from(Result)) or 0),
            int(s.scalar(select(func.count()).select_from(AccountLog)) or 0),
        )


def test_unused_draft_is_deleted_and_its_id_never_comes_back(store_url: str) -> None:
    engine, (first,) = _store(store_url, 2022)
    lifecycle.delete_account(engine, first, actor="office")
    second = save_account(engine, account(2022, GEP_2022))
    assert (first, second) == (1, 2)
    log = audit_log(engine)
    assert [(e.action, e.account_id) for e in log] == [
        ("create", 1),
        ("delete", 1),
        ("create", 2),
    ]
    assert log[1].user == "office"
    (row,) = platform.list_audit(engine, action="account.delete")
    assert (row.actor, row.entity_id, row.after["year"]) == ("office", "1", 2022)


@pytest.mark.parametrize(
    ("kind", "named"),
    [
        ("transfer", "transfer allocation run #1"),
        ("assessment", "assessment run #1"),
        ("settlement", "compensation settlement run #1"),
        ("valuation", "asset valuation #1 (parcel P1)"),
        ("parcel", "asset register parcel P9 (#1, its composition)"),
        ("revision", "account #2 (superseded by this one)"),
    ],
)
def test_delete_refused_while_a_record_uses_the_account(
    store_url: str, kind: str, named: str
) -> None:
    engine, (aid, other) = _store(store_url, 2022, 2022)
    if kind in ("transfer", "assessment", "settlement"):
        _run(engine, kind, [aid])
    elif kind == "valuation":
        _valuation(engine, aid)
    elif kind == "parcel":
        register.add_parcel(engine, _parcel("P9", aid), actor="tester")
    else:  # account #2 superseded by #1: #1 is the revision it names
        lifecycle.supersede_account(engine, other, aid, reason="revised", actor="office")
    before = _counts(engine)
    with pytest.raises(StoreConflictError) as refused:
        lifecycle.delete_account(engine, aid)
    message = str(refused.value)
    assert message.startswith(
        f"account #1 (hand 2022) cannot be deleted: it is used by {named}. Records keep "
        "pointing at the account they used, so it stays in the store. Withdraw it instead "
        "(撤回, with a reason) or, if a corrected account of the same region and year is "
        "stored, supersede it by that revision (统计数据修订) / 核算 #1 不能删除：被 "
    )
    assert refused.value.record == "account #1" and refused.value.references == [named]
    assert _counts(engine) == before  # nothing changed, the log included


def test_published_withdrawn_and_superseded_accounts_are_kept(store_url: str) -> None:
    engine, (a, b, c) = _store(store_url, 2022, 2022, 2023)
    lifecycle.publish_account(engine, a, actor="office")
    with pytest.raises(StoreConflictError, match=r"it is published\. Records keep pointing"):
        lifecycle.delete_account(engine, a)
    lifecycle.withdraw_account(engine, c, reason="wrong land cover", actor="office")
    with pytest.raises(
        StoreConflictError,
        match=r"cannot be deleted: it is withdrawn \(\d{4}-\d\d-\d\d: wrong land cover\)\. It "
        "stays in the store as a record and is no longer picked by default",
    ):
        lifecycle.delete_account(engine, c)
    lifecycle.supersede_account(engine, a, b, reason="census revision", actor="office")
    with pytest.raises(StoreConflictError, match=r"it is superseded by #2 \("):
        lifecycle.delete_account(engine, a)
    assert [x.id for x in list_accounts(engine)] == [1, 2, 3]


def test_withdraw_marks_the_records_and_is_skipped_by_defaults(store_url: str) -> None:
    engine, (old, new) = _store(store_url, 2022, 2022)
    run = _run(engine, "transfer", [new])
    with pytest.raises(InputError, match="a reason is needed to withdraw account #2"):
        lifecycle.withdraw_account(engine, new, reason="  ")
    assert account_for_year(engine, 2022).account.id == new  # the newest draft
    lifecycle.withdraw_account(engine, new, reason="价格错误 / wrong prices", actor="office")
    # the run keeps account #2 and its figures, now marked withdrawn
    rec = applications.get_run(engine, run)
    assert rec.account_ids == [new]
    (state,) = rec.public()["accounts"]
    assert state["status"] == "withdrawn" and state["note"].endswith(
        ": 价格错误 / wrong prices) / 已撤回"
    )
    assert rec.account_notes()[0].startswith("account #2: withdrawn (")
    assert len(applications.run_lines(engine, run)) == 1
    # "the account of 2022" is now #1; #2 named explicitly is refused for new work
    assert account_for_year(engine, 2022).account.id == old
    with pytest.raises(
        InputError, match=r"account 2 was withdrawn \(.*: 价格错误 / wrong prices\); its figures"
    ):
        stored_account(engine, new)
    with pytest.raises(StoreConflictError, match="account #2 was withdrawn"):
        _run(engine, "transfer", [new])
    with pytest.raises(StoreConflictError, match="is already withdrawn"):
        lifecycle.withdraw_account(engine, new, reason="again")
    (row,) = platform.list_audit(engine, action="account.withdraw")
    assert (row.actor, row.before, row.after) == (
        "office",
        {"status": "draft"},
        {"status": "withdrawn", "reason": "价格错误 / wrong prices"},
    )


def test_supersede_by_a_revision(store_url: str) -> None:
    engine, (old, other_year) = _store(store_url, 2022, 2023)
    run = _run(engine, "assessment", [old])
    vid = _valuation(engine, old)
    lifecycle.publish_account(engine, old, actor="office")
    revised = save_account(engine, account(2022, scaled(GEP_2022, {c: 1.1 for c in GEP_2022})))
    with pytest.raises(InputError, match="a revision is of the same region and year"):
        lifecycle.supersede_account(engine, old, other_year, reason="x")
    with pytest.raises(InputError, match="cannot supersede itself"):
        lifecycle.supersede_account(engine, old, old, reason="x")
    with pytest.raises(StoreConflictError, match="supersede #1 by #3 with a reason"):
        lifecycle.publish_account(engine, revised)
    lifecycle.supersede_account(engine, old, revised, reason="census revision", actor="office")
    rows = {a.id: a for a in list_accounts(engine)}
    assert (rows[old].status, rows[old].superseded_by, rows[old].status_by) == (
        "superseded",
        revised,
        "office",
    )
    assert rows[revised].status == "published"  # it takes the published account's place
    rec = applications.get_run(engine, run)
    assert rec.account_ids == [old] and rec.accounts[0].note().startswith("superseded by #3 (")
    (val,) = register.list_valuations(engine, "P1")
    assert val["id"] == vid and val["account_id"] == old
    assert val["account_status"].endswith(": census revision) / 已被 #3 修订替代")
    assert account_for_year(engine, 2022).account.id == revised
    with pytest.raises(InputError, match="new work uses the revision: give account 3"):
        stored_account(engine, old)
    with pytest.raises(StoreConflictError, match="cannot be superseded: it is superseded"):
        lifecycle.supersede_account(engine, old, revised, reason="again")
    log = [(e.action, e.account_id) for e in audit_log(engine)]
    assert log[-2:] == [("supersede", old), ("publish", revised)]
    refs = lifecycle.account_references(engine, revised)
    assert [(r.kind, r.id) for r in refs] == [("revision", old)]


def test_published_account_preferred_over_a_newer_draft(store_url: str) -> None:
    engine, (a, b) = _store(store_url, 2022, 2022)
    assert account_for_year(engine, 2022).account.id == b
    lifecycle.publish_account(engine, a)
    assert account_for_year(engine, 2022).account.id == a
    lifecycle.withdraw_account(engine, a, reason="x")
    lifecycle.withdraw_account(engine, b, reason="y")
    with pytest.raises(
        InputError, match=r"no current stored account of 2022 \(only #1 withdrawn, #2 withdrawn\)"
    ):
        account_for_year(engine, 2022)


def test_parcel_and_package_ids_never_reused(store_url: str) -> None:
    engine = open_store(store_url)
    assert register.add_parcel(engine, _parcel("A", None), actor="t") == 1
    register.add_package(engine, "K1", "包", ["A"], actor="t")
    register.delete_package(engine, "K1", actor="t")
    register.delete_parcel(engine, "A", actor="t")
    assert register.add_parcel(engine, _parcel("B", None, x=500.0), actor="t") == 2
    assert register.add_package(engine, "K2", "包", ["B"], actor="t") == 2
