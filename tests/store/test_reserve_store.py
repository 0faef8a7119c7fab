"""The rights reserve's store: the holder ledger replays to the current holder at every
step (property-based), a right is never sold twice under concurrent requests (PostgreSQL),
and the replay refuses an inconsistent ledger."""

from __future__ import annotations

import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganpo.apply.reserve import emission_right
from ganpo.errors import GanpoError, InputError
from ganpo.store import reserve as store
from ganpo.store.repository import open_store

DIGEST = "cd" * 32
START = date(2022, 1, 1)
PARTIES = ("甲公司", "乙公司", "丙公司")


def _new(code: str) -> store.NewRight:
    return emission_right(code, "氮氧化物排污权", pollutant="NOx", quantity=137.0,
                          permit="P-1", region_adcode=360402, term_start=START,
                          term_years=5)  # fmt: skip


def _acquire(engine, code: str, on: date = START) -> None:  # type: ignore[no-untyped-def]
    store.acquire(engine, code, new=_new(code), from_holder="原持有人", price_cny=1.0, on=on,
                  evidence_sha256=DIGEST, actor="t")  # fmt: skip


def test_replay_refuses_an_inconsistent_ledger() -> None:
    def row(i: int, kind: str, frm: str | None, to: str | None, day: int) -> store.LedgerRow:
        return store.LedgerRow(i, "E1", kind, frm, to, START + timedelta(days=day), i, "E1",
                               None, None, "t")  # fmt: skip

    ok = [row(1, "acquisition", "甲", None, 0), row(2, "sale", None, "乙", 5)]
    assert store.replay(ok).holder == "乙" and store.replay(ok).status == "sold"
    with pytest.raises(store.LedgerConflictError, match="moves E1 from 甲, but 乙 held it"):
        store.replay([*ok, row(3, "acquisition", "甲", None, 6)])
    with pytest.raises(store.LedgerConflictError, match="before the last change"):
        store.replay([*ok, row(3, "acquisition", "乙", None, 1)])
    with pytest.raises(store.LedgerConflictError, match="first row is its acquisition"):
        store.replay(ok[1:])


_STORE: dict[str, str] = {}


def _shared_store() -> str:
    """One SQLite store for every example of the property test (made once: migrations
    take a second)."""
    if "url" not in _STORE:
        folder = Path(tempfile.mkdtemp(prefix="ganpo-reserve-"))
        _STORE["url"] = f"sqlite:///{folder / 'ganpo.sqlite'}"
    return _STORE["url"]


OPS = st.lists(
    st.tuples(
        st.sampled_from(["sell", "lease", "return", "buyback"]),
        st.integers(0, len(PARTIES) - 1),
        st.integers(-3, 30),  # days after the last change (negative: refused as out of order)
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_the_ledger_replays_to_the_current_holder_at_every_step(
    ops: list[tuple[str, int, int]],
) -> None:
    """Random sales, leases, returns and buy-backs of one right: after each, accepted or
    refused, the replay of its ledger gives the holder and status the right records, and
    a model of the rules gives the same; the periods join end to start."""
    engine = open_store(_shared_store())
    code = f"E{len(store.list_rights(engine)) + 1}"
    _acquire(engine, code)
    holder: str | None = None
    status, last, n_rows = "reserve", START, 1
    for kind, who, days in ops:
        party, on = PARTIES[who], last + timedelta(days=days)
        allowed = (
            on >= last
            and {
                "sell": status == "reserve",
                "lease": status == "reserve",
                "return": status == "leased",
                "buyback": status == "sold" and holder == party,
            }[kind]
        )
        try:
            if kind == "sell":
                store.sell(engine, code, buyer=party, price_cny=10.0, on=on, actor="t")
            elif kind == "lease":
                store.lease(engine, code, lessee=party, price_cny=1.0, start=on,
                            end=on + timedelta(days=90), actor="t")  # fmt: skip
            elif kind == "return":
                store.return_lease(engine, code, on=on, actor="t")
            else:
                store.acquire(engine, code, from_holder=party, price_cny=5.0, on=on,
                              evidence_sha256=DIGEST, actor="t")  # fmt: skip
        except InputError:
            assert not allowed, (kind, status, holder, party)
        else:
            assert allowed, (kind, status, holder, party)
            holder = party if kind in ("sell", "lease") else None
            status = {"sell": "sold", "lease": "leased"}.get(kind, "reserve")
            last, n_rows = on, n_rows + 1
        rows = store.ledger(engine, code)
        got = store.replay(rows)
        right = store.get_right(engine, code)
        assert len(rows) == n_rows
        assert (got.holder, got.status) == (right.holder, right.status) == (holder, status)
        for a, b in zip(got.periods, got.periods[1:], strict=False):
            assert a.end == b.start
        assert got.periods[-1].end is None and got.periods[-1].holder == holder


@pytest.mark.parametrize("second", ["sale", "lease"])
def test_concurrent_deals_on_one_right_on_postgres(postgres_url: str, second: str) -> None:
    """Six connections try to sell (or three to sell and three to lease) the same right at
    once: exactly one succeeds (the row lock serialises them); the others are refused
    because it is already sold or leased, and the ledger has one deal."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    engine = open_store(postgres_url.rsplit("/", 1)[0] + f"/{name}")
    _acquire(engine, "E1")
    kinds = ["sale"] * 6 if second == "sale" else ["sale", "lease"] * 3
    barrier = threading.Barrier(len(kinds))
    results: list[str] = []

    def attempt(i: int, kind: str) -> None:
        barrier.wait()
        try:
            if kind == "sale":
                store.sell(engine, "E1", buyer=f"买方{i}", price_cny=1.0, on=START, actor="t")
            else:
                store.lease(engine, "E1", lessee=f"承租方{i}", price_cny=1.0, start=START,
                            end=START + timedelta(days=30), actor="t")  # fmt: skip
            results.append("ok")
        except GanpoError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(i, k)) for i, k in enumerate(kinds)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    refusals = [r for r in results if r != "ok"]
    assert all(("E1 cannot be sold" in r or "E1 cannot be leased" in r)
               and ("E1 sold (held by 买方" in r or "E1 leased (held by 承租方" in r)
               for r in refusals), refusals  # fmt: skip
    rows = store.ledger(engine, "E1")
    assert [r.kind for r in rows] == ["acquisition", rows[1].kind] and len(rows) == 2
    assert store.replay(rows).holder == store.get_right(engine, "E1").holder
    engine.dispose()
