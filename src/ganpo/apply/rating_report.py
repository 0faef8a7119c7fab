"""The report of an entity's ecological credit grade that a bank attaches to a loan file
(PDF, Chinese and English side by side, with a JSON copy): the entity, its grade and
score, the explanation of every point, the evidence with its sources, the rule and its
version, the date, the grade's history and the appeals, and a SHA-256 digest of the
grade's content so that the PDF can be checked against the platform's record."""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ganpo.apply import documents as doc
from ganpo.apply.rating import ENTITY_KINDS, NOT_RATED
from ganpo.catalog.departments import departments

NO_LOAN = (
    "本报告不计算贷款额度或利率；授信决策由银行依其规则作出。"
    " No loan amount or rate is computed; the lending decision is the bank's, under its own rules."
)


def grade_digest(grade: dict[str, Any]) -> str:
    """SHA-256 of a stored grade's content (everything but the database row id)."""
    content = {k: v for k, v in grade.items() if k != "id"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _department(key: str) -> str:
    d = departments().get(key)
    return f"{d.name_zh} {d.name_en}" if d else key


def report_html(
    grade: dict[str, Any], history: list[dict[str, Any]], appeals: list[dict[str, Any]]
) -> str:
    """The report as a standalone HTML page."""
    kind_zh, kind_en = ENTITY_KINDS.get(grade["entity_kind"], (grade["entity_kind"],) * 2)
    title = f"经营主体生态信用评价报告 / Ecological credit report: {grade['entity_name']}"
    rated = grade["grade"] != NOT_RATED
    score = f"{grade['score']:.1f}" if grade["score"] is not None else "—"
    e = html.escape
    body = [
        f"<p class='warn'>{NO_LOAN}</p>",
        "<h2>一、主体 Entity</h2>"
        f"<p>名称 name: <b>{e(grade['entity_name'])}</b><br/>类型 kind: {kind_zh} {kind_en}<br/>"
        f"代码 identifier: {e(grade['entity_id'])}</p>",
        "<h2>二、评价结果 Grade</h2>"
        f"<p><b>{e(grade['grade_zh'])} / {e(grade['grade_en'])}</b>"
        + (f"；得分 score <b>{score}</b> / 100" if rated else "")
        + f"</p><p>评价基准日 as of: {grade['as_of']}；出具 issued: {grade['issued_at'][:10]}；"
        f"评级版本 grade version: {grade['version']}<br/>规则 rule: {e(grade['rule_name'])} "
        f"{e(grade['rule_version'])}（SHA-256 {grade['rule_sha256'][:16]}…）<br/>"
        f"说明 reason: {e(grade['reason'])}</p>",
    ]
    if rated:
        lines = pd.DataFrame(
            [
                {
                    "text_zh": x["text_zh"],
                    "text_en": x["text_en"],
                    "record": f"#{x['record_id']}" if x["record_id"] is not None else "",
                    "department": _department(x["department"]) if x["department"] else "",
                    "date": x["date"] or "",
                    "points": x["points"],
                }
                for x in grade["explanation"]
            ]
        )
        total = sum(x["points"] for x in grade["explanation"])
        body.append(
            "<h2>三、得分说明 Explanation of every point</h2>"
            + doc.html_table(
                lines,
                ["事项", "item", "记录 record", "部门 department", "日期 date", "分值 points"],
                {"points": "+.1f"},
            )
            + f"<p>合计 total: <b>{total:.1f}</b></p>"
        )
        ev = pd.DataFrame(
            [
                {
                    "record": f"#{x['record_id']}",
                    "indicator": f"{x['indicator_zh']} {x['indicator_en']}",
                    "date": x["date"],
                    "amount": (
                        f"{x['amount']:g} {x['amount_unit']}" if x["amount"] is not None else ""
                    ),
                    "evidence": x["evidence_ref"],
                    "source": x["source"],
                }
                for x in grade["evidence"]
            ]
        )
        body.append(
            "<h2>四、证据清单 Evidence</h2>"
            + doc.html_table(
                ev,
                [
                    "记录 record",
                    "指标 indicator",
                    "日期 date",
                    "数量 amount",
                    "证据 evidence",
                    "来源 source",
                ],
            )
        )
    if len(history) > 1 or appeals:
        hist = pd.DataFrame(
            [
                {
                    "version": g["version"],
                    "grade": f"{g['grade_zh']} / {g['grade_en']}",
                    "score": g["score"],
                    "rule": f"{g['rule_name']} {g['rule_version']}",
                    "issued": g["issued_at"][:10],
                    "reason": g["reason"],
                }
                for g in history
            ]
        )
        apps = pd.DataFrame(
            [
                {
                    "appeal": f"#{a['id']}",
                    "record": f"#{a['record_id']}",
                    "reason": a["reason"],
                    "status": {
                        "open": "待处理 open",
                        "upheld": "成立 upheld",
                        "rejected": "不成立 rejected",
                    }[a["status"]],
                    "decision": a["decision"],
                }
                for a in appeals
            ],
            columns=["appeal", "record", "reason", "status", "decision"],
        )
        body.append(
            "<h2>五、评级历史与申诉 History and appeals</h2>"
            + doc.html_table(
                hist,
                [
                    "版本 version",
                    "等级 grade",
                    "得分 score",
                    "规则 rule",
                    "出具 issued",
                    "说明 reason",
                ],
                {"score": ".1f"},
            )
            + (
                doc.html_table(
                    apps,
                    ["申诉 appeal", "记录 record", "理由 reason", "结果 status", "决定 decision"],
                )
                if len(apps)
                else ""
            )
        )
    body.append(
        f"<p class='small'>内容摘要 digest (SHA-256): {grade_digest(grade)}<br/>"
        "评价等级名称参照《企业环境信用评价办法（试行）》（环发〔2013〕150号）；指标分值为所列规则"
        "版本的取值。Grade levels after 环发〔2013〕150号; the points are those of the rule "
        "version shown.</p>"
    )
    return doc.page(title, body, synthetic=bool(grade["synthetic"]))


def write_report(
    grade: dict[str, Any],
    history: list[dict[str, Any]],
    appeals: list[dict[str, Any]],
    out_dir: Path,
) -> list[Path]:
    """Write ``<entity>_v<version>_rating.pdf`` and its ``.json`` into ``out_dir``."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in grade["entity_id"])
    pdf_path = Path(out_dir) / f"{safe}_v{grade['version']}_rating.pdf"
    pdf = doc.write_pdf(report_html(grade, history, appeals), pdf_path)
    js = doc.write_json(
        {"grade": grade, "digest": grade_digest(grade), "history": history, "appeals": appeals},
        pdf_path.with_suffix(".json"),
    )
    return [pdf, js]
