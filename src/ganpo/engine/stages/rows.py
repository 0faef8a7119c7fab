"""Stage 7: the pass's sums as result rows, physical rows and the ecosystem extent."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ganpo.catalog.ecosystems import RASTER_NODATA, by_code, level1_lut, subtypes
from ganpo.catalog.indicators import indicator as catalog_indicator
from ganpo.engine.result import COVERAGE_COLUMNS, PHYSICAL_COLUMNS, empty_physical
from ganpo.engine.stages.blockwise import PassSums, unit_value
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.coverage import layer_coverage
from ganpo.engine.stages.gaps import filled_totals
from ganpo.engine.stages.on_grid import OnGrid
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.errors import preview
from ganpo.services.base import TABLE_ROW_COLUMNS, Method, table_rows


@dataclass(frozen=True)
class RasterRows:
    """Rows of the raster components: ``rows`` (valued; columns of :func:`label`; by the
    raster's codes, level 1 or 2), ``physical`` (``PHYSICAL_COLUMNS``, by level-1 type),
    ``extent`` (county_adcode, ecosystem_code, cells, area_m2, by level-1 type: what the
    account reports), ``extent_by_code`` (the same by the raster's codes: what the table
    methods read, so that their per-type parameters apply by sub-type), the units'
    ``adcodes`` in the order of the sums, and the layers' ``coverage`` per unit
    (``COVERAGE_COLUMNS``)."""

    rows: list[pd.DataFrame]
    physical: pd.DataFrame
    extent: pd.DataFrame
    extent_by_code: pd.DataFrame
    adcodes: np.ndarray
    coverage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COVERAGE_COLUMNS))


def by_level1(frame: pd.DataFrame, sums: list[str]) -> pd.DataFrame:
    """``frame`` with each ``ecosystem_code`` replaced by its level-1 code and the rows
    that then share every other column added up (the columns ``sums``): results are
    reported by level-1 type whatever level the ecosystem map was coded in. A frame of
    level-1 codes only is returned as it is."""
    codes = frame["ecosystem_code"].to_numpy(dtype="int64")
    level = level1_lut()[codes]
    if (level == codes).all():
        return frame
    keys = [c for c in frame.columns if c not in sums]
    out = frame.assign(ecosystem_code=level)
    summed = out.groupby(keys, sort=False, dropna=False, as_index=False)[sums].sum()
    return summed[list(frame.columns)].astype(frame.dtypes.to_dict())


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
    note_subtypes(run, plan, cells)
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
        by_level1(pd.concat(physical_rows, ignore_index=True)[PHYSICAL_COLUMNS], ["quantity"])
        if physical_rows
        else empty_physical()
    )
    coverage = layer_coverage(selection, on_grid.units, sums)
    return RasterRows(
        rows, physical, by_level1(extent, ["cells", "area_m2"]), extent, adcodes, coverage
    )


def note_subtypes(run: Run, plan: Plan, cells: np.ndarray) -> None:
    """When the ecosystem map holds level-2 codes, note that results are reported by
    level-1 type and, per per-type parameter the methods read, which sub-types of the map
    took their level-1 type's value for want of their own."""
    present = {int(c) for c in np.nonzero(cells[:, :RASTER_NODATA].sum(axis=0))[0]}
    level2 = sorted(present & {t.code for t in subtypes()})
    if not level2:
        return
    share = cells[:, level2].sum() / max(cells[:, :RASTER_NODATA].sum(), 1)
    run.note(
        "classification",
        f"ecosystem map coded by sub-type (level 2) for {share:.0%} of its cells "
        f"({len(level2)} sub-types); results are reported by level-1 type",
    )
    params = plan.params
    keys = sorted(
        {
            u.key
            for x in plan.all_methods
            for u in x.parameters
            if params.values[u.key].by_type is not None
        }
    )
    for key in keys:
        unit = params.values[key].unit
        took = sorted(set(level2) & params.per_type_fallbacks(key, unit))
        if took:
            run.note(
                "classification",
                f"{key}: {len(took)} sub-type(s) of the map without a value of their own "
                f"take their level-1 type's ({preview(by_code(c).key for c in took)})",
            )
