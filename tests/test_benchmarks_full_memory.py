"""``bench_invest.run_ganpo_sampled``, which ``make bench`` uses for the Jiangxi-sized
full account: besides the child's peak resident memory it reports the child's peak
anonymous and file-backed memory sampled from the parent (the routing's working arrays
are file-backed, and their pages count in the peak; issue 19's memory target), and a
child that fails is an error with its output, not a figure."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def bench(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("bench_invest")


def test_the_full_accounts_memory_is_split_into_anonymous_and_file_pages(
    bench: ModuleType, tmp_path: Path
) -> None:
    bench.make_inputs(64, tmp_path)
    seconds, peak, split = bench.run_ganpo_sampled("awy", tmp_path, 1)
    assert seconds > 0 and peak > 50  # an interpreter with numpy and dask, in MiB
    found = re.fullmatch(
        r"of which at most ([\d,]+) MiB anonymous and ([\d,]+) MiB file pages", split
    )
    assert found, split
    anon, file = (int(x.replace(",", "")) for x in found.groups())
    # each sampled peak is part of the resident set at some moment: not above its peak
    assert 0 < anon <= peak + 1 and 0 < file <= peak + 1
    assert bench.run_ganpo("awy", tmp_path, 1)[1] > 50


def test_a_child_that_fails_is_an_error_with_its_output(bench: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as raised:
        bench.run_ganpo_sampled("awy", tmp_path, 1)  # no inputs in the folder
    assert str(raised.value).startswith("ganpo's awy account failed (exit 1):")
    assert "dem.tif" in str(raised.value)


def test_the_full_account_with_d8_routing_by_tiles_is_measured(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--full-d8``: the full account with the D8 LS factor and SDR, routed in the child
    by tiles (every DEM here, in tiles of 32² cells), measured as the MFD one is."""
    assert bench.PROFILES["full_d8"]["soil_retention"] == "rusle_d8"
    assert bench.PHYSICAL["full_d8"] == {"sediment_export": "sdr_d8"}
    others = {k: v for k, v in bench.PROFILES["full_d8"].items() if k != "soil_retention"}
    assert others == {k: v for k, v in bench.PROFILES["full"].items() if k != "soil_retention"}
    assert bench.parser().parse_args(["--full", "13600", "--full-d8"]).full_d8
    assert not bench.parser().parse_args([]).full_d8
    monkeypatch.setenv("GANPO_ROUTING_TILE_CELLS", "0")
    monkeypatch.setenv("GANPO_ROUTING_TILE", "32")
    bench.make_inputs(64, tmp_path)
    seconds, peak, split = bench.run_ganpo_sampled("full_d8", tmp_path, 1)
    assert seconds > 0 and peak > 50 and split.startswith("of which at most")
    made = sorted(p.name.rsplit("_", 1)[0] for p in (tmp_path / "derived0").glob("*.tif"))
    assert made == ["ls_factor_d8", "sdr_d8"]


def test_the_full_account_with_its_mfd_pair_by_tiles_is_measured(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--full-mfd-tiles``: the full account once more with
    ``GANPO_ROUTING_TILE_CELLS_MFD=0`` in the child only, in a cache of its own: its MFD
    LS factor and SDR are routed by tiles (their cache names carry the tile side,
    decision 0108), where the same child without the setting routes the whole DEM."""
    assert bench.parser().parse_args(["--full", "13600", "--full-mfd-tiles"]).full_mfd_tiles
    assert not bench.parser().parse_args([]).full_mfd_tiles
    monkeypatch.delenv("GANPO_ROUTING_TILE_CELLS_MFD", raising=False)
    monkeypatch.setenv("GANPO_ROUTING_TILE", "32")
    bench.make_inputs(64, tmp_path)
    seconds, peak, split = bench.run_ganpo_sampled(
        "full", tmp_path, 1, env={"GANPO_ROUTING_TILE_CELLS_MFD": "0"}, derived="mfd-tiles"
    )
    assert seconds > 0 and peak > 50 and split.startswith("of which at most")
    bench.run_ganpo_sampled("full", tmp_path, 1, derived="whole")
    assert not (tmp_path / "derived0").exists()

    def made(folder: str) -> dict[str, str]:
        names = (p.name.rsplit("_", 1) for p in (tmp_path / folder).glob("*.tif"))
        return {role: digest for role, digest in names}

    tiled, whole = made("mfd-tiles0"), made("whole0")
    assert {"ls_factor_mfd", "sdr_mfd"} <= set(tiled) and set(tiled) == set(whole)
    # the tile side is in these two names only when they were routed by tiles
    assert tiled["ls_factor_mfd"] != whole["ls_factor_mfd"]
    assert tiled["sdr_mfd"] != whole["sdr_mfd"]
    assert "GANPO_ROUTING_TILE_CELLS_MFD" not in os.environ  # the child's only
