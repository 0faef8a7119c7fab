"""The session cache checks every session a server process holds in one query once their
check is older than its ttl (decision 0068): hits, the check of all at once, revocations
and user changes made by another process, and one session never served for another."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from ganpo.store import platform
from ganpo.store.platform import SessionRecord, UserRecord
from ganpo.store.platform_models import PlatformSession, PlatformUser
from ganpo.web.auth import SessionCache

LATER = datetime(2100, 1, 1, tzinfo=UTC)


def _record(digest: str, user_id: int, role: str = "office") -> SessionRecord:
    user = UserRecord(user_id, f"u{user_id}", role, None, None, True, LATER)
    return SessionRecord(user, "token", None, LATER, digest)


class Fetch:
    """A stand-in for the store: the live records, and the digests each call asked for."""

    def __init__(self, live: dict[str, SessionRecord]) -> None:
        self.live, self.calls = live, []  # type: list[list[str]]

    def __call__(self, digests: list[str]) -> dict[str, SessionRecord]:
        self.calls.append(sorted(digests))
        return {d: self.live[d] for d in digests if d in self.live}


def _stale(cache: SessionCache, *records: SessionRecord) -> None:
    """Hold ``records`` as checked long ago (older than the ttl)."""
    for r in records:
        cache.put(r, time.monotonic() - 10 * cache.ttl_s, cache.generation())


def test_a_fresh_session_is_served_without_the_store() -> None:
    cache = SessionCache(ttl_s=60.0)
    a = _record("a", 1)
    cache.put(a, time.monotonic(), cache.generation())
    assert cache.get("a") is a
    assert cache.get("b") is None and not cache.known("b")


def test_a_stale_session_is_not_served_until_checked() -> None:
    cache = SessionCache(ttl_s=60.0)
    a = _record("a", 1)
    _stale(cache, a)
    assert cache.known("a") and cache.get("a") is None


def test_one_query_checks_every_session_held() -> None:
    cache = SessionCache(ttl_s=60.0)
    a, b, c = _record("a", 1), _record("b", 2), _record("c", 3)
    _stale(cache, a, b, c)
    changed_b = _record("b", 2, role="viewer")  # changed in the store meanwhile
    fetch = Fetch({"a": a, "b": changed_b})  # c was revoked
    cache.refresh("a", fetch)
    assert fetch.calls == [["a", "b", "c"]]
    assert cache.get("a") is a and cache.get("b") is changed_b
    assert cache.get("c") is None and not cache.known("c")
    # every session is fresh now: a second caller finds its own checked, no query
    cache.refresh("b", fetch)
    assert len(fetch.calls) == 1


def test_each_session_is_served_under_its_own_digest_only() -> None:
    cache = SessionCache(ttl_s=60.0)
    a, b = _record("a", 1), _record("b", 2, role="viewer")
    _stale(cache, a, b)
    cache.refresh("b", Fetch({"a": a, "b": b}))
    assert cache.get("a") is a and cache.get("a").user.id == 1  # type: ignore[union-attr]
    assert cache.get("b") is b and cache.get("b").user.id == 2  # type: ignore[union-attr]


def test_a_forget_during_a_check_wins() -> None:
    cache = SessionCache(ttl_s=60.0)
    a, b = _record("a", 1), _record("b", 2)
    _stale(cache, a, b)

    def fetch(digests: list[str]) -> dict[str, SessionRecord]:
        cache.forget("a")  # a logout through this process while the query runs
        return {"a": a, "b": b}

    cache.refresh("b", fetch)
    assert not cache.known("a")
    assert cache.get("b") is None  # not kept either: checked again at the next request
    # a single look-up that started before a forget is not kept either
    generation = cache.generation()
    cache.forget_user(2)
    cache.put(b, time.monotonic(), generation)
    assert not cache.known("b")


def test_sessions_unused_for_keep_s_are_dropped_not_checked() -> None:
    cache = SessionCache(ttl_s=60.0, keep_s=0.0)
    a, b = _record("a", 1), _record("b", 2)
    _stale(cache, a, b)
    fetch = Fetch({"a": a, "b": b})
    cache.refresh("a", fetch)
    assert fetch.calls == [["a"]]  # b was not used lately: forgotten, not queried
    assert not cache.known("b")


# -------------------------------------------------------------------- through the app


@pytest.fixture
def quick(web_app: FastAPI) -> FastAPI:
    web_app.state.sessions.ttl_s = 0.2
    return web_app


def _me(client: TestClient, token: str) -> tuple[int, str | None]:
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    return r.status_code, r.json().get("username") if r.status_code == 200 else None


def test_revocations_and_user_changes_by_another_process_are_seen_in_one_query(
    quick: FastAPI, token_for: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = {u: token_for(u) for u in ("office", "wuyuan", "nanchang")}
    calls: list[int] = []
    bulk = platform.find_sessions

    def counted(engine: object, digests: list[str], now: object = None) -> object:
        calls.append(len(digests))
        return bulk(engine, digests)  # type: ignore[arg-type]

    monkeypatch.setattr(platform, "find_sessions", counted)
    with TestClient(quick) as client:
        for user, token in tokens.items():
            assert _me(client, token) == (200, user)
        engine = quick.state.engine
        with engine.begin() as conn:  # as another server process would
            conn.execute(
                update(PlatformSession)
                .where(PlatformSession.token_sha256 == platform.token_digest(tokens["wuyuan"]))
                .values(revoked=True)
            )
            conn.execute(
                update(PlatformUser)
                .where(PlatformUser.username == "nanchang")
                .values(region_adcode=361130)
            )
        time.sleep(0.25)  # past the ttl (not a timing assertion: any longer wait is the same)
        assert _me(client, tokens["office"]) == (200, "office")
        assert calls == [3]  # the three sessions this process held, in one query
        assert _me(client, tokens["wuyuan"]) == (401, None)
        r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['nanchang']}"})
        assert r.status_code == 200 and r.json()["region_adcode"] == 361130
        assert calls == [3]  # both answered from that query


def test_logout_through_this_process_is_seen_at_once(
    web_app: FastAPI, token_for: Callable[[str], str]
) -> None:
    web_app.state.sessions.ttl_s = 3600.0  # the check alone would not see it for an hour
    token = token_for("office")
    with TestClient(web_app) as client:
        assert _me(client, token) == (200, "office")
        auth = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/auth/logout", headers=auth).status_code == 204
        assert _me(client, token) == (401, None)


def test_the_expiry_is_checked_on_every_request_even_when_fresh(
    web_app: FastAPI, token_for: Callable[[str], str]
) -> None:
    web_app.state.sessions.ttl_s = 3600.0
    token = token_for("office")
    with TestClient(web_app) as client:
        assert _me(client, token) == (200, "office")
        digest = platform.token_digest(token)
        cache: SessionCache = web_app.state.sessions
        record = cache.get(digest)
        assert record is not None
        expired = SessionRecord(
            record.user, record.kind, None, datetime.now(UTC) - timedelta(seconds=1), digest
        )
        cache.put(expired, time.monotonic(), cache.generation())
        assert _me(client, token) == (401, None)
