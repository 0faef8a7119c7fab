"""Land-use demand: how many cells each class should hold in the target year.

Three ways, as PLUS and FLUS take them: a Markov chain estimated from two observed maps,
a linear trend through a series of class totals, or a plan's targets. Every demand is a
vector of whole cells, one per class, summing to the study area; :func:`check_demand`
refuses a demand the allocation cannot meet (more than the area a class may take, or a
growth that the conversion matrix forbids).

Reference: the Markov chain demand of CA-Markov and FLUS — Liu X. et al. (2017) A
future land use simulation model (FLUS) for simulating multiple land use scenarios by
coupling human and natural effects. Landsc. Urban Plan. 168:94–116.
doi:10.1016/j.landurbplan.2017.09.019 (§2.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from ganpo.errors import InputError
from ganpo.landuse.validation import BoolMap, IntMap, confusion_matrix

IntVec = NDArray[np.int64]


def class_counts(cover: IntMap, classes: tuple[int, ...], valid: BoolMap | None = None) -> IntVec:
    """Cells of each class (codes outside ``classes`` raise :class:`InputError`)."""
    return confusion_matrix(cover, cover, classes, valid).sum(axis=1)


def class_index(cover: IntMap, classes: tuple[int, ...]) -> NDArray[np.int64]:
    """Position of each cell's class in ``classes``; −1 for any other code (nodata)."""
    lut = np.full(max(int(max(classes)), int(cover.max(initial=0))) + 1, -1, dtype=np.int64)
    lut[list(classes)] = np.arange(len(classes))
    safe = np.where(cover < 0, 0, cover)
    return np.where(cover < 0, -1, lut[safe])


def transition_matrix(
    start: IntMap, end: IntMap, classes: tuple[int, ...], valid: BoolMap | None = None
) -> NDArray[np.float64]:
    r"""Row-stochastic transition matrix from the cross-tabulation of two maps.

    .. math:: P_{ij} = n_{ij} / \sum_j n_{ij}

    A class absent from ``start`` keeps itself (:math:`P_{ii} = 1`).

    >>> transition_matrix(np.array([1, 1, 1, 1, 2]), np.array([1, 1, 1, 2, 2]), (1, 2))
    array([[0.75, 0.25],
           [0.  , 1.  ]])
    """
    return transition_from_table(confusion_matrix(start, end, classes, valid))


def transition_from_table(table: NDArray[np.int64]) -> NDArray[np.float64]:
    """:func:`transition_matrix` from the cross-tabulation (row: class at the start,
    column: class at the end), as a map read block by block sums it."""
    table = np.asarray(table).astype(np.float64)
    rows = table.sum(axis=1, keepdims=True)
    p = np.divide(table, rows, out=np.zeros_like(table), where=rows > 0)
    empty = rows[:, 0] == 0
    p[empty, empty] = 1.0
    return p


def whole_cells(shares: NDArray[np.float64], total: int) -> IntVec:
    """Round non-negative amounts to whole cells summing to ``total`` (largest remainder).

    >>> whole_cells(np.array([1.5, 1.5, 7.0]), 10).tolist()
    [2, 1, 7]
    """
    scaled = shares / shares.sum() * total
    base = np.floor(scaled).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(scaled - base), kind="stable")
    base[order[:short]] += 1
    return base


def markov_demand(
    start: IntMap,
    end: IntMap,
    classes: tuple[int, ...],
    steps: int,
    valid: BoolMap | None = None,
) -> IntVec:
    r"""Demand ``steps`` intervals after ``end``: :math:`n_{t+k} = n_t P^k`.

    The interval is that between the two maps (two maps five years apart and ``steps=2``
    project ten years past the second).

    >>> markov_demand(np.array([1, 1, 1, 1]), np.array([1, 1, 1, 2]), (1, 2), 1).tolist()
    [2, 2]
    """
    if steps < 1:
        raise InputError(
            en=f"steps must be at least 1, got {steps}", zh="预测步数须至少为 1", field="steps"
        )
    p = transition_matrix(start, end, classes, valid)
    now = class_counts(end, classes, valid).astype(np.float64)
    future = now @ np.linalg.matrix_power(p, steps)
    return whole_cells(future, int(now.sum()))


def markov_flows(
    start: IntMap,
    end: IntMap,
    classes: tuple[int, ...],
    steps: int,
    valid: BoolMap | None = None,
) -> NDArray[np.int64]:
    r"""Cells to convert from each class to each other ``steps`` intervals after ``end``:
    :math:`F_{ck} = n_c\,(P^k)_{ck}`, rounded to whole cells row by row (each class's
    cells are kept). Its column sums less its row sums, added to the counts of ``end``,
    give the net demand (:func:`markov_demand` up to rounding).

    >>> markov_flows(np.array([1, 1, 1, 1]), np.array([1, 1, 1, 2]), (1, 2), 1).tolist()
    [[2, 1], [0, 1]]
    """
    if steps < 1:
        raise InputError(
            en=f"steps must be at least 1, got {steps}", zh="预测步数须至少为 1", field="steps"
        )
    return flows_from_table(confusion_matrix(start, end, classes, valid), steps)


def flows_from_table(table: NDArray[np.int64], steps: int) -> NDArray[np.int64]:
    """:func:`markov_flows` from the cross-tabulation of the two maps (row: class at the
    start, column: class at the end; its column sums are the end map's counts)."""
    if steps < 1:
        raise InputError(
            en=f"steps must be at least 1, got {steps}", zh="预测步数须至少为 1", field="steps"
        )
    p = np.linalg.matrix_power(transition_from_table(table), steps)
    now = np.asarray(table, np.int64).sum(axis=0)
    out = np.zeros_like(p, dtype=np.int64)
    for c in range(len(now)):
        if now[c]:
            out[c] = whole_cells(now[c] * p[c], int(now[c]))
    return out


def check_flows(
    flows: NDArray[np.int64],
    current: IntMap,
    classes: tuple[int, ...],
    conversion: NDArray[np.bool_],
    allowed: BoolMap,
    cell_area_hm2: float,
) -> None:
    """Refuse gross flows the allocation cannot meet: a conversion the matrix forbids
    but demanded, or more cells leaving a class than it has outside restricted zones."""
    _, free = _totals(current, classes, allowed)
    check_flow_totals(flows, free, classes, conversion, cell_area_hm2)


def _totals(current: IntMap, classes: tuple[int, ...], allowed: BoolMap) -> tuple[IntVec, IntVec]:
    idx = class_index(current, classes)
    k = len(classes)
    counts = np.bincount(idx[idx >= 0], minlength=k).astype(np.int64)
    free = np.bincount(idx[(idx >= 0) & allowed], minlength=k).astype(np.int64)
    return counts, free


def check_flow_totals(
    flows: NDArray[np.int64],
    free: IntVec,
    classes: tuple[int, ...],
    conversion: NDArray[np.bool_],
    cell_area_hm2: float,
) -> None:
    """:func:`check_flows` on class totals: ``free[c]`` is the cells of class c outside
    restricted zones (counted block by block for a map that is not in memory)."""
    for c, k in zip(*np.nonzero(flows * ~conversion), strict=True):
        raise InputError(
            en=f"{flows[c, k] * cell_area_hm2:.1f} hm² are to change from class {classes[c]} to "
            f"{classes[k]}, a conversion the matrix forbids; allow it or change the demand",
            zh=f"需求要求 {flows[c, k] * cell_area_hm2:.1f} hm² 由类别 {classes[c]} 转为 "
            f"{classes[k]}，但转换矩阵禁止该转换，请放开转换或修改需求",
            field="conversion",
            values=[classes[c], classes[k]],
        )
    for c, code in enumerate(classes):
        out = int(flows[c].sum() - flows[c, c])
        n_free = int(free[c])
        if out > n_free:
            raise InputError(
                en=f"{out * cell_area_hm2:.1f} hm² are to leave class {code} but only "
                f"{n_free * cell_area_hm2:.1f} hm² of it lie outside restricted zones; lower "
                "the demand",
                zh=f"需求要求类别 {code} 转出 {out * cell_area_hm2:.1f} hm²，但限制区"
                f"外仅有 {n_free * cell_area_hm2:.1f} hm²，请降低需求",
                field="demand",
                values=[code, out, n_free],
            )


def linear_trend_demand(
    years: Sequence[int], counts: Sequence[Sequence[int]], target_year: int
) -> IntVec:
    """Extrapolate each class's cells linearly (least squares) to ``target_year``.

    ``counts[t][k]`` is class k's cells in ``years[t]``; a class that would fall below 0
    is held at 0 and the rest rescaled to keep the study area. At least two years.

    >>> linear_trend_demand([2000, 2010], [[80, 20], [70, 30]], 2020).tolist()
    [60, 40]
    """
    arr = np.asarray(counts, dtype=np.float64)
    if len(years) < 2 or arr.shape[0] != len(years):
        raise InputError(
            en="a linear trend needs class totals for at least two years, one row per year",
            zh="线性趋势至少需要两个年份的各类面积，每年一行",
            field="years",
            values=list(years),
        )
    totals = arr.sum(axis=1)
    if not np.allclose(totals, totals[0]):
        raise InputError(
            en=f"class totals differ between years ({totals.tolist()} cells): the maps cover "
            "different areas",
            zh=f"各年份总面积不一致（{totals.tolist()} 个像元），研究区不同",
            field="counts",
            values=totals.tolist(),
        )
    x = np.asarray(years, dtype=np.float64)
    slope, intercept = np.polyfit(x, arr, 1)
    future = np.clip(slope * target_year + intercept, 0.0, None)
    return whole_cells(future, round(float(totals[0])))


def plan_demand(targets: Mapping[int, int], current: IntVec, classes: tuple[int, ...]) -> IntVec:
    """A plan's targets (cells by class code); classes without a target keep their
    current cells. The result must equal the study area exactly."""
    unknown = sorted(set(targets) - set(classes))
    if unknown:
        raise InputError(
            en=f"targets for classes {unknown} not in the class scheme {list(classes)}",
            zh=f"规划目标含类别体系之外的类别 {unknown}",
            field="targets",
            values=unknown,
        )
    out = current.copy()
    for i, code in enumerate(classes):
        if code in targets:
            out[i] = int(targets[code])
    if (out < 0).any() or int(out.sum()) != int(current.sum()):
        raise InputError(
            en=f"plan targets sum to {int(out.sum())} cells but the study area is "
            f"{int(current.sum())}; adjust the targets so they add up",
            zh="规划目标合计 "
            f"{int(out.sum())} 个像元，研究区为 {int(current.sum())} 个，请调整使其相符",
            field="targets",
            values=[int(out.sum()), int(current.sum())],
        )
    return out


def check_demand(
    demand: IntVec,
    current: IntMap,
    classes: tuple[int, ...],
    conversion: NDArray[np.bool_],
    allowed: BoolMap,
    cell_area_hm2: float,
) -> None:
    """Refuse a demand the allocation cannot meet.

    ``conversion[i, j]`` says whether class i may become class j; ``allowed`` marks the
    cells that may change (False in restricted zones). Class j can hold at most the cells
    now j plus the allowed cells whose class may become j; a demand above that, or any
    growth of j when no class may become j, raises :class:`InputError` with the areas in
    hm². Cells of ``current`` whose code is not in ``classes`` are nodata.
    """
    counts, free = _totals(current, classes, allowed)
    check_demand_totals(demand, counts, free, classes, conversion, cell_area_hm2)


def check_demand_totals(
    demand: IntVec,
    counts: IntVec,
    free: IntVec,
    classes: tuple[int, ...],
    conversion: NDArray[np.bool_],
    cell_area_hm2: float,
) -> None:
    """:func:`check_demand` on class totals: ``counts[c]`` the cells of class c,
    ``free[c]`` those outside restricted zones (counted block by block for a map that is
    not in memory)."""
    if int(demand.sum()) != int(counts.sum()):
        raise InputError(
            en=f"demand sums to {int(demand.sum())} cells but the map has {int(counts.sum())}",
            zh=f"需求合计 {int(demand.sum())} 个像元，与地图 {int(counts.sum())} 个不符",
            field="demand",
        )
    for j, code in enumerate(classes):
        grow = int(demand[j] - counts[j])
        if grow <= 0:
            continue
        sources = [i for i in range(len(classes)) if i != j and conversion[i, j]]
        if not sources:
            raise InputError(
                en=f"demand grows class {code} by {grow * cell_area_hm2:.1f} hm² but the "
                f"conversion matrix lets no class become {code}; allow a conversion or lower "
                "the demand",
                zh=f"需求使类别 {code} 增加 {grow * cell_area_hm2:.1f} hm²，但转换矩阵"
                f"不允许任何类别转为 {code}，请放开转换或降低需求",
                field="conversion",
                values=[code],
            )
        capacity = int(free[sources].sum()) + int(counts[j])
        if demand[j] > capacity:
            raise InputError(
                en=f"demand for class {code} is {demand[j] * cell_area_hm2:.1f} hm² but only "
                f"{capacity * cell_area_hm2:.1f} hm² may become it (outside restricted zones, "
                "by the conversion matrix); lower the demand",
                zh=f"类别 {code} 的需求为 "
                f"{demand[j] * cell_area_hm2:.1f} hm²，但可转为该类的面积仅 "
                f"{capacity * cell_area_hm2:.1f} hm²（限制区外、转换矩阵允许），请降低需求",
                field="demand",
                values=[code, int(demand[j]), capacity],
            )
