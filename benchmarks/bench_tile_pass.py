"""One round's tile pass of the two MFD seams (issue 19, MFD routed by tiles; decision
0114): along the tile's kept order with the tile in raster order (decisions 0112, 0113)
against the same pass on the tile stored in that order, in this process, alternated.

The tile: bench_invest's landscape at SIDE + 4 cells a side (default 2048, the account's
tiles), pits filled and MFD directions set on the whole window (``routing``), the tile
the window less a two-cell ring. A round seeds the tile's first ring of deep cells (the
cells ``BAND`` from its edge), as the seams' rounds do:

- **forward** (the seam carrying A, W and S): three accumulations from the seeds,
  ``tiled_accum._accumulate_ordered`` against ``_accumulate_kept``, and what leaves the
  tile from each (``_outflows``, ``_outflows_at``);
- **F** (the transposed seam carrying ``σ + d``): the values carried upstream,
  ``tiled_sdr_mfd._up_ordered`` against ``_up_kept``, with the cells of the streams at
  ``THRESHOLD`` cells of flow accumulation and every routed cell reaching one.

For each: the median of ``--repeat`` calls after a first one (each call on arrays
allocated before it), the ratio of the medians, the cells the pass reached, and whether
the results are the same bits (they must be: the program stops if not). The plan's
arrays are made once per tile by the account (its first task): their time is printed
apart. Figures depend on what else runs on the machine.

    .venv/bin/python benchmarks/bench_tile_pass.py
    .venv/bin/python benchmarks/bench_tile_pass.py --side 1024 --repeat 5 --json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_invest import _fields  # the benchmarks' landscape

from ganpo.engine import routing, tiled_accum, tiled_sdr_mfd
from ganpo.engine.tiled_fill import Tile

BAND = 8  # the account's seam band (tiled_sdr)
THRESHOLD = 1000.0  # stream cells [cells of flow accumulation]


def landscape(side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MFD directions, routed cells and stream cells (1, else 0) of the landscape's
    window of ``side`` + 4 cells a side."""
    n = side + 4
    z = np.asarray(_fields(n, 0, n)["dem"], dtype=np.float64)
    routing.fill_pits(z)
    d = routing.flow_direction_mfd(z)
    valid = ~np.isnan(z)
    acc = routing.flow_accumulation(d, valid)
    streams = (routing.extract_streams(acc, d, THRESHOLD) == 1).astype(np.uint8)
    return d, valid, streams


def _median(calls: list[float]) -> float:
    return statistics.median(calls)


def alternated(
    first: Callable[[], Any], second: Callable[[], Any], repeat: int
) -> tuple[float, float]:
    """Medians [s] of ``repeat`` calls of each, taking turns, after one call of each."""
    first(), second()
    a: list[float] = []
    b: list[float] = []
    for i in range(repeat):
        for f, into in ((first, a), (second, b)) if i % 2 == 0 else ((second, b), (first, a)):
            t = time.perf_counter()
            f()
            into.append(time.perf_counter() - t)
    return _median(a), _median(b)


def _same_bits(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if a.shape != b.shape or not np.array_equal(a.view(np.int64), b.view(np.int64)):
        raise SystemExit(f"{what}: the pass on the tile stored in its order gave other bits")


def forward(d: np.ndarray, valid: np.ndarray, side: int, repeat: int) -> dict[str, Any]:
    """The forward seam's round pass, both ways (module docstring)."""
    tile = Tile((0, 0), 2, 2, side, side)
    inner = np.ascontiguousarray(d[2:-2, 2:-2])
    v = np.ascontiguousarray(valid[2:-2, 2:-2])
    ring = np.zeros((side, side), dtype=bool)
    ring[BAND, BAND:-BAND] = ring[-BAND - 1, BAND:-BAND] = True
    ring[BAND:-BAND, BAND] = ring[BAND:-BAND, -BAND - 1] = True
    idx = np.flatnonzero(ring & v).astype(np.int64)
    seed = np.random.default_rng(side).random((idx.size, 3)) + 0.5
    t = time.perf_counter()
    hd, hv = d[1:-1, 1:-1], valid[1:-1, 1:-1]  # the tile with its one-cell halo
    plan = tiled_accum.forward_plan(hd, hv, tile, d.shape)
    made = time.perf_counter() - t
    if plan is None:
        raise SystemExit("the landscape's directions run in a cycle")
    whole = np.zeros((inner.size, 3))
    kept = np.zeros((plan.order.size, 3))

    def ordered() -> Any:
        whole[:] = 0.0
        return tiled_accum._accumulate_ordered(inner, v, plan.order, idx, seed, whole)

    def stored() -> Any:
        kept[:] = 0.0
        return tiled_accum._accumulate_kept(plan.dirs, plan.order, plan.pos, side, idx, seed, kept)

    t_ordered, t_stored = alternated(ordered, stored, repeat)
    a, b = ordered().copy(), stored().copy()
    _same_bits(b, a[plan.order], "forward")
    out_a = tiled_accum._outflows(hd, hv, 1, 1, side, side, a, True)
    out_b = tiled_accum._outflows_at(hd, hv, 1, 1, side, side, b, plan.pos, True)
    for x, y in zip(out_a, out_b, strict=True):
        _same_bits(np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64), "outflows")
    reached = int(np.count_nonzero((a != 0.0).any(axis=1)))
    return {
        "ordered_s": t_ordered,
        "stored_s": t_stored,
        "ratio": t_ordered / t_stored,
        "reached": reached / max(int(np.count_nonzero(v)), 1),
        "plan_s": made,
    }


def up(
    d: np.ndarray, valid: np.ndarray, streams: np.ndarray, side: int, repeat: int
) -> dict[str, Any]:
    """F's round pass, both ways (module docstring)."""
    h = tiled_sdr_mfd.Halo2(d, valid, valid, streams, 2, 2, 0, 0)
    tile = Tile((0, 0), 2, 2, side, side)
    t = time.perf_counter()
    plan = tiled_sdr_mfd.up_plan(h, tile)
    made = time.perf_counter() - t
    if plan is None:
        raise SystemExit("the landscape's directions run in a cycle")
    pulls, total = tiled_sdr_mfd._tile_pulls(d, valid, valid, streams, 2, 2, side, side, False)
    seed = np.zeros((side, side))
    ring = np.zeros((side, side), dtype=bool)
    ring[BAND, BAND:-BAND] = ring[-BAND - 1, BAND:-BAND] = True
    ring[BAND:-BAND, BAND] = ring[BAND:-BAND, -BAND - 1] = True
    ring &= valid[2:-2, 2:-2]
    seed[ring] = np.random.default_rng(side).random(int(np.count_nonzero(ring))) + 0.5
    whole = np.zeros((side, side))
    kept = np.empty(plan.order.size)

    def ordered() -> Any:
        return tiled_sdr_mfd._up_ordered(d, 2, 2, pulls, total, plan.order, seed, whole)

    def stored() -> Any:
        return tiled_sdr_mfd._up_kept(
            plan.dirs, plan.pulls, plan.total, plan.order, plan.pos, side, seed.reshape(-1), kept
        )

    t_ordered, t_stored = alternated(ordered, stored, repeat)
    a, b = ordered().copy(), stored().copy()
    _same_bits(b, a.reshape(-1)[plan.order], "F")
    return {
        "ordered_s": t_ordered,
        "stored_s": t_stored,
        "ratio": t_ordered / t_stored,
        "reached": int(np.count_nonzero(a)) / a.size,
        "plan_s": made,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=2048, help="the tile's side [cells]")
    parser.add_argument("--repeat", type=int, default=7, help="calls of each pass, alternated")
    parser.add_argument("--json", action="store_true", help="the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.side <= 2 * BAND + 2 or args.repeat < 1:
        parser.error(f"--side must be over {2 * BAND + 2} cells and --repeat at least 1")
    d, valid, streams = landscape(args.side)
    got = {
        "side": args.side,
        "forward": forward(d, valid, args.side, args.repeat),
        "F": up(d, valid, streams, args.side, args.repeat),
    }
    if args.json:
        print(json.dumps(got))
        return
    print(f"One round's tile pass, a tile of {args.side}², seeded {BAND} cells from its edge")
    print(f"{'seam':<8} {'raster order':>13} {'stored in order':>16} {'ratio':>6} {'reached':>8}")
    for name in ("forward", "F"):
        g = got[name]
        print(
            f"{name:<8} {g['ordered_s'] * 1e3:>10.1f} ms {g['stored_s'] * 1e3:>13.1f} ms "
            f"{g['ratio']:>6.2f} {g['reached']:>8.1%}"
        )
    print(
        f"the plans, made once per tile: forward {got['forward']['plan_s']:.2f} s, "
        f"F {got['F']['plan_s']:.2f} s; the same bits both ways"
    )


if __name__ == "__main__":
    main()
