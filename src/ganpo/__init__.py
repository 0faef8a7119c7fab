"""ganpo: Gross Ecosystem Product (GEP) accounting / 生态系统生产总值核算."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ganpo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
