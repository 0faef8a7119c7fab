"""``find_sessions``: the live sessions among many digests, in one query per chunk
(decision 0068)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from ganpo.store import platform
from ganpo.store.platform_models import PlatformSession
from ganpo.store.repository import open_store


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(str(tmp_path / "s.sqlite"))
    yield engine
    engine.dispose()


def _user(engine: Engine, name: str, role: str = "office", region: int | None = None) -> int:
    return platform.create_user(
        engine, actor="t", username=name, password_hash="x", role=role, region_adcode=region
    ).id


def _token(engine: Engine, user_id: int, hours: float = 1.0) -> str:
    secret, _, _ = platform.new_session(engine, user_id, kind="token", hours=hours, actor="t")
    return platform.token_digest(secret)


def test_only_live_sessions_come_back_each_under_its_own_digest(engine: Engine) -> None:
    office, viewer = _user(engine, "o"), _user(engine, "v", "viewer", 361130)
    disabled = _user(engine, "d")
    live_o, live_v = _token(engine, office), _token(engine, viewer)
    revoked, of_disabled = _token(engine, office), _token(engine, disabled)
    expired = _token(engine, viewer, hours=0.001)
    with engine.begin() as conn:
        conn.execute(
            update(PlatformSession)
            .where(PlatformSession.token_sha256 == revoked)
            .values(revoked=True)
        )
    platform.update_user(engine, disabled, actor="t", active=False)
    later = platform.utcnow() + timedelta(minutes=1)  # past the short token's expiry
    unknown = platform.token_digest("never issued")
    found = platform.find_sessions(
        engine, [live_o, live_v, revoked, of_disabled, expired, unknown], now=later
    )
    assert set(found) == {live_o, live_v}
    assert found[live_o].user.username == "o" and found[live_o].token_sha256 == live_o
    assert found[live_v].user.username == "v" and found[live_v].user.region_adcode == 361130
    # the same answer as one look-up per session
    for digest, record in found.items():
        assert platform.find_sessions(engine, [digest], now=later) == {digest: record}


def test_the_same_records_as_the_single_look_up(engine: Engine) -> None:
    user = _user(engine, "v", "viewer", 361130)
    secrets = [
        platform.new_session(engine, user, kind=k, hours=1.0, actor="t")[0]
        for k in ("token", "session")
    ]
    found = platform.find_sessions(engine, [platform.token_digest(s) for s in secrets])
    for secret in secrets:
        assert found[platform.token_digest(secret)] == platform.find_session(engine, secret)


def test_many_digests_are_read_in_chunks(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "SESSIONS_PER_QUERY", 2)
    user = _user(engine, "o")
    digests = [_token(engine, user) for _ in range(5)]
    found = platform.find_sessions(engine, [*digests, digests[0]])  # a repeat is read once
    assert sorted(found) == sorted(digests)
    assert platform.find_sessions(engine, []) == {}
