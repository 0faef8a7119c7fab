"""Stage 9: the finished account, with its provenance, warnings and notes."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ganpo.catalog.parameter_names import parameter_name
from ganpo.catalog.parameters import ParameterSet
from ganpo.engine.provenance import code_version, host
from ganpo.engine.result import AccountResult
from ganpo.engine.stages.blockwise import PassSums
from ganpo.engine.stages.context import Run, log
from ganpo.engine.stages.on_grid import OnGrid
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.rows import RasterRows
from ganpo.engine.stages.select import Selection
from ganpo.engine.stages.tables import Tables


def assemble(
    run: Run,
    plan: Plan,
    selection: Selection,
    on_grid: OnGrid,
    sums: PassSums,
    raster: RasterRows,
    tables: Tables,
) -> AccountResult:
    """Warn about placeholder parameters the methods used, list the inputs read (with
    checksums) and the prices used, log the warnings and notes, and return the account."""
    m, params = plan.manifest, plan.params
    used_keys = {u.key for x in plan.all_methods for u in x.parameters}
    for key in sorted(used_keys):
        if params.values[key].status == "placeholder":
            run.warn(
                f"parameter {key!r} of {params.name!r} is a placeholder, not a published "
                f"value ({params.values[key].source[:80]}…); results that use it are illustrative",
                f"参数集「{params.title_zh or params.name}」的参数「{parameter_name(key, 'zh')}」"
                "是占位值，不是已发表的数值；使用该参数的结果仅供示意。",
            )
    entries_used: list[Any] = [m.units, *selection.entries.values(), *tables.entries]
    inputs_df = pd.DataFrame(
        [
            {
                "role": getattr(e, "role", "units"),
                "year": getattr(e, "year", None),
                "path": e.path,
                "sha256": e.sha256,
                "synthetic": e.synthetic,
                "source": e.source,
            }
            for e in entries_used
        ]
    )
    if on_grid.land.converted:
        inputs_df = _with_converted_map(inputs_df, plan, on_grid)
    prices = price_table(params, used_keys)
    for warning in run.warnings:
        log.warning(warning)
    for n in run.notes_on("prices"):  # of the notes, only the price notes are logged
        log.info(n)
    took = time.perf_counter() - run.t0
    run.say(
        f"{m.name} {run.year}: done in {took:.1f} s",
        f"{m.name} {run.year} 年：核算完成，用时 {took:.1f} 秒",
    )
    return AccountResult(
        dataset_name=m.name,
        region_adcode=m.region_adcode,
        year=run.year,
        profile=plan.profile.name,
        price_policy=plan.policy,
        parameter_set=params.name,
        parameter_set_version=params.version,
        synthetic=m.synthetic or any(e.synthetic for e in entries_used),
        code_version=code_version(),
        host=host(),
        started_at=run.started,
        finished_at=datetime.now(UTC),
        manifest_sha256=plan.ds.manifest_sha256,
        dataset_root=str(plan.ds.root.resolve()),
        input_digest=plan.digest,
        inputs=inputs_df,
        prices=prices,
        results=tables.results,
        extent=raster.extent,
        units=on_grid.units,
        warnings=run.warnings,
        warnings_zh=run.warnings_zh,
        rasters=sums.rasters,
        log=run.log,
        parameters=params,
        profile_indicators=dict(plan.profile.indicators),
        physical=raster.physical,
        notes=run.notes,
        decisions=list(run.decisions),
        coverage=raster.coverage,
    )


def price_table(params: ParameterSet, keys: set[str]) -> pd.DataFrame:
    """The parameters the methods used (``keys``), as the account stores them."""
    return pd.DataFrame(
        [
            {
                "key": k,
                "value": v.value,
                "by_type": v.by_type,
                "unit": v.unit,
                "year": v.year,
                "region": v.region,
                "source": v.source,
                "status": v.status,
            }
            for k, v in params.values.items()
            if k in keys
        ]
    )


def _with_converted_map(inputs: pd.DataFrame, plan: Plan, on_grid: OnGrid) -> pd.DataFrame:
    """The inputs with the land layer the ecosystem map was converted from listed as
    ``land_cover`` and the converted map (the file the account read, cached) as
    ``ecosystem_type``, with its checksum, so that the account can be re-checked and its
    map found again (site valuation reads it)."""
    land = on_grid.land
    is_eco = inputs["role"] == "ecosystem_type"
    source = inputs.loc[is_eco].iloc[0]
    try:
        path = str(land.path.resolve().relative_to(plan.ds.root.resolve()))
    except ValueError:  # a derived folder outside the dataset
        path = str(land.path.resolve())
    converted = {
        **source.to_dict(),
        "path": path,
        "sha256": land.sha256,
        "source": f"{source['source']}; {land.method}",
    }
    out = inputs.assign(role=inputs["role"].where(~is_eco, "land_cover"))
    return pd.concat([out, pd.DataFrame([converted])], ignore_index=True)
