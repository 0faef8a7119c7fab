"""The workflow of the ecological credit evaluation of entities: records imported from the
approved record forms of the departments, credits linked from the carbon-inclusive
registry, grades issued with their explanation and evidence, appeals decided and the
entity graded again (docs/rating.md, docs/decisions/0054).

What is linked from other stores: the carbon-inclusive registry's issuances, when the
registry's pseudonym key is given (an entity's pseudonym is the keyed hash of its id, as
the registry makes it). The zoning violations and damage cases of the store name no party
(a case number, a county, a control unit), so they cannot be linked to an entity: their
penalties and compensation reach the rating through the ecology department's record form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from ganpo.apply.rating import (
    NOT_RATED,
    Evidence,
    Grading,
    RatingRule,
    entity_id_problem,
    grade_entity,
)
from ganpo.errors import InputError, halves
from ganpo.io.manifest import sha256_file
from ganpo.store import rating as store
from ganpo.store import reporting as reporting
from ganpo.submissions.forms import rating_forms
from ganpo.submissions.workflow import stored_path

#: the indicator the carbon-inclusive registry's issuances feed
INCLUSIVE_INDICATOR = "inclusive_credits"


@dataclass
class Imported:
    """What an import did: records added and already stored, forms used, forms pending."""

    added: int = 0
    already: int = 0
    used: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)


def import_approved(
    engine: Engine, year: int, work_dir: Path, actor: str, *, synthetic: bool = False
) -> Imported:
    """Store the records of the approved record forms of ``year`` (their canonical CSV
    under the platform's ``work_dir``, its checksum checked). A form not approved is
    listed as pending; importing again adds nothing twice."""
    forms = {f.key: f for f in rating_forms(year)}
    out = Imported()
    new: list[store.NewRecord] = []
    for sub in reporting.list_submissions(engine, year=year):
        f = forms.get(sub.form)
        if f is None:
            continue
        if sub.state != reporting.APPROVED:
            out.pending[f.key] = reporting.STATE_NAMES[sub.state]
            continue
        v = sub.current
        path = stored_path(work_dir, year, v.data_file)
        if not path.is_file():
            raise InputError(
                en=f"the approved file of form {f.key} (submission {sub.id} version {v.version}) "
                f"is not in the work folder {work_dir}; give the platform's --work-dir",
                zh="工作目录中找不到已审核报表的文件",
                source=path,
            )
        if v.data_sha256 and sha256_file(path) != v.data_sha256:
            raise InputError(
                en=f"the approved file of form {f.key} (submission {sub.id} version {v.version}) "
                "was changed after approval (its checksum differs); restore it from a backup",
                zh="已审核报表文件在审核后被改动",
                source=path,
            )
        approved = next(
            (e.at.date().isoformat() for e in reversed(sub.events) if e.action == "approve"), ""
        )
        source = (
            f"{f.department_zh} {f.name_zh}，{year} 年报表 第 {v.version} 版，{approved} 审核通过"
            f" / {f.department_en}, record form of {year}, version {v.version}, approved "
            f"{approved}"
        )
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for r in table.to_dict("records"):
            new.append(
                store.NewRecord(
                    entity_id=r["entity_id"],
                    entity_kind=r["entity_kind"],
                    entity_name=r["entity_name"],
                    indicator=r["indicator"],
                    department=f.department,
                    occurred_on=date.fromisoformat(r["date"]),
                    amount=float(r["amount"]) if r["amount"] else None,
                    evidence_ref=r["evidence"],
                    source=source,
                    origin="form",
                    synthetic=synthetic,
                    source_key=_key(f"sub{sub.id}v{v.version}", r),
                )
            )
        out.used[f.key] = f"submission {sub.id} version {v.version}, approved {approved}"
    out.added, out.already = store.add_records(engine, new, actor)
    return out


def _key(prefix: str, r: Mapping[Any, Any]) -> str:
    import hashlib

    text = "|".join(
        [prefix, *(str(r.get(c, "")) for c in ("entity_id", "indicator", "date", "evidence"))]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_inclusive(
    engine: Engine,
    rule: RatingRule,
    entity_id: str,
    entity_kind: str,
    entity_name: str,
    key: bytes,
    actor: str,
    *,
    synthetic: bool = False,
) -> int:
    """Store the carbon-inclusive issuances of an entity as records of
    :data:`INCLUSIVE_INDICATOR` (amount in t CO2e: one credit is 1 kg); return how many
    were new. The entity is found by its pseudonym under the registry's ``key``."""
    from ganpo.carbon.inclusive import pseudonym

    if why := entity_id_problem(entity_id, entity_kind):
        en, zh = halves(why)
        raise InputError(
            en=f"{entity_id}: {en}",
            zh=f"主体代码 {entity_id}：{zh}",
            field="entity_id",
            values=[entity_id],
        )
    ind = rule.indicator(INCLUSIVE_INDICATOR)
    found = store.inclusive_issuances(engine, pseudonym(entity_id, key))
    new = [
        store.NewRecord(
            entity_id=entity_id,
            entity_kind=entity_kind,
            entity_name=entity_name,
            indicator=ind.key,
            department=ind.department,
            occurred_on=i.at.date(),
            amount=i.quantity_kg / 1000.0,
            evidence_ref=(
                f"碳普惠登记簿签发记录 #{i.entry_id} / inclusive ledger entry #{i.entry_id}"
            ),
            source=f"碳普惠登记簿（方法学 {i.methodology}，{i.vintage} 年度）/ carbon-inclusive "
            f"registry ({i.methodology}, vintage {i.vintage})",
            origin="inclusive",
            synthetic=synthetic,
            source_key=_key("inclusive", {"entity_id": entity_id, "evidence": i.entry_id}),
        )
        for i in found
    ]
    added, _ = store.add_records(engine, new, actor)
    return added


def _evidence(rows: list[dict[str, Any]]) -> list[Evidence]:
    return [
        Evidence(
            record_id=int(r["id"]),
            indicator=str(r["indicator"]),
            department=str(r["department"]),
            on=date.fromisoformat(str(r["date"])),
            amount=r["amount"],
            evidence_ref=str(r["evidence_ref"]),
            source=str(r["source"]),
        )
        for r in rows
    ]


def grade_and_store(
    engine: Engine,
    rule: RatingRule,
    entity_id: str,
    as_of: date,
    actor: str,
    reason: str = "issued / 评级",
) -> dict[str, Any]:
    """Grade an entity on its records in force and store the grade as its next version
    (an entity without records in the window is stored as not rated, with the reason)."""
    rows = store.records_of(engine, entity_id)
    if not rows and not store.records_of(engine, entity_id, in_force=False):
        raise InputError(
            en=f"no record of entity {entity_id} is stored; import the departments' approved "
            "records first (`ganpo apply rating import`)",
            zh="该主体没有任何记录",
            field="entity",
            values=[entity_id],
        )
    every = rows or store.records_of(engine, entity_id, in_force=False)
    g = grade_entity(rule, entity_id, _evidence(rows), as_of)
    newest = every[-1]
    return store.save_grade(engine, _new_grade(rule, g, newest, reason), actor)


def _new_grade(rule: RatingRule, g: Grading, newest: dict[str, Any], reason: str) -> store.NewGrade:
    by_id = {e.record_id: e for e in g.evidence}
    evidence = [
        {
            "record_id": e.record_id,
            "indicator": e.indicator,
            "indicator_zh": rule.indicator(e.indicator).name_zh,
            "indicator_en": rule.indicator(e.indicator).name_en,
            "amount_unit": rule.indicator(e.indicator).amount_unit,
            "department": e.department,
            "date": e.on.isoformat(),
            "amount": e.amount,
            "evidence_ref": e.evidence_ref,
            "source": e.source,
        }
        for e in by_id.values()
    ]
    notes = [
        f"记录 #{e.record_id}（{rule.indicator(e.indicator).name_zh}，{e.on}）超出评价期 / "
        f"record #{e.record_id} ({rule.indicator(e.indicator).name_en}, {e.on}) is older than "
        "the rule's window"
        for e in g.expired
    ] + [
        f"record #{e.record_id}: indicator {e.indicator} is not in this rule version / "
        "本版规则无此指标"
        for e in g.ignored
    ]
    full_reason = reason + ("; " + "; ".join(notes) if notes else "")
    if g.grade == NOT_RATED:
        full_reason = f"{g.grade_en} / {g.grade_zh}; {full_reason}"
    return store.NewGrade(
        entity_id=g.entity_id,
        entity_kind=str(newest["entity_kind"]),
        entity_name=str(newest["entity_name"]),
        as_of=g.as_of,
        rule_name=g.rule_name,
        rule_version=g.rule_version,
        rule_sha256=g.rule_sha256,
        grade=g.grade,
        grade_zh=g.grade_zh,
        grade_en=g.grade_en,
        score=g.score,
        explanation=g.explanation(),
        evidence=evidence,
        reason=full_reason,
        synthetic=bool(newest["synthetic"]),
    )


def decide_and_regrade(
    engine: Engine,
    rule: RatingRule,
    appeal_id: int,
    *,
    upheld: bool,
    decision: str,
    actor: str,
    as_of: date,
    corrected_amount: float | None = None,
    corrected_date: date | None = None,
    corrected_evidence: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Decide an appeal; when it is upheld, correct (or withdraw) the record and grade the
    entity again as a new version (the old grade is kept). A correction gives the record's
    new amount, date or evidence; without any the record is withdrawn."""
    correction = None
    if upheld and any(
        x is not None for x in (corrected_amount, corrected_date, corrected_evidence)
    ):
        old = store.record(engine, int(store.appeal(engine, appeal_id)["record_id"]))
        correction = store.NewRecord(
            entity_id=old["entity_id"],
            entity_kind=old["entity_kind"],
            entity_name=old["entity_name"],
            indicator=old["indicator"],
            department=old["department"],
            occurred_on=corrected_date or date.fromisoformat(old["date"]),
            amount=corrected_amount if corrected_amount is not None else old["amount"],
            evidence_ref=corrected_evidence or old["evidence_ref"],
            source=f"申诉 #{appeal_id} 更正 / corrected on appeal #{appeal_id}: {old['source']}",
            origin="correction",
            synthetic=bool(old["synthetic"]),
            source_key=_key(f"appeal{appeal_id}", {"entity_id": old["entity_id"]}),
        )
    decided = store.decide_appeal(
        engine, appeal_id, upheld=upheld, decision=decision, actor=actor, correction=correction
    )
    if not upheld:
        return decided, None
    regraded = grade_and_store(
        engine,
        rule,
        str(decided["entity_id"]),
        as_of,
        actor,
        reason=f"after appeal #{appeal_id} / 申诉 #{appeal_id} 处理后重新评级",
    )
    return decided, regraded
