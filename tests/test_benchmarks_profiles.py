"""Every profile, parameter set and catalogue name the benchmarks use resolves, checked
as an account checks them before it computes, without running one: the benchmarks
(``benchmarks/``) are not run by the tests, and a method renamed in the catalogue once
broke ``make bench`` unnoticed for a day (bench_invest's full account named the flood
method 'vegetation_storm' after its rename to 'vegetation').

- bench_invest.py: each of its account profiles (``ganpo_profile(model)`` for every model
  of ``PROFILES``) with its parameter set (``ganpo_params``), written as a profile file and
  read back (the validation of a profile file: fields, indicator names, dropped
  indicators), then the account's planning stage (``load_plan``: the methods of every
  indicator and physical indicator, the parameters they read, the double-counting
  rules, the prices) on the tiny dataset;
- bench_cli.py: the profiles, parameter sets and indicators its timed commands name.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
import tomli_w

from ganpo.catalog.indicators import indicators
from ganpo.catalog.parameters import ParameterSet, load_parameter_set
from ganpo.catalog.profiles import Profile, load_profile, load_profile_file
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.plan import load_plan
from ganpo.errors import UnknownNameError
from ganpo.io.manifest import load_manifest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def benchmarks(benchmark_module: Callable[[str], ModuleType]) -> Callable[[str], ModuleType]:
    """Import a benchmark script by name (conftest's ``benchmark_module``)."""
    return benchmark_module


def _check_as_an_account(
    profile: Profile, parameter_set: ParameterSet, dataset: Path, file: Path
) -> None:
    """What ``run_account(dataset, year, <profile file>, parameter_set)`` checks before it
    computes: the profile file read and validated, then the account's planning stage.
    ``file`` is where the profile is written: one path per profile (``load_profile`` keeps
    what it read by path)."""
    path = file
    path.write_text(tomli_w.dumps(profile.model_dump(mode="json", exclude_none=True)), "utf-8")
    load_profile_file(path)
    year = load_manifest(dataset).manifest.years[0]
    run = Run(dataset=dataset, year=year, profile=str(path), parameter_set=parameter_set)
    plan = load_plan(run)
    assert dict(plan.profile.indicators) == dict(profile.indicators)
    assert {m.indicator: m.key for m in plan.methods} == dict(profile.indicators)
    assert {m.indicator: m.key for m in plan.physical} == dict(profile.physical)


def test_bench_invest_profiles_pass_the_account_checks(
    benchmarks: Callable[[str], ModuleType], tiny: Callable[..., Path], tmp_path: Path
) -> None:
    bench = benchmarks("bench_invest")
    dataset = tiny()
    assert set(bench.PROFILES) == {"awy", "sdr", "full", "full_d8"}  # a new one is checked too
    for model in bench.PROFILES:
        profile = bench.ganpo_profile(model)
        params = bench.ganpo_params(1000)
        _check_as_an_account(profile, params, dataset, tmp_path / f"{model}.toml")


def test_a_renamed_method_fails_the_check(
    benchmarks: Callable[[str], ModuleType], tiny: Callable[..., Path], tmp_path: Path
) -> None:
    """The check itself: the full profile as it stood before the fix is refused."""
    bench = benchmarks("bench_invest")
    full = bench.ganpo_profile("full")
    stale = full.model_copy(
        update={"indicators": {**full.indicators, "flood_regulation": "vegetation_storm"}}
    )
    with pytest.raises(UnknownNameError, match="vegetation_storm"):
        _check_as_an_account(stale, bench.ganpo_params(1000), tiny(), tmp_path / "stale.toml")


def test_bench_cli_names_resolve(benchmarks: Callable[[str], ModuleType]) -> None:
    named: dict[str, set[str]] = {"profiles": set(), "params": set(), "catalog": set()}
    for command in benchmarks("bench_cli").COMMANDS:
        words = [w for w in shlex.split(command)[1:] if not w.startswith("-")]
        if words[:2] == ["params", "show"]:
            named["params"].update(words[2:])
        elif words[:1] in (["profiles"], ["catalog"]):
            named[words[0]].update(words[1:])
    assert named["profiles"] and named["params"] and named["catalog"]  # the parse found them
    for name in named["profiles"]:
        load_profile(name)
    for name in named["params"]:
        load_parameter_set(name)
    assert named["catalog"] <= set(indicators())


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCHMARKS.glob("*.py")))
def test_every_benchmark_module_imports(name: str, benchmarks: Callable[[str], ModuleType]) -> None:
    """Each script of ``make bench`` and its helpers import (their top level: what they
    import from ganpo and from each other), so that a helper moved or renamed in one
    benchmark does not break another unnoticed, as bench_tiled_sdr's import of a peak-memory
    reader moved out of bench_tiled_accum once did."""
    assert benchmarks(name).__name__ == name


def test_bench_invest_refuses_an_unknown_model(
    benchmarks: Callable[[str], ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--models`` takes only the models the InVEST runner runs: a misspelt one is refused
    by the command line, naming the choices, before any raster is made (it used to reach
    the InVEST child and end in a traceback)."""
    bench = benchmarks("bench_invest")
    assert bench.parser().parse_args(["--models", "sdr", "carbon"]).models == ["sdr", "carbon"]
    assert bench.parser().parse_args([]).models == ["awy", "sdr", "carbon"]
    with pytest.raises(SystemExit):
        bench.parser().parse_args(["--models", "swy"])
    err = capsys.readouterr().err
    assert "invalid choice: 'swy'" in err and "'awy', 'sdr', 'carbon'" in err
    # every model offered is one the InVEST runner knows; ganpo's side runs an account
    # profile for each but carbon storage, which it sums block by block (ganpo_carbon)
    for model in bench.MODELS:
        assert f'"{model}": ' in bench.RUNNER
    assert set(bench.MODELS) - set(bench.PROFILES) == {"carbon"}
