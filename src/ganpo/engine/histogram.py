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
    k = _side_bin(abs(v))
    return ZERO - k if v < 0 else ZERO + k


@numba.njit(cache=True, nogil=True)
def _side_bin(a: float) -> int:
    """``k`` of :func:`bin_of` for ``a`` = ``|v|``: a non-decreasing step function of
    ``a`` (``log10`` and the float64 operations after it are monotonic)."""
    x = np.log10(max(a, 10.0**LOW / 2))
    return int(min(max(np.floor((x - LOW) * PER_DECADE) + 1.0, 0.0), float(N_SIDE)))


# ---------------------------------------------------------------- the bins by table
# A layer check bins every checked cell: a ``log10`` each was three quarters of the
# pass's block sums (decision 0074). :func:`side_bin_table` tabulates the step function
# :func:`_side_bin` exactly instead: the float64 numbers from 2**E_LO to 2**(E_HI + 1)
# are cut into 2**MANTISSA_BITS slices per power of two (by the leading bits of the
# mantissa), each narrower than a bin (log10(1 + 2**-8) = 0.0017 of a decade, a bin is
# 0.02), so that a slice holds at most one step; the table gives each slice its ``k`` at
# its first number and the first number of the slice where ``k`` steps up (found by
# bisection over the numbers of the slice, with :func:`_side_bin` itself), +inf where it
# does not. Below 2**E_LO (< 10**LOW) every ``k`` is 0, from 2**(E_HI + 1) (> the start of
# the last bin) every ``k`` is N_SIDE. :func:`table_bin` is then a table look-up and one
# comparison, bitwise :func:`bin_of` (``tests/engine/test_histogram.py``).
MANTISSA_BITS = 8
E_LO, E_HI = -21, 23
A_LOW, A_HIGH = 2.0**E_LO, 2.0 ** (E_HI + 1)


@numba.njit(cache=True, nogil=True)
def _float_of(bits: int) -> float:
    buf = np.empty(1, dtype=np.int64)
    buf[0] = bits
    return buf.view(np.float64)[0]


@numba.njit(cache=True, nogil=True)
def _fill_table(first_k: np.ndarray, step_at: np.ndarray) -> int:
    """Fill the table (see above); the number of slices where ``k`` steps by more than
    one (none: the caller refuses a table that has one)."""
    shift = 52 - MANTISSA_BITS
    bad = 0
    for i in range(first_k.size):
        e = E_LO + (i >> MANTISSA_BITS)
        lo = ((e + 1023) << 52) | ((i & ((1 << MANTISSA_BITS) - 1)) << shift)
        hi = lo + (1 << shift) - 1  # the slice's last number
        k0, k1 = _side_bin(_float_of(lo)), _side_bin(_float_of(hi))
        first_k[i] = k0
        if k1 == k0:
            step_at[i] = np.inf
            continue
        if k1 != k0 + 1:
            bad += 1
        a, b = lo, hi  # k(a) = k0 < k(b)
        while b - a > 1:
            mid = a + (b - a) // 2  # (a + b) overflows int64 above 2.0
            if _side_bin(_float_of(mid)) > k0:
                b = mid
            else:
                a = mid
        step_at[i] = _float_of(b)
    return bad


_TABLE: tuple[np.ndarray, np.ndarray] | None = None


def side_bin_table() -> tuple[np.ndarray, np.ndarray]:
    """The table of :func:`table_bin` (built once per process, about 10⁴ slices)."""
    global _TABLE
    if _TABLE is None:
        n = (E_HI - E_LO + 1) << MANTISSA_BITS
        first_k = np.empty(n, dtype=np.int32)
        step_at = np.empty(n, dtype=np.float64)
        if _fill_table(first_k, step_at):
            raise RuntimeError("a slice of the histogram's table holds two bin edges")
        _TABLE = first_k, step_at
    return _TABLE


_EDGES: np.ndarray | None = None


@numba.njit(cache=True, nogil=True)
def _fill_edges(edges: np.ndarray) -> None:
    """``edges[k]`` for k = 1 … N_SIDE: the least float64 ``a`` with ``_side_bin(a) ≥ k``,
    by bisection over the bits of the positive numbers (ordered as their integers) with
    :func:`_side_bin` itself."""
    top = 0x7FF0_0000_0000_0000  # +inf's bits: _side_bin(inf) = N_SIDE
    for k in range(1, N_SIDE + 1):
        a, b = 0, top  # _side_bin(+0.0) = 0 < k ≤ _side_bin(inf)
        while b - a > 1:
            mid = a + (b - a) // 2
            if _side_bin(_float_of(mid)) >= k:
                b = mid
            else:
                a = mid
        edges[k] = _float_of(b)


def side_edges() -> np.ndarray:
    """The edges of the side bins: ``edges[k] ≤ |v| < edges[k + 1]`` exactly when ``|v|``
    is in side bin ``k`` (:func:`_side_bin` is a non-decreasing step function of ``|v|``),
    for k = 0 … N_SIDE: ``edges[0]`` = 0 and ``edges[N_SIDE + 1]`` = +inf (N_SIDE + 2
    float64). A kernel that bins values one after another keeps the last bin's edges and
    looks the table up only when a value leaves them (:func:`ganpo.engine.zonal`'s layer
    checks: one value in a hundred on smooth layers)."""
    global _EDGES
    if _EDGES is None:
        edges = np.empty(N_SIDE + 2, dtype=np.float64)
        edges[0], edges[-1] = 0.0, np.inf
        _fill_edges(edges)
        _EDGES = edges
    return _EDGES


@numba.njit(cache=True, nogil=True)
def table_bin(v: float, bits: int, first_k: np.ndarray, step_at: np.ndarray) -> int:
    """:func:`bin_of` of the finite ``v`` whose float64 bits are ``bits``, by the table
    of :func:`side_bin_table`."""
    a = abs(v)
    if a < A_LOW:
        k = 0
    elif a >= A_HIGH:
        k = N_SIDE
    else:
        magnitude = bits & 0x7FFF_FFFF_FFFF_FFFF
        i = (((magnitude >> 52) - 1023 - E_LO) << MANTISSA_BITS) | (
            (magnitude >> (52 - MANTISSA_BITS)) & ((1 << MANTISSA_BITS) - 1)
        )
        k = first_k[i] + (1 if a >= step_at[i] else 0)
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
