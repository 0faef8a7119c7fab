"""An account's standing over the API: publish, withdraw, supersede, delete (office and
admin only, audited); refusals are 409 with the store's message; a lost database is 503."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from applications_support import GEP_2022, account
from ganpo.store import applications, platform
from ganpo.store.repository import open_store, save_account
from ganpo.web.app import Settings, create_app
from ganpo.web.seed import seed_demo_users

CHANGES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/api/accounts/2/publish", None),
    ("post", "/api/accounts/2/withdraw", {"reason": "wrong"}),
    ("post", "/api/accounts/2/supersede", {"by": 1, "reason": "wrong"}),
    ("delete", "/api/accounts/2", None),
]


def test_only_office_and_admin_change_an_account(
    client_as: Callable[[str], TestClient],
) -> None:
    for user in ("reviewer", "forestry", "wuyuan", "jiangxi"):
        client = client_as(user)
        for method, path, body in CHANGES:
            r = client.request(method.upper(), path, json=body)
            assert r.status_code == 403, (user, path, r.text)
    listed = client_as("jiangxi").get("/api/accounts").json()
    assert [(a["id"], a["status"], a["current"]) for a in listed] == [
        (1, "draft", True),
        (2, "draft", True),
    ]


def _transfer_run(engine: Any, account_id: int) -> int:
    rule = applications.save_rule(engine, kind="transfer", name="r", digest="d", body={}, actor="t")
    return applications.save_run(
        engine,
        kind="transfer",
        rule_id=rule.id,
        year=2022,
        account_ids=[account_id],
        inputs=[],
        params={},
        notes=[],
        lines=[],
        actor="office",
    )


def test_publish_withdraw_supersede_delete(
    client_as: Callable[[str], TestClient], web_app: FastAPI
) -> None:
    engine = web_app.state.engine
    office, viewer = client_as("office"), client_as("wuyuan")
    run = _transfer_run(engine, 1)
    one = office.get("/api/accounts/1").json()
    assert one["used_by"] == [
        {
            "kind": "transfer",
            "id": run,
            "label": f"transfer allocation run #{run} / 转移支付分配 #{run}",
        }
    ]
    assert viewer.get("/api/accounts/1").json()["used_by"] == []  # not the viewer's business
    r = office.delete("/api/accounts/1")
    assert r.status_code == 409
    assert r.json()["detail"].startswith(
        f"account #1 (jiangxi-demo 2022) cannot be deleted: it is used by transfer allocation "
        f"run #{run}. Records keep pointing"
    )
    r = office.post("/api/accounts/1/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["published_by"] == "office"
    # 2023 withdrawn: still listed, marked; the trend has no 2023 point any more
    assert office.post("/api/accounts/2/withdraw", json={"reason": ""}).status_code == 422
    r = office.post("/api/accounts/2/withdraw", json={"reason": "土地覆被错误 wrong land cover"})
    assert r.status_code == 200
    two = r.json()
    assert (two["status"], two["current"], two["status_by"]) == ("withdrawn", False, "office")
    assert two["status_note"].endswith(": 土地覆被错误 wrong land cover) / 已撤回")
    assert [p["year"] for p in viewer.get("/api/trend").json()] == [2022]
    r = office.post("/api/accounts/2/withdraw", json={"reason": "again"})
    assert r.status_code == 409 and "is already withdrawn" in r.json()["detail"]
    # a revision of 2022 supersedes #1 (published): it is published in its place
    revised = save_account(engine, account(2022, GEP_2022))
    r = office.post("/api/accounts/1/supersede", json={"by": revised, "reason": "census"})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["superseded_by"]) == ("superseded", revised)
    listed = {a["id"]: a for a in viewer.get("/api/accounts").json()}
    assert listed[revised]["status"] == "published"
    assert listed[1]["status_label"] == "已被修订替代 superseded"
    # the transfer run still names #1, marked superseded
    (state,) = applications.get_run(engine, run).public()["accounts"]
    assert (state["id"], state["status"], state["superseded_by"]) == (1, "superseded", revised)
    r = office.delete(f"/api/accounts/{revised}")
    assert (
        r.status_code == 409 and "it is published; it is used by account #1" in r.json()["detail"]
    )
    # an unused draft goes; its id is never given again
    draft = save_account(engine, account(2021, GEP_2022))
    assert office.delete(f"/api/accounts/{draft}").status_code == 204
    assert office.get(f"/api/accounts/{draft}").status_code == 404
    assert office.delete(f"/api/accounts/{draft}").status_code == 404
    assert save_account(engine, account(2021, GEP_2022)) == draft + 1
    audit = [
        (a.action, a.entity_id, a.actor)
        for a in platform.list_audit(engine, entity="account")
        if a.action != "account.run"
    ]
    assert audit[::-1] == [
        ("account.publish", "1", "office"),
        ("account.withdraw", "2", "office"),
        ("account.supersede", "1", "office"),
        ("account.publish", str(revised), "office"),
        ("account.delete", str(draft), "office"),
    ]


def test_lost_database_is_503_with_a_message(postgres_instance: Any, tmp_path: Path) -> None:
    url = postgres_instance.url.replace("postgres@", "postgres:s3cret@")
    seed_demo_users(open_store(url))
    app = create_app(Settings(database=url, data_dir=tmp_path / "none", work_dir=tmp_path))
    try:
        with TestClient(app) as client:
            login = {"username": "admin", "password": "admin-demo"}
            token = client.post("/api/auth/token", json=login).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            assert client.get("/api/audit").status_code == 200
            postgres_instance.stop()
            r = client.get("/api/audit")
            assert r.status_code == 503, r.text
            detail = r.json()["detail"]
            shown = url.replace("s3cret", "***")
            assert detail.startswith(
                (
                    f"the connection to the store {shown} was lost (",
                    f"cannot reach the store {shown} (",
                )
            ), detail
            assert "s3cret" not in detail and "SELECT" not in detail
            assert "/ 与核算结果库的连接中断" in detail or "/ 无法连接核算结果库" in detail
            postgres_instance.start()
            assert client.get("/api/audit").status_code == 200  # back once the server is
    finally:
        app.state.jobs.shutdown()
        app.state.engine.dispose()
