"""`ganpo report-forms`: list, template and an offline check identical to the upload's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from ganpo.cli.common import console, err_console
from ganpo.cli.main import app
from ganpo.io.roles import TABLE_ROLES
from ganpo.submissions.template import fill_template

runner = CliRunner()
console.width = err_console.width = 250


def test_list_template_and_check(demo_platform: Any, tmp_path: Path) -> None:
    r = runner.invoke(app, ["report-forms", "list", "--year", "2022", "-d", "tourism"])
    assert r.exit_code == 0, r.output
    assert "visits* [10^4 person-time]" in r.output and "trip_hours [h]" in r.output
    out = tmp_path / "tourism.xlsx"
    data = str(demo_platform.data_dir)
    args = ["--year", "2022", "--data", data]
    r = runner.invoke(app, ["report-forms", "template", "tourism", *args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    ws = wb["填报 data"]
    assert [c.value for c in ws[2]][2:] == list(TABLE_ROLES["tourism"].columns)
    r = runner.invoke(app, ["report-forms", "check", "tourism", str(out), *args])
    assert r.exit_code == 1  # the template is empty: every required cell is a problem
    assert "200 problem(s)" in r.output  # 100 counties × (visits, tourism_revenue)
    blank = out.read_bytes()
    last = [row[0].value for row in ws.iter_rows(min_row=6)][-1]
    values = {"visits": 1.0, "tourism_revenue": 2.0}

    def with_formula(code: object, key: str) -> object:
        return "=C105" if (code, key) == (last, "tourism_revenue") else values.get(key)

    out.write_bytes(fill_template(blank, with_formula))
    r = runner.invoke(app, ["report-forms", "check", "tourism", str(out), *args])
    assert r.exit_code == 1 and "1 problem(s)" in r.output and "D105" in r.output
    out.write_bytes(fill_template(blank, values))
    r = runner.invoke(app, ["report-forms", "check", "tourism", str(out), *args])
    assert r.exit_code == 0 and "no problems" in r.output
    r = runner.invoke(app, ["report-forms", "template", "nosuch", *args, "--out", str(out)])
    assert r.exit_code == 2 and "unknown form 'nosuch'" in r.output


def test_check_refuses_the_tourism_row_it_used_to_pass(demo_platform: Any, tmp_path: Path) -> None:
    # the row: 10^9 万人次 earning 0.0001 亿元 was "校验通过"; now refused, and a
    # large change since the base dataset's 2022 table is listed for an explanation
    import pandas as pd

    from ganpo.io.manifest import load_manifest

    ds = load_manifest(demo_platform.data_dir)
    entry = ds.manifest.table("tourism", 2023)
    assert entry is not None
    table = pd.read_csv(ds.path(entry))
    table.loc[0, ["visits", "tourism_revenue"]] = [1e9, 0.0001]
    path = tmp_path / "tourism.csv"
    table.to_csv(path, index=False)
    args = ["--year", "2023", "--data", str(demo_platform.data_dir)]
    r = runner.invoke(app, ["report-forms", "check", "tourism", str(path), *args])
    assert r.exit_code == 1, r.output
    assert "校验通过" not in r.output
    assert "人均旅游花费（旅游收入/接待人次）为 1×10^-9 元/人次" in r.output
    assert "4 problem(s) / 共 4 处问题" in r.output
    table = pd.read_csv(ds.path(entry))
    table.loc[3, "visits"] *= 2.2
    table.to_csv(path, index=False)
    r = runner.invoke(app, ["report-forms", "check", "tourism", str(path), *args])
    assert r.exit_code == 0, r.output
    assert "no problems; 1 value(s) need an explanation when reported" in r.output
    assert "changed by +" in r.output  # on the base dataset's 2022 table
