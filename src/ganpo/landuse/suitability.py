"""Suitability of each cell for each class, learned by a random forest from drivers.

After the land expansion analysis strategy (LEAS) of PLUS: the training cells are a
stratified random sample of the cells that changed between two observed maps, labelled
with the class they became, and of the cells that did not change, labelled "persisted",
so the forest learns where each class *grows* (its probability for class k is that of a
cell turning into k; the "persisted" column is dropped); the features
are the drivers (elevation, slope, distances to roads, towns and water …) and the cell's
class in the first map (one-hot). With ``strategy="cover"`` (one map, or too little
change) the sample is drawn from all cells, labelled with their class in the end map, as
FLUS's neural network is trained.

The forest is scikit-learn's :class:`~sklearn.ensemble.RandomForestClassifier`, seeded.
``model="logistic"`` fits a multinomial logistic regression on the standardised drivers
instead (the suitability model of CLUE-S and CA-Markov; Verburg et al. 2002): its
probability is monotone in each driver, so it still ranks the cells a driver favours
beyond the range where change was seen — a forest's probability there is flat (it cannot
extrapolate), which matters when the cells that changed first are gone from the source
class by the next period. Simplification: one regression for every source class, the
class entering as one-hot intercepts, so a driver's effect is the same whatever the cell
was (no interaction terms). The fitted model;
the prediction runs in blocks of rows and writes into an array the caller may give (a
``numpy.memmap`` for a province at 30 m), so its own memory is bounded by the block.
The drivers may be memmaps too. :func:`slope_deg` and :func:`distance_m` work on whole
arrays (scipy's exact Euclidean distance transform on the whole grid); for a map read
block by block, :func:`slope_rows` and :func:`capped_distance_rows` give the same values
from a strip of rows with a halo — one row for the slope, ⌈cap / cell⌉ rows for a
distance capped at a stated maximum search distance (exact: see there) — and
:func:`sample_ranks` draws the stratified sample from the labels' counts alone, so a
block-by-block fit draws the same cells.

References: Liang X. et al. (2021) Understanding the drivers of sustainable land expansion
using a patch-generating land use simulation (PLUS) model: a case study in Wuhan, China.
Comput. Environ. Urban Syst. 85:101569. doi:10.1016/j.compenvurbsys.2020.101569 (§2.2).
Verburg P.H., Soepboer W., Veldkamp A. et al. (2002) Modeling the spatial dynamics of
regional land use: the CLUE-S model. Environ. Manage. 30(3):391–405. doi:10.1007/s00267-002-2630-x.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ganpo.errors import InputError
from ganpo.landuse.demand import class_index
from ganpo.landuse.validation import BoolMap, IntMap, check_same_grid

FloatMap = NDArray[np.floating]


def slope_deg(elevation_m: FloatMap, cell_size_m: float) -> NDArray[np.float64]:
    r"""Slope [degrees] by central differences (one-sided at the edges).

    .. math:: \theta = \arctan\sqrt{(\partial z/\partial x)^2 + (\partial z/\partial y)^2}

    >>> slope_deg(np.array([[0.0, 30.0, 60.0]] * 3), 30.0)[1, 1].round(6)
    np.float64(45.0)
    """
    dz_dy, dz_dx = np.gradient(np.asarray(elevation_m, dtype=np.float64), cell_size_m)
    return np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))


def distance_m(
    feature: BoolMap, cell_size_m: float, max_distance_m: float | None = None
) -> NDArray[np.float64]:
    """Euclidean distance [m] from each cell to the nearest ``feature`` cell (0 on it),
    capped at ``max_distance_m`` [m] if given (a cell farther than the cap gets the cap).

    >>> distance_m(np.array([[True, False, False]]), 30.0).tolist()
    [[0.0, 30.0, 60.0]]
    >>> distance_m(np.array([[True, False, False]]), 30.0, max_distance_m=45.0).tolist()
    [[0.0, 30.0, 45.0]]
    """
    if not feature.any():
        raise no_feature_error()
    out = np.asarray(ndimage.distance_transform_edt(~feature, sampling=cell_size_m))
    return out if max_distance_m is None else np.minimum(out, max_distance_m)


def no_feature_error() -> InputError:
    """The error of a distance to a layer with no feature cell."""
    return InputError(
        en="the feature layer has no cell (no road, town or water): a distance to it is undefined",
        zh="要素图层为空（无道路、城镇或水体），无法计算距离",
        field="feature",
    )


def halo_rows(max_distance_m: float, cell_size_m: float) -> int:
    """Rows of halo that make :func:`capped_distance_rows` exact: ⌈cap / cell⌉."""
    return int(np.ceil(max_distance_m / cell_size_m))


def capped_distance_rows(
    feature: BoolMap, inner: slice, cell_size_m: float, max_distance_m: float
) -> NDArray[np.float64]:
    """The capped distance [m] (:func:`distance_m` with ``max_distance_m``) of the rows
    ``inner`` of a strip ``feature`` of whole rows that extends :func:`halo_rows` rows
    beyond ``inner`` on each side (or to the raster's edge). Exact, not an approximation:
    a feature within the cap of a cell of ``inner`` lies at most ⌈cap / cell⌉ rows away,
    so inside the strip, and the strip's transform finds it; a cell whose nearest feature
    is beyond the cap gets at least the cap from the strip too. A strip with no feature
    gives the cap everywhere.

    >>> f = np.array([[True], [False], [False], [False]])
    >>> capped_distance_rows(f[1:4], slice(1, 2), 30.0, 30.0).tolist()  # row 2: 60 m → cap
    [[30.0]]
    >>> capped_distance_rows(f[0:4], slice(2, 3), 30.0, 90.0).tolist()
    [[60.0]]
    """
    rows = inner.stop - inner.start
    if not feature.any():
        return np.full((rows, feature.shape[1]), float(max_distance_m))
    out = ndimage.distance_transform_edt(~feature, sampling=cell_size_m)[inner]
    return np.minimum(np.asarray(out), max_distance_m)


def slope_rows(elevation_m: FloatMap, inner: slice, cell_size_m: float) -> NDArray[np.float64]:
    """:func:`slope_deg` of the rows ``inner`` of a strip of whole rows that extends one
    row beyond ``inner`` on each side (or to the raster's edge): the same values as on the
    whole raster, since central differences reach one row."""
    return slope_deg(elevation_m, cell_size_m)[inner]


@dataclass(frozen=True)
class SuitabilityModel:
    """A fitted model (a forest, or a scaler + logistic regression pipeline; the field
    keeps its name ``forest``) and what it was fitted on."""

    forest: RandomForestClassifier | Pipeline
    classes: tuple[int, ...]
    driver_names: tuple[str, ...]
    strategy: str
    samples: int

    def importances(self) -> dict[str, float]:
        """Each driver's share of the importance (the one-hot class columns summed): the
        forest's mean decrease in impurity, or the regression's mean absolute
        standardised coefficient over the labels, normalised to sum to 1."""
        if isinstance(self.forest, Pipeline):
            coef = np.abs(self.forest[-1].coef_).mean(axis=0)
            imp = coef / coef.sum() if coef.sum() > 0 else coef
        else:
            imp = self.forest.feature_importances_
        out = {n: float(imp[i]) for i, n in enumerate(self.driver_names)}
        out["current_class"] = float(imp[len(self.driver_names) :].sum())
        return out


def _features(
    drivers: Mapping[str, FloatMap],
    names: tuple[str, ...],
    current_idx: NDArray[np.integer],
    n_classes: int,
    rows: slice,
    pick: NDArray[np.bool_] | None = None,
) -> NDArray[np.float32]:
    cols = []
    for n in names:
        block = np.asarray(drivers[n][rows], dtype=np.float32)
        cols.append(block[pick] if pick is not None else block.ravel())
    cur = np.asarray(current_idx[rows])
    cur = cur[pick] if pick is not None else cur.ravel()
    onehot = (cur[:, None] == np.arange(n_classes)[None, :]).astype(np.float32)
    return np.column_stack([*cols, onehot]) if cols else onehot


def fit_suitability(
    drivers: Mapping[str, FloatMap],
    start: IntMap,
    end: IntMap,
    classes: tuple[int, ...],
    *,
    valid: BoolMap | None = None,
    seed: int = 0,
    samples_per_class: int = 2000,
    n_estimators: int = 50,
    min_samples_leaf: int = 20,
    strategy: Literal["expansion", "cover"] = "expansion",
    model: Literal["forest", "logistic"] = "forest",
) -> SuitabilityModel:
    """Fit the forest on a stratified sample (at most ``samples_per_class`` cells of each
    label). Deterministic for a seed (single-threaded forest). ``min_samples_leaf`` keeps
    the probabilities smooth: a forest grown to single cells memorises the elevations of
    the cells that changed, and its probability elsewhere is noise. ``model``: the
    forest, or ``"logistic"`` (a logistic regression; see the module's docstring)."""
    names = tuple(sorted(drivers))
    check_same_grid(("start", "end", *names), start, end, *(drivers[n] for n in names))
    keep = np.ones(start.shape, bool) if valid is None else valid
    s_idx, e_idx = class_index(start, classes), class_index(end, classes)
    keep = keep & (s_idx >= 0) & (e_idx >= 0)
    pool = keep
    labels = e_idx.copy()
    if strategy == "expansion":
        labels[s_idx == e_idx] = len(classes)  # "persisted"
    if strategy == "expansion" and not (keep & (s_idx != e_idx)).any():
        raise no_change_error()
    flat_pool = np.flatnonzero(pool)
    labels_all = labels.ravel()[flat_pool]
    counts = np.bincount(labels_all, minlength=len(classes) + 1)
    ranks = sample_ranks(counts, samples_per_class, seed)
    picked = np.concatenate([np.sort(flat_pool[labels_all == k][r]) for k, r in enumerate(ranks)])
    mask = np.zeros(start.size, bool)
    mask[picked] = True
    mask2 = mask.reshape(start.shape)
    x = _features(drivers, names, s_idx, len(classes), slice(None), mask2)
    y = labels[mask2]
    forest = fit_sample(
        x, y, model, seed=seed, n_estimators=n_estimators, min_samples_leaf=min_samples_leaf
    )
    return SuitabilityModel(forest, classes, names, strategy, int(picked.size))


def no_change_error() -> InputError:
    """The error of an expansion fit on two maps without change."""
    return InputError(
        en="the two maps show no change, so there is no expansion to learn from; use "
        "strategy 'cover'",
        zh="两期地图无变化，无扩张样本可学习，请改用 'cover' 策略",
        field="strategy",
    )


def sample_ranks(
    label_counts: NDArray[np.int64], samples_per_class: int, seed: int
) -> list[NDArray[np.int64]]:
    """The stratified sample as ranks: for each label, the positions (ascending, in the
    map's row-major order) of the members drawn among that label's members — all of them
    when there are at most ``samples_per_class``, else ``samples_per_class`` drawn without
    replacement by numpy's generator seeded with ``seed``, label after label. Needs only
    the labels' counts, so a map read block by block draws the same cells as a map in
    memory (memory: the sample, not the map).

    >>> [r.tolist() for r in sample_ranks(np.array([2, 0, 3]), 2, 0)][:2]
    [[0, 1], []]
    """
    rng = np.random.default_rng(seed)
    out = []
    for n in np.asarray(label_counts, np.int64):
        if n > samples_per_class:
            out.append(np.sort(rng.choice(int(n), samples_per_class, replace=False)))
        else:
            out.append(np.arange(int(n), dtype=np.int64))
    return out


def fit_sample(
    x: NDArray[np.float32],
    y: NDArray[np.int64],
    model: Literal["forest", "logistic"] = "forest",
    *,
    seed: int = 0,
    n_estimators: int = 50,
    min_samples_leaf: int = 20,
) -> RandomForestClassifier | Pipeline:
    """The forest (single-threaded, seeded) or the logistic regression fitted on the
    sampled features ``x`` (rows in the map's row-major order) and labels ``y``."""
    forest: RandomForestClassifier | Pipeline
    if model == "logistic":
        forest = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    elif model == "forest":
        forest = RandomForestClassifier(
            n_estimators=n_estimators,
            random_state=seed,
            n_jobs=1,
            min_samples_leaf=min_samples_leaf,
        )
    else:
        raise InputError(
            en=f"unknown suitability model {model!r}; use 'forest' or 'logistic'",
            zh="未知的适宜性模型，请用 forest 或 logistic",
            field="model",
            values=[model],
        )
    forest.fit(x, y)
    return forest


def predict_suitability(
    model: SuitabilityModel,
    drivers: Mapping[str, FloatMap],
    current: IntMap,
    *,
    rows_per_block: int = 256,
    out: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """Probability [0–1] of each class for each cell, shape (classes, rows, cols),
    predicted ``rows_per_block`` rows at a time into ``out`` (allocated if None). Cells
    whose class is not in the scheme (nodata) get 0 everywhere."""
    check_same_grid(
        ("current", *model.driver_names), current, *(drivers[n] for n in model.driver_names)
    )
    cur_idx = class_index(current, model.classes)
    return predict_index(model, drivers, cur_idx, rows_per_block=rows_per_block, out=out)


def predict_index(
    model: SuitabilityModel,
    drivers: Mapping[str, FloatMap],
    cur_idx: NDArray[np.integer],
    *,
    rows_per_block: int = 256,
    out: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """:func:`predict_suitability` from the class index of the current map (position in
    ``model.classes``, −1 nodata); every array may be a ``numpy.memmap``, read one block
    of rows at a time."""
    k = len(model.classes)
    h, w = cur_idx.shape
    if out is None:
        out = np.zeros((k, h, w), dtype=np.float32)
    learned = model.forest.classes_.astype(np.int64)
    for r0 in range(0, h, rows_per_block):
        rows = slice(r0, min(r0 + rows_per_block, h))
        ok = np.asarray(cur_idx[rows]) >= 0
        block = np.zeros((k, rows.stop - r0, w), dtype=np.float32)
        if ok.any():
            x = _features(drivers, model.driver_names, cur_idx, k, rows, ok)
            proba = model.forest.predict_proba(x).astype(np.float32)
            for col, cls in enumerate(learned):
                if cls < k:  # not the "persisted" label
                    block[cls][ok] = proba[:, col]
        out[:, rows, :] = block
    return out
