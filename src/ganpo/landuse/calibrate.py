r"""Calibration of the automaton's free parameters on the calibration period only.

The held-out map (the year a run is validated on) must never choose a parameter: that
would fit the test. So the parameters are chosen inside the calibration period
(start → end), on a spatial split of it: the map is cut into square tiles in a
checkerboard; the suitability is fitted on the cells of one colour (the caller does it,
:func:`checkerboard`), and each candidate :class:`~ganpo.landuse.ca.CAParameters` then
allocates, from ``start``, exactly the gross flows observed on the other colour (the
held-out tiles), with the fitted tiles restricted (no change there). Its score is the
figure of merit on the held-out tiles, averaged over a few random seeds; the best mean
wins, ties going to the earlier candidate.

This is a split-sample calibration in space (Pontius et al. 2004 recommend calibrating
and validating on separate data; here the time split is kept for validation, so the
calibration splits space). Simplification: the allocation of the held-out tiles sees
the fitted tiles' cells as neighbours (their start classes), as a real run sees the
whole map; the quantity is given (the observed flows), so the score measures allocation
alone.

Reference: Pontius R.G. Jr, Huffaker D., Denman K. (2004) Useful techniques of
validation for spatially explicit land-change models. Ecol. Model. 179(4):445–461.
doi:10.1016/j.ecolmodel.2004.05.010.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ganpo.errors import InputError
from ganpo.landuse.ca import CAParameters, allocate
from ganpo.landuse.validation import BoolMap, IntMap, change_components, confusion_matrix


def checkerboard(shape: tuple[int, int], tile: int) -> NDArray[np.bool_]:
    """True on the "held-out" tiles of a checkerboard of ``tile`` × ``tile`` cells (the
    tile at the top-left corner is False: fitted).

    >>> checkerboard((2, 4), 2).astype(int).tolist()
    [[0, 0, 1, 1], [0, 0, 1, 1]]
    """
    if tile < 1:
        raise InputError(
            en=f"the calibration tile must be at least 1 cell, got {tile}",
            zh="标定分块须至少 1 个像元",
            field="tile",
            values=[tile],
        )
    rows = np.arange(shape[0])[:, None] // tile
    cols = np.arange(shape[1])[None, :] // tile
    return np.asarray((rows + cols) % 2 == 1)


@dataclass(frozen=True)
class Calibration:
    """The candidates' scores (one row per candidate: its differing parameters, the mean
    and the lowest figure of merit over the seeds [0–1]) and the best candidate."""

    table: pd.DataFrame
    best: CAParameters


def calibrate(
    start: IntMap,
    end: IntMap,
    suitability: NDArray[np.float32],
    classes: tuple[int, ...],
    candidates: Sequence[CAParameters],
    *,
    held_out: BoolMap,
    valid: BoolMap | None = None,
    conversion: NDArray[np.bool_] | None = None,
    restricted: BoolMap | None = None,
    seeds: Sequence[int] = (0, 1),
    cell_area_hm2: float = 0.09,
) -> Calibration:
    """Score each of ``candidates`` by allocating, from ``start``, the change observed
    between ``start`` and ``end`` on the ``held_out`` cells only, and comparing with
    ``end`` there (figure of merit). ``suitability`` (classes, rows, cols) must have been
    fitted without the held-out cells' change, else the score is in-sample.
    """
    if not candidates:
        raise InputError(
            en="no candidate parameters to calibrate", zh="没有待标定的参数组合", field="candidates"
        )
    if not seeds:
        raise InputError(en="no random seed to calibrate with", zh="没有随机种子", field="seeds")
    keep = np.ones(start.shape, bool) if valid is None else np.asarray(valid, bool)
    test = keep & np.asarray(held_out, bool)
    if not test.any():
        raise InputError(
            en="no valid cell in the held-out tiles: make the tiles smaller",
            zh="留出分块中没有有效像元，请减小分块",
            field="held_out",
        )
    flows = confusion_matrix(start, end, classes, test) * ~np.eye(len(classes), dtype=bool)
    if not flows.any():
        raise InputError(
            en="no change between the two maps on the held-out tiles: there is nothing to "
            "calibrate on; give maps with change, or larger tiles",
            zh="留出分块内两期地图没有变化，无法标定",
            field="held_out",
        )
    frozen = ~test if restricted is None else (~test | np.asarray(restricted, bool))
    default = CAParameters()
    varied = [
        f.name
        for f in fields(CAParameters)
        if any(getattr(c, f.name) != getattr(default, f.name) for c in candidates)
    ]
    rows = []
    for cand in candidates:
        foms = []
        for seed in seeds:
            run = allocate(
                start,
                suitability,
                flows,
                classes,
                conversion=conversion,
                restricted=frozen,
                params=cand,
                seed=seed,
                cell_area_hm2=cell_area_hm2,
            )
            foms.append(change_components(start, end, run.cover, test).figure_of_merit)
        rows.append(
            {
                **{name: getattr(cand, name) for name in varied},
                "fom_mean": float(np.mean(foms)),
                "fom_min": float(np.min(foms)),
            }
        )
    table = pd.DataFrame(rows)
    best = int(np.argmax(table["fom_mean"].to_numpy()))  # first of equal means
    return Calibration(table=table, best=candidates[best])


def parameter_grid(**values: Sequence[float | int]) -> tuple[CAParameters, ...]:
    """Every combination of the given :class:`~ganpo.landuse.ca.CAParameters` values
    (others at their defaults), in row-major order.

    >>> [(p.window, p.inertia) for p in parameter_grid(window=(3, 5), inertia=(0.3,))]
    [(3, 0.3), (5, 0.3)]
    """
    names = [f.name for f in fields(CAParameters)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise InputError(
            en=f"unknown automaton parameters {unknown}; known: {names}",
            zh=f"未知的元胞自动机参数 {unknown}",
            field="parameters",
            values=unknown,
        )
    combos: list[dict[str, float | int]] = [{}]
    for name, options in values.items():
        combos = [{**c, name: v} for c in combos for v in options]
    return tuple(CAParameters(**c) for c in combos)  # type: ignore[arg-type]
