"""ganpo: Gross Ecosystem Product (GEP) accounting / 生态系统生产总值核算."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str

#: GDAL's raster block cache [MB] unless the user sets GDAL_CACHEMAX. GDAL's default is 5 %
#: of the machine's memory, filled as blocks are read: the engine reads each block once,
#: so the cache only grows with the raster (AWY at 10⁸ cells: peak 1.8 GB with the default
#: on 24 GB, 0.68 GB with 128 MB, same speed; docs/decisions/0004). Set before GDAL
#: allocates its cache, i.e. before the first raster is read in this process.
GDAL_CACHE_MB = 256
os.environ.setdefault("GDAL_CACHEMAX", str(GDAL_CACHE_MB))

__all__ = ["GDAL_CACHE_MB", "__version__"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ganpo")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


def __getattr__(name: str) -> Any:
    """``ganpo.__version__``, read from the installed metadata when first asked for
    (importlib.metadata takes a tenth of the ``ganpo`` command's start-up)."""
    if name != "__version__":
        raise AttributeError(f"module 'ganpo' has no attribute {name!r}")
    globals()[name] = value = _version()
    return value
