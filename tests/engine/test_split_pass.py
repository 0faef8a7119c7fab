"""The pass split around derived layers routed beside it (decision 0075): while the LS
factor and the SDR are routed on a thread of their own, the pass sums what does not read
them; the rest is summed after. The account must be the one the sequential order gives."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import ganpo.engine.stages.blockwise as blockwise
import ganpo.engine.stages.on_grid as on_grid_stage
from ganpo.engine.account import AccountResult, run_account
from ganpo.engine.rasters import LayerBlocks
from ganpo.errors import GridError, InputError
from tinydata import tiny_factory, write_raster

#: a sloping DEM over the tiny 2 × 4 grid (flow routing has something to route)
DEM = np.array([[80.0, 70.0, 62.0, 55.0], [75.0, 66.0, 58.0, 50.0]], dtype="float32")


@pytest.fixture
def tiny(tmp_path: Path) -> Callable[..., Path]:
    return tiny_factory(tmp_path)


def _account(path: Path, **kw: Any) -> AccountResult:
    return run_account(path, 2022, "jiangxi-db36-2021", price_policy="as_given", chunk=2, **kw)


def _same(a: AccountResult, b: AccountResult) -> None:
    for name in ("results", "physical", "extent", "coverage"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.decisions == b.decisions
    assert a.notes == b.notes


def test_routing_beside_the_pass_gives_the_sequential_account(
    tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tiny(layers={"dem": DEM})
    split: list[tuple[list[int], list[int], list[str]]] = []
    real = blockwise._split_pass

    def spy(run: Any, name: str, on_grid: Any, graph: Any, late: Any) -> Any:
        split.append((late.early.parts, late.late.parts, late.late.checked))
        return real(run, name, on_grid, graph, late)

    monkeypatch.setattr(blockwise, "_split_pass", spy)
    fractions: list[float] = []
    said: list[Any] = []
    beside = _account(
        path, derived_dir=tmp_path / "d1", on_fraction=fractions.append, progress=said.append
    )
    assert len(split) == 1  # the derived layers were absent: routed beside the pass
    assert said and not [m for m in said if "the pass starts once" in m]  # nothing waits
    early, late, late_checked = split[0]
    assert early and late  # both parts sum something
    assert sorted(late_checked) == ["ls_factor_mfd", "sdr_mfd"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    # the same account with the layers made first: reused from the cache, one pass
    reused = _account(path, derived_dir=tmp_path / "d1")
    assert len(split) == 1
    _same(beside, reused)
    # and routed before the pass, as when value rasters are written
    before = _account(path, derived_dir=tmp_path / "d2", rasters_dir=tmp_path / "rasters")
    assert len(split) == 1
    _same(beside, before)
    soil = beside.results[beside.results.indicator == "soil_retention"]
    assert soil["quantity"].sum() > 0  # the late part's sums are in the account


def test_a_routing_that_fails_beside_the_pass_fails_the_account(
    tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The routing's error is the account's, as when it ran before the pass; nothing of
    the derived layers is left in the cache."""
    path = tiny(layers={"dem": DEM})

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise InputError("the DEM is broken (a test)", field="dem")

    monkeypatch.setattr(on_grid_stage, "ensure_derived_all", broken)
    with pytest.raises(InputError, match="the DEM is broken"):
        _account(path, derived_dir=tmp_path / "d")
    made = list((tmp_path / "d").glob("*.tif")) if (tmp_path / "d").exists() else []
    assert made == []


def _watch_the_pass(monkeypatch: pytest.MonkeyPatch, events: list[str]) -> threading.Event:
    """The early part made to wait for the routing (decision 0104) whatever the machine's
    cores; "pass" recorded as each part starts; the event set once the account's thread
    waits for the routing (for the routing's signal or for its end)."""
    waiting = threading.Event()
    real_wait, real_computing = blockwise.futures_wait, blockwise._computing

    def wait(*args: Any, **kwargs: Any) -> Any:
        waiting.set()
        return real_wait(*args, **kwargs)

    def computing(run: Any) -> Any:
        events.append("pass")
        return real_computing(run)

    monkeypatch.setattr(blockwise, "early_workers", lambda scheduler, cells: 1)
    monkeypatch.setattr(blockwise, "futures_wait", wait)
    monkeypatch.setattr(blockwise, "_computing", computing)
    return waiting


def test_the_early_part_waits_for_the_routing_to_go_on_on_one_thread(
    tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the routing's threaded stages use every core, the early part starts once the
    routing says it goes on on one thread, not before (the routing's signal is held
    until the account's thread waits, so an early part that did not wait would start
    first); the account is the one made without waiting."""
    path = tiny(layers={"dem": DEM})
    plain = _account(path, derived_dir=tmp_path / "plain")
    events: list[str] = []
    waiting = _watch_the_pass(monkeypatch, events)
    real = on_grid_stage.ensure_derived_all

    def ensure(*args: Any, on_one_thread: Any = None, **kwargs: Any) -> Any:
        assert on_one_thread is not None

        def signal() -> None:
            waiting.wait()
            events.append("one thread")
            on_one_thread()

        return real(*args, on_one_thread=signal, **kwargs)

    monkeypatch.setattr(on_grid_stage, "ensure_derived_all", ensure)
    said: list[Any] = []
    gated = _account(path, derived_dir=tmp_path / "gated", progress=said.append)
    assert events == ["one thread", "pass", "pass"]  # the early part, then the late one
    _same(gated, plain)
    # the wait is said, in both languages, so that a still progress bar is explained
    (waits,) = [m for m in said if "the pass starts once" in m]
    assert waits.startswith("tiny 2022: the pass starts once the flow routing's pits")
    assert waits.zh.startswith("tiny 2022 年：汇流演算完成填洼与流向计算后开始分块核算")


def test_a_routing_that_fails_before_its_signal_runs_no_part_of_the_pass(
    tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tiny(layers={"dem": DEM})
    events: list[str] = []
    _watch_the_pass(monkeypatch, events)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise InputError("the DEM is broken (a test)", field="dem")

    monkeypatch.setattr(on_grid_stage, "ensure_derived_all", broken)
    with pytest.raises(InputError, match="the DEM is broken"):
        _account(path, derived_dir=tmp_path / "d")
    assert events == []


@pytest.mark.parametrize(
    ("scheduler", "cells", "cores", "strip_threads", "workers"),
    [
        (None, 2**19, 2, 2, 1),
        ("threads", 10**8, 4, 4, 3),
        (None, 2**19 - 1, 2, 2, None),  # routed on one thread throughout: no wait
        (None, 10**8, 1, 1, None),  # one core: nothing to share
        (None, 10**8, 8, 4, None),  # more cores than the routing's threads: no wait
        ("synchronous", 10**8, 2, 2, None),
        ("processes", 10**8, 2, 2, None),
        ("tcp://127.0.0.1:8786", 10**8, 2, 2, None),
    ],
)
def test_when_the_early_part_waits_and_on_how_many_threads(
    monkeypatch: pytest.MonkeyPatch,
    scheduler: str | None,
    cells: int,
    cores: int,
    strip_threads: int,
    workers: int | None,
) -> None:
    import ganpo.engine.routing as routing

    monkeypatch.setattr(routing, "STRIP_THREADS", strip_threads)
    monkeypatch.setattr(routing, "THREADED_CELLS", 2**19)
    assert blockwise.early_workers(scheduler, cells, cores) == workers


def test_a_layer_made_with_another_shape_is_refused(tmp_path: Path) -> None:
    """A pending layer is announced with the grid's shape; a file of another shape,
    found at its first read, is a GridError naming it."""
    target = tmp_path / "ls.tif"
    blocks = LayerBlocks(target, "ls_factor_mfd", True, shape=(2, 4))
    write_raster(target, np.ones((2, 3), dtype="float32"), nodata=-9999.0)
    with pytest.raises(GridError, match="2 × 3 cells, not 2 × 4"):
        blocks[0:2, 0:2]
