"""A fixed log-scale histogram of layer values, summed block by block, for a robust median.

The plausibility check of a layer (:mod:`ganpo.engine.stages.plausibility`) needs the
median of its values over the region to tell a layer off by a power of ten. An exact
median needs every value at once (or a second pass); a histogram with fixed bins is
summed block by block in the one pass like the zonal sums, and its memory does not grow
with the raster: :data:`N_BINS` counts per layer.

The bins are the same for every role, symmetric in sign: :data:`PER_DECADE` bins per
power of ten for ``|v|`` from ``10**LOW`` to ``10**HIGH`` on each side, and one bin for
``|v| < 10**LOW`` (zero). A value beyond ``10**HIGH`` falls in the outermost bin. A median
read from it lies within one bin, a factor ``10**(1/PER_DECADE)`` (4.7 %), of the true
one: ample to tell a factor of ten, which is all the check asks.
"""

from __future__ import annotations

import numpy as np

LOW, HIGH = -6, 7
PER_DECADE = 50
N_SIDE = (HIGH - LOW) * PER_DECADE
#: bins: negative values (most negative first), zero, positive values (ascending)
N_BINS = 2 * N_SIDE + 1
ZERO = N_SIDE


def bin_index(values: np.ndarray) -> np.ndarray:
    """The bin of each finite value, so that bins are in the order of the values.

    >>> bin_index(np.array([-1.0, 0.0, 1e-9, 1.0, 10.0])).tolist()
    [349, 650, 650, 951, 1001]
    """
    v = np.asarray(values)
    # k = 1 + the step of |v| above 10**LOW, 0 for |v| below it; float32: a bin is 2 % of
    # a decade, float32's log10 is good to 1e-7 of one (and twice as fast as float64's)
    x = np.abs(v, dtype=np.float32)
    np.maximum(x, np.float32(10.0**LOW / 2), out=x)
    np.log10(x, out=x)
    x -= LOW
    x *= PER_DECADE
    np.floor(x, out=x)
    x += 1
    np.clip(x, 0, N_SIDE, out=x)
    k = x.astype(np.int64)
    negative = v < 0
    if negative.any():
        return np.where(negative, ZERO - k, ZERO + k)
    k += ZERO
    return k


def bin_counts(finite: np.ndarray) -> np.ndarray:
    """The histogram (float64 counts, :data:`N_BINS` of them) of values known finite."""
    return np.bincount(bin_index(finite), minlength=N_BINS).astype("float64")


def counts(values: np.ndarray) -> np.ndarray:
    """The histogram (float64 counts, :data:`N_BINS` of them) of the finite ``values``."""
    v = np.asarray(values)
    return bin_counts(v[np.isfinite(v)])


def _edges(i: int) -> tuple[float, float]:
    """The lower and upper edge of bin ``i``."""
    if i == ZERO:
        return -(10.0**LOW), 10.0**LOW
    k = i - ZERO - 1 if i > ZERO else ZERO - 1 - i
    lo, hi = 10.0 ** (LOW + k / PER_DECADE), 10.0 ** (LOW + (k + 1) / PER_DECADE)
    return (lo, hi) if i > ZERO else (-hi, -lo)


def median(hist: np.ndarray) -> float:
    """The median read from a histogram: the value below which half the counts lie,
    interpolated geometrically inside its bin (0 in the zero bin); NaN when empty.

    >>> h = counts(np.array([1.0, 2.0, 3.0, 4.0, 1000.0]))
    >>> round(median(h), 1)  # the true median is 3
    3.0
    """
    total = float(hist.sum())
    if total == 0:
        return float("nan")
    cum = np.cumsum(hist)
    half = total / 2
    i = int(np.searchsorted(cum, half))
    if i == ZERO:
        return 0.0
    before = cum[i - 1] if i > 0 else 0.0
    share = (half - before) / hist[i]
    lo, hi = _edges(i)
    return float(lo * (hi / lo) ** share)  # edges of one sign: a geometric step either way
