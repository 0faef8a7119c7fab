"""Logging in: sessions, expiry, wrong passwords, CSRF, bearer tokens, audit of attempts."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.store import platform
from ganpo.web.auth import hash_password, verify_password


def test_password_hash_is_argon2id_and_salted() -> None:
    a, b = hash_password("secret-pass"), hash_password("secret-pass")
    assert a.startswith("$argon2id$") and a != b
    assert verify_password(a, "secret-pass")
    assert not verify_password(a, "secret-pasS")
    assert not verify_password("not a hash", "secret-pass")


def test_login_sets_httponly_lax_cookie_and_me_answers(anonymous: TestClient) -> None:
    r = anonymous.post("/api/auth/login", json={"username": "wuyuan", "password": "wuyuan-demo"})
    assert r.status_code == 200
    body = r.json()
    assert body["role"] == "viewer" and body["region_adcode"] == 361130
    assert body["department"] is None and len(body["csrf_token"]) > 20
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("ganpo_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    me = anonymous.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "wuyuan" and me.json()["csrf_token"] == body["csrf_token"]
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=7.9) < expires - datetime.now(UTC) <= timedelta(hours=8)


def test_wrong_password_unknown_user_and_disabled_are_401_and_audited(
    anonymous: TestClient, web_app: FastAPI
) -> None:
    engine = web_app.state.engine
    for name, password in (("office", "wrong"), ("nobody", "x"), ("office", "")):
        r = anonymous.post("/api/auth/login", json={"username": name, "password": password})
        assert r.status_code in (401, 422)
    assert anonymous.get("/api/auth/me").status_code == 401
    failed = platform.list_audit(engine, action="login.failed")
    reasons = sorted(a.after["reason"] for a in failed if a.after)
    assert reasons == ["unknown user", "wrong password"]
    office = platform.user_credentials(engine, "office")
    assert office is not None
    platform.update_user(engine, office[0].id, actor="test", active=False)
    r = anonymous.post("/api/auth/login", json={"username": "office", "password": "office-demo"})
    assert r.status_code == 401
    assert platform.list_audit(engine, action="login.failed")[0].after == {
        "ok": False,
        "reason": "user disabled",
    }


def test_successful_login_is_audited(anonymous: TestClient, web_app: FastAPI) -> None:
    anonymous.post("/api/auth/login", json={"username": "reviewer", "password": "reviewer-demo"})
    row = platform.list_audit(web_app.state.engine, action="login")[0]
    assert row.actor == "reviewer" and row.after is not None and row.after["ok"] is True


def test_expired_session_is_refused(
    client_as: Callable[[str], TestClient], web_app: FastAPI
) -> None:
    web_app.state.settings.session_hours = 3.0 / 3600  # three seconds
    client = client_as("admin")
    assert client.get("/api/auth/me").status_code == 200  # now also in the session cache
    expires = datetime.fromisoformat(client.get("/api/auth/me").json()["expires_at"])
    secret = client.cookies["ganpo_session"]
    assert platform.find_session(web_app.state.engine, secret, now=expires) is None
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.05)
    r = client.get("/api/auth/me")
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_expiry_set_in_the_store_is_seen_after_the_cache_ttl(
    client_as: Callable[[str], TestClient], web_app: FastAPI
) -> None:
    from sqlalchemy import update

    from ganpo.store.platform_models import PlatformSession

    web_app.state.sessions.ttl_s = 0.2
    client = client_as("office")
    assert client.get("/api/auth/me").status_code == 200
    with web_app.state.engine.begin() as conn:  # as another server process would
        conn.execute(
            update(PlatformSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    time.sleep(0.25)
    assert client.get("/api/auth/me").status_code == 401


def test_short_session_hours_setting(web_app: FastAPI) -> None:
    web_app.state.settings.session_hours = 0.5
    with TestClient(web_app) as c:
        body = c.post(
            "/api/auth/login", json={"username": "admin", "password": "admin-demo"}
        ).json()
    left = datetime.fromisoformat(body["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_logout_ends_the_session(client_as: Callable[[str], TestClient]) -> None:
    client = client_as("office")
    secret = client.cookies["ganpo_session"]
    assert client.post("/api/auth/logout").status_code == 204
    with TestClient(client.app) as other:
        other.cookies.set("ganpo_session", secret)
        assert other.get("/api/auth/me").status_code == 401


def test_csrf_header_required_for_unsafe_cookie_requests(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("admin")
    token = client.headers.pop("X-CSRF-Token")
    new_user = {"username": "csrf-victim", "password": "long-enough-1", "role": "office"}
    r = client.post("/api/users", json=new_user)
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
    r = client.post("/api/users", json=new_user, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert client.post("/api/auth/logout").status_code == 403
    assert client.get("/api/users").status_code == 200  # safe methods need no token
    r = client.post("/api/users", json=new_user, headers={"X-CSRF-Token": token})
    assert r.status_code == 201


def test_bearer_token_works_without_csrf_and_expires(
    web_app: FastAPI, token_for: Callable[[str], str]
) -> None:
    token = token_for("admin")
    with TestClient(web_app) as c:
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("/api/auth/me", headers=auth).json()["csrf_token"] is None
        r = c.post(
            "/api/users",
            json={"username": "scripted", "password": "long-enough-1", "role": "reviewer"},
            headers=auth,
        )
        assert r.status_code == 201
        assert (
            c.get("/api/auth/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
        )
        assert c.get("/api/auth/me", headers={"Authorization": f"Basic {token}"}).status_code == 401
    later = datetime.now(UTC) + timedelta(hours=9)
    assert platform.find_session(web_app.state.engine, token, now=later) is None


def test_session_cookie_is_not_a_bearer_token(client_as: Callable[[str], TestClient]) -> None:
    client = client_as("admin")
    secret = client.cookies["ganpo_session"]
    with TestClient(client.app) as other:
        r = other.get("/api/auth/me", headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 401


def test_store_keeps_only_digests_of_secrets(
    client_as: Callable[[str], TestClient], web_app: FastAPI
) -> None:
    from sqlalchemy import select

    from ganpo.store.platform_models import PlatformSession, PlatformUser

    client = client_as("tourism")
    secret = client.cookies["ganpo_session"]
    with web_app.state.engine.connect() as conn:
        digests = conn.execute(select(PlatformSession.token_sha256)).scalars().all()
        hashes = conn.execute(select(PlatformUser.password_hash)).scalars().all()
    assert secret not in digests and platform.token_digest(secret) in digests
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any("tourism-demo" in h for h in hashes)


@pytest.mark.parametrize("body", [{}, {"username": "admin"}, {"username": "", "password": "x"}])
def test_malformed_login_is_422(anonymous: TestClient, body: dict[str, str]) -> None:
    assert anonymous.post("/api/auth/login", json=body).status_code == 422


def test_every_unsafe_route_needs_the_csrf_header(
    client_as: Callable[[str], TestClient], web_app: FastAPI
) -> None:
    """Every POST/PUT/PATCH/DELETE of the whole API (reporting, applications, assets
    included) refuses a cookie session without the CSRF header, before doing anything."""
    client = client_as("admin")
    client.headers.pop("X-CSRF-Token")
    exempt = {"/api/auth/login", "/api/auth/token"}  # no session yet: nothing to forge
    checked = []
    for template, operations in web_app.openapi()["paths"].items():
        if template in exempt:
            continue
        path = re.sub(r"\{[^}]+\}", "1", template)
        for method in sorted({m.upper() for m in operations} & {"POST", "PUT", "PATCH", "DELETE"}):
            r = client.request(method, path, json={})
            assert r.status_code == 403, (method, template, r.status_code, r.text)
            assert "X-CSRF-Token" in r.json()["detail"], (method, template)
            checked.append(f"{method} {template}")
    assert len(checked) >= 20, checked
    assert client.get("/api/audit").json()[0]["action"] == "login"  # nothing was changed


def _login(client: TestClient, name: str, password: str) -> int:
    return client.post("/api/auth/login", json={"username": name, "password": password}).status_code


def test_repeated_failures_lock_one_user_out_until_a_reset(
    anonymous: TestClient, web_app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    engine = web_app.state.engine
    for _ in range(5):  # Settings.max_failed_logins
        assert _login(anonymous, "wuyuan", "wrong-password") == 401
    r = anonymous.post("/api/auth/login", json={"username": "wuyuan", "password": "wuyuan-demo"})
    assert r.status_code == 429 and r.headers["retry-after"] == "900"  # 15 minutes
    assert "5 failed logins" in r.json()["detail"] and "登录失败次数过多" in r.json()["detail"]
    assert platform.list_audit(engine, action="login.failed")[0].after == {
        "ok": False,
        "reason": "locked out",
    }
    assert _login(anonymous, "nanchang", "nanchang-demo") == 200  # others are not affected
    # an administrator's password reset ends the lock-out
    admin = client_as("admin")
    (wuyuan,) = [u for u in admin.get("/api/users").json() if u["username"] == "wuyuan"]
    assert admin.patch(f"/api/users/{wuyuan['id']}", json={"password": "new-pass-123"}).is_success
    with TestClient(web_app) as fresh:
        assert _login(fresh, "wuyuan", "new-pass-123") == 200


def test_failures_older_than_the_window_or_before_a_login_do_not_count(
    anonymous: TestClient, web_app: FastAPI
) -> None:
    engine = web_app.state.engine
    for _ in range(4):
        assert _login(anonymous, "tourism", "wrong-password") == 401
    assert _login(anonymous, "tourism", "tourism-demo") == 200  # the count starts again
    for _ in range(4):
        assert _login(anonymous, "tourism", "wrong-password") == 401
    assert (
        platform.failed_logins_since(engine, "tourism", datetime.now(UTC) - timedelta(hours=1)) == 4
    )
    assert (
        platform.failed_logins_since(engine, "tourism", datetime.now(UTC) + timedelta(seconds=1))
        == 0
    )
    assert _login(anonymous, "tourism", "tourism-demo") == 200
