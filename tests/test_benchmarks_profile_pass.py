"""``benchmarks/profile_pass.py``: where the account's processor time goes when it reuses
its routed layers, part by part (the figures of docs/benchmarks.md on issue 19's floor
ratio). On a tiny account: every part is timed, the steps are counted by function and by
their operands' kinds, the parts hold no more than the run's processor time, and the
functions are restored afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from ganpo.engine import rasters, strips, zonal


@pytest.fixture(scope="module")
def prof(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("profile_pass")


@pytest.fixture(scope="module")
def inputs(
    benchmark_module: Callable[[str], ModuleType], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("profile")
    benchmark_module("bench_invest").make_inputs(64, folder)
    return folder


def test_every_part_of_the_pass_is_timed(prof: ModuleType, inputs: Path) -> None:
    originals = (rasters.read_window, zonal._layer_counts, strips.StripPlan.evaluate)
    got = prof.profile(inputs)
    assert (rasters.read_window, zonal._layer_counts, strips.StripPlan.evaluate) == originals
    parts = got["parts"]
    for part in ("reads", "layer checks", "sums"):
        assert parts[part]["calls"] > 0, part
    by_function = {k: v for k, v in parts.items() if k.startswith("steps: ") and "(" not in k}
    by_operands = {k: v for k, v in parts.items() if k.startswith("steps: ") and "(" in k}
    # the full profile's arithmetic: products, quotients and selections, per strip
    assert {"steps: mul", "steps: truediv", "steps: where"} <= set(by_function)
    assert "steps: mul (array, array)" in by_operands
    # each step is counted once by its function and once by its operands
    assert sum(v["calls"] for v in by_function.values()) == sum(
        v["calls"] for v in by_operands.values()
    )
    assert got["steps"] == pytest.approx(sum(v["seconds"] for v in by_function.values()))
    timed = sum(v["seconds"] for k, v in parts.items() if k not in by_operands)
    assert 0 < timed <= got["cpu"] + 0.05  # thread times within the process's


def test_the_report_names_each_part(prof: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    got = {
        "wall": 2.0,
        "cpu": 3.0,
        "steps": 0.5,
        "parts": {
            "layer checks": {"seconds": 1.25, "calls": 7},
            "steps: mul": {"seconds": 0.5, "calls": 3},
        },
    }
    text = prof.report(got)
    assert "2.0 s wall, 3.0 s of processor time" in text
    assert "steps of the strips: 0.50 s" in text
    assert "layer checks" in text and "1.25 s" in text and "7 calls" in text


def test_main_prints_json(
    prof: ModuleType, inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prof.main([str(inputs), "--json"])
    got = json.loads(capsys.readouterr().out)
    assert got["cpu"] > 0 and got["parts"]["reads"]["calls"] > 0
