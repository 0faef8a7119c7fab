"""ganpo: Gross Ecosystem Product (GEP) accounting / 生态系统生产总值核算.

The Python API for notebooks and scripts (:mod:`ganpo.api`, docs/python-api.md)::

    import ganpo

    acc = ganpo.run_account("data/demo-5000m", 2022, store="out/ganpo.sqlite")
    ganpo.list_accounts("out/ganpo.sqlite")
    ganpo.compare_accounts(1, 2, store="out/ganpo.sqlite")

Its functions are loaded on first use (PEP 562): ``import ganpo`` alone loads no
numerical, raster or database library, so the ``ganpo`` command starts at once.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ganpo.api import (
        compare_accounts,
        demo_dataset,
        list_accounts,
        load_account,
        open_value_raster,
        run_account,
    )

    __version__: str

#: GDAL's raster block cache [MB] unless the user sets GDAL_CACHEMAX. GDAL's default is 5 %
#: of the machine's memory, filled as blocks are read: the engine reads each block once,
#: so the cache only grows with the raster (AWY at 10⁸ cells: peak 1.8 GB with the default
#: on 24 GB, 0.68 GB with 128 MB, same speed; docs/decisions/0004). Set before GDAL
#: allocates its cache, i.e. before the first raster is read in this process.
GDAL_CACHE_MB = 256
os.environ.setdefault("GDAL_CACHEMAX", str(GDAL_CACHE_MB))

__all__ = [
    "GDAL_CACHE_MB",
    "__version__",
    "compare_accounts",
    "demo_dataset",
    "list_accounts",
    "load_account",
    "open_value_raster",
    "run_account",
]
#: the functions of :mod:`ganpo.api`, available as ``ganpo.<name>``
_API = frozenset(__all__) - {"GDAL_CACHE_MB", "__version__"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ganpo")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


def __getattr__(name: str) -> Any:
    """``ganpo.__version__`` and the API functions, loaded when first asked for."""
    if name == "__version__":
        value: Any = _version()
    elif name in _API:
        from importlib import import_module

        value = getattr(import_module("ganpo.api"), name)
    else:
        raise AttributeError(f"module 'ganpo' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The package's names: :data:`__all__` (loaded or not) and its dunders."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
