"""Stage 7: the pass's sums as result rows, physical rows and the ecosystem extent."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.catalog.indicators import indicator as catalog_indicator
from ganpo.engine.result import COVERAGE_COLUMNS, PHYSICAL_COLUMNS, empty_physical
from ganpo.engine.stages.blockwise import PassSums, unit_value
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.coverage import layer_coverage
from ganpo.engine.stages.gaps import filled_totals
from ganpo.engine.stages.on_grid import OnGrid
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.services.base import TABLE_ROW_COLUMNS, Method, table_rows


@dataclass(frozen=True)
class RasterRows:
    """Rows of the raster components: ``rows`` (valued; columns of
    :func:`label`), ``physical`` (``PHYSICAL_COLUMNS``), ``extent`` (county_adcode,
    ecosystem_code, cells, area_m2), the units' ``adcodes`` in the order of the sums, and
    the layers' ``coverage`` per unit (``COVERAGE_COLUMNS``)."""

    rows: list[pd.DataFrame]
    physical: pd.DataFrame
    extent: pd.DataFrame
    adcodes: np.ndarray
    coverage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COVERAGE_COLUMNS))


def label(frame: pd.DataFrame, x: Method) -> pd.DataFrame:
    """Rows of ``table_rows`` labelled with the method's indicator, category and unit."""
    out = frame[TABLE_ROW_COLUMNS].copy()
    out.insert(0, "indicator", x.indicator)
    out["category"] = catalog_indicator(x.indicator).category
    out["quantity_unit"] = x.quantity_unit
    return out


def sums_to_rows(
    run: Run, plan: Plan, selection: Selection, on_grid: OnGrid, sums: PassSums
) -> RasterRows:
    """One row per unit × ecosystem code with a non-zero sum, for each component (its
    gaps filled where a gap policy says so, :func:`~.gaps.filled_totals`): value =
    quantity × the component's unit value; physical components unvalued. The extent:
    cells and area per unit × ecosystem type (nodata cells left out). The coverage table
    of the layers read."""
    params = plan.params
    adcodes = on_grid.units["county_adcode"].to_numpy()
    rows: list[pd.DataFrame] = []
    physical_rows: list[pd.DataFrame] = []
    totals, _ = filled_totals(sums)
    for (x, name, comp), total in zip(sums.parts, totals, strict=True):
        zi, code = np.nonzero(total)
        if x.indicator in plan.unvalued:
            physical_rows.append(
                pd.DataFrame(
                    {
                        "indicator": x.indicator,
                        "method": x.key,
                        "component": name,
                        "ecosystem_code": code.astype("int64"),
                        "county_adcode": adcodes[zi].astype("int64"),
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
        rows.append(label(frame, x))

    cells = sums.cells
    zi, code = np.nonzero(cells[:, :RASTER_NODATA])
    extent = pd.DataFrame(
        {
            "county_adcode": adcodes[zi].astype("int64"),
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
    coverage = layer_coverage(selection, on_grid.units, sums)
    return RasterRows(rows, physical, extent, adcodes, coverage)
