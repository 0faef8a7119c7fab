"""Entity ratings end to end: records through the departments' forms (upload, review,
approval), imported as evidence, graded, appealed and corrected (a new grade version, the
old kept, all audited), the rule's version kept with the grade, and the bank report."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ganpo.apply.rating import load_rating_rule
from ganpo.apply.rating_records import decide_and_regrade, grade_and_store, import_approved
from ganpo.apply.rating_report import grade_digest, write_report
from ganpo.errors import InputError, StoreError
from ganpo.store import rating as store
from ganpo.store.platform_models import PlatformAudit
from ganpo.store.repository import open_store
from ganpo.submissions import workflow as wf
from ganpo.submissions.forms import rating_forms
from ganpo.submissions.validate import UploadError

YEAR = 2025
AS_OF = date(2025, 12, 31)
FIRM = "91360100MA35F0001F"
COOP = "93360702MA37G00025"
VILLAGE = "360702101201"
HEADER = "entity_id,entity_kind,entity_name,indicator,date,amount,evidence,note"


@dataclass
class Actor:
    username: str
    role: str
    department: str | None = None


ECOLOGY = Actor("eco", "reporter", "ecology")
FORESTRY = Actor("forest", "reporter", "forestry")
REVIEWER = Actor("reviewer", "reviewer")


@dataclass
class Platform:
    engine: Engine
    base: Path
    work: Path

    def report(self, actor: Actor, key: str, *rows: str) -> int:
        """Upload, submit and approve a record form; return the submission id."""
        data = "\n".join([HEADER, *rows]).encode("utf-8")
        up = wf.upload(
            self.engine,
            actor,
            form_key=key,
            year=YEAR,
            data=data,
            filename="r.csv",
            base_dir=self.base,
            work_dir=self.work,
        )
        wf.submit(self.engine, actor, up.submission.id)
        wf.approve(self.engine, REVIEWER, up.submission.id, "checked against the documents")
        return up.submission.id


@pytest.fixture
def plat(tiny: Callable[..., Path], tmp_path: Path) -> Iterator[Platform]:
    engine = open_store(tmp_path / "ganpo.sqlite")
    yield Platform(engine, tiny().parent, tmp_path / "work")
    engine.dispose()


def _two_departments(p: Platform) -> None:
    p.report(
        ECOLOGY,
        "rating_ecology",
        f"{FIRM},firm,示例化工有限公司（合成）,env_penalty,2025-03-02,12,赣环罚〔2025〕7号,",
        f"{COOP},cooperative,示例茶叶合作社（合成）,compensation_met,2025-05-01,,补偿协议 2025-01 回执,",
    )
    p.report(
        FORESTRY,
        "rating_forestry",
        f"{FIRM},firm,示例化工有限公司（合成）,restoration,2025-10-10,25,林验〔2025〕3号,",
    )


def test_rating_forms_one_per_reporting_department() -> None:
    forms = {f.key: f for f in rating_forms(YEAR)}
    assert set(forms) == {"rating_ecology", "rating_forestry", "rating_agriculture"}
    assert forms["rating_ecology"].indicators == (
        "env_penalty",
        "env_crime",
        "compensation_unmet",
        "compensation_met",
        "inclusive_credits",
    )
    assert forms["rating_forestry"].key_column == "entity_id"


def test_upload_lists_every_bad_record(plat: Platform) -> None:
    rows = [
        HEADER,
        # wrong check digit (F is right)
        "91360100MA35F0001G,firm,甲,env_penalty,2025-03-02,12,赣环罚〔2025〕7号,",
        # an indicator the rule does not have
        f"{FIRM},firm,甲,air_quality,2025-03-02,,文书 1,",
        # no evidence reference
        f"{FIRM},firm,甲,compensation_met,2025-03-02,,,",
        # another department's indicator, a date of another year
        f"{FIRM},firm,甲,restoration,2024-03-02,5,林验 1,",
        # a tiered indicator without its amount
        f"{VILLAGE},village,乙村,env_penalty,2025-03-02,,赣环罚〔2025〕8号,",
    ]
    with pytest.raises(UploadError) as caught:
        wf.upload(
            plat.engine,
            ECOLOGY,
            form_key="rating_ecology",
            year=YEAR,
            data="\n".join(rows).encode("utf-8"),
            filename="r.csv",
            base_dir=plat.base,
            work_dir=plat.work,
        )
    got = [(p.row, p.column, p.reason_en) for p in caught.value.problems]
    assert got == [
        (
            2,
            "entity_id",
            "check digit G is wrong (GB 32100-2015 gives F); check the code "
            "against the business licence / 校验码错误（应为 F），请核对营业执照",
        ),
        (
            3,
            "indicator",
            "not an indicator of rule ganpo-entity 2026.1; give one of env_penalty, "
            "env_crime, compensation_unmet, compensation_met, inclusive_credits",
        ),
        (4, "evidence", "empty cell; the column is required"),
        (
            5,
            "indicator",
            "ecological restoration and protection contribution is reported by "
            "department forestry, not on this form",
        ),
        (5, "date", "the form is for 2025; give records of that year"),
        (
            6,
            "amount",
            "environmental administrative penalty is scored by its amount; give it in 万元",
        ),
    ]
    folder = plat.work / "reporting" / str(YEAR)
    assert not folder.exists() or not list(folder.iterdir())  # nothing stored


def test_import_grade_appeal_and_report(plat: Platform, tmp_path: Path) -> None:
    _two_departments(plat)
    rule = load_rating_rule()
    done = import_approved(plat.engine, YEAR, plat.work, "office", synthetic=True)
    assert (done.added, done.already, sorted(done.used)) == (
        3,
        0,
        ["rating_ecology", "rating_forestry"],
    )
    again = import_approved(plat.engine, YEAR, plat.work, "office", synthetic=True)
    assert (again.added, again.already) == (0, 3)

    # firm: 80 − 15 (fine 12 万元: tier ≥ 10) + 4 (restoration 25 hm²: tier ≥ 10) = 69
    g1 = grade_and_store(plat.engine, rule, FIRM, AS_OF, "office")
    assert (g1["version"], g1["score"], g1["grade"]) == (1, 69.0, "yellow")
    assert [x["points"] for x in g1["explanation"]] == [80.0, -15.0, 4.0]
    assert sum(x["points"] for x in g1["explanation"]) == g1["score"]
    assert {e["evidence_ref"] for e in g1["evidence"]} == {"赣环罚〔2025〕7号", "林验〔2025〕3号"}
    assert all("审核通过" in e["source"] for e in g1["evidence"])
    # co-operative: 80 + 3 = 83, blue
    assert grade_and_store(plat.engine, rule, COOP, AS_OF, "office")["grade"] == "blue"

    # an appeal on a record that does not exist
    with pytest.raises(InputError, match="no rating record #999 to appeal"):
        store.file_appeal(plat.engine, 999, "not ours", "firm")
    # the firm appeals the penalty: the fine was 8 万元, not 12 (the decision was amended)
    penalty = next(
        r for r in store.records_of(plat.engine, FIRM) if r["indicator"] == "env_penalty"
    )
    appeal = store.file_appeal(plat.engine, penalty["id"], "罚款经复议变更为 8 万元", "firm")
    decided, g2 = decide_and_regrade(
        plat.engine,
        rule,
        appeal,
        upheld=True,
        decision="复议决定书核实",
        actor="office",
        as_of=AS_OF,
        corrected_amount=8.0,
        corrected_evidence="赣环复〔2025〕2号",
    )
    assert decided["status"] == "upheld" and g2 is not None
    # 80 − 10 (fine < 10 万元) + 4 = 74, still yellow; a new version, the old one kept
    assert (g2["version"], g2["score"]) == (2, 74.0)
    assert [g["score"] for g in store.grades_of(plat.engine, FIRM)] == [69.0, 74.0]
    old = store.record(plat.engine, penalty["id"])
    assert old["status"] == "corrected"
    assert {e["evidence_ref"] for e in g2["evidence"]} == {"赣环复〔2025〕2号", "林验〔2025〕3号"}
    with Session(plat.engine) as s:
        actions = s.scalars(
            select(PlatformAudit.action).where(PlatformAudit.action.like("rating.%"))
        ).all()
    assert actions.count("rating.grade") == 3
    assert {"rating.appeal", "rating.appeal.decide", "rating.record.corrected"} <= set(actions)
    with pytest.raises(InputError, match="decided already"):
        store.decide_appeal(plat.engine, appeal, upheld=False, decision="x", actor="office")

    # a rule changed under the same version after grades were issued is refused
    changed = rule.model_copy(update={"base_score": 70.0})
    with pytest.raises(StoreError, match="was changed after grades were issued"):
        grade_and_store(plat.engine, changed, FIRM, AS_OF, "office")
    newer = rule.model_copy(update={"base_score": 70.0, "version": "2027.1"})
    g3 = grade_and_store(plat.engine, newer, FIRM, AS_OF, "office")
    assert (g3["rule_version"], g3["score"]) == ("2027.1", 64.0)
    assert [g["rule_version"] for g in store.grades_of(plat.engine, FIRM)] == [
        "2026.1",
        "2026.1",
        "2027.1",
    ]

    # the bank report
    pdf, js = write_report(
        g2, store.grades_of(plat.engine, FIRM), store.appeals_of(plat.engine, FIRM), tmp_path
    )
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for want in (
        "示例化工有限公司",
        FIRM,
        "环保警示",
        "74.0",
        "赣环复〔2025〕2号",
        "林验〔2025〕3号",
        "2026.1",
        grade_digest(g2)[:32],
        "SYNTHETIC",
        "生态环境厅",
    ):
        assert want in text.replace("\n", ""), want
    assert "env_penalty" not in text  # no code keys in a report for people
    assert js.exists()


def test_entity_without_records_in_the_window_is_stored_not_rated(plat: Platform) -> None:
    plat.report(
        ECOLOGY,
        "rating_ecology",
        f"{FIRM},firm,示例化工有限公司（合成）,compensation_met,2025-01-05,,回执 1,",
    )
    import_approved(plat.engine, YEAR, plat.work, "office")
    g = grade_and_store(plat.engine, load_rating_rule(), FIRM, date(2029, 1, 6), "office")
    assert (g["grade"], g["score"], g["explanation"]) == ("not_rated", None, [])
    assert g["reason"].startswith("not rated: only records older than 3 years (1)")
    with pytest.raises(InputError, match="no record of entity 360702101201 is stored"):
        grade_and_store(plat.engine, load_rating_rule(), VILLAGE, AS_OF, "office")


def test_pending_forms_are_listed_not_imported(plat: Platform) -> None:
    data = "\n".join([HEADER, f"{FIRM},firm,甲,compensation_met,2025-01-05,,回执 1,"])
    wf.upload(
        plat.engine,
        ECOLOGY,
        form_key="rating_ecology",
        year=YEAR,
        data=data.encode(),
        filename="r.csv",
        base_dir=plat.base,
        work_dir=plat.work,
    )
    done = import_approved(plat.engine, YEAR, plat.work, "office")
    assert (done.added, done.pending) == (0, {"rating_ecology": "草稿 draft"})
    assert store.records_of(plat.engine, FIRM) == []


def test_inclusive_credits_linked_by_the_registry_pseudonym(tmp_path: Path) -> None:
    from ganpo.apply.rating_records import link_inclusive
    from ganpo.carbon import inclusive as ci
    from ganpo.store import inclusive as registry

    engine = open_store(tmp_path / "g.sqlite")
    key = b"test-key-only-for-this-test-0123"
    pid = registry.register_participant(
        engine, ci.pseudonym(VILLAGE, key), "village", 360781, "test scope"
    )
    m = ci.methodology("FM")
    sid = ci.submit_claim(
        engine,
        m,
        participant_id=pid,
        asset_id="parcel-1",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        quantity=120.0,
        submitted_by="reporter",
        evidence_items=[ci.evidence(e.item, f"{e.item}.pdf", b"x") for e in m.evidence],
    )
    registry.review(engine, sid, "reviewer", True, "complete")
    block = registry.issue(engine, sid, "registrar", 2024)
    kg = block.last_serial - block.first_serial + 1
    rule = load_rating_rule()
    assert link_inclusive(engine, rule, VILLAGE, "village", "乙村", key, "office") == 1
    assert link_inclusive(engine, rule, VILLAGE, "village", "乙村", key, "office") == 0
    (rec,) = store.records_of(engine, VILLAGE)
    assert (rec["indicator"], rec["amount"], rec["origin"]) == (
        "inclusive_credits",
        kg / 1000.0,
        "inclusive",
    )
    assert rec["evidence_ref"].endswith(f"inclusive ledger entry #{1}")
    # another key finds nobody: nothing linked
    assert link_inclusive(engine, rule, VILLAGE, "village", "乙村", b"x" * 32, "office") == 0
    # 120 claimed under the forest-management methodology → 120 000 credits of 1 kg =
    # 120 t CO2e: the tier ≥ 100 t gives +4 → 80 + 4 = 84, blue
    assert kg == 120_000
    g = grade_and_store(engine, rule, VILLAGE, date.today(), "office")
    assert (g["score"], g["grade"]) == (84.0, "blue")


def test_record_form_template_lists_its_indicators(plat: Platform) -> None:
    import io

    from openpyxl import load_workbook

    from ganpo.submissions.template import NOTES_SHEET, template_csv, template_xlsx

    f = next(f for f in rating_forms(YEAR) if f.key == "rating_forestry")
    region = wf.region_of(plat.base, YEAR)
    assert template_csv(f, region).decode("utf-8-sig").strip() == (
        "entity_id,entity_kind,entity_name,indicator,date,amount,evidence,note"
    )
    wb = load_workbook(io.BytesIO(template_xlsx(f, region)))
    notes = [r[0] for r in wb[NOTES_SHEET].iter_rows(values_only=True) if r and r[0]]
    assert "评价指标 indicators: restoration" in notes
