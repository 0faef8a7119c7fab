"""Validation of a simulated land-cover map against an observed one.

Two-map measures (observed end vs simulated end): the confusion matrix, overall
agreement, Cohen's Kappa, Pontius & Millones's quantity and allocation disagreement,
producer's and user's accuracy per class. Three-map measures (observed start, observed
end, simulated end): hits, misses, wrong hits, false alarms and the figure of merit of
Pontius et al. (2008). The null model (no change: the start map as the prediction) is
scored the same way, at the native resolution and at coarser ones, doubling the window
up to one window over the whole region (multiple-resolution agreement, Pontius 2002;
Pontius et al. 2004, 2008 §2): the finest resolution at which the simulation agrees
better than the null model is Pontius's **null resolution**. At the whole region only
the quantity of each class counts, so a run whose demand is right beats the null model
there; the question is how fine. Per transition (from class, to class) the three-map
components say where a run loses (:func:`transition_components`). Landscape metrics come
from pylandstats.

References
----------
- Pontius R.G. Jr, Millones M. (2011) Death to Kappa: birth of quantity disagreement and
  allocation disagreement for accuracy assessment. Int. J. Remote Sens. 32(15):4407–4429.
  doi:10.1080/01431161.2011.552923
- Pontius R.G. Jr, Boersma W., Castella J.-C. et al. (2008) Comparing the input, output,
  and validation maps for several models of land change. Ann. Reg. Sci. 42(1):11–37.
  doi:10.1007/s00168-007-0138-2 — in 12 of its 13 applications the error exceeded the
  correctly predicted change at the data's resolution, i.e. FoM < 50 %.
- Pontius R.G. Jr (2002) Statistical methods to partition effects of quantity and location
  during comparison of categorical maps at multiple resolutions. Photogramm. Eng. Remote
  Sens. 68(10):1041–1049.
- Pontius R.G. Jr, Huffaker D., Denman K. (2004) Useful techniques of validation for
  spatially explicit land-change models. Ecol. Model. 179(4):445–461.
  doi:10.1016/j.ecolmodel.2004.05.010 — the "null resolution": the resolution at which
  the model's agreement equals the null model's.
- Cohen J. (1960) A coefficient of agreement for nominal scales. Educ. Psychol. Meas.
  20(1):37–46.

Cells where any map is nodata (``valid`` False) are left out of every count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ganpo.errors import InputError

IntMap = NDArray[np.integer]
BoolMap = NDArray[np.bool_]

#: What Pontius et al. (2008) found across 13 applications of 9 models at the data's own
#: resolution: the error exceeded the correctly predicted change in 12 of 13, so a FoM
#: under 0.5 is the usual case; shown beside a run's FoM.
PUBLISHED_FOM_NOTE = (
    "Pontius et al. (2008, Ann. Reg. Sci. 42:11–37): FoM below 50 % in 12 of 13 published "
    "applications / 13 个已发表应用中 12 个品质因数低于 50 %"
)


def check_same_grid(names: tuple[str, ...], *maps: NDArray[np.generic]) -> None:
    """Raise :class:`InputError` unless every map has the same shape."""
    shapes = {m.shape for m in maps}
    if len(shapes) > 1:
        listed = ", ".join(f"{n} {m.shape}" for n, m in zip(names, maps, strict=True))
        raise InputError(
            en=f"maps on different grids ({listed}); resample them onto one grid first",
            zh=f"地图网格不一致（{listed}），请先重采样到同一网格",
            field="grid",
            values=[m.shape for m in maps],
        )


def confusion_matrix(
    reference: IntMap, simulated: IntMap, classes: tuple[int, ...], valid: BoolMap | None = None
) -> NDArray[np.int64]:
    """Counts of cells: row = class in ``reference``, column = class in ``simulated``.

    A code outside ``classes`` in a valid cell raises :class:`InputError` (different class
    schemes).

    >>> confusion_matrix(np.array([1, 1, 2]), np.array([1, 2, 2]), (1, 2)).tolist()
    [[1, 1], [0, 1]]
    """
    check_same_grid(("reference", "simulated"), reference, simulated)
    keep = np.ones(reference.shape, bool) if valid is None else valid
    lut_size = int(max(classes)) + 1
    lut = np.full(lut_size, -1, dtype=np.int64)
    lut[list(classes)] = np.arange(len(classes))
    k = len(classes)
    out = np.zeros((k, k), dtype=np.int64)
    for name, m in (("reference", reference), ("simulated", simulated)):
        vals = m[keep]
        bad = (vals < 0) | (vals >= lut_size)
        bad[~bad] = lut[vals[~bad]] < 0
        if bad.any():
            codes = sorted({int(v) for v in np.unique(vals[bad])[:10]})
            raise InputError(
                en=f"{name} map has codes {codes} outside the class scheme {list(classes)}; "
                "recode it to the same scheme",
                zh=f"{name} 地图含类别体系之外的代码 {codes}，请按同一分类体系重编码",
                field=name,
                values=codes,
            )
    r = lut[reference[keep]]
    s = lut[simulated[keep]]
    np.add.at(out, (r, s), 1)
    return out


def overall_agreement(table: NDArray[np.int64]) -> float:
    """Share of cells on the diagonal [0–1]."""
    return float(np.trace(table) / table.sum())


def kappa(table: NDArray[np.int64]) -> float:
    r"""Cohen's Kappa [–].

    .. math:: \kappa = (p_o - p_e) / (1 - p_e),\quad p_e = \sum_k p_{k+} p_{+k}

    Cohen (1960), eq. 1. When ``p_e`` is 1 (one class everywhere) Kappa is undefined and
    NaN is returned.

    >>> round(kappa(np.array([[40, 10], [5, 45]])), 4)
    0.7
    """
    p = table / table.sum()
    po = float(np.trace(p))
    pe = float((p.sum(axis=1) * p.sum(axis=0)).sum())
    if pe == 1.0:
        return float("nan")
    return (po - pe) / (1.0 - pe)


def quantity_allocation(table: NDArray[np.int64]) -> tuple[float, float]:
    r"""Quantity and allocation disagreement [0–1] (Pontius & Millones 2011, eqs 2–5).

    .. math::
        q_g = |p_{g+} - p_{+g}|,\ Q = \tfrac12\sum_g q_g,\quad
        a_g = 2\min(p_{g+} - p_{gg},\ p_{+g} - p_{gg}),\ A = \tfrac12\sum_g a_g

    ``Q + A`` equals 1 − overall agreement.

    >>> q, a = quantity_allocation(np.array([[40, 10], [5, 45]]))
    >>> round(q, 3), round(a, 3)
    (0.05, 0.1)
    """
    p = table / table.sum()
    diag = np.diag(p)
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    q = float(np.abs(rows - cols).sum() / 2.0)
    a = float((2.0 * np.minimum(rows - diag, cols - diag)).sum() / 2.0)
    return q, a


def class_accuracy(table: NDArray[np.int64], classes: tuple[int, ...]) -> pd.DataFrame:
    """Producer's accuracy (diagonal / reference total) and user's accuracy (diagonal /
    simulated total) per class [0–1]; NaN where the class is absent from that map."""
    diag = np.diag(table).astype(np.float64)
    ref_total = table.sum(axis=1).astype(np.float64)
    sim_total = table.sum(axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        producer = np.where(ref_total > 0, diag / ref_total, np.nan)
        user = np.where(sim_total > 0, diag / sim_total, np.nan)
    return pd.DataFrame(
        {
            "class": list(classes),
            "reference_cells": ref_total.astype(np.int64),
            "simulated_cells": sim_total.astype(np.int64),
            "producer_accuracy": producer,
            "user_accuracy": user,
        }
    )


@dataclass(frozen=True)
class ChangeComponents:
    """Cell counts of the three-map comparison (Pontius et al. 2008, Fig. 4)."""

    hits: int  # observed change, simulated as change to the right class (B)
    wrong_hits: int  # observed change, simulated as change to another class (C)
    misses: int  # observed change, simulated as persistence (A)
    false_alarms: int  # observed persistence, simulated as change (D)
    correct_rejections: int  # observed and simulated persistence

    @property
    def figure_of_merit(self) -> float:
        r"""FoM = B / (A + B + C + D) [0–1] (Pontius et al. 2008, eq. 1); NaN when neither
        map changes anything."""
        denom = self.misses + self.hits + self.wrong_hits + self.false_alarms
        return self.hits / denom if denom else float("nan")

    @property
    def producer_accuracy(self) -> float:
        """B / (A + B + C): share of observed change simulated correctly."""
        denom = self.misses + self.hits + self.wrong_hits
        return self.hits / denom if denom else float("nan")

    @property
    def user_accuracy(self) -> float:
        """B / (B + C + D): share of simulated change that is correct."""
        denom = self.hits + self.wrong_hits + self.false_alarms
        return self.hits / denom if denom else float("nan")


def change_components(
    start: IntMap, observed_end: IntMap, simulated_end: IntMap, valid: BoolMap | None = None
) -> ChangeComponents:
    """Hits, wrong hits, misses, false alarms from the three maps.

    >>> c = change_components(np.array([1, 1, 1, 1, 2]), np.array([2, 3, 2, 1, 2]),
    ...                       np.array([2, 2, 1, 2, 2]))
    >>> c.hits, c.wrong_hits, c.misses, c.false_alarms, round(c.figure_of_merit, 2)
    (1, 1, 1, 1, 0.25)
    """
    check_same_grid(("start", "observed_end", "simulated_end"), start, observed_end, simulated_end)
    keep = np.ones(start.shape, bool) if valid is None else valid
    s, o, p = start[keep], observed_end[keep], simulated_end[keep]
    obs_change = o != s
    sim_change = p != s
    both = obs_change & sim_change
    return ChangeComponents(
        hits=int((both & (p == o)).sum()),
        wrong_hits=int((both & (p != o)).sum()),
        misses=int((obs_change & ~sim_change).sum()),
        false_alarms=int((~obs_change & sim_change).sum()),
        correct_rejections=int((~obs_change & ~sim_change).sum()),
    )


def agreement_at_resolution(
    reference: IntMap,
    simulated: IntMap,
    classes: tuple[int, ...],
    block: int,
    valid: BoolMap | None = None,
) -> float:
    r"""Overall agreement when cells are pooled in ``block`` × ``block`` windows [0–1].

    Each coarse cell holds each class's share; agreement in it is
    :math:`\sum_k \min(r_k, s_k)` weighted by its count of valid cells (Pontius et al.
    2008 §2.3, after Pontius 2002). ``block=1`` is the ordinary overall agreement. Rows
    and columns beyond a whole number of blocks form smaller edge blocks.
    """
    check_same_grid(("reference", "simulated"), reference, simulated)
    if block < 1:
        raise InputError(
            en=f"block must be at least 1, got {block}", zh="窗口须至少为 1", field="block"
        )
    keep = np.ones(reference.shape, bool) if valid is None else valid
    h, w = reference.shape
    nb_r, nb_c = -(-h // block), -(-w // block)
    block_id = (np.arange(h)[:, None] // block) * nb_c + (np.arange(w)[None, :] // block)
    ids = block_id[keep]
    n_blocks = nb_r * nb_c
    agree = np.zeros(n_blocks)
    for k in classes:
        rk = np.bincount(ids, weights=(reference[keep] == k), minlength=n_blocks)
        sk = np.bincount(ids, weights=(simulated[keep] == k), minlength=n_blocks)
        agree += np.minimum(rk, sk)
    total = int(keep.sum())
    return float(agree.sum() / total) if total else float("nan")


def doubling_blocks(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Window sizes 1, 2, 4, … doubling up to the first that covers the whole map in one
    window (the region as one cell).

    >>> doubling_blocks((5, 3))
    (1, 2, 4, 8)
    >>> doubling_blocks((1, 1))
    (1,)
    """
    side = max(shape)
    out = [1]
    while out[-1] < side:
        out.append(out[-1] * 2)
    return tuple(out)


@dataclass(frozen=True)
class TransitionComponents:
    """The three-map comparison restricted to one transition ``source`` → ``target``
    (cells): how much change of it was observed and simulated (the quantity) and how
    much of the simulated change is where it was observed (the allocation)."""

    source: int
    target: int
    observed: int  # cells of source in the start map that are target in the observed map
    simulated: int  # … that are target in the simulated map
    hits: int  # both
    #: observed source → target, simulated as source → another class
    wrong_hits: int
    #: observed source → target, simulated as persistence
    misses: int
    #: simulated source → target where source persisted in the observed map
    false_alarms: int

    @property
    def figure_of_merit(self) -> float:
        """hits / (observed + simulated − hits): the FoM of this transition alone [0–1]."""
        denom = self.observed + self.simulated - self.hits
        return self.hits / denom if denom else float("nan")


def transition_components(
    start: IntMap,
    observed_end: IntMap,
    simulated_end: IntMap,
    classes: tuple[int, ...],
    valid: BoolMap | None = None,
) -> tuple[TransitionComponents, ...]:
    """One :class:`TransitionComponents` per transition observed or simulated (source ≠
    target), in the order of ``classes``.

    >>> t = transition_components(np.array([1, 1, 1, 1, 2]), np.array([2, 3, 2, 1, 2]),
    ...                           np.array([2, 2, 1, 2, 2]), (1, 2, 3))
    >>> [(x.source, x.target, x.observed, x.simulated, x.hits) for x in t]
    [(1, 2, 2, 3, 1), (1, 3, 1, 0, 0)]
    """
    check_same_grid(("start", "observed_end", "simulated_end"), start, observed_end, simulated_end)
    keep = np.ones(start.shape, bool) if valid is None else valid
    s, o, p = start[keep], observed_end[keep], simulated_end[keep]
    out = []
    for src in classes:
        from_src = s == src
        for dst in classes:
            if dst == src:
                continue
            obs = from_src & (o == dst)
            sim = from_src & (p == dst)
            n_obs, n_sim = int(obs.sum()), int(sim.sum())
            if not (n_obs or n_sim):
                continue
            out.append(
                TransitionComponents(
                    source=src,
                    target=dst,
                    observed=n_obs,
                    simulated=n_sim,
                    hits=int((obs & sim).sum()),
                    wrong_hits=int((obs & (p != dst) & (p != src)).sum()),
                    misses=int((obs & (p == src)).sum()),
                    false_alarms=int((sim & (o == src)).sum()),
                )
            )
    return tuple(out)


@dataclass(frozen=True)
class Validation:
    """Every measure of one simulated map against the observed end map."""

    table: NDArray[np.int64]
    classes: tuple[int, ...]
    agreement: float
    null_agreement: float
    kappa: float
    quantity_disagreement: float
    allocation_disagreement: float
    components: ChangeComponents
    per_class: pd.DataFrame
    #: (block size in cells, simulation agreement, null agreement) for each resolution
    by_resolution: tuple[tuple[int, float, float], ...]

    transitions: tuple[TransitionComponents, ...] = ()

    @property
    def beats_null(self) -> tuple[bool, int | None]:
        """(True, block) at the finest resolution where the simulation agrees better than
        the null model — Pontius's null resolution, in cells; (False, None) if it does not
        at any resolution compared."""
        for block, sim, null in self.by_resolution:
            if sim > null:
                return True, block
        return False, None


def validate(
    start: IntMap,
    observed_end: IntMap,
    simulated_end: IntMap,
    classes: tuple[int, ...],
    valid: BoolMap | None = None,
    blocks: tuple[int, ...] | None = None,
) -> Validation:
    """All the measures of this module for one run, and the same for the null model;
    ``blocks`` are the window sizes [cells] of the multiple-resolution comparison
    (default: :func:`doubling_blocks`, up to the whole region)."""
    if blocks is None:
        blocks = doubling_blocks(start.shape)
    table = confusion_matrix(observed_end, simulated_end, classes, valid)
    null_table = confusion_matrix(observed_end, start, classes, valid)
    q, a = quantity_allocation(table)
    by_res = tuple(
        (
            b,
            agreement_at_resolution(observed_end, simulated_end, classes, b, valid),
            agreement_at_resolution(observed_end, start, classes, b, valid),
        )
        for b in blocks
    )
    return Validation(
        table=table,
        classes=classes,
        agreement=overall_agreement(table),
        null_agreement=overall_agreement(null_table),
        kappa=kappa(table),
        quantity_disagreement=q,
        allocation_disagreement=a,
        components=change_components(start, observed_end, simulated_end, valid),
        per_class=class_accuracy(table, classes),
        by_resolution=by_res,
        transitions=transition_components(start, observed_end, simulated_end, classes, valid),
    )


LANDSCAPE_METRICS = (
    "proportion_of_landscape",
    "number_of_patches",
    "largest_patch_index",
    "edge_density",
    "area_mn",
)


def landscape_metrics(cover: IntMap, resolution_m: float, nodata: int = 0) -> pd.DataFrame:
    """Class-level landscape metrics by pylandstats (8-neighbour patches): share of the
    landscape [%], number of patches, largest patch index [%], edge density [m/ha] and
    mean patch area [ha], one row per class."""
    import pylandstats  # heavy import (geopandas, …): only when metrics are asked for

    land = pylandstats.Landscape(np.asarray(cover), res=(resolution_m, resolution_m), nodata=nodata)
    df = land.compute_class_metrics_df(metrics=list(LANDSCAPE_METRICS))
    df.index.name = "class"
    return df.reset_index()
