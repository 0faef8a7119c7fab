"""The structural check of an entity-rating record form (ganpo.submissions.rating_validate),
its wording pinned: the header not found, an unknown, repeated or missing column, a formula,
an empty required cell, the same record twice, and the canonical CSV of a good form."""

from __future__ import annotations

import io

import openpyxl
import pytest

from ganpo.submissions.forms import Form, rating_forms
from ganpo.submissions.rating_validate import check_rating_table
from ganpo.submissions.validate import Limits, UploadError

YEAR = 2025
FIRM = "91360100MA35F0001F"  # check digit F is right (GB 32100-2015)
HEADER = "entity_id,entity_kind,entity_name,indicator,date,amount,evidence,note"
ROW = f"{FIRM},firm,甲,env_penalty,2025-03-02,12,赣环罚〔2025〕7号,"


@pytest.fixture(scope="module")
def ecology() -> Form:
    return next(f for f in rating_forms(YEAR) if f.key == "rating_ecology")


def _problems(data: bytes, form: Form) -> list[tuple[int | None, str | None, str, str]]:
    with pytest.raises(UploadError) as caught:
        check_rating_table(data, form, Limits())
    return [(p.row, p.column, p.reason_en, p.reason_zh) for p in caught.value.problems]


def _csv(*rows: str) -> bytes:
    return "\n".join(rows).encode("utf-8")


def test_no_header_row_points_to_the_template(ecology: Form) -> None:
    assert _problems(_csv("a,b", "1,2"), ecology) == [
        (
            None,
            "entity_id",
            "no header row starting with 'entity_id' in the first 10 rows; use the form's "
            "template (`ganpo report-forms template`)",
            "前 10 行中没有以 entity_id 开头的表头行，请使用报表模板",
        )
    ]


def test_unknown_repeated_and_missing_columns(ecology: Form) -> None:
    # "name" is the long forms' reader column; a rating form has entity_name instead
    header = "entity_id,entity_kind,entity_name,indicator,indicator,date,amount,name"
    columns = "entity_id, entity_kind, entity_name, indicator, date, amount, evidence, note"
    assert _problems(_csv(header, ROW), ecology) == [
        (None, "indicator", "column given twice", "列重复"),
        (
            None,
            "name",
            f"unknown column; the form has {columns}",
            f"未知的列；本表的列为 {columns.replace(', ', '、')}",
        ),
        (None, "evidence", "required column missing", "缺少必填列"),
    ]


def test_the_optional_columns_may_be_left_out(ecology: Form) -> None:
    header = "entity_id,entity_kind,entity_name,indicator,date,evidence"
    row = f"{FIRM},firm,甲,compensation_met,2025-03-02,补偿协议 1"
    table = check_rating_table(_csv(header, row), ecology, Limits())
    assert table.n_rows == 1
    assert list(table.columns) == [*HEADER.split(",")]


def test_empty_cells_and_the_same_record_twice(ecology: Form) -> None:
    rows = [HEADER, ROW, ",firm,甲,env_penalty,2025-03-02,12,赣环罚〔2025〕7号,", ROW]
    assert _problems(_csv(*rows), ecology) == [
        (3, "entity_id", "empty cell; the column is required", "单元格为空（必填）"),
        (
            4,
            None,
            "the same record as row 2; give it once",
            "与第 2 行重复",
        ),
    ]


def test_a_header_only_table_has_no_data_rows(ecology: Form) -> None:
    assert _problems(_csv(HEADER), ecology) == [
        (None, None, "the table has no data rows", "表中没有数据行")
    ]


def test_a_formula_is_refused_with_its_cell(ecology: Form) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER.split(","))
    ws.append([FIRM, "firm", "甲", "env_penalty", "2025-03-02", "=6*2", "赣环罚〔2025〕7号", ""])
    buf = io.BytesIO()
    wb.save(buf)
    problems = _problems(buf.getvalue(), ecology)
    assert problems[0] == (2, "amount", "a formula; give the value", "请填写数值而非公式")
    with pytest.raises(UploadError) as caught:
        check_rating_table(buf.getvalue(), ecology, Limits())
    assert caught.value.problems[0].cell == "F2"


def test_the_canonical_csv_sorts_by_entity_and_date(ecology: Form) -> None:
    later = f"{FIRM},firm,甲,compensation_met,2025-06-01,,协议 2,备注"
    data = _csv(HEADER, later, f'{FIRM},firm,甲,env_penalty,2025-03-02,"1,200",罚 1,')
    table = check_rating_table(data, ecology, Limits())
    assert table.csv_bytes.decode("utf-8").splitlines() == [
        HEADER,
        f"{FIRM},firm,甲,env_penalty,2025-03-02,1200.0,罚 1,",
        f"{FIRM},firm,甲,compensation_met,2025-06-01,,协议 2,备注",
    ]
