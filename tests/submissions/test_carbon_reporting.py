"""Carbon activity data through the reporting forms: the forms, the checks of an upload,
the review, and the inventory run on the approved reports (issue 15 point 3)."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from ganpo.carbon.inventory import read_dataset, run_inventory, totals_g
from ganpo.demo.carbon import build_carbon_demo
from ganpo.errors import InputError
from ganpo.store import reporting as store
from ganpo.store.repository import open_store
from ganpo.submissions import workflow as wf
from ganpo.submissions.carbon_dataset import reported_carbon_dataset
from ganpo.submissions.dataset import readiness
from ganpo.submissions.forms import all_forms, carbon_forms, form
from ganpo.submissions.validate import UploadError

YEAR = 2023


@dataclass
class Actor:
    username: str
    role: str
    department: str | None = None


STATISTICS = Actor("stats", "reporter", "statistics")
AGRICULTURE = Actor("agri", "reporter", "agriculture")
REVIEWER = Actor("reviewer", "reviewer")


@dataclass
class Platform:
    engine: Engine
    base: Path
    work: Path
    carbon: Path  # the base carbon dataset (the synthetic demo)
    database: Path

    def upload(self, actor: Actor, key: str, data: bytes, year: int = YEAR) -> Any:
        return wf.upload(
            self.engine, actor, form_key=key, year=year, data=data, filename="t.csv",
            base_dir=self.base, work_dir=self.work,
        )  # fmt: skip


@pytest.fixture(scope="module")
def carbon_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_carbon_demo(tmp_path_factory.mktemp("carbon") / "demo").parent


@pytest.fixture
def plat(demo_platform: Any, carbon_demo: Path, tmp_path: Path) -> Iterator[Platform]:
    db = tmp_path / "ganpo.sqlite"
    shutil.copy(demo_platform.database, db)
    engine = open_store(db)
    yield Platform(engine, demo_platform.data_dir, tmp_path / "work", carbon_demo, db)
    engine.dispose()


def demo_rows(carbon: Path, table: str, year: int = YEAR) -> pd.DataFrame:
    t = read_dataset(carbon).tables[table]
    return t[t["year"] == year].drop(columns=["name"], errors="ignore").reset_index(drop=True)


def csv_of(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def approve(plat: Platform, actor: Actor, key: str, data: bytes, year: int = YEAR) -> int:
    res = plat.upload(actor, key, data, year)
    sub = res.submission
    if res.flags:
        wf.explain(plat.engine, actor, sub.id, {f.key: "checked with the plant" for f in res.flags})
    wf.submit(plat.engine, actor, sub.id)
    wf.approve(plat.engine, REVIEWER, sub.id)
    return int(sub.id)


def test_carbon_forms_belong_to_departments_and_stay_out_of_the_gep_dataset() -> None:
    forms = {f.key: f for f in carbon_forms(YEAR)}
    assert forms["carbon_fuel"].department == "statistics"
    assert forms["carbon_livestock"].department == "agriculture"
    assert forms["carbon_landfill"].department == "housing"
    fuel = forms["carbon_fuel"]
    assert fuel.domain == "carbon" and fuel.key_column == "unit_code"
    assert [c.key for c in fuel.columns] == ["year", "category_code", "fuel", "quantity", "unit"]
    assert "万t" in fuel.units and fuel.name_zh.startswith("温室气体清单")
    assert form("carbon_fuel", YEAR).department == "statistics"
    assert {f.key for f in all_forms(YEAR)} >= set(forms)
    assert not any(f.domain == "carbon" for f in all_forms(YEAR, domain="gep"))


def test_gep_readiness_ignores_the_carbon_forms(plat: Platform) -> None:
    assert not any(r.form.domain == "carbon" for r in readiness(plat.engine, YEAR))


def test_an_upload_with_problems_names_each_and_stores_nothing(plat: Platform) -> None:
    rows = demo_rows(plat.carbon, "fuel").head(4).copy()
    rows["quantity"] = rows["quantity"].astype(object)
    rows.loc[0, "unit_code"] = 110101  # a Beijing district
    rows.loc[1, "quantity"] = -5.0
    rows.loc[2, "unit"] = "吨标煤"
    rows.loc[3, "year"] = 2021
    with pytest.raises(UploadError) as err:
        plat.upload(STATISTICS, "carbon_fuel", csv_of(rows))
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(2, "unit_code"), (3, "quantity"), (4, "unit"), (5, "year")}
    reasons = " ".join(p.reason_en for p in err.value.problems)
    assert "not a county of the platform's region" in reasons and "negative" in reasons
    assert store.find_submission(plat.engine, YEAR, "carbon_fuel") is None
    assert not (plat.work / str(YEAR)).exists() or not any((plat.work / str(YEAR)).iterdir())


def test_a_gdp_in_the_wrong_unit_is_refused_before_anything_is_stored(plat: Platform) -> None:
    """The GDP form takes 亿元; a county's GDP in 万元 figures (10⁴ too large) or in 亿元
    figures of a yuan slip (10⁴ too small) is refused by row, column and likely unit
    (decision 0091); the demo's own GDP is accepted."""
    rows = demo_rows(plat.carbon, "gdp")
    rows["gdp_current"] = rows["gdp_current"].astype(object)
    rows.loc[1, "gdp_current"] = rows.loc[1, "gdp_current"] * 10_000  # 万元 figures
    rows.loc[2, "gdp_constant_2022"] = rows.loc[2, "gdp_constant_2022"] / 10_000
    with pytest.raises(UploadError) as err:
        plat.upload(STATISTICS, "carbon_gdp", csv_of(rows))
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(3, "gdp_current"), (4, "gdp_constant_2022")}
    reasons = " ".join(p.reason_en for p in err.value.problems)
    assert (
        "more than 30,000 亿元, the bound of a county's GDP; the figures look like 万元" in reasons
    )
    assert "less than 1 亿元" in reasons and "convert the values to 亿元" in reasons
    assert "数值看来是以万元计的" in " ".join(p.reason_zh for p in err.value.problems)
    for p, i in zip(sorted(err.value.problems, key=lambda p: p.row or 0), (1, 2), strict=True):
        code = rows.loc[i, "unit_code"]  # the problem names row and column, its reason the unit
        assert p.reason_en.startswith(f"the GDP of unit_code {code} read in 亿元")
        assert p.reason_zh.startswith(f"单位 {code} 的地区生产总值按亿元")
    assert store.find_submission(plat.engine, YEAR, "carbon_gdp") is None
    plat.upload(STATISTICS, "carbon_gdp", csv_of(demo_rows(plat.carbon, "gdp")))
    assert store.find_submission(plat.engine, YEAR, "carbon_gdp") is not None


def test_the_inventory_refuses_an_unknown_fuel_before_anything_is_stored(plat: Platform) -> None:
    rows = demo_rows(plat.carbon, "fuel").head(3).copy()
    rows.loc[1, "fuel"] = "whale_oil"
    with pytest.raises(UploadError, match="whale_oil"):
        plat.upload(STATISTICS, "carbon_fuel", csv_of(rows))
    assert store.find_submission(plat.engine, YEAR, "carbon_fuel") is None


def test_the_inventory_s_refusal_names_the_row_of_the_uploaded_file(plat: Platform) -> None:
    # a title line above the header (row 1), the header (row 2): the second data row is
    # row 4 of the file, as a spreadsheet shows it (decision 0097)
    rows = demo_rows(plat.carbon, "fuel").head(3).copy()
    rows.loc[1, "category_code"] = "1.A.9"
    with pytest.raises(UploadError) as err:
        plat.upload(
            STATISTICS, "carbon_fuel", "温室气体清单 化石燃料燃烧\n".encode() + csv_of(rows)
        )
    msg = str(err.value)
    assert f"row 4 (unit code {rows.loc[1, 'unit_code']}, {YEAR}): column 'category_code'" in msg
    (problem,) = err.value.problems
    assert (
        f"清单核算无法使用该表：化石燃料燃烧活动水平表第 4 行（单位代码 {rows.loc[1, 'unit_code']}，"
        f"{YEAR} 年）：部门代码 1.A.9 不是燃料燃烧部门"
    ) == problem.reason_zh  # the table named once, in Chinese


def test_missing_and_unknown_columns_are_named(plat: Platform) -> None:
    rows = demo_rows(plat.carbon, "cement").rename(columns={"quantity": "amount"})
    with pytest.raises(UploadError) as err:
        plat.upload(STATISTICS, "carbon_cement", csv_of(rows))
    cols = {p.column for p in err.value.problems}
    assert cols == {"amount", "quantity"}


def test_a_department_fills_only_its_own_carbon_forms(plat: Platform) -> None:
    with pytest.raises(wf.NotAllowedError):
        plat.upload(AGRICULTURE, "carbon_fuel", csv_of(demo_rows(plat.carbon, "fuel")))


def test_a_large_change_from_last_year_must_be_explained(plat: Platform) -> None:
    approve(plat, STATISTICS, "carbon_cement", csv_of(demo_rows(plat.carbon, "cement", 2022)), 2022)
    rows = demo_rows(plat.carbon, "cement")
    first = int(rows.loc[0, "unit_code"])
    rows.loc[0, "quantity"] = rows.loc[0, "quantity"] * 10_000  # t for 万t
    res = plat.upload(STATISTICS, "carbon_cement", csv_of(rows))
    assert [f.county for f in res.flags] == [first]
    assert res.flags[0].kind == "fluctuation" and "%" in res.flags[0].reason_zh
    with pytest.raises(store.WorkflowError):
        wf.submit(plat.engine, STATISTICS, res.submission.id)
    wf.explain(plat.engine, STATISTICS, res.submission.id, {res.flags[0].key: "new kiln line"})
    assert wf.submit(plat.engine, STATISTICS, res.submission.id).state == store.SUBMITTED


def test_the_inventory_runs_on_the_approved_reports(plat: Platform, tmp_path: Path) -> None:
    """Reported tables equal to the demo's give the demo's inventory exactly; a changed
    report changes it; a table not approved is not used and is named."""
    for table, actor in (("fuel", STATISTICS), ("livestock", AGRICULTURE)):
        approve(plat, actor, f"carbon_{table}", csv_of(demo_rows(plat.carbon, table)))
    pending = plat.upload(
        STATISTICS, "carbon_electricity", csv_of(demo_rows(plat.carbon, "electricity"))
    )
    out = tmp_path / "reported"
    got = reported_carbon_dataset(plat.engine, YEAR, work_dir=plat.work, base=plat.carbon, out=out)
    assert got.sources["fuel"].startswith("submission") and got.sources["livestock"].startswith(
        "submission"
    )
    assert got.sources["electricity"].startswith("base dataset") and got.synthetic
    assert got.pending == {"carbon_electricity": store.STATE_NAMES[pending.submission.state]}
    reported = run_inventory(read_dataset(out), YEAR, "AR6")
    demo = run_inventory(read_dataset(plat.carbon), YEAR, "AR6")
    assert totals_g(reported.rows).equals(totals_g(demo.rows))

    # without the base dataset's tables the run is refused, naming the forms not reported
    with pytest.raises(InputError, match="carbon_cement"):
        reported_carbon_dataset(
            plat.engine, YEAR, work_dir=plat.work, base=plat.carbon, out=out, use_base=False
        )
    assert (out / "carbon-dataset.toml").is_file()  # the earlier folder is left whole


def test_run_reported_stores_the_inventory_with_its_sources(plat: Platform) -> None:
    from ganpo.cli.main import app
    from ganpo.store.carbon import list_inventories, load_inventory

    rows = demo_rows(plat.carbon, "cement")
    rows["quantity"] = rows["quantity"] * 2
    approve(plat, STATISTICS, "carbon_cement", csv_of(rows))
    plat.engine.dispose()
    res = CliRunner().invoke(
        app,
        [
            "carbon", "run-reported", "--year", str(YEAR), "--gwp", "AR6",
            "--base", str(plat.carbon), "--work-dir", str(plat.work),
            "--database", str(plat.database),
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "1 table(s) reported by departments" in " ".join(res.output.split())
    engine = open_store(plat.database)
    try:
        iid = list_inventories(engine)[-1].id
        inv = load_inventory(engine, iid)
        assert any("activity table cement" in n and "submission" in n for n in inv.header.notes)
        cement = inv.rows[
            (inv.rows["category_code"] == "2.A.1") & (inv.rows["level"] == "province")
        ]
        demo = run_inventory(read_dataset(plat.carbon), YEAR, "AR6").rows
        base = demo[(demo["category_code"] == "2.A.1") & (demo["level"] == "province")]
        # doubled clinker doubles 2.A.1 to within the rounding of the county rows to grams
        assert abs(int(cement["co2e_g"].sum()) - 2 * int(base["co2e_g"].sum())) <= 200
    finally:
        engine.dispose()


def test_the_excel_template_filled_in_is_accepted(plat: Platform) -> None:
    from openpyxl import load_workbook

    from ganpo.submissions.template import template_xlsx
    from ganpo.submissions.workflow import region_of

    f = form("carbon_livestock", YEAR)
    wb = load_workbook(io.BytesIO(template_xlsx(f, region_of(plat.base, YEAR))))
    ws = wb["填报 data"]
    header = [c.value for c in ws[4]]
    assert header == ["unit_code", "name", "year", "animal", "quantity", "unit"]
    rows = demo_rows(plat.carbon, "livestock")
    for i, r in enumerate(rows.to_dict("records"), start=5):
        for j, k in enumerate(header, start=1):
            if k != "name":
                ws.cell(row=i, column=j, value=r[k])
    out = io.BytesIO()
    wb.save(out)
    res = plat.upload(AGRICULTURE, "carbon_livestock", out.getvalue())
    assert res.submission.current.n_rows == len(rows)


def test_report_forms_check_takes_a_carbon_form(plat: Platform, tmp_path: Path) -> None:
    from ganpo.cli.main import app

    good = tmp_path / "rice.csv"
    good.write_bytes(csv_of(demo_rows(plat.carbon, "rice")))
    bad = tmp_path / "bad.csv"
    rows = demo_rows(plat.carbon, "rice")
    rows.loc[0, "unit"] = "平方米"
    bad.write_bytes(csv_of(rows))
    args = ["report-forms", "check", "carbon_rice"]
    tail = ["--year", str(YEAR), "--data", str(plat.base)]
    ok = CliRunner().invoke(app, [*args, str(good), *tail])
    assert ok.exit_code == 0, ok.output
    assert "校验通过" in ok.output
    no = CliRunner().invoke(app, [*args, str(bad), *tail])
    assert no.exit_code == 1
    assert "平方米" in no.output and "unit" in no.output


FORESTRY = Actor("forest", "reporter", "forestry")


def test_forest_inventories_are_reported_by_their_year(plat: Platform, tmp_path: Path) -> None:
    """The forestry bureau reports the 2023 forest inventory; the 2023 inventory's sink
    then comes from it and the base dataset's 2021 inventory, and a larger 2023 volume
    gives a larger removal."""
    assert form("carbon_forest_stock", YEAR).department == "forestry"
    stock = read_dataset(plat.carbon).tables["forest_stock"]
    y2023 = stock[stock["year"] == 2023].drop(columns=["name"], errors="ignore").copy()
    y2023["quantity"] = (y2023["quantity"] * 1.01).round(4)
    approve(plat, FORESTRY, "carbon_forest_stock", csv_of(y2023))
    out = tmp_path / "reported"
    got = reported_carbon_dataset(plat.engine, YEAR, work_dir=plat.work, base=plat.carbon, out=out)
    assert "2023: submission" in got.sources["forest_stock"]
    assert "2021: base dataset" in got.sources["forest_stock"]

    def sink(folder: Path) -> int:
        rows = run_inventory(read_dataset(folder), YEAR, "AR6").rows
        sel = rows[(rows["category_code"] == "3.B.1.a") & (rows["level"] == "province")]
        return int(sel["co2e_g"].sum())

    assert sink(out) < sink(plat.carbon) < 0  # a larger removal (negative)


def test_a_forest_type_without_factors_is_refused_at_upload(plat: Platform) -> None:
    stock = read_dataset(plat.carbon).tables["forest_stock"]
    rows = stock[stock["year"] == 2023].drop(columns=["name"], errors="ignore").head(3).copy()
    rows.loc[rows.index[0], "forest_type"] = "eucalyptus"
    with pytest.raises(UploadError, match="eucalyptus"):
        plat.upload(FORESTRY, "carbon_forest_stock", csv_of(rows))


def test_the_inventory_s_refusal_is_in_each_language_of_the_problem(plat: Platform) -> None:
    rows = demo_rows(plat.carbon, "fuel").head(3).copy()
    rows.loc[1, "category_code"] = "1.A.9"
    with pytest.raises(UploadError) as err:
        plat.upload(STATISTICS, "carbon_fuel", csv_of(rows))
    (p,) = err.value.problems
    assert p.reason_en.startswith("the inventory cannot use the table: ")
    assert not re.search(r"[\u4e00-\u9fff]", p.reason_en), p.reason_en
    assert p.reason_zh.startswith("清单核算无法使用该表：")
    assert "部门代码 1.A.9" in p.reason_zh
    assert "见英文说明" not in p.reason_zh
