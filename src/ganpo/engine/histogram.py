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

import numba
import numpy as np

LOW, HIGH = -6, 7
PER_DECADE = 50
N_SIDE = (HIGH - LOW) * PER_DECADE
#: bins: negative values (most negative first), zero, positive values (ascending)
N_BINS = 2 * N_SIDE + 1
ZERO = N_SIDE


@numba.njit(cache=True, nogil=True)
def bin_of(v: float) -> int:
    """The bin of one finite value: ``k = 1 + floor((log10 |v| − LOW) · PER_DECADE)``
    bins out from the zero bin (0 for ``|v|`` below ``10**LOW / 2``, at most
    :data:`N_SIDE`), on the side of ``v``'s sign.

    In float64, with the C library's ``log10`` (numba's), so that the bins do not depend
    on the processor's vector instructions: numpy's float32 ``log10`` (used here before
    2026-12-03) differs by a unit in the last place on processors with AVX-512, and moved
    about one value in 10⁴ that lay within float32 rounding of a bin edge."""
    x = np.log10(max(abs(v), 10.0**LOW / 2))
    k = int(min(max(np.floor((x - LOW) * PER_DECADE) + 1.0, 0.0), float(N_SIDE)))
    return ZERO - k if v < 0 else ZERO + k


@numba.njit(cache=True, nogil=True)
def _bin_all(v: np.ndarray, out: np.ndarray) -> None:
    for i in range(v.size):
        out[i] = bin_of(v[i])


def bin_index(values: np.ndarray) -> np.ndarray:
    """The bin of each finite value, so that bins are in the order of the values.

    >>> bin_index(np.array([-1.0, 0.0, 1e-9, 1.0, 10.0])).tolist()
    [349, 650, 650, 951, 1001]
    """
    v = np.ascontiguousarray(values, dtype=np.float64).ravel()
    out = np.empty(v.size, dtype=np.int64)
    _bin_all(v, out)
    return out.reshape(np.shape(values))


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
