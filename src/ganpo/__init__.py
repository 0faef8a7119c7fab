"""ganpo: Gross Ecosystem Product (GEP) accounting / 生态系统生产总值核算."""

import os
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ganpo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

#: GDAL's raster block cache [MB] unless the user sets GDAL_CACHEMAX. GDAL's default is 5 %
#: of the machine's memory, filled as blocks are read: the engine reads each block once,
#: so the cache only grows with the raster (AWY at 10⁸ cells: peak 1.8 GB with the default
#: on 24 GB, 0.68 GB with 128 MB, same speed; docs/decisions/0004). Set before GDAL
#: allocates its cache, i.e. before the first raster is read in this process.
GDAL_CACHE_MB = 256
os.environ.setdefault("GDAL_CACHEMAX", str(GDAL_CACHE_MB))

__all__ = ["GDAL_CACHE_MB", "__version__"]
