"""``benchmarks/bench_tile_pass.py`` (decision 0114): on a small tile it prints both
seams' passes, raster order against stored in order, with figures that are times and
shares; and it stops, naming the seam, when the pass on the tile stored in its order
gives other bits than the pass in raster order."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("bench_tile_pass")


def test_it_prints_both_seams_passes(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["--side", "96", "--repeat", "1", "--json"])
    got = json.loads(capsys.readouterr().out)
    assert got["side"] == 96
    for seam in ("forward", "F"):
        g = got[seam]
        assert g["ordered_s"] > 0 and g["stored_s"] > 0 and g["plan_s"] > 0
        assert g["ratio"] == pytest.approx(g["ordered_s"] / g["stored_s"])
        assert 0.0 < g["reached"] <= 1.0
    bench.main(["--side", "96", "--repeat", "1"])
    text = capsys.readouterr().out
    assert "forward" in text and "stored in order" in text and "{" not in text


@pytest.mark.parametrize(
    ("module", "kernel", "seam"),
    [("tiled_accum", "_accumulate_kept", "forward"), ("tiled_sdr_mfd", "_up_kept", "F")],
)
def test_other_bits_stop_it(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch, module: str, kernel: str, seam: str
) -> None:
    mod = getattr(bench, module)
    real = getattr(mod, kernel)

    def off_by_a_bit(*args: object) -> np.ndarray:
        out = real(*args)
        out.reshape(-1)[np.flatnonzero(out.reshape(-1))[0]] *= 1 + 2**-52
        return out

    monkeypatch.setattr(mod, kernel, off_by_a_bit)
    with pytest.raises(SystemExit, match=f"{seam}: .*other bits"):
        bench.main(["--side", "96", "--repeat", "1"])
