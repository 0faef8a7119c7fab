"""``ganpo data check-units`` and ``ganpo data gcj02-to-wgs84``."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from shapely.geometry import box
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.io.datum import wgs84_to_gcj02
from ganpo.io.regions import CHINA_ALBERS, counties_by_adcode
from tinydata import RES, TOWNSHIPS, X0, Y0, build_tiny, column_box, townships_frame, use_units

runner = CliRunner()


@pytest.fixture(autouse=True, scope="module")
def wide_console() -> None:
    from ganpo.cli.common import console, err_console

    console.width = err_console.width = 400


def test_check_units_of_a_dataset(tmp_path: Path) -> None:
    manifest = use_units(build_tiny(tmp_path / "t"))
    result = runner.invoke(app, ["data", "check-units", str(manifest.parent)])
    assert result.exit_code == 0, result.output
    assert (
        "(layer townships): 4 township unit(s) in 2 county(ies); county polygons from layer 'counties'"
        in (result.output)
    )
    assert "no boundary problem / 边界检查通过" in result.output


def test_check_units_lists_problems(tmp_path: Path) -> None:
    path = build_tiny(tmp_path / "t").parent / "units.gpkg"
    rows = [(c, n, p, column_box(col)) for c, n, p, col in TOWNSHIPS]
    rows[0] = (rows[0][0], rows[0][1], rows[0][2], box(X0, Y0 - 2 * RES, X0 + 1.5 * RES, Y0))
    townships_frame(rows).to_file(path, layer="townships", driver="GPKG")
    args = ["data", "check-units", str(path), "--layer", "townships", "--level", "township"]
    result = runner.invoke(app, [*args, "--parent", "counties"])
    assert result.exit_code == 1
    assert "1. layer 'townships': units 360101001 and 360101002 overlap by 10,000 m²" in (
        result.output
    )
    assert "1 boundary problem(s) / 边界问题 1 处" in result.output
    accepted = runner.invoke(app, [*args, "--parent", "counties", "--repair", "trust_overlaps"])
    assert accepted.exit_code == 0, accepted.output
    assert "repair 1 pair(s) of units of layer townships overlap" in accepted.output
    wrong = runner.invoke(app, [*args, "--repair", "fix_everything"])
    assert wrong.exit_code == 2 and "unknown repair(s) fix_everything; valid: make_valid" in (
        wrong.output
    )


def test_gcj02_file_converted(tmp_path: Path) -> None:
    counties = counties_by_adcode([360102, 360103], "EPSG:4326")
    shifted = counties.set_geometry(shapely.transform(counties.geometry.to_numpy(), wgs84_to_gcj02))
    source = tmp_path / "gcj.gpkg"
    shifted.to_crs(CHINA_ALBERS).to_file(source, layer="counties", driver="GPKG")
    refused = runner.invoke(app, ["data", "check-units", str(source)])
    assert refused.exit_code == 1 and "most likely in GCJ-02" in refused.output
    out = tmp_path / "wgs.gpkg"
    result = runner.invoke(app, ["data", "gcj02-to-wgs84", str(source), str(out)])
    assert result.exit_code == 0, result.output
    assert "1 layer(s) converted from GCJ-02 to WGS84" in result.output
    assert runner.invoke(app, ["data", "check-units", str(out)]).exit_code == 0
    again = runner.invoke(app, ["data", "gcj02-to-wgs84", str(source), str(out)])
    assert again.exit_code == 2 and "exists; choose another path or add --force" in again.output
