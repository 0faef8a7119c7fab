"""A corpus of bad inputs of a zoning dataset, run end to end through ``ganpo zoning
validate`` (in the style of tests/cli/test_bad_input_corpus.py).

Each case copies the SYNTHETIC zoning demo (built once per module: Jiangxi's counties, three
control units each, red lines, a requirement list), changes ONE thing — a field of
``zoning-dataset.toml``, a clause of ``requirements.toml``, a feature, the CRS of the units
layer — and validates it: exit code 2, no traceback, the message names the file or unit,
the field and the value (a regex) and has its Chinese half. (The command writes nothing.)

``pytest --collect-only -q tests/cli/test_bad_input_corpus_zoning.py`` lists the cases.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon
from typer.testing import CliRunner

from corpus_support import has_chinese_half
from ganpo.cli.main import app
from ganpo.demo.zoning import build_zoning_demo

runner = CliRunner()


def text(file: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / file
        body = path.read_text(encoding="utf-8")
        assert old in body, old
        path.write_text(body.replace(old, new, 1), encoding="utf-8")

    return mutate


def units(edit: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        layer = gpd.read_file(folder / "units.gpkg")
        edit(layer).to_file(folder / "units.gpkg", driver="GPKG")

    return mutate


def first_geometry(geometry: object) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    return lambda u: u.set_geometry([geometry, *u.geometry[1:]], crs=u.crs)


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    mutate: Callable[[Path], None]
    message: str

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


DESC = "zoning-dataset.toml"
REQ = "requirements.toml"
UNIT0 = "unit ZH36010210001"
BOWTIE = Polygon([(1051491, 3081246), (1052491, 3082246), (1052491, 3081246), (1051491, 3082246)])
CASES = [
    Case("region-text", "refused:description", text(DESC, "region = 360000", 'region = "x"'),
         r"zoning-dataset.toml: region = 'x': Input should be a valid integer.*"
         r"数据集说明中 region = 'x' 无效"),
    Case("version-text", "refused:description", text(DESC, "version = 2023", 'version = "x"'),
         r"version = 'x': Input should be a valid integer"),
    Case("units-file-missing", "refused:description",
         text(DESC, 'units = "units.gpkg"', 'units = "nope.gpkg"'),
         r"the units layer 'nope.gpkg' is not in the dataset folder.*缺少图层文件"),
    Case("requirement-effect-unknown", "refused:requirement",
         text(REQ, 'effect = "prohibited"', 'effect = "xx"'),
         r"requirements.toml, requirement 1: effect: Input should be 'prohibited'"),
    Case("requirement-industry-unknown", "refused:requirement",
         text(REQ, 'industries = ["B", "25"', 'industries = ["ZZ9", "25"'),
         r"requirement P-SL-01: industry code 'ZZ9' is not in GB/T 4754-2017"),
    Case("requirement-twice", "refused:requirement",
         text(REQ, 'id = "P-SL-02"', 'id = "P-SL-01"'),
         r"requirement id 'P-SL-01' is given twice"),
    Case("unit-category-unknown", "refused:unit",
         units(lambda u: u.assign(category=["xx", *u.category[1:]])),
         rf"{UNIT0}: category 'xx' is not one of priority, key, general"),
    Case("unit-code-twice", "refused:unit",
         units(lambda u: u.assign(code=[u.code[1], *u.code[1:]])),
         r"unit code ZH36010220001 is given twice \(features 0 and 1\)"),
    Case("unit-geometry-empty", "refused:unit", units(first_geometry(Polygon())),
         rf"{UNIT0}: empty geometry"),
    Case("unit-geometry-self-intersecting", "refused:unit", units(first_geometry(BOWTIE)),
         rf"{UNIT0}: invalid geometry \(self-intersecting\?\)"),
    Case("unit-geometry-point", "refused:unit",
         units(first_geometry(Point(1051491, 3081246))), rf"{UNIT0}: a Point, not a polygon"),
    Case("units-crs-says-degrees-of-metres", "refused:crs",
         units(lambda u: u.set_crs("EPSG:4326", allow_override=True)),
         r"units.gpkg: the units layer's coordinates \(839971, 2.60259e\+06\) – .* are no "
         r"longitudes and latitudes, yet its CRS EPSG:4326 says they are.*不是经纬度"),
]  # fmt: skip


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build_zoning_demo(tmp_path_factory.mktemp("zoning") / "demo")
    r = runner.invoke(app, ["zoning", "validate", str(folder)])
    assert r.exit_code == 0, r.output
    return folder


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_zoning_dataset(case: Case, demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "zoning"
    shutil.copytree(demo, folder)
    case.mutate(folder)
    r = runner.invoke(app, ["zoning", "validate", str(folder)])
    output = " ".join(r.output.split())
    assert "Traceback" not in output, output
    assert r.exit_code == 2, output
    assert re.search(case.message, output), output
    assert has_chinese_half(output), f"no Chinese half: {output}"
