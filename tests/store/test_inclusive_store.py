"""The carbon-inclusive registry's store: the models match migration 0018, which
downgrades cleanly; the ledger's balances are issuance minus what left at every step
(property-based); on PostgreSQL a credit is retired once only, by its holder, under
concurrent requests."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect

from ganpo.errors import GanpoError, InputError
from ganpo.store import inclusive as store
from ganpo.store import schema
from ganpo.store.inclusive_ledger import Entry, LedgerConflictError, replay
from ganpo.store.repository import open_store
from inclusive_support import claim, issued, person


def test_downgrade_to_0015_drops_the_registry(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    assert "inclusive_ledger" in inspect(engine).get_table_names()
    schema.downgrade(engine, "0015")
    assert not [t for t in inspect(engine).get_table_names() if t.startswith("inclusive_")]
    schema.upgrade(engine)
    assert "inclusive_ledger" in inspect(engine).get_table_names()


def test_replay_refuses_an_inconsistent_ledger() -> None:
    ok = [Entry("issuance", 1, 10, None, 1), Entry("retirement", 3, 4, 1, None)]
    assert replay(ok).balance(1) == 8
    with pytest.raises(LedgerConflictError, match="not all held by participant 1"):
        replay([*ok, Entry("retirement", 4, 5, 1, None)])  # 4 is retired already
    with pytest.raises(LedgerConflictError, match="issued before"):
        replay([*ok, Entry("issuance", 10, 12, None, 2)])


# one operation: (kind, participant, other participant, quantity)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["issue", "transfer", "retire", "redeem"]),
        st.integers(0, 2),
        st.integers(0, 2),
        st.integers(1, 400),
    ),
    min_size=1,
    max_size=12,
)


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> object:
    return open_store(f"sqlite:///{tmp_path_factory.mktemp('prop') / 's.sqlite'}")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_balances_equal_issued_plus_received_minus_sent_and_retired(
    shared_engine: object, ops: list[tuple[str, int, int, int]]
) -> None:
    """After every step, each holder's replayed balance equals what a plain counter says
    (issued + received − sent − retired − redeemed), never negative; an over-transfer is
    refused and changes nothing; the totals conserve."""
    engine = shared_engine
    assert not isinstance(engine, str)
    tag = f"{id(ops)}-{len(store.participants(engine))}"  # fresh participants per example
    people = [person(engine, f"{tag}-{i}") for i in range(3)]  # type: ignore[arg-type]
    expected = dict.fromkeys(people, 0)
    issued_total = gone_total = 0
    for n, (kind, i, j, q) in enumerate(ops):
        p, other = people[i], people[j]
        try:
            if kind == "issue":
                got = issued(engine, p, float(q), asset=f"{tag}-m{n}")  # type: ignore[arg-type]
                expected[p] += got
                issued_total += got
            elif kind == "transfer":
                store.transfer(engine, p, other, q, "u")  # type: ignore[arg-type]
                expected[p] -= q
                expected[other] += q
            elif kind == "retire":
                store.retire(engine, p, "u", "offset", quantity=q)  # type: ignore[arg-type]
                expected[p] -= q
                gone_total += q
            else:
                store.redeem(engine, p, q, "u", "reward")  # type: ignore[arg-type]
                expected[p] -= q
                gone_total += q
        except InputError as exc:
            msg = str(exc)
            # refused only for a reason the counter agrees with
            if kind == "transfer" and p == other:
                assert "to itself" in msg
            elif kind == "issue":
                assert "less than one credit" in msg and int(q * 0.5366) == 0
            else:
                assert f"holds {expected[p]} credits" in msg and q > expected[p]
        for who in people:
            got_balance = store.balance(engine, who)  # type: ignore[arg-type]
            assert got_balance == expected[who] >= 0
        assert sum(expected.values()) == issued_total - gone_total
        # and the ledger itself: what these participants were issued, less what left
        mine = [r for r in store.ledger(engine)  # type: ignore[arg-type]
                if (r.to_participant in expected or r.from_participant in expected)]  # fmt: skip
        issued_l = sum(r.quantity for r in mine if r.kind == "issuance")
        gone_l = sum(r.quantity for r in mine if r.kind in ("retirement", "redemption"))
        assert issued_l - gone_l == sum(expected.values())
    whole = store.holdings(engine)  # type: ignore[arg-type]
    assert [whole.balance(w) for w in people] == [expected[w] for w in people]


@pytest.mark.parametrize("holders", ["one holder", "holder and others"])
def test_concurrent_retirements_of_the_same_serials_on_postgres(
    postgres_url: str, holders: str
) -> None:
    """Six connections try to retire serials 1–50 at once: exactly one succeeds (the row
    lock on the holder serialises them); the others are refused with a clear message."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    engine = open_store(postgres_url.rsplit("/", 1)[0] + f"/{name}")
    owner, other = person(engine, "owner"), person(engine, "other")
    issued(engine, owner, 1000.0)  # 536 credits
    store.transfer(engine, owner, other, 100, "u")  # other holds 1..100 now
    who = [other] * 6 if holders == "one holder" else [other, owner, other, owner, other, owner]
    barrier = threading.Barrier(len(who))
    results: list[str] = []

    def attempt(pid: int) -> None:
        barrier.wait()
        try:
            store.retire(engine, pid, "u", "offset", serials=(1, 50))
            results.append("ok")
        except GanpoError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(p,)) for p in who]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    refusals = [r for r in results if r != "ok"]
    assert all("already retired" in r or "holds 0 of the 50" in r for r in refusals), refusals
    assert store.balance(engine, other) == 50
    assert sum(r.quantity for r in store.ledger(engine) if r.kind == "retirement") == 50
    engine.dispose()


def test_concurrent_transfers_never_spend_more_than_held_on_postgres(postgres_url: str) -> None:
    """Six connections each try to transfer 300 of the owner's 536 credits at once: one
    succeeds, the others are refused naming what the owner holds (236)."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    engine = open_store(postgres_url.rsplit("/", 1)[0] + f"/{name}")
    owner = person(engine, "owner")
    takers = [person(engine, f"taker-{i}") for i in range(6)]
    issued(engine, owner, 1000.0)  # 536 credits
    barrier = threading.Barrier(len(takers))
    results: list[str] = []

    def attempt(pid: int) -> None:
        barrier.wait()
        try:
            store.transfer(engine, owner, pid, 300, "u")
            results.append("ok")
        except GanpoError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(p,)) for p in takers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert all(f"participant {owner} holds 236 credits and cannot transfer 300" in r
               for r in results if r != "ok")  # fmt: skip
    assert store.balance(engine, owner) == 236
    assert sum(store.balance(engine, p) for p in takers) == 300
    engine.dispose()


def test_concurrent_issuances_take_disjoint_serials_on_postgres(postgres_url: str) -> None:
    """Four approved claims issued at once from four connections: all succeed, and their
    serials are consecutive and disjoint (the advisory lock serialises them)."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    engine = open_store(postgres_url.rsplit("/", 1)[0] + f"/{name}")
    owner = person(engine, "owner")
    sids = [claim(engine, owner, asset=f"meter-{i}", quantity=100.0) for i in range(4)]
    for sid in sids:
        store.review(engine, sid, "reviewer", True, "ok")
    barrier = threading.Barrier(len(sids))
    blocks: list[tuple[int, int]] = []

    def attempt(sid: int) -> None:
        barrier.wait()
        b = store.issue(engine, sid, "registrar")
        blocks.append((b.first_serial, b.last_serial))

    threads = [threading.Thread(target=attempt, args=(s,)) for s in sids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 100 kWh × 0.5366 = 53.66 → 53 credits each: 1–53, 54–106, 107–159, 160–212
    assert sorted(blocks) == [(1, 53), (54, 106), (107, 159), (160, 212)]
    assert store.balance(engine, owner) == 212
    engine.dispose()
