"""Report layer: summary tables, CSV/Excel export, maps with Chinese labels.

Summary functions are pure pandas and return values in CNY; exports and maps write files
atomically (a temporary file in the same folder, then a rename).
"""

from importlib import import_module
from typing import Any

#: where each public name lives: imported on first use, so that importing one module of the
#: report (the method table, the change notes) does not load maps, fonts and workbooks
_WHERE = {
    "HEADERS": "export",
    "write_csv": "export",
    "write_excel": "export",
    "MissingFontError": "fonts",
    "use_cjk_font": "fonts",
    "build_gep_density_figure": "maps",
    "gep_density_map": "maps",
    "compare": "summary",
    "compare_units": "summary",
    "gep_by_category": "summary",
    "gep_by_ecosystem": "summary",
    "gep_by_indicator": "summary",
    "gep_by_unit": "summary",
    "top_bottom": "summary",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"ganpo.report.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'ganpo.report' has no attribute {name!r}")


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
