"""Stage 4: what the layer files declare, looked at before the pass."""

from __future__ import annotations

import numpy as np

from ganpo.engine.stages.context import Run
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.io.raster_files import open_raster
from ganpo.io.roles import LAYER_ROLES


def inspect_layer_files(run: Run, plan: Plan, selection: Selection) -> None:
    """Warn about a float layer that declares no nodata value, and about a nodata value
    that is also a valid value of the role (such cells would be read as missing)."""
    for role in selection.needed:
        entry = selection.entries[role]
        with open_raster(plan.ds.path(entry), role) as src:
            if src.nodata is None and not np.issubdtype(np.dtype(src.dtypes[0]), np.floating):
                continue
            if src.nodata is None:
                run.warn(
                    f"{entry.path}: no nodata value declared; every finite cell is "
                    "taken as data (NaN cells as missing). Declare the nodata value if the "
                    "file uses one (gdal_edit.py -a_nodata)"
                )
            spec = LAYER_ROLES[role]
            nodata = src.nodata
            if (
                nodata is not None
                and np.isfinite(nodata)
                and (spec.minimum <= nodata <= spec.maximum)
            ):
                run.warn(
                    f"{entry.path}: its nodata value {nodata:g} is a valid "
                    f"{spec.name_en} ([{spec.minimum:g}, {spec.maximum:g}] {spec.unit}); "
                    f"cells equal to {nodata:g} are read as missing, not as data. If "
                    f"{nodata:g} occurs as real data in this file, rewrite it with a nodata "
                    "value outside that range (e.g. -9999)"
                )
