"""A corpus of bad inputs of the product carbon footprint, run end to end through
``ganpo footprint run`` (in the style of tests/cli/test_bad_input_corpus.py).

Each case starts from a shipped SYNTHETIC demo study (copper cathode, or the rare-earth
oxide for a direct emission), replaces ONE value of its TOML text and runs the command
with ``--format json`` and ``--pact`` (the PACT file is the one thing it writes). Classes:

* ``refused:<what>`` — exit code 2, no traceback, the message names the file or process,
  the field and the value (a regex) and has its Chinese half; no PACT file is written.
* ``accepted`` — a value-neutral change (the same amount in another unit, a number written
  as text): exit code 0 and the good study's footprint by process (to 10⁻⁹).

``pytest --collect-only -q tests/cli/test_bad_input_corpus_footprint.py`` lists the cases.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from corpus_support import has_chinese_half
from ganpo.catalog.files import data_dir
from ganpo.cli.main import app

runner = CliRunner()
COPPER = "demo-copper-cathode.toml"
OXIDE = "demo-rare-earth-oxide.toml"
#: the copper study's first input (mining's electricity) and its concentrate
GRID = 'amount = 3200.0, unit = "kWh"'
CONCENTRATE_OUT = 'name_en = "copper concentrate", amount = 4.0, unit = "t" } ]'
CONCENTRATE_IN = '{ product = "copper_concentrate", amount = 4.0, unit = "t" }'


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    old: str
    new: str
    message: str = ""
    study: str = COPPER

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


INPUT0 = r"processes\.0\.inputs\.0\.amount"
CASES = [
    # ---- amounts
    Case("input-nan", "refused:value", GRID, 'amount = nan, unit = "kWh"',
         rf"{INPUT0} = nan: Input should be a finite number.*产品系统文件有误：{INPUT0} = nan"),
    Case("input-infinite", "refused:value", GRID, 'amount = inf, unit = "kWh"',
         rf"{INPUT0} = inf: Input should be a finite number"),
    Case("input-negative", "refused:value", GRID, 'amount = -3200.0, unit = "kWh"',
         rf"{INPUT0} = -3200.0: Input should be greater than or equal to 0"),
    Case("input-1e308", "refused:value", GRID, 'amount = 1e308, unit = "kWh"',
         rf"{INPUT0} = 1e\+308: Input should be less than or equal to 1000000000000000.*"
         rf"{INPUT0} = 1e\+308 无效"),
    Case("fuel-input-1e308", "refused:value",
         '"fuel:ipcc-2006:diesel", amount = 0.35', '"fuel:ipcc-2006:diesel", amount = 1e308',
         r"processes\.0\.inputs\.1\.amount = 1e\+308"),
    Case("output-zero", "refused:value", CONCENTRATE_OUT, CONCENTRATE_OUT.replace("4.0", "0.0"),
         r"processes\.0\.outputs\.0\.amount = 0.0: Input should be greater than 0"),
    Case("price-1e308", "refused:value", "value = 300.0", "value = 1e308",
         r"processes\.1\.outputs\.1\.value = 1e\+308: Input should be less than or equal"),
    Case("emission-1e308", "refused:value", 'gas = "CO2_fossil", amount = 310.0',
         'gas = "CO2_fossil", amount = 1e308',
         r"processes\.\d\.emissions\.0\.amount = 1e\+308", study=OXIDE),
    Case("carbon-content-above-1", "refused:value", "fossil_carbon_content = 0.0",
         "fossil_carbon_content = 2.0",
         r"fossil_carbon_content = 2.0: Input should be less than or equal to 1.*"
         r"fossil_carbon_content = 2.0 无效"),
    Case("biogenic-content-above-1", "refused:value", "biogenic_carbon_content = 0.0",
         "biogenic_carbon_content = 1.5", r"biogenic_carbon_content = 1.5"),
    Case("gsd-below-1", "refused:value", "gsd = 1.1 }", "gsd = 0.5 }",
         r"processes\.0\.inputs\.0\.gsd = 0.5: Input should be greater than or equal to 1"),
    # a tiny output scales its process's inputs by its inverse: 1e-300 t of concentrate
    # from 1e15 kWh gave nan (inf × 0) before outputs had a floor, and 1e-300 alone a huge
    # finite footprint
    Case("a-chain-beyond-the-float-range", "refused:value",
         f"{CONCENTRATE_OUT}\ninputs = [\n  {{ background = \"grid:national:2022\", {GRID}",
         f"{CONCENTRATE_OUT.replace('4.0', '1e-300')}\ninputs = [\n  "
         f"{{ background = \"grid:national:2022\", amount = 1e15, unit = \"kWh\"",
         r"process 'mining', outputs\.0\.amount = 1e-300 t \(copper_concentrate\) is below "
         r"1e-09.*过程 mining 的产出 copper_concentrate 数量 1e-300 t 小于 1e-09"),
    Case("output-1e-300", "refused:value", CONCENTRATE_OUT, CONCENTRATE_OUT.replace("4.0", "1e-300"),
         r"study.toml: invalid product system: processes\.0: Value error, process 'mining', "
         r"outputs\.0\.amount = 1e-300 t \(copper_concentrate\) is below 1e-09: it would "
         r"scale the process's inputs by 1e\+300"),
    Case("output-subnormal", "refused:value", CONCENTRATE_OUT,
         CONCENTRATE_OUT.replace("4.0", "5e-324"),
         r"process 'mining', outputs\.0\.amount = 5e-324 t \(copper_concentrate\) is below"),
    Case("output-below-the-floor", "refused:value", CONCENTRATE_OUT,
         CONCENTRATE_OUT.replace("4.0", "1e-10"),
         r"process 'mining', outputs\.0\.amount = 1e-10 t \(copper_concentrate\) is below"),
    # ---- units, names, codes
    Case("unit-of-another-dimension", "refused:unit", GRID, 'amount = 3200.0, unit = "t"',
         r"process mining, input grid:national:2022: unit 't' cannot be converted to 'kWh'.*"
         r"单位 't' 不能换算为 'kWh'"),
    Case("unit-empty", "refused:unit", GRID, 'amount = 3200.0, unit = ""',
         r"processes\.0\.inputs\.0\.unit = '': String should have at least 1 character"),
    Case("grid-year-unknown", "refused:code", "grid:national:2022", "grid:national:1800",
         r"no grid emission factor .* in 1800.*1800 年电力排放因子缺失"),
    Case("background-malformed", "refused:code", "grid:national:2022", "xx",
         r"background 'xx' is not grid:<region>:<year>.*背景过程格式有误"),
    Case("stage-unknown", "refused:code", 'stage = "raw_material"', 'stage = "xx"',
         r"processes\.0\.stage = 'xx': Input should be 'raw_material'"),
    Case("gwp-unknown", "refused:code", 'gwp = "AR6"', 'gwp = "AR9"', r"gwp = 'AR9'"),
    Case("process-key-twice", "refused:code", 'key = "refining"', 'key = "smelting"',
         r"process key 'smelting' is given twice.*产品系统有误"),
    Case("input-product-unknown", "refused:code", CONCENTRATE_IN,
         CONCENTRATE_IN.replace("copper_concentrate", "copper_x"),
         r"input product 'copper_x' has no process"),
    Case("reference-year-text", "refused:code", "reference_year = 2022",
         'reference_year = "x"', r"reference_year = 'x': Input should be a valid integer"),
    # ---- fine inputs
    Case("electricity-in-MWh", "accepted", GRID, 'amount = 3.2, unit = "MWh"'),
    Case("concentrate-in-kg", "accepted", CONCENTRATE_IN,
         CONCENTRATE_IN.replace('4.0, unit = "t"', '4000.0, unit = "kg"')),
    Case("amount-as-text", "accepted", GRID, 'amount = "3200", unit = "kWh"'),
]  # fmt: skip


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def footprint_run(study: Path, pact: Path) -> Result:
    return runner.invoke(
        app, ["footprint", "run", str(study), "--format", "json", "--pact", str(pact)]
    )


def by_process(stdout: str) -> dict[str, float]:
    """The footprint by process from the JSON on stdout (which holds nothing else: the
    line saying the PACT file was written goes to stderr)."""
    return {p["key"]: p["kg"] for p in json.loads(stdout)}


def test_gb18030_study_is_refused_in_both_languages(tmp_path: Path) -> None:
    """TOML is UTF-8 by its specification: a GB 18030 file is refused, saying so."""
    study = tmp_path / "study.toml"
    text = (data_dir("footprint") / COPPER).read_text(encoding="utf-8")
    study.write_bytes(text.encode("gb18030"))
    r = footprint_run(study, tmp_path / "pact.json")
    flat = " ".join(r.output.split())
    assert r.exit_code == 2, flat
    assert "study.toml: cannot read the product system" in flat
    assert "须为 UTF-8 编码的 TOML" in flat
    assert not (tmp_path / "pact.json").exists()


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    good_text = (data_dir("footprint") / case.study).read_text(encoding="utf-8")
    assert good_text.count(case.old) >= 1, case.old
    study, pact = tmp_path / "study.toml", tmp_path / "pact.json"
    study.write_text(good_text.replace(case.old, case.new, 1), encoding="utf-8")
    r = footprint_run(study, pact)
    output = r.output
    assert "Traceback" not in output, output
    if case.cls.startswith("refused:"):
        flat = " ".join(output.split())
        assert r.exit_code == 2, flat
        assert re.search(case.message, flat, re.S), flat
        assert has_chinese_half(flat), f"no Chinese half: {flat}"
        assert not pact.exists(), "a refused run wrote its PACT file"
        return
    assert r.exit_code == 0, output
    good_study = tmp_path / "good.toml"
    good_study.write_text(good_text, encoding="utf-8")
    good = footprint_run(good_study, tmp_path / "good-pact.json")
    assert good.exit_code == 0, good.output
    got, want = by_process(r.stdout), by_process(good.stdout)
    assert got == {k: pytest.approx(v, rel=1e-9) for k, v in want.items()}
