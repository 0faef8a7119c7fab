"""A tiny carbon-inclusive registry for the tests: two people and a village, claims under
the shipped methodologies with their evidence."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from ganpo.carbon import inclusive as ci
from ganpo.store import inclusive as store

KEY = b"test-key-of-the-registry-0123456789"


def person(engine: Engine, identity: str, kind: str = "person", region: int = 360102) -> int:
    return store.register_participant(
        engine, ci.pseudonym(identity, KEY), kind, region, "trips and meter readings, for credits"
    )


def all_evidence(m: ci.Methodology) -> list[store.Evidence]:
    return [ci.evidence(e.item, f"{e.item}.pdf", e.item.encode()) for e in m.evidence]


def claim(
    engine: Engine,
    pid: int,
    code: str = "PV",
    asset: str = "meter-1",
    start: date = date(2024, 1, 1),
    end: date = date(2024, 12, 31),
    quantity: float = 1000.0,
    m: ci.Methodology | None = None,
) -> int:
    m = m or ci.methodology(code)
    return ci.submit_claim(
        engine,
        m,
        participant_id=pid,
        asset_id=asset,
        period_start=start,
        period_end=end,
        quantity=quantity,
        evidence_items=all_evidence(m),
        submitted_by="reporter",
    )


def issued(engine: Engine, pid: int, quantity: float = 1000.0, asset: str = "meter-1") -> int:
    """Claim, approve and issue: the number of credits issued."""
    sid = claim(engine, pid, quantity=quantity, asset=asset)
    store.review(engine, sid, "reviewer", True, "settlement matches the meter")
    block = store.issue(engine, sid, "registrar", 2024)
    return block.last_serial - block.first_serial + 1
