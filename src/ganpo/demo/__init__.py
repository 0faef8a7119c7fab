"""The synthetic Jiangxi demo dataset: real county boundaries, synthetic rasters and tables.

See :mod:`ganpo.demo.generator` for what is real and what is not.
"""

from ganpo.demo.generator import build_demo_dataset

__all__ = ["build_demo_dataset"]
