"""The flats' draining with less memory, the same bits (issue 19's 2 GB target: one flat of
3·10⁷ cells drained across tiles held 3 GB):

- ``routing._drain_region``'s first-in-first-out queue is a ring that holds the waiting
  entries only, doubled when full; it must give what the list that kept every entry
  gave, also when the ring fills while its head has moved (wrapped entries copied in
  order);
- ``tiled_dirs._flat_out`` collects a drained flat's cells without a lower neighbour and
  their directions in one pass, as ``np.nonzero`` and a filter gave them;
- ``tiled_dirs._by_tile`` groups cells by tile with a counting sort, as numpy's stable
  ``argsort`` did.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from ganpo.engine import routing, tiled_dirs


def _drained_with_a_list(
    z: NDArray[np.float64], r0: int, c0: int, mfd: bool
) -> tuple[NDArray[np.float64], NDArray[np.uint8], NDArray[np.uint32], int]:
    """``routing._drain_flat`` written plainly, its queue a Python list that keeps every
    entry (the code before the ring); also the most entries waiting at once."""
    rows, cols = z.shape
    flat = np.zeros(z.shape, dtype=np.uint8)
    dist = np.full(z.shape, routing._no_distance(rows, cols))
    d8 = np.full(z.shape, routing.D8_NONE, dtype=np.uint8)
    packed = np.zeros(z.shape, dtype=np.uint32)
    w = np.zeros(8)
    height = z[r0, c0]
    region = [r0 * cols + c0]
    flat[r0, c0] = 2
    head = 0
    while head < len(region):
        r, c = divmod(region[head], cols)
        head += 1
        for k in range(8):
            rn, cn = r + int(routing.DROW[k]), c + int(routing.DCOL[k])
            if 0 <= rn < rows and 0 <= cn < cols and z[rn, cn] == height and flat[rn, cn] != 2:
                flat[rn, cn] = 2
                region.append(rn * cols + cn)
    queue = []
    for i in region:
        r, c = divmod(i, cols)
        if routing._drops(z, r, c, w) > 0.0:
            dist[r, c] = 0.0
            queue.append(i)
    if not queue:  # the flat drains over the raster's edge or into nodata
        for i in region:
            r, c = divmod(i, cols)
            total, best = 0.0, -1
            for k in range(8):
                w[k] = 0.0
                rn, cn = r + int(routing.DROW[k]), c + int(routing.DCOL[k])
                if 0 <= rn < rows and 0 <= cn < cols and not np.isnan(z[rn, cn]):
                    continue
                w[k] = routing.INV_SQRT2 if k & 1 else 1.0
                total += w[k]
                if best < 0 or best & 1:
                    best = k
            if total > 0.0:
                dist[r, c] = 0.0
                queue.append(i)
                if mfd:
                    packed[r, c] = routing._pack(w, total)
                else:
                    d8[r, c] = best
    head, most = 0, 0
    while head < len(queue):
        most = max(most, len(queue) - head)
        r, c = divmod(queue[head], cols)
        head += 1
        for k in range(8):
            rn, cn = r + int(routing.DROW[k]), c + int(routing.DCOL[k])
            if not (0 <= rn < rows and 0 <= cn < cols) or z[rn, cn] != height:
                continue
            candidate = dist[r, c] + (routing.SQRT2 if k & 1 else 1.0)
            if dist[rn, cn] > candidate:
                dist[rn, cn] = candidate
                if not mfd:
                    d8[rn, cn] = (k + 4) % 8
                queue.append(rn * cols + cn)
    if mfd:
        unset = routing._no_distance(rows, cols)
        for i in region:
            r, c = divmod(i, cols)
            if dist[r, c] == 0.0 or dist[r, c] == unset:
                continue
            total = 0.0
            for k in range(8):
                w[k] = 0.0
                rn, cn = r + int(routing.DROW[k]), c + int(routing.DCOL[k])
                inside = 0 <= rn < rows and 0 <= cn < cols
                if inside and z[rn, cn] == height and dist[rn, cn] < dist[r, c]:
                    w[k] = routing.INV_SQRT2 if k & 1 else 1.0
                    total += w[k]
            if total > 0.0:
                packed[r, c] = routing._pack(w, total)
    return dist, d8, packed, most


def _plateau(n: int, seed: int, pit: bool) -> NDArray[np.float64]:
    """A plateau of height 1 with walls (height 2) on a tenth of its cells, around one
    lower cell in its middle (``pit``), else without outlets (it drains over the raster's
    edge and into a nodata cell there): the drained front grows as it
    spreads, and the walls make cells reached first by a longer path and improved later."""
    rng = np.random.default_rng(seed)
    z = np.ones((n, n))
    z[rng.random((n, n)) < 0.1] = 2.0
    z[n // 2 - 1 : n // 2 + 2, n // 2 - 1 : n // 2 + 2] = 1.0
    if pit:
        z[n // 2, n // 2] = 0.0
    else:  # no walls along the edge: its 1,040 cells are outlets, but one of nodata
        z[[0, -1], :] = z[:, [0, -1]] = 1.0
        z[0, 5] = np.nan
    return z


@pytest.mark.parametrize("mfd", [False, True], ids=["d8", "mfd"])
@pytest.mark.parametrize(("seed", "pit"), [(1, True), (2, True), (3, False)])
def test_the_ring_drains_a_flat_as_the_list_did(mfd: bool, seed: int, pit: bool) -> None:
    z = _plateau(261, seed, pit)
    r0, c0 = 130, 131  # next to the middle: in the flat
    want_dist, want_d8, want_packed, most = _drained_with_a_list(z, r0, c0, mfd)
    # the ring (1,024 entries at first) fills while its head has moved on (eight outlets
    # next to the pit), or while its outlets are queued (over a thousand along the edge)
    assert most > 1024
    rows, cols = z.shape
    flat = np.zeros(z.shape, dtype=np.uint8)
    dist = np.full(z.shape, routing._no_distance(rows, cols))
    d8 = np.full(z.shape, routing.D8_NONE, dtype=np.uint8)
    packed = np.zeros(z.shape, dtype=np.uint32)
    routing._drain_flat(z, r0, c0, flat, dist, d8, packed, mfd, np.zeros(8))
    np.testing.assert_array_equal(dist, want_dist)  # every float64 bit
    if mfd:
        np.testing.assert_array_equal(packed, want_packed)
    else:
        np.testing.assert_array_equal(d8, want_d8)


def test_a_full_ring_is_unrolled_in_order() -> None:
    ring = np.arange(8, dtype=np.int64)  # the entries 3, 4, …, 7, 0, 1, 2 from head 3
    np.testing.assert_array_equal(routing._ring_grown(ring, 3)[:8], [3, 4, 5, 6, 7, 0, 1, 2])
    assert routing._ring_grown(ring, 0).size == 16


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(3, 12),
    st.integers(3, 12),
    st.integers(0, 9),
    st.integers(0, 9),
    st.booleans(),
)
def test_a_flats_cells_and_directions_are_collected_as_before(
    seed: int, rows: int, cols: int, r0: int, c0: int, mfd: bool
) -> None:
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 3, (rows, cols)).astype(np.float32)
    z[rng.random((rows, cols)) < 0.1] = np.nan
    marks = rng.integers(0, 3, (rows, cols)).astype(np.uint8)
    directions = rng.integers(0, 2**32 if mfd else 256, (rows, cols)).astype(
        np.uint32 if mfd else np.uint8
    )
    width = cols + 20
    rr, cc = np.nonzero(marks == 2)
    w = np.zeros(8)
    own = np.array([routing._drops(z, r, c, w) <= 0.0 for r, c in zip(rr, cc, strict=True)])
    rr, cc = rr[own.astype(bool)], cc[own.astype(bool)]
    cells, values = tiled_dirs._flat_out(z, marks.copy(), directions, r0, c0, width)
    np.testing.assert_array_equal(cells, (rr + r0).astype(np.int64) * width + (cc + c0))
    np.testing.assert_array_equal(values, directions[rr, cc])
    assert cells.dtype == np.int64 and values.dtype == directions.dtype


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 400),
    st.integers(1, 40),
    st.integers(1, 40),
    st.integers(1, 9),
    st.integers(1, 9),
)
def test_cells_are_grouped_by_tile_as_a_stable_argsort_grouped_them(
    seed: int, n: int, rows: int, cols: int, tile_rows: int, tile_cols: int
) -> None:
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, rows * cols, n).astype(np.int64)
    got = tiled_dirs._by_tile(cells, (rows, cols), (tile_rows, tile_cols))
    r, c = cells // cols, cells % cols
    across = -(-cols // tile_cols)
    which = (r // tile_rows) * across + c // tile_cols
    order = np.argsort(which, kind="stable")
    want = {(int(t // across), int(t % across)): order[which[order] == t] for t in np.unique(which)}
    assert list(got) == list(want)  # the tiles in the same order
    for key, at in want.items():
        np.testing.assert_array_equal(got[key], at)
        assert got[key].dtype == np.int64
