"""The quality report (report/quality.py): the builder on a hand-made account, its labels
(a kind, basis, status, role or parameter key without a name fails here), the texts made
fit to publish, and its bilingual table in the Excel export."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, get_args

import pandas as pd
import pytest
from openpyxl import load_workbook

import ganpo
from ganpo.catalog.parameter_names import parameter_names
from ganpo.catalog.parameters import (
    ParameterValue,
    load_parameter_set,
    parameter_set_names,
)
from ganpo.io.decisions import Basis, Decision
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES, TABLE_ROLES
from ganpo.report.quality import (
    BASIS_LABELS,
    KIND_LABELS,
    OTHER_KIND,
    OTHER_ROLES,
    QUALITY_COLUMNS,
    STATUS_LABELS,
    TEXT,
    build_quality,
    percent,
    published_text,
    quality_table,
    role_label,
)
from ganpo.store.repository import StoredAccount, load_account, open_store, save_account
from qualitydata import DONGHU, XIHU, handmade_account

#: what a published text must not hold: a dict or set, an absolute path, a data file
CODE_OR_PATH = re.compile(r"[{}]|(?<![\w/])/[\w.-]+/|\b[\w-]+\.(tif|csv|gpkg|toml|xlsx)\b")


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> StoredAccount:
    engine = open_store(tmp_path_factory.mktemp("quality") / "s.sqlite")
    return load_account(engine, save_account(engine, handmade_account()))


def test_summary_counts(stored: StoredAccount) -> None:
    report = build_quality(stored, "en")
    assert [(s.key, s.label, s.count) for s in report.summary] == [
        ("decisions", "decisions recorded", 4),
        ("decisions_manifest", "of which: declared in the dataset's manifest", 1),
        ("decisions_profile", "of which: a rule of the accounting profile", 1),
        ("decisions_rule", "of which: a rule of ganpo's input checks", 1),
        ("decisions_override", "of which: a written explanation accepted by a reviewer", 1),
        ("warnings", "warnings", 2),
        ("overrides", "overrides accepted by a reviewer", 1),
        ("unverified", "parameters not verified", 2),
        ("placeholders", "of which placeholders", 1),
        ("layers_incomplete", "layers that do not cover every unit", 2),
        ("units_incomplete", "units not fully covered by a layer", 2),
    ]
    zh = build_quality(stored, "zh")
    assert [s.count for s in zh.summary] == [s.count for s in report.summary]
    assert zh.summary[1].label == "其中依据：数据集清单声明"


def test_coverage_below_full_by_layer(stored: StoredAccount) -> None:
    en, zh = build_quality(stored, "en"), build_quality(stored, "zh")
    # NPP: Donghu 150 of 200 cells (75 %), Xihu full; precipitation: Xihu 97 of 100
    assert [(g.role, g.layer, g.units_below, g.units_total, g.min_share) for g in en.coverage] == [
        ("npp", "net primary production, dry matter", 1, 2, 0.75),
        ("precipitation", "annual precipitation", 1, 2, 0.97),
    ]
    assert [(u.unit_code, u.unit, u.cells, u.cells_with_data) for u in en.coverage[0].units] == [
        (DONGHU, "Donghu District", 200, 150)
    ]
    assert [g.layer for g in zh.coverage] == ["净初级生产力（干物质）", "年降水量"]
    assert zh.coverage[1].units[0].unit == "西湖区"
    assert en.coverage_recorded


def test_decisions_grouped_by_kind_in_the_report_language(stored: StoredAccount) -> None:
    en, zh = build_quality(stored, "en"), build_quality(stored, "zh")
    assert [(g.kind, g.label, len(g.decisions)) for g in en.decisions] == [
        ("coverage_gap", "Units a layer does not fully cover", 1),
        ("soft_range", "Values outside their usual range, accepted", 1),
        ("layer_year", "Layers of another year", 1),
        ("fluctuation", "Year-on-year changes beyond the threshold", 1),
    ]
    gap = en.decisions[0].decisions[0]
    assert (gap.unit, gap.basis_label) == ("Xihu District", "a rule of the accounting profile")
    assert gap.text.startswith("Precipitation covers 97 % of the unit")
    year = zh.decisions[2].decisions[0]
    assert (year.unit, year.basis_label) == ("全区域", "数据集清单声明")
    assert year.text == "按数据集清单声明，2022 年采用 2021 年的净初级生产力图层。"


def test_overrides_say_who_explained_and_who_accepted(stored: StoredAccount) -> None:
    from ganpo.report.quality import override_text

    (line,) = build_quality(stored, "zh").overrides
    assert (line.unit_code, line.unit, line.kind_label) == (XIHU, "西湖区", "年际波动超出阈值")
    assert override_text(line, "zh") == (
        "旅游人次比上年下降 60%。说明：景区全年封闭施工 / the scenic area was closed all year "
        "for works；说明人：王芳（文化和旅游厅）；审核接受：李明（统计局）。"
    )
    (en,) = build_quality(stored, "en").overrides
    assert override_text(en, "en") == (
        "Tourist visits fell by 60 % from last year. Explanation: 景区全年封闭施工 / the scenic "
        "area was closed all year for works; explained by 王芳（文化和旅游厅）; accepted by "
        "李明（统计局）."
    )


def test_parameters_not_verified_by_name(stored: StoredAccount) -> None:
    report = build_quality(stored, "zh")
    assert [(p.key, p.name, p.status_label) for p in report.unverified] == [
        ("cod_removal_rate", "单位面积化学需氧量净化量", "占位值（非发表值）"),
        ("runoff_coefficient", "地表径流系数", "未核实"),
    ]
    assert report.unverified[1].source == "usual values of the Chinese method family"


def test_warnings_name_no_file_and_no_key(stored: StoredAccount) -> None:
    assert build_quality(stored, "en").warnings == [
        "“net primary production, dry matter”: no nodata value declared; every finite cell "
        "is taken as data",
        "parameter “COD removed per hectare” of 'test-set' is a placeholder, not a published "
        "value; results that use it are illustrative",
    ]
    assert build_quality(stored, "zh").warnings[0].startswith("「净初级生产力（干物质）」: ")


def test_json_holds_labels_and_no_file(stored: StoredAccount) -> None:
    data = build_quality(stored, "en").as_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert not re.search(r"/data/jx|\.tif|\.csv", text)  # the decisions' files stay out
    assert data["decisions"][0]["decisions"][0] == {
        "unit_code": XIHU,
        "unit": "Xihu District",
        "basis": "profile",
        "basis_label": "a rule of the accounting profile",
        "text": "Precipitation covers 97 % of the unit; the profile accepts 95 % or more.",
        "subject": "precipitation",
    }
    assert data["sections"]["unverified"] == "Parameters not verified"


def test_a_part_of_the_account_shows_only_its_units(stored: StoredAccount) -> None:
    """A caller that cuts the account (the platform for a district viewer) gets a report of
    what it kept, counted again."""
    import dataclasses

    part = dataclasses.replace(
        stored,
        units=stored.units[stored.units.county_adcode == DONGHU],
        decisions=[d for d in stored.decisions if d.unit_code in (None, DONGHU)],
        coverage=stored.coverage[stored.coverage.unit_code == DONGHU],
    )
    report = build_quality(part, "en")
    assert [g.role for g in report.coverage] == ["npp"]
    assert report.overrides == [] and [g.kind for g in report.decisions] == [
        "soft_range",
        "layer_year",
    ]


def test_a_kind_without_label_goes_under_other_decisions(stored: StoredAccount) -> None:
    import dataclasses

    new = Decision("brand_new_kind", "x", "Something new.", "新情况。", "rule")
    report = build_quality(dataclasses.replace(stored, decisions=[new]), "zh")
    assert [(g.label, g.decisions[0].text) for g in report.decisions] == [
        (OTHER_KIND[0], "新情况。")
    ]


def test_percent_never_rounds_a_gap_up_to_full() -> None:
    assert (
        percent(0.999_999) == "99.99 %"
        and percent(0.75) == "75.00 %"
        and percent(1.0) == "100.00 %"
    )


def test_published_text_keeps_units_and_drops_paths() -> None:
    inputs = pd.DataFrame({"path": ["2022/npp.tif"], "role": ["npp"]})
    assert published_text("valid [0, 5000] g/m2, 6 kg/hm2/a", inputs, "en") == (
        "valid [0, 5000] g/m2, 6 kg/hm2/a"
    )
    assert published_text("/srv/data/jx/2022/npp.tif: changed", inputs, "en") == (
        "“net primary production, dry matter”: changed"
    )
    assert published_text("see /srv/x/other.tif and C:\\d\\y.csv", inputs, "zh") == (
        "see 某输入文件 and 某输入文件"
    )
    assert published_text("flood_regulation/vegetation: 3 cells; recreation", None, "en") == (
        "flood regulation: 3 cells; recreation"
    )


# ------------------------------------------------------------------------------ labels


def _kinds_used_in_ganpo() -> set[str]:
    """Every constant ``kind`` of a ``Decision(...)`` written in ganpo's sources."""
    kinds = set()
    for path in Path(ganpo.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name != "Decision":
                continue
            given = [k.value for k in node.keywords if k.arg == "kind"] + node.args[:1]
            kinds |= {g.value for g in given if isinstance(g, ast.Constant)}
    return kinds


def _parameter_keys() -> set[str]:
    from ganpo.services.methods import METHODS, PHYSICAL_METHODS
    from ganpo.services.valuation import VALUATIONS

    keys = {k for name in parameter_set_names() for k in load_parameter_set(name).values}
    for registry in (METHODS, PHYSICAL_METHODS):
        keys |= {
            u.key for by_key in registry.values() for m in by_key.values() for u in m.parameters
        }
    return keys | {v.price.key for v in VALUATIONS.values()}


def _named(pair: tuple[str, str], key: str) -> bool:
    """A name in both languages, no code: the Chinese one is never the key (an English name
    may be the same plain word, e.g. "tourism")."""
    zh, en = pair
    return bool(zh.strip() and en.strip()) and zh != key and "_" not in zh + en


def test_every_decision_kind_has_a_label() -> None:
    from ganpo.io.table_checks import ACCEPTED  # the kinds of the tables' soft findings

    used = _kinds_used_in_ganpo() | set(ACCEPTED)
    missing = sorted(k for k in used | set(KIND_LABELS) if k not in KIND_LABELS)
    assert not missing, f"add these decision kinds to report.quality.KIND_LABELS: {missing}"
    assert all(_named(v, k) for k, v in KIND_LABELS.items())


def test_every_basis_and_status_has_a_label() -> None:
    assert set(BASIS_LABELS) == set(get_args(Basis))
    statuses = get_args(ParameterValue.model_fields["status"].annotation)
    assert set(STATUS_LABELS) == set(statuses)
    assert all(_named(v, k) for k, v in {**BASIS_LABELS, **STATUS_LABELS}.items())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_role_has_a_label(lang: Any) -> None:
    roles = set(LAYER_ROLES) | set(DERIVED_ROLES) | set(TABLE_ROLES) | set(OTHER_ROLES)
    fallback = TEXT["other_input"][0 if lang == "zh" else 1]
    labels = {r: role_label(r, lang) for r in roles}
    unnamed = sorted(r for r, x in labels.items() if x in (fallback, "") or "_" in x)
    assert not unnamed
    assert lang == "en" or not [r for r, x in labels.items() if x == r]


def test_every_parameter_has_a_name() -> None:
    names = parameter_names()
    missing = sorted(_parameter_keys() - set(names))
    assert not missing, f"add these keys to catalog/data/parameter_names.toml: {missing}"
    assert all(_named((v.zh, v.en), k) for k, v in names.items())


# ------------------------------------------------------------------------ Excel sheet


def test_quality_sheet_in_the_excel_export(stored: StoredAccount, tmp_path: Path) -> None:
    from ganpo.report.account_tables import account_frames
    from ganpo.report.export import write_excel

    table = quality_table(stored)
    assert list(table.columns) == QUALITY_COLUMNS
    # 11 summary items, 2 coverage rows, 4 decisions, 2 warnings, 1 override, 2 parameters
    assert len(table) == 11 + 2 + 4 + 2 + 1 + 2
    path = write_excel(account_frames(stored), tmp_path / "a.xlsx", title="t", notes=[])
    book = load_workbook(path)
    assert "质量报告 Quality" in book.sheetnames
    sheet = book["质量报告 Quality"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "部分 / part",
        "项目 / item (zh)",
        "项目（英文）/ item (en)",
        "行政区 / unit (zh)",
        "行政区（英文）/ unit (en)",
        "数量 / count",
        "占比 / share",
        "说明 / description (zh)",
        "说明（英文）/ description (en)",
    )
    coverage = [r for r in rows if r[0] == "数据覆盖率 Coverage"]
    assert coverage[0][1:7] == (
        "净初级生产力（干物质）",
        "net primary production, dry matter",
        "东湖区",
        "Donghu District",
        50,
        0.75,
    )
    share_cell = sheet.cell(row=rows.index(coverage[0]) + 1, column=7)
    assert share_cell.number_format == "0.00%"
    override = next(r for r in rows if r[0] == "经审核的书面说明 Overrides")
    assert override[8].endswith("accepted by 李明（统计局）.")
    cells = [str(c) for r in rows[1:] for c in r if c is not None]
    assert not [c for c in cells if CODE_OR_PATH.search(c)]
    keys = {"coverage_gap", "soft_range", "layer_year", "fluctuation", "npp", "runoff_coefficient"}
    assert not [c for c in cells if c in keys or any(f" {k} " in f" {c} " for k in keys)]
