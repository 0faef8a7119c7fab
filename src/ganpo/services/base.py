"""What a method's formulas read and return, a method with its formulas bound, and the
helpers formulas need to read per-type tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import pandas as pd

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.catalog.parameters import ParameterSet
from ganpo.services.spec import MethodSpec
from ganpo.services.spec import UsedParameter as UsedParameter

# A number, numpy array, dask array or xarray DataArray: formulas accept all of them.
Array = Any

#: columns of the rows a table method returns (one row per unit × type × component; the
#: unit is the one its tables are keyed by: a county, or a unit of the dataset's level)
TABLE_ROW_COLUMNS = [
    "unit_code", "ecosystem_code", "component", "quantity", "price_key", "price",
    "price_unit", "value_cny",
]  # fmt: skip


@dataclass(frozen=True)
class RasterInputs:
    """Clean per-cell inputs the engine hands to a raster method.

    ``layers`` maps a layer role to a float64 array with NaN for nodata; ``ecosystem`` holds
    raster codes (uint8, :data:`RASTER_NODATA` for nodata); ``cell_area_m2`` is the area of
    one cell of the equal-area grid.
    """

    layers: Mapping[str, Array]
    ecosystem: Array
    cell_area_m2: float


@dataclass(frozen=True)
class TableInputs:
    """What a statistics-based method reads: tables by role (rows indexed by ``unit_code``,
    values in base units; a list table has a ``unit_code`` column), the ecosystem extent
    per unit (``unit_code``, ``ecosystem_code``, ``area_m2``) and the units' codes. The
    units are those the tables are given for: counties (their adcodes), or the units of
    the dataset's finer level when its tables are given per unit (decision 0021)."""

    tables: Mapping[str, pd.DataFrame]
    extent: pd.DataFrame
    units: tuple[int, ...]


@dataclass(frozen=True)
class Component:
    """One per-cell quantity of a raster method and the price that values it.

    ``unit_value`` [CNY per quantity unit], when set, replaces the price as the value of
    one unit of quantity: for valuations that combine several parameters (soil retention:
    silt + N + P, :mod:`ganpo.services.valuation`); ``price`` is then the headline price
    shown beside it.
    """

    quantity: Array
    price: UsedParameter
    unit_value: float | None = None


RasterFn = Callable[[RasterInputs, ParameterSet], dict[str, Component]]
TableFn = Callable[[TableInputs, ParameterSet], pd.DataFrame]


@dataclass(frozen=True)
class Method(MethodSpec):
    """A method's declaration (:class:`~ganpo.services.spec.MethodSpec`) with its formulas:
    ``raster`` gives per-cell quantities, summed by the engine; ``table`` gives rows per
    unit (county, or finer unit) from statistics tables and the extent. The registry
    (:mod:`ganpo.services.methods`) binds them: a method has ``raster`` exactly when it
    declares layers, and ``table`` exactly when it declares columns."""

    raster: RasterFn | None = field(default=None, repr=False)
    table: TableFn | None = field(default=None, repr=False)


def take_by_code(codes: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """``lut[codes]``: each cell's value from a table of 256 values indexed by its
    ecosystem code (what :func:`lookup` maps over a dask array's blocks). Public because
    the pass's strips (:mod:`ganpo.engine.strips`) recognise it as per-cell work.

    The pass gives it strips of an 8-bit map and a float64 table: those are gathered by a
    compiled loop (every uint8 is an index of the table; the same float64 values as
    numpy's fancy indexing, at a fifth of its time, which first widens each code to a
    64-bit index). Anything else is numpy's ``lut[codes]``."""
    if (
        isinstance(codes, np.ndarray)
        and codes.dtype == np.uint8
        and codes.ndim == 2
        and isinstance(lut, np.ndarray)
        and lut.dtype == np.float64
        and lut.shape == (256,)
    ):
        out = np.empty(codes.shape, dtype=np.float64)
        _take_u8(codes, lut, out)
        return out
    return lut[codes]


@numba.njit(cache=True, nogil=True)
def _take_u8(codes: np.ndarray, lut: np.ndarray, out: np.ndarray) -> None:
    """``out[r, c] = lut[codes[r, c]]`` (uint8 codes, a table of 256 float64)."""
    rows, cols = codes.shape
    for r in range(rows):
        for c in range(cols):
            out[r, c] = lut[codes[r, c]]


def lookup(codes: Array, table: Mapping[int, float], default: float) -> Array:
    """Per-cell value of a per-ecosystem-type table (``{code: value}``).

    Codes absent from ``table`` get ``default``; the nodata code gets NaN. Works on numpy
    and dask arrays alike (dask: block by block, nothing computed). A table from
    :meth:`~ganpo.catalog.parameters.ParameterSet.per_type` already holds every level-2
    sub-type that falls back to its level-1 type's value, so a raster of level-1 codes, of
    level-2 codes or of both reads the same values.

    >>> lookup(np.array([1, 5, 255], dtype="uint8"), {1: 0.02}, 0.0).tolist()
    [0.02, 0.0, nan]
    >>> from ganpo.catalog.parameters import expand_by_type
    >>> alpha, _ = expand_by_type({"forest": 0.0465, "evergreen_needleleaf_forest": 0.0452})
    >>> lookup(np.array([1, 11, 12, 51], dtype="uint8"), alpha, 0.0).tolist()
    [0.0465, 0.0465, 0.0452, 0.0]
    """
    lut = np.full(256, default, dtype="float64")
    for code, value in table.items():
        lut[code] = value
    lut[RASTER_NODATA] = np.nan
    if hasattr(codes, "map_blocks"):
        return codes.map_blocks(take_by_code, lut, dtype="float64")
    return lut[np.asarray(codes)]


def where_type(mask: Array, quantity: Array) -> Array:
    """``quantity`` where ``mask`` is 1, 0 where it is 0, NaN where it is NaN (no type).

    Cells of types that do not provide a service count 0 even if an input they do not
    need is nodata there; cells with no ecosystem type stay NaN.
    """
    return np.where(mask == 1.0, quantity, mask * 0.0)


def table_rows(
    unit_code: Any,
    ecosystem_code: Any,
    quantity: Any,
    value_cny: Any,
    *,
    component: str = "",
    price: UsedParameter | None = None,
    price_value: float = float("nan"),
) -> pd.DataFrame:
    """Rows of a table method's result, in :data:`TABLE_ROW_COLUMNS`."""
    units = np.asarray(unit_code, dtype="int64")
    return pd.DataFrame(  # in one construction: a column set afterwards costs a copy
        {
            "unit_code": units,
            "ecosystem_code": np.asarray(ecosystem_code, dtype="int64"),
            "quantity": np.asarray(quantity, dtype="float64"),
            "value_cny": np.asarray(value_cny, dtype="float64"),
            "component": component,
            "price_key": price.key if price else "",
            "price": np.full(units.shape, price_value, dtype="float64"),
            "price_unit": price.unit if price else "",
        },
        columns=TABLE_ROW_COLUMNS,
    )
