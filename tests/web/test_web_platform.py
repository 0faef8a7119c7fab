"""User management with its audit trail, the audit log, offline API docs, the UI fallback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.store import platform


def test_user_lifecycle_is_audited_with_before_and_after(
    client_as: Callable[[str], TestClient], web_app: FastAPI
) -> None:
    admin = client_as("admin")
    r = admin.post(
        "/api/users",
        json={
            "username": "ji-an",
            "password": "long-enough-1",
            "role": "viewer",
            "region_adcode": 360800,
        },
    )
    assert r.status_code == 201
    uid = r.json()["id"]
    assert "password" not in r.text and "argon2" not in r.text
    r = admin.patch(f"/api/users/{uid}", json={"region_adcode": 361130})
    assert r.status_code == 200 and r.json()["region_adcode"] == 361130
    r = admin.patch(f"/api/users/{uid}", json={"role": "reporter", "department": "water"})
    assert r.json()["role"] == "reporter" and r.json()["region_adcode"] is None
    assert admin.post(f"/api/users/{uid}/disable").json()["active"] is False
    rows = admin.get("/api/audit", params={"entity": "user", "actor": "admin"}).json()
    mine = [x for x in rows if x["entity_id"] == str(uid)]
    assert [x["action"] for x in mine] == [
        "user.disable",
        "user.update",
        "user.update",
        "user.create",
    ]
    disable, role, scope, create = mine
    assert create["before"] is None and create["after"]["region_adcode"] == 360800
    assert scope["before"]["region_adcode"] == 360800 and scope["after"]["region_adcode"] == 361130
    assert role["before"]["role"] == "viewer" and role["after"]["department"] == "water"
    assert disable["before"]["active"] is True and disable["after"]["active"] is False
    users = {u["username"]: u for u in admin.get("/api/users").json()}
    assert users["ji-an"]["active"] is False and len(users) == 9


def test_disabling_or_changing_role_ends_sessions(
    client_as: Callable[[str], TestClient], web_app: FastAPI
) -> None:
    admin, tourism = client_as("admin"), client_as("tourism")
    uid = platform.user_credentials(web_app.state.engine, "tourism")[0].id  # type: ignore[index]
    assert admin.patch(f"/api/users/{uid}", json={"role": "viewer"}).status_code == 422
    assert tourism.get("/api/auth/me").status_code == 200  # refused change: nothing happened
    ok = admin.patch(f"/api/users/{uid}", json={"role": "viewer", "region_adcode": 361100})
    assert ok.status_code == 200
    assert tourism.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"role": "superuser"}, "unknown role"),
        ({"role": "reporter"}, "needs a department"),
        ({"role": "viewer"}, "needs a region_adcode"),
        ({"role": "viewer", "region_adcode": 999999}, "unknown region_adcode"),
        ({"role": "office", "username": "admin"}, "is taken"),
        ({"role": "office", "password": "short"}, "at least 8"),
        ({"role": "office", "username": "a/b"}, "pattern"),
    ],
)
def test_bad_user_input_is_422_with_reason(
    client_as: Callable[[str], TestClient], body: dict[str, object], message: str
) -> None:
    payload = {"username": "someone", "password": "long-enough-1", **body}
    r = client_as("admin").post("/api/users", json=payload)
    assert r.status_code == 422 and message in r.text


def test_admin_cannot_lock_itself_out(client_as: Callable[[str], TestClient]) -> None:
    admin = client_as("admin")
    me = next(u for u in admin.get("/api/users").json() if u["username"] == "admin")
    assert admin.post(f"/api/users/{me['id']}/disable").status_code == 409
    assert admin.patch(f"/api/users/{me['id']}", json={"role": "viewer"}).status_code == 409
    assert admin.patch("/api/users/9999", json={"active": True}).status_code == 404


def test_audit_log_paging(client_as: Callable[[str], TestClient]) -> None:
    admin = client_as("admin")
    everything = admin.get("/api/audit", params={"limit": 1000}).json()
    assert [r["id"] for r in everything] == sorted((r["id"] for r in everything), reverse=True)
    page = admin.get("/api/audit", params={"limit": 2, "offset": 1}).json()
    assert [r["id"] for r in page] == [r["id"] for r in everything[1:3]]
    assert admin.get("/api/audit", params={"limit": 0}).status_code == 422
    changes = admin.get("/api/audit", params={"limit": 1000, "changes_only": True}).json()
    assert {r["action"] for r in everything} >= {"login", "user.create"}
    assert "user.create" in {r["action"] for r in changes}
    assert not {r["action"] for r in changes} & set(platform.SESSION_ACTIONS)
    assert len(changes) == len(
        [r for r in everything if r["action"] not in platform.SESSION_ACTIONS]
    )


def test_audit_rolls_back_with_the_change(web_app: FastAPI) -> None:
    engine = web_app.state.engine
    before = len(platform.list_audit(engine, limit=1000))
    with pytest.raises(Exception, match="taken"):
        platform.create_user(engine, actor="t", username="admin", password_hash="x", role="office")
    assert len(platform.list_audit(engine, limit=1000)) == before


def test_docs_are_served_offline(anonymous: TestClient) -> None:
    for page, script in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = anonymous.get(page).text
        assert f"/docs-assets/{script}" in html
        external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
        assert external == [], external
        assert anonymous.get(f"/docs-assets/{script}").status_code == 200
    spec = anonymous.get("/openapi.json").json()
    tags = {t["name"]: t["description"] for t in spec["tags"]}
    assert {"auth", "accounts", "reporting", "apply", "assets"} <= set(tags)
    assert "/api/accounts/{account_id}/summary" in spec["paths"]


def test_root_serves_the_ui_or_a_bilingual_fallback(
    anonymous: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ganpo.web import app as app_module

    r = anonymous.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    monkeypatch.setattr(app_module, "STATIC", tmp_path)
    fresh = app_module.create_app(anonymous.app.state.settings)  # type: ignore[attr-defined]
    with TestClient(fresh) as c:
        body = c.get("/").text
    assert "/docs" in body and "界面" in body and "user interface" in body


def test_security_headers(anonymous: TestClient) -> None:
    r = anonymous.get("/api/health")
    assert r.json()["status"] == "ok"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Cache-Control"] == "no-store"


def test_ganpo_serve_demo_prints_url_and_logins(
    web_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from ganpo.cli.main import app as cli

    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    args = ["serve", "--demo", "--database", web_settings.database, "--port", "8123"]
    args += ["--data", str(web_settings.data_dir), "--work", str(web_settings.work_dir)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output
    assert "wuyuan-demo" in result.output and "婺源县" in result.output
    assert served["port"] == 8123 and served["host"] == "127.0.0.1"
    assert isinstance(served["app"], FastAPI)
    assert served["app"].state.settings.data_dir == web_settings.data_dir


def test_ganpo_serve_refuses_an_unreachable_store(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ganpo.cli.main import app as cli

    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(cli, ["serve", "--database", url, "--data", str(tmp_path)])
    assert result.exit_code != 0 and "cannot reach the store" in result.output


def test_live_server_serves_the_app(live_server: str) -> None:
    import httpx

    assert httpx.get(f"{live_server}/api/health", timeout=10).json()["status"] == "ok"
    r = httpx.post(
        f"{live_server}/api/auth/login",
        json={"username": "jiangxi", "password": "jiangxi-demo"},
        timeout=10,
    )
    assert r.status_code == 200 and "ganpo_session" in r.cookies


def test_platform_names_the_base_dataset_and_its_years(
    shared_client_as: Callable[[str], TestClient], tmp_path: Path
) -> None:
    from ganpo.web.app import base_dataset_info

    info = shared_client_as("wuyuan").get("/api/platform").json()
    assert info["dataset"] == "jiangxi-demo" and info["synthetic"] is True
    assert info["years"] == [2022, 2023] and info["default_year"] == 2023  # pages start here
    empty = base_dataset_info(tmp_path)  # no manifest: nothing to offer, no error
    assert empty.years == [] and empty.default_year is None


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_422_on_every_router(
    client_as: Callable[[str], TestClient], number: str
) -> None:
    # Python's JSON reader accepts NaN/Infinity; pydantic echoes them in its error, which the
    # app's handler must still write as JSON (a 422 naming the field, never a 500)
    office = client_as("office")
    body = '{"year": ' + number + "}"
    r = office.post("/api/accounts/run", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == "year"
    assert r.json()["detail"][0]["input"] == str(float(number))  # as text
