"""The decision's monitoring series through the reporting forms: the forms, the checks of
an upload, the review, and the approved values recorded in the stored series (issue 18
point 2)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from ganpo.errors import InputError
from ganpo.store import reporting as store
from ganpo.store.repository import open_store
from ganpo.store.tracking import (
    ObservationRecord,
    observation_history,
    observations_in_force,
    record_observations,
)
from ganpo.submissions import workflow as wf
from ganpo.submissions.dataset import readiness
from ganpo.submissions.forms import all_forms, form, tracking_forms
from ganpo.submissions.template import template_csv, template_xlsx
from ganpo.submissions.tracking_series import reported_series
from ganpo.submissions.validate import UploadError
from ganpo.tracking.decision import register

YEAR = 2023
PROVINCE = 360000


@dataclass
class Actor:
    username: str
    role: str
    department: str | None = None


FORESTRY = Actor("forest", "reporter", "forestry")
ECOLOGY = Actor("eco", "reporter", "ecology")
REVIEWER = Actor("reviewer", "reviewer")


@dataclass
class Platform:
    engine: Engine
    base: Path
    work: Path
    database: Path

    def upload(self, actor: Actor, key: str, data: bytes, year: int = YEAR) -> Any:
        return wf.upload(
            self.engine, actor, form_key=key, year=year, data=data, filename="t.csv",
            base_dir=self.base, work_dir=self.work,
        )  # fmt: skip

    def county(self) -> int:
        return next(iter(wf.region_of(self.base, YEAR).counties))


@pytest.fixture
def plat(demo_platform: Any, tmp_path: Path) -> Iterator[Platform]:
    db = tmp_path / "ganpo.sqlite"
    shutil.copy(demo_platform.database, db)
    engine = open_store(db)
    yield Platform(engine, demo_platform.data_dir, tmp_path / "work", db)
    engine.dispose()


def table(
    *rows: tuple[object, ...], header: str = "unit_code,year,value,unit,source,note"
) -> bytes:
    out = io.StringIO()
    out.write(header + "\n")
    for r in rows:
        out.write(",".join(str(x) for x in r) + "\n")
    return out.getvalue().encode("utf-8")


def approve(plat: Platform, actor: Actor, key: str, data: bytes, year: int = YEAR) -> int:
    res = plat.upload(actor, key, data, year)
    sub = res.submission
    if res.flags:
        wf.explain(plat.engine, actor, sub.id, {f.key: "checked" for f in res.flags})
    wf.submit(plat.engine, actor, sub.id)
    wf.approve(plat.engine, REVIEWER, sub.id)
    return int(sub.id)


def test_one_form_per_reported_indicator_by_its_department() -> None:
    forms = {f.key: f for f in tracking_forms(YEAR)}
    registry = register()
    reported = {k for k, i in registry.indicators.items() if i.collection == "form"}
    assert set(forms) == {f"tracking_{k}" for k in reported}
    # the platform computes GEP, its growth and the carbon figures: no form for them
    for computed in ("gep", "gep_growth", "co2_total", "co2_intensity"):
        assert f"tracking_{computed}" not in forms
    for f in forms.values():
        ind = registry.indicator(f.table)
        assert f.department == ind.department and f.domain == "tracking"
        assert f.units == (ind.unit,) and f.key_column == "unit_code"
    assert forms["tracking_forest_cover"].department_zh == "林业局"
    # listed with every form, not with the GEP account's
    assert "tracking_forest_cover" in {f.key for f in all_forms(YEAR)}
    assert "tracking_forest_cover" not in {f.key for f in all_forms(YEAR, domain="gep")}


def test_gep_readiness_ignores_the_monitoring_forms(plat: Platform) -> None:
    assert not any(r.form.domain == "tracking" for r in readiness(plat.engine, YEAR))


def test_an_upload_with_problems_names_each_and_stores_nothing(plat: Platform) -> None:
    county = plat.county()
    data = table(
        (PROVINCE, YEAR, 163.1, "%", "公报", ""),  # a share above 100 %
        (999999, YEAR, 60.0, "%", "公报", ""),  # not a unit of the region
        (county, 2022, 60.0, "%", "公报", ""),  # another year
        (county // 100 * 100, YEAR, 60.0, "‰", "公报", ""),  # not the indicator's unit
        (county, YEAR, 60.0, "%", "", ""),  # no source
        (county, YEAR, 61.0, "%", "公报", ""),  # the same unit twice
    )
    with pytest.raises(UploadError) as err:
        plat.upload(FORESTRY, "tracking_forest_cover", data)
    found = {(p.row, p.column) for p in err.value.problems}
    assert {(3, "unit_code"), (4, "year"), (5, "unit"), (6, "source"), (7, None)} <= found
    assert store.find_submission(plat.engine, YEAR, "tracking_forest_cover") is None
    # the range is checked once the structure is right, naming the row and the range
    with pytest.raises(UploadError) as err:
        plat.upload(FORESTRY, "tracking_forest_cover", table((PROVINCE, YEAR, 163.1, "%", "x", "")))
    (p,) = err.value.problems
    assert (p.row, p.column, p.value) == (2, "value", "163.1") and "0～100" in p.reason_zh
    folder = wf.storage_dir(plat.work, YEAR)  # no file of a refused upload is left
    assert not folder.exists() or not any(folder.iterdir())


def test_a_missing_column_and_an_unknown_one_are_named(plat: Platform) -> None:
    with pytest.raises(UploadError) as err:
        plat.upload(
            FORESTRY,
            "tracking_forest_cover",
            table((PROVINCE, YEAR, 63.1, "x"), header="unit_code,year,value,sauce"),
        )
    named = {p.column for p in err.value.problems}
    assert {"sauce", "unit", "source"} <= named and "note" not in named  # note is optional


def test_a_department_fills_only_its_own_monitoring_forms(plat: Platform) -> None:
    with pytest.raises(wf.NotAllowedError):
        plat.upload(ECOLOGY, "tracking_forest_cover", table((PROVINCE, YEAR, 63.1, "%", "x", "")))


def test_a_large_change_from_the_stored_series_must_be_explained(plat: Platform) -> None:
    record_observations(
        plat.engine,
        [ObservationRecord("forest_cover", PROVINCE, YEAR - 1, 63.1, "%", "公报", "published")],
    )
    res = plat.upload(
        FORESTRY, "tracking_forest_cover", table((PROVINCE, YEAR, 40.0, "%", "x", ""))
    )
    (flag,) = res.flags
    assert flag.kind == "fluctuation" and flag.county == PROVINCE
    assert "-36.6%" in flag.reason_zh and str(YEAR - 1) in flag.reason_en
    with pytest.raises(store.WorkflowError):
        wf.submit(plat.engine, FORESTRY, res.submission.id)
    wf.explain(plat.engine, FORESTRY, res.submission.id, {flag.key: "new survey method"})
    assert wf.submit(plat.engine, FORESTRY, res.submission.id).state == store.SUBMITTED


def test_approved_values_enter_the_series_with_their_form_and_source(plat: Platform) -> None:
    county = plat.county()
    sub = approve(
        plat,
        FORESTRY,
        "tracking_forest_cover",
        table(
            (PROVINCE, YEAR, 63.35, "%", "《2023年江西省国土绿化状况公报》", ""),
            (county, YEAR, 70.5, "%", "县林业局年报", "含灌木林"),
        ),
    )
    pending = plat.upload(
        ECOLOGY, "tracking_good_air_days_share", table((PROVINCE, YEAR, 96.5, "%", "x", ""))
    )
    got = reported_series(plat.engine, YEAR, plat.work)
    assert got.pending == {
        "tracking_good_air_days_share": store.STATE_NAMES[pending.submission.state]
    }
    assert (
        list(got.used) == ["tracking_forest_cover"]
        and f"submission {sub}" in got.used["tracking_forest_cover"]
    )
    by_unit = {o.unit_code: o for o in got.observations}
    assert by_unit[PROVINCE].value == 63.35 and by_unit[PROVINCE].status == "form"
    assert (
        "林业局报表" in by_unit[PROVINCE].source and "国土绿化状况公报" in by_unit[PROVINCE].source
    )
    assert "version 1" in by_unit[PROVINCE].source and by_unit[county].note == "含灌木林"

    plat.engine.dispose()
    args = ["tracking", "series", "reported", "--year", str(YEAR), "--work-dir", str(plat.work),
            "--database", str(plat.database), "--format", "json"]  # fmt: skip
    from ganpo.cli.main import app

    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert '"outcome": "added"' in res.output and "tracking_good_air_days_share" in res.output
    engine = open_store(plat.database)
    try:
        stored = {
            (o.indicator, o.unit_code): o for o in observations_in_force(engine) if o.year == YEAR
        }
        assert stored[("forest_cover", PROVINCE)].value == 63.35
        assert stored[("forest_cover", county)].status == "form"
        # run again: the same values, no new revision
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0 and '"outcome": "unchanged"' in res.output
        assert len(observation_history(engine, "forest_cover", PROVINCE, YEAR)) == 1
    finally:
        engine.dispose()


def test_an_approved_file_changed_afterwards_is_refused(plat: Platform) -> None:
    approve(plat, FORESTRY, "tracking_forest_cover", table((PROVINCE, YEAR, 63.1, "%", "x", "")))
    sub = store.find_submission(plat.engine, YEAR, "tracking_forest_cover")
    assert sub is not None
    path = wf.stored_path(plat.work, YEAR, sub.current.data_file)
    path.write_text(path.read_text().replace("63.1", "73.1"))
    with pytest.raises(InputError, match="changed after approval"):
        reported_series(plat.engine, YEAR, plat.work)


def test_no_approved_form_is_a_clear_error(plat: Platform) -> None:
    from ganpo.cli.main import app

    plat.engine.dispose()
    res = CliRunner().invoke(
        app,
        ["tracking", "series", "reported", "--year", str(YEAR), "--work-dir", str(plat.work),
         "--database", str(plat.database)],
    )  # fmt: skip
    assert res.exit_code != 0 and "no approved monitoring form of 2023" in res.output


def test_the_templates_take_the_region_cities_and_counties(plat: Platform) -> None:
    f = form("tracking_forest_cover", YEAR)
    region = wf.region_of(plat.base, YEAR)
    header = template_csv(f, region).decode("utf-8-sig").splitlines()[0]
    assert header.split(",")[0] == "unit_code" and "source" in header
    wb = load_workbook(io.BytesIO(template_xlsx(f, region)))
    ws = wb.worksheets[0]
    assert ws.cell(row=2, column=1).value == "区划代码（省、市或县）"
    keys = [c.value for c in ws[4] if c.value]
    # the workbook filled in is accepted, a city row among them
    city = plat.county() // 100 * 100
    for j, v in enumerate([PROVINCE, "江西省", YEAR, 63.1, "%", "公报", ""], start=1):
        ws.cell(row=5, column=j, value=v)
    for j, v in enumerate([city, "", YEAR, 58.2, "%", "市林业局", ""], start=1):
        ws.cell(row=6, column=j, value=v)
    assert keys[:3] == ["unit_code", "name", "year"]
    buf = io.BytesIO()
    wb.save(buf)
    res = plat.upload(FORESTRY, "tracking_forest_cover", buf.getvalue())
    assert res.submission.current.n_rows == 2
    canon = pd.read_csv(wf.stored_path(plat.work, YEAR, res.submission.current.data_file))
    assert list(canon["unit_code"]) == sorted([PROVINCE, city])
