"""The pass's per-cell arithmetic in strips of rows (ganpo.engine.strips): bitwise the
sums of the whole-block pass, with only the tasks known to be per-cell cut in strips."""

from __future__ import annotations

import math
from typing import Any

import dask
import dask.array as da
import numpy as np
import pytest
from dask.highlevelgraph import HighLevelGraph

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.engine import strips, zonal
from ganpo.engine.zonal import LayerCount, zonal_sums_graph
from ganpo.services.base import lookup

SHAPE = (150, 97)
CHUNKS = (64, 40)  # ragged blocks at the bottom and right edges


def _running_sum(block: np.ndarray) -> np.ndarray:
    """Not per-cell: each cell depends on the cells above it in its block."""
    return np.cumsum(block, axis=0)


def _account(rng: np.random.Generator) -> dict[str, Any]:
    """Zones, codes and several components, masks and checked layers over them, as the
    services make them (ufuncs, operators, where, per-type lookups), with a task that is
    not per-cell and arrays broadcast across rows and columns."""

    def layer(scale: float) -> da.Array:
        # magnitudes over many decades: a sum in another order is another float64
        v = rng.normal(size=SHAPE) * 10.0 ** rng.integers(-4, 8, SHAPE) * scale
        v[rng.random(SHAPE) < 0.05] = np.nan
        return da.from_array(v, chunks=CHUNKS)

    zones = da.from_array(rng.integers(-1, 5, SHAPE).astype(np.int32), chunks=CHUNKS)
    codes_np = rng.choice(np.array([1, 2, 3, 11, RASTER_NODATA], dtype=np.uint8), SHAPE)
    codes = da.from_array(codes_np, chunks=CHUNKS)
    a, b, c = layer(1.0), layer(1e-3), np.abs(layer(10.0))
    row = da.from_array(rng.random((1, SHAPE[1])) + 0.5, chunks=(1, CHUNKS[1]))
    column = da.from_array(rng.random((SHAPE[0], 1)) + 0.5, chunks=(CHUNKS[0], 1))
    scalar = da.from_array(np.float64(1.75))
    factor = lookup(codes, {1: 0.25, 2: 3.0, 11: 7.5}, 0.5)
    values = [
        a * factor,
        np.where(factor == 0.5, b, a * 0.0) * row,
        np.exp(-((c / 1e3) ** 0.5)) * a - b * column,
        -(a**2.0) / (c + 1.0) * scalar,
        np.maximum(a, b) + zonal.N_CODES,
        da.map_blocks(_running_sum, a, dtype="float64") * 2.0,
        da.map_blocks(_running_sum, np.where(a > 0.0, a, b), dtype="float64") * factor,
    ]
    masks = [a > b, np.isnan(c * factor)]
    checked = [a, c, b]
    counts = [LayerCount((-1.0, 1.0), True), LayerCount((0.0, math.inf), True), LayerCount()]
    return {
        "zones": zones,
        "codes": codes,
        "values": values,
        "n_zones": 5,
        "ranges": checked,
        "masks": masks,
        "counts": counts,
    }


def _sums(kw: dict[str, Any], strip_rows: int | None) -> tuple[np.ndarray, ...]:
    graph = zonal_sums_graph(
        kw["zones"],
        kw["codes"],
        kw["values"],
        kw["n_zones"],
        kw["ranges"],
        masks=kw["masks"],
        counts=kw["counts"],
        strip_rows=strip_rows,
    )
    (got,) = dask.compute(graph, scheduler="synchronous")
    return tuple(got)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("strip_rows", [1, 5, 16, 64, 1024])
def test_strips_sum_bitwise_what_whole_blocks_sum(
    seed: int, strip_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    kw = _account(np.random.default_rng(seed))
    whole = _sums(kw, None)
    evaluated: list[int] = []
    original = strips.StripPlan.evaluate

    def counting(self: strips.StripPlan, inputs: Any) -> list[Any]:
        evaluated.append(len(self.steps))
        return original(self, inputs)

    monkeypatch.setattr(strips.StripPlan, "evaluate", counting)
    got = _sums(kw, strip_rows)
    blocks = math.ceil(SHAPE[0] / CHUNKS[0]) * math.ceil(SHAPE[1] / CHUNKS[1])
    per_block = sum(math.ceil(r / strip_rows) for r in (64, 64, 22)) * 3  # rows of blocks
    assert len(evaluated) == per_block  # each block in its strips, each strip once
    assert len(evaluated) >= blocks and min(evaluated) > 10  # the arithmetic was stripped
    assert len(got) == len(whole) == 3
    for g, w in zip(got, whole, strict=True):
        assert g.shape == w.shape and g.dtype == w.dtype
        assert g.tobytes() == w.tobytes()  # bitwise, NaN and signed zeros included
    assert (whole[0][1] != 0).any() and np.isfinite(whole[1]).all()


def test_only_per_cell_tasks_are_planned() -> None:
    """The planned steps are the per-cell operations; the reads, the lookup's table and
    the tasks that are not per-cell (a running sum down a block) are its inputs."""
    kw = _account(np.random.default_rng(0))
    arrays = [*kw["values"], *kw["masks"], *kw["ranges"]]
    graph = dict(HighLevelGraph.merge(*(a.__dask_graph__() for a in arrays)))
    plan, inputs = strips.plan_block(graph, [(a.name, 0, 0) for a in arrays], set())
    planned = {getattr(f, "__name__", "") for f, _, _, _ in plan.steps}
    cell_by_cell = {"mul", "where", "exp", "pow", "neg", "truediv", "maximum", "gt"}
    assert cell_by_cell | {"take_by_code"} <= planned
    assert "isnan" in planned and "_running_sum" not in planned
    assert "_enforce_dtype" in planned  # the product with a 0-d dask array
    names = [k[0] if isinstance(k, tuple) else k for k in inputs]
    assert sum(n.startswith("_running_sum") for n in names) == 2
    assert not [n for n in names if n.startswith(("mul", "where", "exp"))]


def test_an_input_not_cut_by_rows_keeps_the_block_whole() -> None:
    rows = 10
    block = np.zeros((rows, 4))
    assert len(strips.strips_of([block, np.float64(2.0), np.ones((1, 4))], rows, 3)) == 4
    assert strips.strips_of([block, np.ones((rows + 1, 4))], rows, 3) == [(0, rows)]
    assert strips.strips_of([block, np.ma.masked_array(block)], rows, 3) == [(0, rows)]
    assert strips.strips_of([block], rows, rows) == [(0, rows)]
