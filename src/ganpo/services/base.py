"""What a raster service declares, and the one helper formulas need to read type tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.catalog.parameters import ParameterSet

# A number, numpy array, dask array or xarray DataArray: formulas accept all of them.
Array = Any


@dataclass(frozen=True)
class RasterInputs:
    """Clean per-cell inputs the engine hands to a raster service.

    ``layers`` maps a layer role to a float64 array with NaN for nodata; ``ecosystem`` holds
    raster codes (uint8, :data:`RASTER_NODATA` for nodata); ``cell_area_m2`` is the area of
    one cell of the equal-area grid.
    """

    layers: Mapping[str, Array]
    ecosystem: Array
    cell_area_m2: float


@dataclass(frozen=True)
class UsedParameter:
    """A parameter a service used, for the account's provenance (one line per price)."""

    key: str
    unit: str


@dataclass(frozen=True)
class RasterService:
    """A service computed per cell: its inputs, its outputs and how to value them.

    ``quantities`` turns clean inputs and a parameter set into one array per output
    indicator (physical quantity per cell, NaN where an input it needs is nodata, 0 where
    the ecosystem type does not provide the service). ``prices`` names, per indicator, the
    parameter that values one unit of quantity.
    """

    key: str
    name_en: str
    layers: tuple[str, ...]
    outputs: Mapping[str, str]  # indicator -> quantity unit
    prices: Mapping[str, UsedParameter]  # indicator -> price parameter
    parameters: tuple[UsedParameter, ...]
    quantities: Callable[[RasterInputs, ParameterSet], dict[str, Array]] = field(repr=False)


def _take(codes: np.ndarray, lut: np.ndarray) -> np.ndarray:
    return lut[codes]


def lookup(codes: Array, table: Mapping[int, float], default: float) -> Array:
    """Per-cell value of a per-ecosystem-type table (``{code: value}``).

    Codes absent from ``table`` get ``default``; the nodata code gets NaN. Works on numpy
    and dask arrays alike (dask: block by block, nothing computed).

    >>> lookup(np.array([1, 5, 255], dtype="uint8"), {1: 0.02}, 0.0).tolist()
    [0.02, 0.0, nan]
    """
    lut = np.full(256, default, dtype="float64")
    for code, value in table.items():
        lut[code] = value
    lut[RASTER_NODATA] = np.nan
    if hasattr(codes, "map_blocks"):
        return codes.map_blocks(_take, lut, dtype="float64")
    return lut[np.asarray(codes)]


def where_type(mask: Array, quantity: Array) -> Array:
    """``quantity`` where ``mask`` is 1, 0 where it is 0, NaN where it is NaN (no type).

    Cells of types that do not provide a service count 0 even if an input they do not
    need is nodata there; cells with no ecosystem type stay NaN.
    """
    return np.where(mask == 1.0, quantity, mask * 0.0)
