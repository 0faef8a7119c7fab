"""The platform tables (migration 0003) on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import inspect

import ganpo.store.inclusive_models
import ganpo.store.platform_models  # noqa: F401  (registers the platform tables)
from ganpo.store.repository import open_store
from ganpo.store.schema import full_metadata
from ganpo.web.app import Settings, create_app
from ganpo.web.seed import seed_demo_users

PLATFORM_TABLES = {"platform_users", "platform_sessions", "platform_audit"}


def _platform_diff(url: str) -> list[Any]:
    engine = open_store(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), full_metadata())
    engine.dispose()

    def table_of(entry: Any) -> str:
        item = entry[0] if isinstance(entry, list) else entry
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                return str(table.name)
            if isinstance(name, str) and name in PLATFORM_TABLES:
                return name
        return ""

    return [d for d in diff if table_of(d) in PLATFORM_TABLES]


def test_migration_matches_the_models_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    assert _platform_diff(url) == []
    engine = open_store(url)
    assert set(inspect(engine).get_table_names()) >= PLATFORM_TABLES


def test_platform_on_postgresql(store_url: str, tmp_path: Path) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL run of this test")
    assert _platform_diff(store_url) == []
    app = create_app(Settings(database=store_url, data_dir=tmp_path / "none", work_dir=tmp_path))
    try:
        assert set(inspect(app.state.engine).get_table_names()) >= PLATFORM_TABLES
        assert "admin" in seed_demo_users(app.state.engine)
        with TestClient(app) as c:
            bad = c.post("/api/auth/login", json={"username": "admin", "password": "nope"})
            assert bad.status_code == 401
            r = c.post("/api/auth/login", json={"username": "admin", "password": "admin-demo"})
            assert r.status_code == 200
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            assert c.get("/api/auth/me").json()["role"] == "admin"
            made = c.post(
                "/api/users",
                json={
                    "username": "pg-viewer",
                    "password": "long-enough-1",
                    "role": "viewer",
                    "region_adcode": 361130,
                },
            )
            assert made.status_code == 201
            assert (
                c.patch(f"/api/users/{made.json()['id']}", json={"active": False}).json()["active"]
                is False
            )
            actions = [a["action"] for a in c.get("/api/audit").json()]
            assert actions[:4] == ["user.disable", "user.create", "login", "login.failed"]
            assert c.get("/api/users/999999999999/disable").status_code == 405
            assert c.post("/api/users/2147483647/disable").status_code == 404
            assert c.post("/api/auth/logout").status_code == 204
            assert c.get("/api/auth/me").status_code == 401
    finally:
        app.state.engine.dispose()
