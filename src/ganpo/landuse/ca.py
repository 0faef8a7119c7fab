r"""Allocation of a demand by a patch-generating cellular automaton, after PLUS/FLUS.

Each iteration, for every cell ``i`` now of class ``c`` outside the restricted zones and
every class ``k`` the conversion matrix allows from ``c`` and that still has to grow:

.. math::
    OP_{i,k} = \begin{cases}
        P_{i,k}\,\Omega_{i,k} & \Omega_{i,k} > 0 \\
        P_{i,k}\,r & \Omega_{i,k} = 0,\ r < P_{i,k}\ \text{(a random patch seed)} \\
        0 & \text{otherwise}
    \end{cases}
    \qquad \Omega_{i,k} = w_k\,\frac{n_{i,k}}{N^2 - 1}

with :math:`P` the suitability (:mod:`ganpo.landuse.suitability`), :math:`n_{i,k}` the
cells of class k in the N×N window round i, :math:`w_k` the neighbourhood weight of class
k and :math:`r` uniform on [0, 1) (PLUS's random patch seeds, Liang et al. 2021, eq. 5);
a cell with no neighbour of class k is considered for a seed of k only with probability
``seed_share`` (PLUS's "percentage of seeds"), else its OP for k is 0.
The persistence of ``c`` competes in the same roulette with weight
:math:`\Omega_{i,c} + \text{inertia}` (FLUS's inertia: a cell resists change; no
suitability, since under PLUS's expansion strategy the forest learns only where classes
grow).
A roulette draw picks one class per cell; a pick of another class whose OP exceeds the
threshold :math:`\tau_t = \tau_0\,\delta^t` (decreasing, as PLUS's patch threshold) is a
candidate. Candidates are then accepted best OP first: for each class k its best
min(gap, ``rate`` × initial gap) candidates, then for each source class only as many
conversions as it has cells above its own demand, so patches grow from seeds over
iterations instead of appearing at once. The loop stops when every demand is met or
after ``max_iterations``; what is left unmet is reported, never hidden.

Simplifications (said here and in docs/land-use-scenarios.md): the acceptance by rank
within an iteration replaces PLUS's cell-by-cell sequential update (it removes the
dependence on the visiting order); random patch seeds are drawn per cell, not as PLUS's
whole-patch seeds; PLUS's adaptive demand coefficient :math:`D_k` (its eq. 6) is left
out, because it changes only when a class's gap widens between iterations, which rank
acceptance never lets happen (a growing class never loses cells) — the decreasing
threshold is what drives a lagging class to its demand.

Deterministic for a seed: each block of rows draws from numpy's generator seeded with
(seed, iteration, block). The per-cell work is vectorised numpy and scipy per block of
rows (no numba kernel: the numba warm-up of :mod:`ganpo.engine.warmup` covers only the
account's kernels, and a vectorised block is fast enough for a county). The draws are per
block of ``rows_per_block`` rows, a setting of the model: changing it changes the draws
(and the map), whereas how the map is held — in memory, or in files read block by block —
never does.

Memory (:func:`allocate_index`): the class index (int8, 1 byte a cell), the allowed mask
(1 byte a cell) and the suitability (4 bytes × classes a cell) may all be
``numpy.memmap`` files; each iteration reads them one block of ``rows_per_block`` rows
(plus a halo of (window − 1)/2 rows) at a time, keeps of the block's candidates only the
best within each class's quota (a running top-k that ranks exactly as a stable sort of
the whole map's candidates would: best OP first, ties to the lower flat index), and keeps
the class totals as running sums. What it adds in memory is one block's work arrays —
about (classes + 10) × 8 bytes × ``rows_per_block`` × columns — plus the quota's
candidates (at most ``rate`` × the initial gap per class), not the map.
:func:`allocate` wraps it for a map in memory.

References: Liu X. et al. (2017) FLUS, Landsc. Urban Plan. 168:94–116,
doi:10.1016/j.landurbplan.2017.09.019; Liang X. et al. (2021) PLUS, Comput. Environ. Urban
Syst. 85:101569, doi:10.1016/j.compenvurbsys.2020.101569.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from ganpo.errors import InputError
from ganpo.landuse.demand import check_demand_totals, check_flow_totals, class_index
from ganpo.landuse.validation import BoolMap, IntMap, check_same_grid


@dataclass(frozen=True)
class CAParameters:
    """Settings of the automaton; the defaults are PLUS's published defaults where it has
    them (3×3 window, patch threshold decay 0.9) and otherwise stated choices."""

    window: int = 3  # N, odd [cells]
    inertia: float = 0.3  # added to the persistence weight of the current class
    seed_share: float = 0.01  # chance that a cell with no neighbour of k may seed k
    #: floor of the suitability: a demanded conversion the forest never saw (P = 0
    #: everywhere) still happens, last, where the neighbourhood favours it
    min_suitability: float = 0.01
    threshold: float = 0.5  # τ₀, PLUS's patch generation threshold
    decay: float = 0.9  # δ, τ_t = τ₀ δ^t
    rate: float = 0.1  # largest share of a class's initial gap converted per iteration
    max_iterations: int = 200
    rows_per_block: int = 256


@dataclass(frozen=True)
class AllocationResult:
    """The iterations run and the cells each class still lacks (0 everywhere when the
    demand was met)."""

    iterations: int
    unmet: NDArray[np.int64]

    @property
    def met(self) -> bool:
        return bool((self.unmet == 0).all())


@dataclass(frozen=True)
class Allocation(AllocationResult):
    """An allocation in memory: the simulated map (class codes, nodata where the input
    was), the iterations run and the cells each class still lacks."""

    cover: NDArray[np.int64]


def _candidates(
    idx: NDArray[np.int8],
    prob: NDArray[np.float32],
    allowed: BoolMap,
    r0: int,
    r1: int,
    open_: NDArray[np.bool_],
    weights: NDArray[np.float64],
    p: CAParameters,
    threshold: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
    """Roulette for the cells of rows r0:r1 (``prob`` holds those rows only): the class
    each cell's draw picked where it is a candidate (−1 elsewhere) and its OP. The
    neighbourhood is counted on the rows plus a halo of (window − 1)/2 rows, one class at
    a time, so the work arrays are a few per class of the block's size."""
    half = (p.window - 1) // 2
    h = idx.shape[0]
    k = weights.size
    a0, a1 = max(r0 - half, 0), min(r1 + half, h)
    halo = np.asarray(idx[a0:a1])
    inner = slice(r0 - a0, r0 - a0 + (r1 - r0))
    cur = halo[inner].astype(np.int64)
    valid_nb = ndimage.correlate((halo >= 0).astype(np.float32), _kernel(p.window), mode="constant")
    n = valid_nb[inner]
    active = (cur >= 0) & np.asarray(allowed[r0:r1])
    safe = np.maximum(cur, 0)
    op = np.zeros((k, *cur.shape), np.float64)
    for q in range(k):
        count = ndimage.correlate(
            (halo == q).astype(np.float32), _kernel(p.window), mode="constant"
        )
        omega = np.divide(weights[q] * count[inner], n, out=np.zeros(cur.shape), where=n > 0)
        pq = np.maximum(prob[q].astype(np.float64), p.min_suitability)
        seed_draw = rng.random(cur.shape) < p.seed_share
        r = rng.random(cur.shape)
        change = np.where(omega > 0, pq * omega, np.where(seed_draw & (r < pq), pq * r, 0.0))
        change = np.where(open_[safe, q], change, 0.0)
        op[q] = np.where(cur == q, omega + p.inertia, change)
    op[:, ~active] = 0.0
    total = op.sum(axis=0)
    pick = rng.random(cur.shape) * total
    # the roulette: the first class whose running sum of OP exceeds the pick (the running
    # sum added class by class, as np.cumsum does, without a classes × block array)
    running = np.zeros(cur.shape)
    passed = np.zeros(cur.shape, np.int64)
    for q in range(k):
        running += op[q]
        passed += running <= pick
    chosen = np.minimum(passed, k - 1)
    score = np.take_along_axis(op, chosen[None], axis=0)[0]
    ok = active & (total > 0) & (chosen != cur) & (score > threshold)
    return np.where(ok, chosen, -1).astype(np.int8), np.where(ok, score, 0.0).astype(np.float32)


def _kernel(window: int) -> NDArray[np.float32]:
    kern = np.ones((window, window), np.float32)
    kern[window // 2, window // 2] = 0.0  # the cell itself is not its own neighbour
    return kern


class _Best:
    """For each key (a class, or a pair source × class), the ``take[key]`` best
    candidates seen so far, best OP first, ties to the lower flat index — what a stable
    sort of every candidate of the map would rank first, kept in memory bounded by the
    quota and one block, not by the map."""

    def __init__(self, take: NDArray[np.int64]) -> None:
        self.take = np.asarray(take, np.int64).ravel()
        self.flat = [np.empty(0, np.int64) for _ in self.take]
        self.score = [np.empty(0, np.float32) for _ in self.take]

    def add(
        self, key: NDArray[np.int64], flat: NDArray[np.int64], score: NDArray[np.float32]
    ) -> None:
        """Offer a block's candidates; ``flat`` ascending and above every index held."""
        for q in np.flatnonzero(self.take):
            mine = key == q
            if not mine.any():
                continue
            f = np.concatenate([self.flat[q], flat[mine]])
            s = np.concatenate([self.score[q], score[mine]])
            order = np.argsort(-s, kind="stable")[: self.take[q]]
            self.flat[q], self.score[q] = f[order], s[order]

    def ranked(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Flat indices and keys of every candidate kept, best OP first (ties: lower
        flat index first)."""
        f = np.concatenate(self.flat)
        s = np.concatenate(self.score)
        key = np.repeat(np.arange(self.take.size), [a.size for a in self.flat])
        order = np.lexsort((f, -s))
        return f[order], key[order]


def _propose(
    idx: NDArray[np.int8],
    suitability: NDArray[np.float32],
    allowed: BoolMap,
    open_: NDArray[np.bool_],
    weights: NDArray[np.float64],
    p: CAParameters,
    threshold: float,
    seed: int,
    it: int,
    take: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """One iteration's roulette over the map, block by block of ``rows_per_block`` rows
    (block b draws from the generator seeded with (seed, it, b)), keeping the best
    ``take`` candidates of each class (``take`` a vector) or of each transition source →
    class (``take`` a classes × classes matrix). Returns their flat indices and keys,
    best first. ``idx`` is not changed."""
    h, w = idx.shape
    k = weights.size
    pairs = take.ndim == 2
    best = _Best(take)
    for b, r0 in enumerate(range(0, h, p.rows_per_block)):
        r1 = min(r0 + p.rows_per_block, h)
        cls, score = _candidates(
            idx,
            np.asarray(suitability[:, r0:r1, :], dtype=np.float32),
            allowed,
            r0,
            r1,
            open_,
            weights,
            p,
            threshold,
            np.random.default_rng([seed, it, b]),
        )
        at = np.flatnonzero(cls >= 0)
        if at.size == 0:
            continue
        key = cls.ravel()[at].astype(np.int64)
        if pairs:
            key += np.asarray(idx[r0:r1]).ravel()[at].astype(np.int64) * k
        best.add(key, at + r0 * w, score.ravel()[at])
    return best.ranked()


def tally(
    idx: NDArray[np.int8], allowed: BoolMap, k: int, rows_per_block: int = 256
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Cells of each class of the class index ``idx`` (−1: nodata) and those of them
    ``allowed`` to change, counted block by block of rows."""
    counts = np.zeros(k, np.int64)
    free = np.zeros(k, np.int64)
    for r0 in range(0, idx.shape[0], rows_per_block):
        block = np.asarray(idx[r0 : r0 + rows_per_block])
        ok = block >= 0
        counts += np.bincount(block[ok], minlength=k)
        ok &= np.asarray(allowed[r0 : r0 + rows_per_block])
        free += np.bincount(block[ok], minlength=k)
    return counts, free


def _check_window(p: CAParameters) -> None:
    if p.window < 3 or p.window % 2 == 0:
        raise InputError(
            en=f"the neighbourhood window must be odd and at least 3, got {p.window}",
            zh="邻域窗口须为不小于 3 的奇数",
            field="window",
            values=[p.window],
        )


def allocate(
    current: IntMap,
    suitability: NDArray[np.float32],
    demand: NDArray[np.int64],
    classes: tuple[int, ...],
    *,
    conversion: NDArray[np.bool_] | None = None,
    restricted: BoolMap | None = None,
    weights: NDArray[np.float64] | None = None,
    params: CAParameters | None = None,
    seed: int = 0,
    cell_area_hm2: float = 0.09,
) -> Allocation:
    """Allocate ``demand`` on ``current``: cells by class in the order of ``classes``
    (net demand), or a classes × classes matrix of cells to convert from row class to
    column class (gross flows, as a Markov chain gives them:
    :func:`ganpo.landuse.demand.markov_flows`; the diagonal is ignored). Under flows each
    cell changes at most once, and a flow the conversion matrix forbids, or larger than
    the class's cells outside the restricted zones, is refused.

    ``suitability`` has shape (classes, rows, cols). ``conversion[i, j]`` allows class i
    to become j (all allowed if None); ``restricted`` marks cells that must not change
    (ecological red lines, priority protection units). A demand the map cannot meet raises
    :class:`InputError` before anything runs (:func:`ganpo.landuse.demand.check_demand`).
    The work is :func:`allocate_index` on the whole map's class index in memory.
    """
    p = params or CAParameters()
    k = len(classes)
    _check_window(p)
    if suitability.shape != (k, *current.shape):
        raise InputError(
            en=f"suitability has shape {suitability.shape}, expected {(k, *current.shape)} "
            "(one layer per class on the map's grid)",
            zh=f"适宜性数组形状应为 {(k, *current.shape)}",
            field="suitability",
        )
    allowed = np.ones(current.shape, bool) if restricted is None else ~restricted
    check_same_grid(("current", "restricted"), current, allowed)
    idx = class_index(current, classes).astype(np.int8)
    it, unmet = allocate_index(
        idx,
        suitability,
        demand,
        allowed,
        classes,
        conversion=conversion,
        weights=weights,
        params=p,
        seed=seed,
        cell_area_hm2=cell_area_hm2,
    )
    code = np.asarray(classes, np.int64)
    cover = np.where(idx >= 0, code[np.maximum(idx, 0)], np.asarray(current, np.int64))
    return Allocation(cover=cover, iterations=it, unmet=unmet)


def allocate_index(
    idx: NDArray[np.int8],
    suitability: NDArray[np.float32],
    demand: NDArray[np.int64],
    allowed: BoolMap,
    classes: tuple[int, ...],
    *,
    conversion: NDArray[np.bool_] | None = None,
    weights: NDArray[np.float64] | None = None,
    params: CAParameters | None = None,
    seed: int = 0,
    cell_area_hm2: float = 0.09,
) -> tuple[int, NDArray[np.int64]]:
    """:func:`allocate` on a class index (position in ``classes``, −1 nodata), changed
    in place; ``allowed`` (False: restricted) is changed too under gross flows (a
    converted cell is no longer free). Returns the iterations run and the cells each
    class still lacks. Every array may be a ``numpy.memmap``: they are read and written
    one block of ``params.rows_per_block`` rows (plus a halo) at a time, the class totals
    are running sums and the candidates of an iteration are reduced, block by block, to
    the best within the quota, so the memory this adds is one block's work arrays plus the
    quota's candidates."""
    p = params or CAParameters()
    _check_window(p)
    k = len(classes)
    conv = np.ones((k, k), bool) if conversion is None else np.asarray(conversion, bool)
    wts = np.ones(k) if weights is None else np.asarray(weights, np.float64)
    demand = np.asarray(demand, np.int64)
    if not (idx.flags.c_contiguous and allowed.flags.c_contiguous):
        raise InputError(
            en="the class index and the allowed mask must be C-contiguous arrays (they are "
            "changed in place)",
            zh="类别索引与可变掩膜须为 C 连续数组",
            field="idx",
        )
    counts, free = tally(idx, allowed, k, p.rows_per_block)
    view = idx.reshape(-1)  # a view: idx is C-contiguous
    if demand.ndim == 2:
        return _allocate_flows(
            idx,
            view,
            suitability,
            demand,
            counts,
            free,
            classes,
            conv,
            allowed,
            wts,
            p,
            seed,
            cell_area_hm2,
        )
    check_demand_totals(demand, counts, free, classes, conv, cell_area_hm2)
    gap0 = np.maximum(demand - counts, 0)
    it = 0
    while it < p.max_iterations:
        gap = np.maximum(demand - counts, 0)
        if not gap.any():
            break
        surplus = np.maximum(counts - demand, 0)
        tau = p.threshold * p.decay**it
        open_ = conv & (gap > 0)[None, :]
        quota = np.maximum(np.ceil(p.rate * gap0).astype(np.int64), 1)
        flat, cls = _propose(
            idx, suitability, allowed, open_, wts, p, tau, seed, it, np.minimum(gap, quota)
        )
        # each source class gives at most its cells above its demand plus what it gains
        src = view[flat].astype(np.int64)
        inflow = np.bincount(cls, minlength=k)
        final = np.zeros(flat.size, bool)
        for c in range(k):
            mine = np.flatnonzero(src == c)
            final[mine[: surplus[c] + inflow[c]]] = True
        view[flat[final]] = cls[final]
        counts += np.bincount(cls[final], minlength=k) - np.bincount(src[final], minlength=k)
        it += 1
    return it, np.maximum(demand - counts, 0)


def _allocate_flows(
    idx: NDArray[np.int8],
    view: NDArray[np.int8],
    suitability: NDArray[np.float32],
    flows: NDArray[np.int64],
    counts: NDArray[np.int64],
    free: NDArray[np.int64],
    classes: tuple[int, ...],
    conv: NDArray[np.bool_],
    allowed: BoolMap,
    wts: NDArray[np.float64],
    p: CAParameters,
    seed: int,
    cell_area_hm2: float,
) -> tuple[int, NDArray[np.int64]]:
    k = len(classes)
    flows = flows * ~np.eye(k, dtype=bool)
    check_flow_totals(flows, free, classes, conv, cell_area_hm2)
    demand = counts + flows.sum(axis=0) - flows.sum(axis=1)
    left = flows.copy()
    quota = np.maximum(np.ceil(p.rate * flows).astype(np.int64), 1) * (flows > 0)
    free_view = allowed.reshape(-1)  # cells not yet converted (a view)
    it = 0
    while it < p.max_iterations and left.any():
        tau = p.threshold * p.decay**it
        open_ = conv & (left > 0)
        flat, pair = _propose(
            idx, suitability, allowed, open_, wts, p, tau, seed, it, np.minimum(left, quota)
        )
        src, dst = pair // k, pair % k
        view[flat] = dst
        np.subtract.at(left, (src, dst), 1)
        free_view[flat] = False
        counts += np.bincount(dst, minlength=k) - np.bincount(src, minlength=k)
        it += 1
    return it, np.maximum(demand - counts, 0)
