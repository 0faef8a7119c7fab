"""Report layer: summary tables, CSV/Excel export, maps with Chinese labels.

Summary functions are pure pandas and return values in CNY; exports and maps write files
atomically (a temporary file in the same folder, then a rename).
"""

from ganpo.report.export import HEADERS, write_csv, write_excel
from ganpo.report.fonts import MissingFontError, use_cjk_font
from ganpo.report.maps import build_gep_density_figure, gep_density_map
from ganpo.report.summary import (
    compare,
    compare_units,
    gep_by_category,
    gep_by_ecosystem,
    gep_by_indicator,
    gep_by_unit,
    top_bottom,
)

__all__ = [
    "HEADERS",
    "MissingFontError",
    "build_gep_density_figure",
    "compare",
    "compare_units",
    "gep_by_category",
    "gep_by_ecosystem",
    "gep_by_indicator",
    "gep_by_unit",
    "gep_density_map",
    "top_bottom",
    "use_cjk_font",
    "write_csv",
    "write_excel",
]
