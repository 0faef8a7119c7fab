"""A demonstration of the entity rating on SYNTHETIC entities: the departments' record
forms filled, uploaded, reviewed and approved through the reporting workflow, imported as
evidence, graded, one record appealed and corrected (a new grade version), and the bank
reports written. Every entity, code and document number here is invented and marked
合成 / SYNTHETIC; the 统一社会信用代码 carry valid check digits only so that the checks pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ganpo.apply.rating import load_rating_rule
from ganpo.apply.rating_records import decide_and_regrade, grade_and_store, import_approved
from ganpo.apply.rating_report import write_report
from ganpo.store import rating as store
from ganpo.store import reporting as reporting
from ganpo.submissions import workflow as wf

YEAR = 2025
OLD_YEAR = 2021
AS_OF = date(2025, 12, 31)
HEADER = "entity_id,entity_kind,entity_name,indicator,date,amount,evidence,note"
FIRM = "91360100MA35F0001F"
COOP = "93360702MA37G00025"
VILLAGE = "361130101201"
HOUSEHOLD = "361130101201-0031"
#: the SYNTHETIC entities: kind and name
ENTITIES: dict[str, tuple[str, str]] = {
    FIRM: ("firm", "示例精细化工有限公司（合成）"),
    COOP: ("cooperative", "示例茶叶专业合作社（合成）"),
    VILLAGE: ("village", "示例村（合成）"),
    HOUSEHOLD: ("household", "示例农户 31 号（合成）"),
}
#: the records each department reports (SYNTHETIC), by form and year: entity, indicator,
#: date, amount, evidence
RECORDS: dict[tuple[str, int], list[tuple[str, str, str, str, str]]] = {
    ("rating_ecology", YEAR): [
        (FIRM, "env_penalty", "2025-03-12", "12", "示例环罚〔2025〕7号（合成）"),
        (FIRM, "compensation_met", "2025-08-20", "", "示例赔偿协议履行回执 2025-03（合成）"),
        (COOP, "compensation_met", "2025-06-30", "", "示例补偿协议履行回执 2025-01（合成）"),
        (VILLAGE, "inclusive_credits", "2025-09-01", "1250", "示例碳普惠签发 2025-0117（合成）"),
    ],
    ("rating_forestry", YEAR): [
        (FIRM, "restoration", "2025-10-10", "25", "示例林验〔2025〕3号（合成）"),
        (VILLAGE, "restoration", "2025-11-05", "320", "示例林验〔2025〕9号（合成）"),
    ],
    ("rating_agriculture", YEAR): [
        (COOP, "green_certification", "2025-04-18", "", "示例绿色食品证书 LB-0001（合成）"),
        (COOP, "green_certification", "2025-09-02", "", "示例有机产品证书 OP-0002（合成）"),
    ],
    ("rating_agriculture", OLD_YEAR): [
        (HOUSEHOLD, "green_certification", "2021-05-06", "", "示例绿色食品证书 LB-0003（合成）"),
    ],
}


def _csv(rows: list[tuple[str, str, str, str, str]]) -> bytes:
    lines = [HEADER]
    for entity, indicator, on, amount, evidence in rows:
        kind, name = ENTITIES[entity]
        lines.append(",".join([entity, kind, name, indicator, on, amount, evidence, ""]))
    return "\n".join(lines).encode("utf-8")


@dataclass
class _Actor:
    username: str
    role: str
    department: str | None = None


OFFICE = _Actor("demo-office", "office")
REVIEWER = _Actor("demo-reviewer", "reviewer")


@dataclass
class DemoResult:
    grades: list[dict[str, Any]]
    reports: list[Path]
    appeal_id: int


def run_demo(engine: Engine, base_dir: Path, work_dir: Path, out_dir: Path) -> DemoResult:
    """Run the demonstration on ``engine`` (the reporting forms need the base dataset for
    the workflow's checks). Run again, it reports, grades and appeals nothing twice and
    writes the reports of the grades in force."""
    for (key, year), rows in RECORDS.items():
        found = reporting.find_submission(engine, year, key)
        if found is not None and found.state == reporting.APPROVED:
            continue
        up = wf.upload(
            engine,
            OFFICE,
            form_key=key,
            year=year,
            data=_csv(rows),
            filename=f"{key}_{year}_synthetic.csv",
            base_dir=base_dir,
            work_dir=work_dir,
        )
        wf.submit(engine, OFFICE, up.submission.id)
        wf.approve(engine, REVIEWER, up.submission.id, "合成示例 synthetic demonstration")
    for year in sorted({y for _, y in RECORDS}):
        import_approved(engine, year, work_dir, OFFICE.username, synthetic=True)
    rule = load_rating_rule()
    for entity in ENTITIES:
        if not store.grades_of(engine, entity):  # run again: nothing graded twice
            grade_and_store(engine, rule, entity, AS_OF, OFFICE.username)
    appeal = next(iter(a["id"] for a in store.appeals_of(engine, FIRM)), None)
    if appeal is None:
        penalty = next(r for r in store.records_of(engine, FIRM) if r["indicator"] == "env_penalty")
        appeal = store.file_appeal(
            engine, penalty["id"], "罚款经行政复议变更为 8 万元（合成）", "示例精细化工有限公司"
        )
        decide_and_regrade(
            engine,
            rule,
            appeal,
            upheld=True,
            decision="复议决定书核实，罚款更正为 8 万元（合成）",
            actor=OFFICE.username,
            as_of=AS_OF,
            corrected_amount=8.0,
            corrected_evidence="示例环复〔2025〕2号（合成）",
        )
    grades = [store.grade(engine, e) for e in (FIRM, COOP, VILLAGE, HOUSEHOLD)]
    out_dir.mkdir(parents=True, exist_ok=True)
    reports: list[Path] = []
    for g in grades:
        reports += write_report(
            g,
            store.grades_of(engine, g["entity_id"]),
            store.appeals_of(engine, g["entity_id"]),
            out_dir,
        )
    return DemoResult(grades, reports, appeal)
