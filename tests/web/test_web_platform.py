"""User management with its audit trail, the audit log, offline API docs, the UI fallback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.cli.serve import WORKER_HEALTHCHECK_S
from ganpo.errors import InputError
from ganpo.store import platform
from ganpo.web.seed import DEMO_USERS


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
    assert users["ji-an"]["active"] is False and len(users) == len(DEMO_USERS) + 1


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
        (
            {"role": "office", "username": "a/b"},
            "username must be letters, digits, _, ., @ or -, got 'a/b'",
        ),
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
    import os

    r = anonymous.get("/api/health")
    assert r.json()["status"] == "ok"
    assert r.headers["X-Ganpo-Worker"] == str(os.getpid())  # the process that answered
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Cache-Control"] == "no-store"


def _uvicorn_run(served: dict[str, Any]) -> Callable[..., None]:
    """Stands for ``uvicorn.run``: imports and builds the application as uvicorn does with a
    factory import string, and records it instead of serving it."""
    from uvicorn.importer import import_from_string

    def run(app: str, *, factory: bool = False, **kw: Any) -> None:
        assert isinstance(app, str) and factory, "the CLI hands uvicorn a factory import string"
        served.update(target=app, app=import_from_string(app)(), **kw)

    return run


@pytest.fixture
def serve_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ganpo serve`` sets GANPO_* variables in its process: undo them after the test."""
    from ganpo.cli.serve import serve_environment

    keys = serve_environment(
        database="", data_dir=Path(), work_dir=Path(), session_hours=1, secure_cookies=False,
        demo=False, demo_resolution_m=1,
    )  # fmt: skip
    for key in keys:
        monkeypatch.setenv(key, "")


def test_ganpo_serve_demo_prints_url_and_logins(
    web_settings: Any, monkeypatch: pytest.MonkeyPatch, serve_env: None
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from ganpo.cli.main import app as cli

    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", _uvicorn_run(served))
    args = ["serve", "--demo", "--database", web_settings.database, "--port", "8123"]
    args += ["--data", str(web_settings.data_dir), "--work", str(web_settings.work_dir)]
    args += ["--session-hours", "2.5", "--secure-cookies"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output
    assert "wuyuan-demo" in result.output and "婺源县" in result.output
    assert served["target"] == "ganpo.web.app:app_from_environment"
    assert served["port"] == 8123 and served["host"] == "127.0.0.1"
    assert served["workers"] == 1
    assert isinstance(served["app"], FastAPI)
    settings = served["app"].state.settings
    assert settings.data_dir == web_settings.data_dir
    assert settings.work_dir == web_settings.work_dir
    assert settings.database == web_settings.database
    assert (settings.session_hours, settings.secure_cookies) == (2.5, True)


def test_serve_options_are_the_settings_names() -> None:
    """Every variable ``ganpo serve`` sets is a setting of the app, and reads back as given
    (the CLI cannot import the settings class: the names are the contract)."""
    from ganpo.cli.serve import serve_environment
    from ganpo.web.settings import DemoSettings, Settings, env_name

    env = serve_environment(
        database="postgresql+psycopg://u@h/db", data_dir=Path("d"), work_dir=Path("w"),
        session_hours=0.5, secure_cookies=True, demo=True, demo_resolution_m=2000,
    )  # fmt: skip
    names = {env_name(f) for f in [*Settings.model_fields, *DemoSettings.model_fields]}
    assert set(env) <= names
    s, d = Settings.from_environment(env), DemoSettings.from_environment(env)
    assert (s.database, s.data_dir, s.work_dir) == (
        "postgresql+psycopg://u@h/db",
        Path("d"),
        Path("w"),
    )
    assert (s.session_hours, s.secure_cookies, d.demo, d.demo_resolution_m) == (
        0.5,
        True,
        True,
        2000,
    )
    assert Settings.from_environment({}) == Settings()
    with pytest.raises(InputError) as err:
        Settings.from_environment({"GANPO_MAX_UPLOAD_MB": "many"})
    assert str(err.value).startswith(
        "invalid platform setting(s) in the environment: GANPO_MAX_UPLOAD_MB='many': "
        "Input should be a valid integer"
    )


def test_ganpo_serve_refuses_an_unreachable_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serve_env: None
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from ganpo.cli.main import app as cli

    monkeypatch.setattr(uvicorn, "run", _uvicorn_run({}))
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(cli, ["serve", "--database", url, "--data", str(tmp_path)])
    # the database failing is exit code 1 (decision 0024); a bad request or setting is 2
    assert result.exit_code == 1 and "cannot reach the store" in result.output


def test_ganpo_serve_workers_need_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serve_env: None
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from ganpo.cli.main import app as cli

    handed: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: handed.update(kw))
    db = str(tmp_path / "x.sqlite")
    args = ["serve", "--data", str(tmp_path), "--workers"]
    refused = CliRunner().invoke(cli, [*args, "2", "--database", db])
    assert refused.exit_code == 2 and "needs a PostgreSQL store" in refused.output
    assert handed == {}
    url = "postgresql+psycopg://u@127.0.0.1:1/db"
    served = CliRunner().invoke(cli, [*args, "3", "--database", url])
    assert served.exit_code == 0, served.output
    assert handed["workers"] == 3 and handed["factory"] is True
    # a busy worker is not killed as hung after uvicorn's 5 s (decision 0060)
    assert handed["timeout_worker_healthcheck"] == WORKER_HEALTHCHECK_S >= 30


def test_ganpo_serve_reports_a_factory_error_through_real_uvicorn(tmp_path: Path) -> None:
    """uvicorn lets the factory's error through to ``ganpo serve`` (no traceback, exit 2)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("GANPO_")}
    env["GANPO_MAX_UPLOAD_MB"] = "0"
    db = str(tmp_path / "x.sqlite")
    run = subprocess.run(
        [sys.executable, "-m", "ganpo", "serve", "--database", db, "--data", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2, run.stdout + run.stderr
    assert "GANPO_MAX_UPLOAD_MB='0': Input should be greater than 0" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr


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
    body = r.json()  # the field named in both languages, the number given as text
    assert body["detail_en"] == f"year must be a finite number, got {float(number)}", body
    assert body["detail_zh"] == f"年份应为有限的数字，收到 {float(number)}", body
