"""Opening layers as chunked dask arrays, with nodata turned into NaN by the engine;
writing value rasters block by block.

A layer is read by :class:`LayerBlocks`, one window per dask block, through
:func:`ganpo.io.raster_files.read_window`: a truncated or corrupt file found half-way
through a computation (in a worker thread or on a cluster) stops it with the file's own
:class:`~ganpo.errors.InputFileError` (file, role, block), not GDAL's ``Read failed``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask.array as da
import numba
import numpy as np
import rasterio
import rasterio.shutil
from dask.base import tokenize
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from ganpo.engine.grid import Grid
from ganpo.errors import GridError, InputFileError
from ganpo.io.outputs import VALUE_RASTERS, Output, output_errors
from ganpo.io.raster_files import open_raster, raster_header, read_window


class LayerBlocks:
    """A single-band raster as an array-like that reads the window asked for (what
    ``dask.array.from_array`` needs). Each thread keeps its own open dataset (GDAL
    datasets are not thread-safe); pickled (to a cluster's worker), it reopens the file
    there."""

    def __init__(
        self, path: Path, role: str | None, as_float: bool, shape: tuple[int, int] | None = None
    ) -> None:
        self.path, self.role, self.as_float = Path(path), role, as_float
        self._local = threading.local()
        self.ndim = 2
        if shape is not None:  # a layer still being made: its header is read at the first
            if not as_float:  # block (the pass's early tasks never read it)
                raise ValueError("a layer still being made is read as float")
            self.shape, self.dtype = shape, np.dtype("float64")
            self._rule: NanRule | None = None
            self._ready = False
            return
        self._header()

    def _header(self) -> None:
        path, role = self.path, self.role
        header = raster_header(path, role)
        if header.count != 1:
            raise GridError.bilingual(
                f"expected one band, found {header.count}; write each variable to its own file",
                f"应为单波段栅格，该文件有 {header.count} 个波段；请将每个变量写入单独的文件",
                source=path,
                field="band",
            )
        stored = np.dtype(header.dtype)
        shape = (header.height, header.width)
        if getattr(self, "shape", shape) != shape:  # a layer made after the graph was
            raise GridError(  # built must have the shape it was announced with
                en=f"the layer is {shape[0]} × {shape[1]} cells, not "
                f"{self.shape[0]} × {self.shape[1]} as the grid it was made for",
                zh="该图层为 "
                f"{shape[0]} × {shape[1]} 个栅格单元，与其所属网格的 {self.shape[0]} × "
                f"{self.shape[1]} 不一致",
                source=path,
                field=role or "shape",
            )
        self.shape = shape
        self._rule = nan_rule(stored, header.nodata, list(header.mask_flags))
        self.dtype = np.dtype("float64") if self.as_float else stored
        self._ready = True

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_local"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _dataset(self) -> Any:
        src = getattr(self._local, "src", None)
        if src is None or src.closed:
            src = self._local.src = open_raster(self.path, self.role)
        return src

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        rows, cols = key
        r0, r1, _ = rows.indices(self.shape[0])
        c0, c1, _ = cols.indices(self.shape[1])
        if r1 <= r0 or c1 <= c0:
            return np.zeros((max(r1 - r0, 0), max(c1 - c0, 0)), dtype=self.dtype)
        window = Window(c0, r0, c1 - c0, r1 - r0)
        try:
            if not self._ready:
                self._header()
            src = self._dataset()
            if not self.as_float:
                return read_window(src, self.path, self.role, window)
            if self._rule is not None:
                return _read_as_float(src, self.path, self.role, window, self._rule)
            # as rioxarray's masked reading did: the dataset's mask (nodata) becomes NaN;
            # GDAL widens the values to float64 as it reads them (exact from any type a
            # layer may have), without a copy made here
            data = read_window(src, self.path, self.role, window, masked=True, out_dtype="float64")
        except InputFileError as exc:
            # raised in a worker, it may travel pickled to the client: GDAL's errors in
            # its chain cannot be rebuilt there (their words are in the message)
            exc.__cause__ = exc.__context__ = None
            raise exc
        return np.ma.filled(data, np.nan)


#: The single-precision epsilon of GDAL's ``ARE_REAL_EQUAL`` (gcore/gdal_priv.h), used
#: for float32 and float64 bands alike, and its tolerance of two of them
_EPS32 = np.float32(np.finfo(np.float32).eps)
_ULP32 = np.float32(2.0)


@dataclass(frozen=True)
class NanRule:
    """How GDAL's nodata mask of a band (``GDALNoDataMaskBand``, GDAL 3.10) is applied to
    its values, for a band whose only mask is its nodata value (or that has none):
    ``kind`` "float32" (compared in single precision within two single-precision epsilons
    of their sum, as ``ARE_REAL_EQUAL<float>``), "float64" (the same in double precision),
    "exact" (an integer band: equal to the nodata value) or "none" (no nodata: every cell
    valid); ``nan_nodata``: a NaN nodata value, which masks the NaN cells."""

    kind: str
    nodata: float
    nan_nodata: bool


def nan_rule(dtype: np.dtype[Any], nodata: float | None, flags: list[MaskFlags]) -> NanRule | None:
    """The :class:`NanRule` of a band of ``dtype`` with this ``nodata`` and mask ``flags``;
    None when ganpo reads the band through GDAL's own mask (another kind of mask, or a
    nodata value that GDAL would first adjust or cast: one that float32 cannot hold
    exactly, a fraction or an out-of-range value for an integer band)."""
    if flags == [MaskFlags.all_valid]:
        return NanRule("none", math.nan, False)
    if flags != [MaskFlags.nodata] or nodata is None:
        return None
    if dtype == np.float32:
        if math.isnan(nodata) or float(np.float32(nodata)) == nodata:
            return NanRule("float32", nodata, math.isnan(nodata))
        return None
    if dtype == np.float64:
        return NanRule("float64", nodata, math.isnan(nodata))
    if dtype.kind in "iu" and dtype.itemsize <= 4:
        info = np.iinfo(dtype)
        if nodata == int(nodata) and info.min <= nodata <= info.max:
            return NanRule("exact", nodata, False)
    return None


def _read_as_float(
    src: Any, path: Path, role: str | None, window: Window, rule: NanRule
) -> np.ndarray:
    """The window as float64 with the masked cells NaN: what GDAL's masked read and
    ``numpy.ma.filled`` give, bitwise, in one pass over the values (``tests/engine/
    test_rasters.py`` compares the two), without reading the mask band."""
    if rule.kind == "float32":
        raw = read_window(src, path, role, window)
        out = np.empty(raw.shape, dtype=np.float64)
        _nodata_to_nan(raw, np.float32(rule.nodata), rule.nan_nodata, True, out)
        return out
    data: np.ndarray = read_window(src, path, role, window, out_dtype="float64")
    if rule.kind != "none":
        tolerant = rule.kind == "float64"
        _nodata_to_nan(data, float(rule.nodata), rule.nan_nodata, tolerant, data)
    return data


@numba.njit(cache=True, nogil=True)
def _nodata_to_nan(
    a: np.ndarray, nodata: Any, nan_nodata: bool, tolerant: bool, out: np.ndarray
) -> None:
    """``out`` (float64; may be ``a`` itself): ``a``, NaN where GDAL's
    ``GDALNoDataMaskBand`` masks it. For a float32 or float64 band (``tolerant``) that is
    ``ARE_REAL_EQUAL`` in the band's own precision: ``nodata`` has ``a``'s type, and the
    tolerance, single precision's epsilon times two, is a float32 that the arithmetic
    widens for a float64 band, as C++ does; for an integer band widened to float64, equal
    to the nodata value. A NaN nodata value masks the NaN cells."""
    rows, cols = a.shape
    for r in range(rows):
        for c in range(cols):
            v = a[r, c]
            if nan_nodata:
                masked = np.isnan(v)
            elif tolerant:
                masked = v == nodata or abs(v - nodata) < _EPS32 * abs(v + nodata) * _ULP32
            else:
                masked = v == nodata
            out[r, c] = np.nan if masked else np.float64(v)


def open_pending_layer(path: Path, shape: tuple[int, int], chunk: int, role: str) -> da.Array:
    """A continuous layer that is still being made (a derived layer routed beside the
    pass, :mod:`ganpo.engine.stages.blockwise`), as :func:`open_layer` would open it once
    made: float64, nodata as NaN. Its header is read at the first block read, which must
    come after the file is written."""
    blocks = LayerBlocks(path, role, True, shape=shape)
    return _lazy(blocks, chunk, tokenize(str(blocks.path.resolve()), "pending", True))


def open_layer(
    path: Path, chunk: int, *, as_float: bool = True, role: str | None = None
) -> da.Array:
    """A single-band raster as a lazy dask array of ``chunk`` × ``chunk`` blocks.

    With ``as_float`` (continuous layers) values are float64 and nodata cells are NaN;
    otherwise the raw integer codes are kept (categorical layers, nodata code as stored).
    Reading happens block by block when the graph is computed, so memory stays bounded.
    ``role`` names the layer in the message if the file is broken (:class:`LayerBlocks`).
    """
    blocks = LayerBlocks(path, role, as_float)
    st = blocks.path.stat()
    return _lazy(
        blocks, chunk, tokenize(str(blocks.path.resolve()), st.st_size, st.st_mtime_ns, as_float)
    )


def _lazy(blocks: LayerBlocks, chunk: int, token: str) -> da.Array:
    """``blocks`` as a dask array of ``chunk`` × ``chunk`` blocks named by ``token``."""
    return da.from_array(
        blocks,
        chunks=(chunk, chunk),
        name="layer-" + token,
        lock=False,
        asarray=False,
        meta=np.empty((0, 0), dtype=blocks.dtype),
    )


class BlockWriter:
    """A target for ``dask.array.store``: writes each block into a tiled GeoTIFF window.

    Opened before the compute and closed after it; a lock serialises the writes (GDAL
    datasets are not thread-safe), while reading and computing stay parallel.
    A failure to write (a full disk) raises the folder's
    :class:`~ganpo.errors.OutputError`; the owner then calls :meth:`discard`.
    """

    def __init__(
        self,
        path: Path,
        grid: Grid,
        nodata: float = float("nan"),
        what: Output = VALUE_RASTERS,
    ) -> None:
        self.path, self.what = Path(path), what
        with output_errors(self.path.parent, what):
            self._dst = rasterio.open(
                path,
                "w",
                driver="GTiff",
                width=grid.width,
                height=grid.height,
                count=1,
                dtype="float32",
                crs=grid.crs_wkt,
                transform=grid.transform,
                nodata=nodata,
                tiled=True,
                blockxsize=256,
                blockysize=256,
                compress="deflate",
                BIGTIFF="IF_SAFER",
            )
        self._lock = threading.Lock()

    def __setitem__(self, key: tuple[slice, slice], value: np.ndarray) -> None:
        rows, cols = key
        window = Window.from_slices(rows, cols)
        with self._lock, output_errors(self.path.parent, self.what, cleaned=True):
            if self._dst.closed:  # discarded: the pass failed while this block computed
                return
            self._write(value.astype("float32"), window)

    def _write(self, value: np.ndarray, window: Window) -> None:
        self._dst.write(value, 1, window=window)

    def close(self) -> None:
        """Close the file (GDAL writes what it still holds: this too may fail)."""
        with self._lock:
            if not self._dst.closed:
                with output_errors(self.path.parent, self.what, cleaned=True):
                    self._dst.close()

    def discard(self) -> None:
        """Close and remove the file (after a failed pass: nothing half-written stays).

        When a block fails, dask raises at once while other worker threads may still be
        writing blocks: the lock lets such a write finish before the dataset is closed
        (GDAL crashes the process on a dataset closed under a write), and a block that
        arrives later is dropped."""
        with self._lock:
            try:
                if not self._dst.closed:
                    self._dst.close()
            except Exception:
                pass
            self.path.unlink(missing_ok=True)


def to_cog(gtiff: Path, cog: Path, what: Output = VALUE_RASTERS) -> None:
    """Copy a tiled GeoTIFF to a Cloud Optimized GeoTIFF (overviews, deflate). A failure
    to write raises the folder's :class:`~ganpo.errors.OutputError` (``cog`` should be a
    temporary name: :func:`ganpo.io.outputs.staged` removes it)."""
    with output_errors(Path(cog).parent, what):
        rasterio.shutil.copy(
            gtiff, cog, driver="COG", COMPRESS="DEFLATE", PREDICTOR="YES", BIGTIFF="IF_SAFER"
        )
