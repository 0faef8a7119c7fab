"""The carbon-inclusive registry (碳普惠) end to end on SQLite and PostgreSQL: methodologies
as data, pseudonymous participants, claims refused without their evidence or when counted
twice, review by another user, issuance in serial-numbered blocks, transfer, retirement
and redemption, a methodology version changed after issuance refused (credits keep theirs),
and a ledger that is never updated or deleted."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from ganpo.carbon import inclusive as ci
from ganpo.errors import InputError, UnknownNameError
from ganpo.store import inclusive as store
from ganpo.store.repository import open_store
from inclusive_support import KEY, all_evidence, claim, issued, person


def test_the_shipped_methodologies_state_factor_source_and_evidence() -> None:
    found = ci.load_methodologies()
    assert set(found) == {("PT", 1), ("PV", 1), ("FM", 1)}
    for m in found.values():
        assert m.reduction_factor.source and m.evidence and m.crediting_period_years >= 1
    # the forest factor is not from a publication and says so
    assert found[("FM", 1)].reduction_factor.status == "synthetic"
    assert found[("PV", 1)].reduction_factor.value == 0.5366  # MEE/NBS 2022 national average
    # 3 000 trips × 0.5155 kg = 1 546.5 kg → 1 546 credits (the half kilogram is not issued)
    assert found[("PT", 1)].reduction_kg(3000) == 1546
    with pytest.raises(UnknownNameError, match=r"unknown carbon-inclusive methodology 'XX'.*FM"):
        ci.methodology("XX")


def test_serial_format_names_methodology_version_year_region() -> None:
    assert ci.serial("FM", 2, 2025, 360781, 42) == "CI-FM-V2-2025-360781-000000000042"


def test_pseudonym_is_keyed_and_no_identity_is_stored(store_url: str) -> None:
    engine = open_store(store_url)
    p1 = ci.pseudonym("360102199001011234", KEY)
    assert p1 != ci.pseudonym("360102199001011234", b"another-key-of-16-bytes")
    assert re.fullmatch(r"[0-9a-f]{64}", p1)
    with pytest.raises(InputError, match="never by a name or an ID number"):
        store.register_participant(engine, "张三", "person", 360102, "trips")
    pid = person(engine, "360102199001011234")
    with engine.connect() as conn:
        dump = " ".join(
            str(v)
            for t in ("inclusive_participants",)
            for row in conn.execute(text(f"SELECT * FROM {t}"))
            for v in row
        )
    assert "360102199001011234" not in dump and p1 in dump
    assert store.participant(engine, pid).kind == "person"


def test_a_claim_without_its_evidence_is_refused(store_url: str) -> None:
    engine = open_store(store_url)
    pid = person(engine, "a")
    m = ci.methodology("PV")
    with pytest.raises(InputError, match=r"lacks its evidence: the grid company's settlement") as e:
        ci.submit_claim(
            engine,
            m,
            participant_id=pid,
            asset_id="meter-1",
            period_start=date(2024, 1, 1),
            period_end=date(2024, 12, 31),
            quantity=100.0,
            evidence_items=[ci.evidence("grid_connection", "accept.pdf", b"ok")],
            submitted_by="reporter",
        )
    assert "上网电量结算单" in str(e.value) and e.value.values == ["meter_readings"]
    assert store.submissions(engine) == []


def test_double_counting_is_refused(store_url: str) -> None:
    engine = open_store(store_url)
    a, village = person(engine, "a"), person(engine, "v", kind="village")
    claim(engine, a, code="PV", asset="roof-7")
    # the same roof under the same period, by anyone, under any methodology
    with pytest.raises(InputError, match=r"asset roof-7 is already claimed .* PV v1 .*overlaps"):
        claim(engine, village, code="PV", asset="roof-7", start=date(2024, 6, 1),
              end=date(2025, 5, 31))  # fmt: skip
    # a parcel in a CCER project, or counted in an inventory's sink
    store.add_exclusion(engine, "parcel-9", "ccer", "CCER project 0012 (afforestation)")
    with pytest.raises(
        InputError, match=r"parcel-9 is in a registered CCER project \(CCER project 0012"
    ):
        claim(engine, village, code="FM", asset="parcel-9", quantity=3.0)
    store.add_exclusion(engine, "parcel-10", "inventory", "Jiangxi 2024 inventory, forest sink",
                        date(2024, 1, 1), date(2024, 12, 31))  # fmt: skip
    with pytest.raises(InputError, match="已计入温室气体清单碳汇"):
        claim(engine, village, code="FM", asset="parcel-10", quantity=3.0)
    # the next year is not excluded; the roof's next year is not a double count
    claim(engine, village, code="FM", asset="parcel-10", quantity=3.0, start=date(2025, 1, 1),
          end=date(2025, 12, 31))  # fmt: skip
    claim(engine, a, code="PV", asset="roof-7", start=date(2025, 1, 1), end=date(2025, 12, 31))


def test_review_by_another_user_then_issuance_in_serials(store_url: str) -> None:
    engine = open_store(store_url)
    a = person(engine, "a")
    sid = claim(engine, a, quantity=1000.0)
    with pytest.raises(InputError, match=r"reporter submitted .* cannot review it"):
        store.review(engine, sid, "reporter", True, "fine")
    with pytest.raises(InputError, match="only an approved submission"):
        store.issue(engine, sid, "registrar", 2024)
    store.review(engine, sid, "reviewer", True, "settlement matches")
    block = store.issue(engine, sid, "registrar", 2024)
    # 1000 kWh × 0.5366 kg/kWh = 536.6 kg → serials 1..536
    assert (block.first_serial, block.last_serial, block.region_adcode) == (1, 536, 360102)
    with pytest.raises(InputError, match="only an approved"):
        store.issue(engine, sid, "registrar", 2024)  # issued once
    sid2 = claim(engine, a, asset="meter-2", quantity=10.0)
    store.review(engine, sid2, "reviewer", False, "meter not sealed")
    assert store.submissions(engine, "rejected")[0].review_reason == "meter not sealed"
    sid3 = claim(engine, a, asset="meter-2", quantity=10.0)  # a rejected claim may be redone
    store.review(engine, sid3, "reviewer", True, "sealed now")
    assert (store.issue(engine, sid3, "registrar", 2024).first_serial) == 537
    assert store.balance(engine, a) == 536 + 5
    assert [e.item for e in store.evidence_of(engine, sid)] == ["grid_connection", "meter_readings"]


def test_transfer_retire_redeem_and_their_refusals(store_url: str) -> None:
    engine = open_store(store_url)
    a, b = person(engine, "a"), person(engine, "b", kind="firm")
    issued(engine, a, 1000.0)  # 536 credits, serials 1..536
    with pytest.raises(
        InputError, match=rf"participant {a} holds 536 credits and cannot transfer 600"
    ):
        store.transfer(engine, a, b, 600, "registrar")
    store.transfer(engine, a, b, 100, "registrar")  # serials 1..100
    assert (store.balance(engine, a), store.balance(engine, b)) == (436, 100)
    with pytest.raises(InputError, match=rf"participant {a} holds 0 of the 10 credits 1–10"):
        store.retire(engine, a, "registrar", "offset", serials=(1, 10))
    store.retire(engine, b, "registrar", "offset of a 2024 event", serials=(1, 10))
    with pytest.raises(InputError, match=r"serials 1–10 were already retired on"):
        store.retire(engine, b, "registrar", "again", serials=(5, 6))
    store.redeem(engine, a, 36, "registrar", "bus pass discount")
    assert (store.balance(engine, a), store.balance(engine, b)) == (400, 90)
    kinds = [(r.kind, r.first_serial, r.last_serial) for r in store.ledger(engine)]
    assert kinds == [
        ("issuance", 1, 536), ("transfer", 1, 100), ("retirement", 1, 10),
        ("redemption", 101, 136),
    ]  # fmt: skip
    held = store.holdings(engine)
    assert held.balance(a) == 400 and held.balance(b) == 90


def test_withdrawn_consent_stops_new_claims_but_keeps_credits(store_url: str) -> None:
    engine = open_store(store_url)
    a = person(engine, "a")
    issued(engine, a, 100.0)
    store.withdraw_consent(engine, a)
    with pytest.raises(InputError, match="withdrew its consent"):
        claim(engine, a, asset="meter-2")
    assert store.balance(engine, a) == 53


def test_a_methodology_changed_after_issuance_is_refused_and_credits_keep_their_version(
    store_url: str, tmp_path: Path
) -> None:
    engine = open_store(store_url)
    a = person(engine, "a")
    issued(engine, a, 1000.0)
    v1 = ci.methodology("PV", 1)
    changed = v1.model_copy(update={"baseline_en": "another baseline"})
    with pytest.raises(InputError, match=r"PV version 1 differs .*536 credits issued .*version 2"):
        claim(engine, a, asset="meter-2", m=changed)
    # published as version 2 with a new factor: old credits keep v1, new ones are v2
    v2 = v1.model_copy(update={"version": 2, "reduction_factor": v1.reduction_factor.model_copy(
        update={"value": 0.5306, "year": 2023})})  # fmt: skip
    sid = claim(engine, a, asset="meter-2", m=v2)
    store.review(engine, sid, "reviewer", True, "ok")
    store.issue(engine, sid, "registrar", 2024)
    rows = store.ledger(engine)
    assert [(r.methodology, r.version, r.quantity) for r in rows] == [
        ("PV", 1, 536),
        ("PV", 2, 530),
    ]  # fmt: skip  1000 × 0.5306 = 530.6


def test_the_ledger_is_append_only(store_url: str) -> None:
    engine = open_store(store_url)
    a, b = person(engine, "a"), person(engine, "b")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))  # fmt: skip
    issued(engine, a, 1000.0)
    store.transfer(engine, a, b, 10, "registrar")
    store.retire(engine, b, "registrar", "offset", quantity=5)
    store.redeem(engine, a, 5, "registrar", "reward")
    touching = [s for s in statements if "inclusive_ledger" in s]
    assert touching and all(s.lstrip().upper().startswith(("SELECT", "INSERT")) for s in touching)
    # and the database itself refuses a change of the ledger
    for sql in ("UPDATE inclusive_ledger SET quantity = 0", "DELETE FROM inclusive_ledger"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    assert len(store.ledger(engine)) == 4
    # every ledger change has its audit row
    with engine.connect() as conn:
        audited = conn.execute(
            text("SELECT action, entity_id FROM platform_audit WHERE entity = 'inclusive_ledger'")
        ).all()
    assert sorted(a for a, _ in audited) == sorted(
        f"inclusive.{r.kind}" for r in store.ledger(engine)
    )
    assert {int(i) for _, i in audited} == {r.id for r in store.ledger(engine)}


def test_evidence_hash_is_checked(store_url: str) -> None:
    engine = open_store(store_url)
    a = person(engine, "a")
    m = ci.methodology("PV")
    bad = [*all_evidence(m)[:1], store.Evidence("meter_readings", "m.pdf", "not-a-hash")]
    with pytest.raises(InputError, match=r"m\.pdf.*is not a SHA-256"):
        ci.submit_claim(engine, m, participant_id=a, asset_id="x", period_start=date(2024, 1, 1),
                        period_end=date(2024, 2, 1), quantity=1.0, evidence_items=bad,
                        submitted_by="r")  # fmt: skip


def test_crediting_period_and_participant_kinds(store_url: str) -> None:
    engine = open_store(store_url)
    village, firm = person(engine, "v", kind="village"), person(engine, "f", kind="firm")
    with pytest.raises(InputError, match="FM v1 is open to person, village, not to a firm"):
        claim(engine, firm, code="FM", asset="parcel-1", quantity=1.0)
    with pytest.raises(InputError, match="at most one year"):
        claim(engine, village, code="FM", asset="parcel-1", end=date(2025, 6, 30))
    with pytest.raises(InputError, match="effective from 2024-01-01"):
        claim(engine, village, code="FM", asset="parcel-1", start=date(2023, 1, 1),
              end=date(2023, 12, 31))  # fmt: skip
    # the public-transport methodology credits a card for one year from its first claim
    claim(engine, village, code="PV", asset="roof-1", quantity=10.0)
    person_id = person(engine, "p")
    claim(engine, person_id, code="PT", asset="card-1", start=date(2024, 3, 1),
          end=date(2024, 8, 31), quantity=10.0)  # fmt: skip
    with pytest.raises(
        InputError, match=r"first claimed from 2024-03-01 .* ends before 2025-03-01"
    ):
        claim(engine, person_id, code="PT", asset="card-1", start=date(2024, 9, 1),
              end=date(2025, 3, 31), quantity=10.0)  # fmt: skip
    claim(engine, person_id, code="PT", asset="card-1", start=date(2024, 9, 1),
          end=date(2025, 2, 28), quantity=10.0)  # fmt: skip
