"""Fixtures of the web platform tests, reusable by every web helper's tests.

- ``demo_platform`` (session, tests/conftest.py): the demo dataset at 2000 m with its 2022
  and 2023 accounts stored and the demo users seeded, in a template SQLite store.
- ``web_settings`` / ``web_app`` (function): a fresh copy of that store, so a test may
  change anything.
- ``client_as(username)``: a TestClient of ``web_app`` logged in as a demo user (password
  ``<username>-demo``), with its ``X-CSRF-Token`` header set.
- ``shared_client_as(username)`` (session): the same on one shared app, for read-only
  tests with many requests (no per-test login cost).
- ``live_server``: ``web_app`` served by uvicorn in a thread on a free port; yields the
  base URL (``http://127.0.0.1:PORT``), for browser tests and the load benchmark.

Playwright's ``expect`` assertions wait up to 20 s here (its default is 5 s).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from demoplatform import DemoPlatform
from ganpo.web.app import Settings, create_app
from ganpo.web.seed import DEMO_USERS
from servers import free_port

try:  # the browser tests' assertions wait as long as their actions (20 s), not
    # Playwright's default 5 s: on loaded cores (CI keeps both busy) a comparison of two
    # accounts once took longer than 5 s to appear, and no test may depend on timing
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
except ImportError:  # pragma: no cover - playwright is a test dependency
    pass


def _settings(demo: DemoPlatform, folder: Path) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "ganpo.sqlite"
    shutil.copy(demo.database, database)
    return Settings(database=str(database), data_dir=demo.data_dir, work_dir=folder / "work")


@pytest.fixture
def web_settings(demo_platform: DemoPlatform, tmp_path: Path) -> Settings:
    return _settings(demo_platform, tmp_path / "platform")


@pytest.fixture
def web_app(web_settings: Settings) -> Iterator[FastAPI]:
    app = create_app(web_settings)
    yield app
    app.state.jobs.shutdown()
    app.state.engine.dispose()


def login(client: TestClient, username: str, password: str | None = None) -> TestClient:
    """Log ``client`` in (cookie) and set its CSRF header; fails the test on a refusal."""
    r = client.post(
        "/api/auth/login", json={"username": username, "password": password or f"{username}-demo"}
    )
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def bearer(client: TestClient, username: str) -> str:
    """A bearer token for a demo user."""
    r = client.post("/api/auth/token", json={"username": username, "password": f"{username}-demo"})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture
def client_as(web_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(web_app)
        clients.append(client)
        return login(client, username)

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def anonymous(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app) as client:
        yield client


@pytest.fixture(scope="session")
def shared_app(
    demo_platform: DemoPlatform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    app = create_app(_settings(demo_platform, tmp_path_factory.mktemp("shared-platform")))
    yield app
    app.state.jobs.shutdown()
    app.state.engine.dispose()


@pytest.fixture(scope="session")
def shared_client_as(shared_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: dict[str, TestClient] = {}

    def get(username: str) -> TestClient:
        if username not in clients:
            clients[username] = login(TestClient(shared_app), username)
        return clients[username]

    yield get
    for c in clients.values():
        c.close()


@pytest.fixture
def live_server(web_app: FastAPI) -> Iterator[str]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


__all__ = ["DEMO_USERS", "DemoPlatform", "bearer", "login"]


@pytest.fixture
def token_for(web_app: FastAPI) -> Callable[[str], str]:
    """A bearer token of ``web_app`` for a demo user."""

    def make(username: str) -> str:
        with TestClient(web_app) as client:
            return bearer(client, username)

    return make
