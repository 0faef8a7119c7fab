"""A synthetic run of the carbon-inclusive registry (碳普惠) from end to end: four
participants, claims under the three shipped methodologies (one refused as a double count
of a CCER project's parcel), review by another user, issuance, a transfer, a redemption and
a retirement. Every identity, asset and quantity is SYNTHETIC, made up for the
demonstration; the pseudonym key is public and must never be used for real participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from ganpo.carbon import inclusive as ci
from ganpo.errors import InputError
from ganpo.store import inclusive as store

#: the demonstration's pseudonym key (public: never for real participants)
DEMO_KEY = b"ganpo-demo-key-SYNTHETIC-never-for-real-participants"
REPORTER, REVIEWER, REGISTRAR = "demo-reporter", "demo-reviewer", "demo-registrar"
VINTAGE = 2024


@dataclass(frozen=True)
class DemoResult:
    """What the demonstration did: participants by role, credits issued, refusal text."""

    participants: dict[str, int]
    submissions: list[int]
    issued: int
    transferred: int
    redeemed: int
    retired: int
    refused: str


def run_demo(engine: Engine) -> DemoResult:
    """Run the synthetic demonstration on an empty registry (a registry that already has
    participants is refused: the demonstration would mix with them)."""
    if store.participants(engine):
        raise InputError(
            en="the registry already has participants: run the demonstration on a new database",
            zh="碳普惠登记簿已有参与者，请在新库中运行示范",
            field="database",
        )
    scope = "activity data and evidence hashes, for carbon-inclusive credits (SYNTHETIC)"

    def register(identity: str, kind: str, region: int) -> int:
        return store.register_participant(
            engine, ci.pseudonym(identity, DEMO_KEY), kind, region, scope
        )

    who = {
        "commuter": register("demo-person-1", "person", 360102),
        "household": register("demo-person-2", "person", 360103),
        "village": register("demo-village-1", "village", 360781),
        "firm": register("demo-firm-1", "firm", 360102),
    }
    store.add_exclusion(
        engine, "demo-parcel-ccer", "ccer", "SYNTHETIC CCER afforestation project (demo)"
    )

    def claim(code: str, pid: int, asset: str, quantity: float) -> int:
        m = ci.methodology(code)
        items = [
            ci.evidence(e.item, f"{asset}-{e.item}.pdf", f"{asset} {e.item} SYNTHETIC".encode())
            for e in m.evidence
        ]
        return ci.submit_claim(
            engine,
            m,
            participant_id=pid,
            asset_id=asset,
            period_start=date(VINTAGE, 1, 1),
            period_end=date(VINTAGE, 12, 31),
            quantity=quantity,
            evidence_items=items,
            submitted_by=REPORTER,
        )

    sids = [
        claim("PT", who["commuter"], "demo-card-0001", 480.0),  # 480 trips
        claim("PV", who["household"], "demo-meter-0002", 3600.0),  # 3 600 kWh
        claim("FM", who["village"], "demo-parcel-0003", 120.0),  # 40 hm² × 3 a
    ]
    try:
        claim("FM", who["village"], "demo-parcel-ccer", 50.0)
        refused = ""
    except InputError as exc:
        refused = str(exc)
    issued = 0
    for sid in sids:
        store.review(engine, sid, REVIEWER, True, "evidence complete (SYNTHETIC review)")
        block = store.issue(engine, sid, REGISTRAR, VINTAGE)
        issued += block.last_serial - block.first_serial + 1
    transferred, redeemed, retired = 20_000, 100, 15_000
    store.transfer(engine, who["village"], who["firm"], transferred, REGISTRAR)
    store.redeem(engine, who["commuter"], redeemed, REGISTRAR, "bus-ticket reward (SYNTHETIC)")
    store.retire(
        engine, who["firm"], REGISTRAR, "offset of the firm's 2024 office electricity "
        "(SYNTHETIC)", quantity=retired
    )  # fmt: skip
    return DemoResult(who, sids, issued, transferred, redeemed, retired, refused)
