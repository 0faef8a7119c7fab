"""Stage 7: the pass's sums as result rows, physical rows and the ecosystem extent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.catalog.indicators import indicator as catalog_indicator
from ganpo.engine.result import EXTENT_COLUMNS, PHYSICAL_COLUMNS, empty_physical
from ganpo.engine.stages.blockwise import PassSums, unit_value
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.on_grid import OnGrid
from ganpo.engine.stages.plan import Plan
from ganpo.services.base import TABLE_ROW_COLUMNS, Method, table_rows


@dataclass(frozen=True)
class RasterRows:
    """Rows of the raster components: ``rows`` (valued; columns of :func:`label` and
    ``county_adcode``), ``physical`` (``PHYSICAL_COLUMNS``), ``extent``
    (``EXTENT_COLUMNS``), the units' ``codes`` in the order of the sums, and
    ``county_of`` (unit code → county adcode; a county maps to itself)."""

    rows: list[pd.DataFrame]
    physical: pd.DataFrame
    extent: pd.DataFrame
    codes: np.ndarray
    county_of: dict[int, int]


def label(frame: pd.DataFrame, x: Method) -> pd.DataFrame:
    """Rows of ``table_rows`` labelled with the method's indicator, category and unit."""
    out = frame[TABLE_ROW_COLUMNS].copy()
    out.insert(0, "indicator", x.indicator)
    out["category"] = catalog_indicator(x.indicator).category
    out["quantity_unit"] = x.quantity_unit
    return out


def sums_to_rows(run: Run, plan: Plan, on_grid: OnGrid, sums: PassSums) -> RasterRows:
    """One row per unit × ecosystem code with a non-zero sum, for each component:
    value = quantity × the component's unit value; physical components unvalued. The
    extent: cells and area per unit × ecosystem type (nodata cells left out)."""
    params = plan.params
    adcodes = on_grid.units["unit_code"].to_numpy()
    county = on_grid.units["county_adcode"].to_numpy()
    rows: list[pd.DataFrame] = []
    physical_rows: list[pd.DataFrame] = []
    for (x, name, comp), total in zip(sums.parts, sums.totals, strict=True):
        zi, code = np.nonzero(total)
        if x.indicator in plan.unvalued:
            physical_rows.append(
                pd.DataFrame(
                    {
                        "indicator": x.indicator,
                        "method": x.key,
                        "component": name,
                        "ecosystem_code": code.astype("int64"),
                        "unit_code": adcodes[zi].astype("int64"),
                        "county_adcode": county[zi].astype("int64"),
                        "quantity": total[zi, code],
                        "quantity_unit": x.quantity_unit,
                    }
                )
            )
            continue
        pv = params.scalar(comp.price.key, comp.price.unit)
        q = total[zi, code]
        frame = table_rows(
            adcodes[zi],
            code,
            q,
            q * unit_value(comp, params),
            component=name,
            price=comp.price,
            price_value=pv,
        )
        rows.append(label(frame, x).assign(county_adcode=county[zi].astype("int64")))

    cells = sums.cells
    zi, code = np.nonzero(cells[:, :RASTER_NODATA])
    extent = pd.DataFrame(
        {
            "unit_code": adcodes[zi].astype("int64"),
            "county_adcode": county[zi].astype("int64"),
            "ecosystem_code": code.astype("int64"),
            "cells": cells[zi, code].astype("int64"),
        }
    )
    extent["area_m2"] = extent["cells"] * on_grid.grid.cell_area_m2
    physical = (
        pd.concat(physical_rows, ignore_index=True)[PHYSICAL_COLUMNS]
        if physical_rows
        else empty_physical()
    )
    county_of = {int(u): int(c) for u, c in zip(adcodes, county, strict=True)}
    county_of.update({int(c): int(c) for c in county})
    return RasterRows(rows, physical, extent[EXTENT_COLUMNS], adcodes, county_of)
