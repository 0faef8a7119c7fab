"""Checking a filled entity-rating record form before it is stored, every problem at once
(docs/rating.md).

A record form (:func:`ganpo.submissions.forms.rating_forms`) is a long table: a header row
starting with ``entity_id``, then one row per record. Refused, with row, column and value:
an unknown, repeated or missing column; a formula; an entity id that does not identify an
entity of its kind (a 统一社会信用代码 whose GB 32100-2015 check digit is wrong, a village
code that is not 12 digits, a household given by anything but ``village-number``); an
unknown kind; an indicator the rule does not have, or one another department reports; a
date that is not YYYY-MM-DD or not in the form's year; an amount missing where the
indicator is scored by amount, not a number, or negative; an empty evidence reference (no
grade without its evidence); the same record twice.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd

from ganpo.apply.rating import ENTITY_KINDS, RatingRule, entity_id_problem, load_rating_rule
from ganpo.submissions.forms import RATING_OPTIONAL, Form
from ganpo.submissions.long_table import Wording, number, read_rows
from ganpo.submissions.validate import Limits, Problem, ValidTable, _p

#: how the structural check words its refusals for a record form (it has a template; a
#: row is a record, not a unit's value)
RATING_WORDING = Wording(
    no_header_en="use the form's template (`ganpo report-forms template`)",
    no_header_zh="，请使用报表模板",
    unknown_en="unknown column; the form has {columns}",
    missing_zh="缺少必填列",
    duplicate_en="the same record as row {row}; give it once",
)


def check_rating_table(
    data: bytes, form: Form, limits: Limits, rule: RatingRule | None = None
) -> ValidTable:
    """Check a record form (CSV or .xlsx) against the rule (default: the shipped one);
    raise :class:`~ganpo.submissions.validate.UploadError` with every problem, or return
    the canonical CSV.

    The structure (header, columns, formulas, the same record twice) is the long forms'
    check (:func:`ganpo.submissions.long_table.read_rows`); the rows' content is checked
    here."""
    rule = rule or load_rating_rule()
    key = form.key_column
    indicators = {i.key: i for i in rule.indicators}
    wanted = [key, *(c.key for c in form.columns)]

    def check_row(line: int, rec: dict[str, str], refs: dict[str, str | None]) -> list[Problem]:
        problems: list[Problem] = []

        def bad(column: str, en: str, zh: str) -> None:
            problems.append(_p(line, column, rec[column], en, zh, refs[column]))

        for c in wanted:
            if rec[c] == "" and c not in RATING_OPTIONAL:
                bad(c, "empty cell; the column is required", "单元格为空（必填）")
        kind = rec["entity_kind"]
        if kind and kind not in ENTITY_KINDS:
            bad(
                "entity_kind",
                f"not a kind of entity; give one of {', '.join(ENTITY_KINDS)}",
                f"主体类型须为 {'、'.join(ENTITY_KINDS)} 之一",
            )
        elif kind and rec[key] and (why := entity_id_problem(rec[key], kind)):
            bad(key, why, why)
        ind = indicators.get(rec["indicator"])
        if rec["indicator"] and ind is None:
            bad(
                "indicator",
                f"not an indicator of rule {rule.name} {rule.version}; give one of "
                f"{', '.join(form.indicators)}",
                f"不是评价规则 {rule.name} {rule.version} 的指标；"
                f"本表指标为 {'、'.join(form.indicators)}",
            )
        elif ind is not None and ind.department != form.department:
            bad(
                "indicator",
                f"{ind.name_en} is reported by department {ind.department}, not on this form",
                f"{ind.name_zh}由其他部门（{ind.department}）填报",
            )
        on: date | None = None
        if rec["date"]:
            try:
                on = date.fromisoformat(rec["date"])
            except ValueError:
                bad("date", "not a date; write YYYY-MM-DD", "日期格式应为 YYYY-MM-DD")
            else:
                if on.year != form.year:
                    bad(
                        "date",
                        f"the form is for {form.year}; give records of that year",
                        f"本表为 {form.year} 年报表，记录日期须在该年",
                    )
        x = number(rec["amount"]) if rec["amount"] else None
        if rec["amount"] and x is None:
            bad("amount", "not a number", "不是数值")
        elif x is not None and x < 0:
            bad("amount", "negative; an amount is at least 0", "数量不能为负数")
        elif ind is not None and ind.tiers and not rec["amount"]:
            bad(
                "amount",
                f"{ind.name_en} is scored by its amount; give it in {ind.amount_unit}",
                f"{ind.name_zh}按数量计分，请填写数量（{ind.amount_unit}）",
            )
        return problems

    long = read_rows(
        data,
        form,
        limits,
        check_row=check_row,
        key_columns=(key, "indicator", "date", "evidence"),
        optional=RATING_OPTIONAL,
        extra=(),
        wording=RATING_WORDING,
    )
    frame = pd.DataFrame(long.records, columns=long.columns)
    frame["amount"] = frame["amount"].map(lambda v: float(v.replace(",", "")) if v else None)
    buf = io.StringIO()
    frame.sort_values([key, "date"], kind="stable").to_csv(
        buf, index=False, quoting=csv.QUOTE_MINIMAL
    )
    return ValidTable(
        csv_bytes=buf.getvalue().encode("utf-8"),
        columns=dict.fromkeys(long.columns, ""),
        n_rows=len(frame),
        media=long.media,
    )
