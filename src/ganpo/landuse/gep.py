"""The GEP of a land-use scenario: the simulated map runs through the same account as the
baseline (same dataset, profile, parameter set, prices), and the two compare by service,
by unit and by ecosystem type.

Only the ecosystem map differs between the two accounts: every other layer and table is
the dataset's own for the year, so the whole ΔGEP is attributable to the land-cover
change, and its breakdown by ecosystem type says which classes gained or lost value.
Layers that in reality follow land cover (vegetation cover, NPP, evapotranspiration) are
held at the observed year: a simplification, said in docs/land-use-scenarios.md — a
scenario on those layers is a further step.

The baseline should be the observed map *folded to level 1* when the scenario map is
level 1 (as :mod:`ganpo.landuse.run` writes it), so that parameters by sub-type do not
enter the difference; :func:`level1_map` writes that fold.

Land-use data on a coarser grid than the account dataset's (the platform simulates at
4000 m, decision 0046) are brought onto the account's grid by :func:`onto_grid`, nearest
neighbour; the baseline and the scenario maps must both go through it, so that the cells
that differ are exactly the cells the simulation changed (decision 0051).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio

from ganpo.catalog.ecosystems import RASTER_NODATA, level1_lut
from ganpo.catalog.parameters import PricePolicy
from ganpo.engine.account import DEFAULT_PROFILE, run_account
from ganpo.engine.result import AccountResult
from ganpo.engine.stages.codes import map_codes
from ganpo.errors import GridError, InputError
from ganpo.io.manifest import Dataset, LayerEntry, load_manifest, sha256_file
from ganpo.io.outputs import Output, writing
from ganpo.io.raster_files import open_raster, read_window

BASELINE = Output("the level-1 baseline map", "一级类基准图")
ON_GRID = Output("the land-cover map on the account grid", "核算网格上的土地覆被图")
#: a resampled map must give a class to at least this share of the cells the account's own
#: map classifies; below it the land-use data do not cover the account's region (the
#: rest is the edge of the region, rasterised at two resolutions)
MIN_COVER_SHARE = 0.9


def level1_map(source: Path, target: Path) -> Path:
    """Write ``source`` (an ecosystem map, level 1 or 2, of any dtype read as the account
    reads it: :func:`ganpo.engine.stages.codes.map_codes`) with every code folded to level
    1, same grid, as Byte with nodata 255 (the account's nodata, whatever the file
    declares)."""
    with open_raster(source, "ecosystem_type") as src:
        data, _ = map_codes(read_window(src, source, "ecosystem_type"), Path(source))
        profile = dict(src.profile)
    lut = level1_lut()
    inside = data != RASTER_NODATA
    out = np.full(data.shape, RASTER_NODATA, dtype=np.uint8)
    out[inside] = lut[data[inside]]
    profile.update(dtype="uint8", nodata=RASTER_NODATA)
    with writing(Path(target), BASELINE) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(out, 1)
    return Path(target)


def onto_grid(source: Path, like: Path, target: Path) -> Path:
    """Write the land-cover map ``source`` (ganpo's codes, folded to level 1) on the grid
    of ``like`` (the account dataset's ecosystem map) to ``target``, nodata 255.

    Each cell of ``like``'s grid takes the class of the ``source`` cell its centre falls in
    (nearest neighbour, :func:`rasterio.warp.reproject`): no class is invented or mixed,
    and a source cell becomes all the target cells whose centres it holds. On the same
    grid the classes are copied unchanged.

    Refused with :class:`GridError`: another CRS (reproject the land-use data first), cells
    finer than ``like``'s (nearest neighbour would drop classes: aggregate them first), or a
    map that classifies less than :data:`MIN_COVER_SHARE` of the cells ``like`` classifies
    (the land-use data do not cover the account's region).
    """
    from rasterio.warp import Resampling, reproject

    from ganpo.landuse.run import read_cover

    src_map = read_cover(Path(source))
    with open_raster(like, "ecosystem_type") as ref:
        ref_profile = dict(ref.profile)
        ref_data = read_window(ref, Path(like), "ecosystem_type")
    _, empty = map_codes(ref_data, Path(like), ref_profile.get("nodata"))
    classified = ~empty
    src_crs, ref_crs = src_map.profile["crs"], ref_profile["crs"]
    if src_crs != ref_crs:
        raise GridError(
            en=f"the land-cover map is in {src_crs}, the account dataset in {ref_crs}; reproject "
            "the land-use data to the account's coordinate system",
            zh="土地覆被图与核算数据集的坐标系不同，请先将土地利用数据投影到核算坐标系",
            source=Path(source),
            field="crs",
        )
    src_cell = abs(float(src_map.profile["transform"].a))
    ref_cell = abs(float(ref_profile["transform"].a))
    if src_cell < ref_cell - 1e-6:
        raise GridError(
            en=f"the land-cover map's cells ({src_cell:g} m) are finer than the account grid's "
            f"({ref_cell:g} m); aggregate the land-use data to the account grid (majority) "
            "first",
            zh=f"土地覆被图像元（{src_cell:g} 米）比核算网格（{ref_cell:g} 米）细，"
            "请先按众数聚合到核算网格",
            source=Path(source),
            field="grid",
            values=[src_cell, ref_cell],
        )
    out = np.full((ref_profile["height"], ref_profile["width"]), RASTER_NODATA, np.uint8)
    reproject(
        source=src_map.cover.astype(np.uint8),
        destination=out,
        src_transform=src_map.profile["transform"],
        src_crs=src_crs,
        src_nodata=RASTER_NODATA,
        dst_transform=ref_profile["transform"],
        dst_crs=ref_crs,
        dst_nodata=RASTER_NODATA,
        resampling=Resampling.nearest,
    )
    covered = int((classified & (out != RASTER_NODATA)).sum())
    share = covered / max(int(classified.sum()), 1)
    if share < MIN_COVER_SHARE:
        raise GridError(
            en=f"the land-cover map classifies {share:.0%} of the cells the account dataset's map "
            f"classifies (at least {MIN_COVER_SHARE:.0%} needed); give land-use data covering "
            "the account's region",
            zh=f"土地覆被图仅覆盖核算区域像元的 {share:.0%}"
            f"（至少需 {MIN_COVER_SHARE:.0%}），请提供覆盖核算区域的土地利用数据",
            source=Path(source),
            field="grid",
            values=[round(share, 4)],
        )
    profile = {
        "driver": "GTiff",
        "dtype": "uint8",
        "nodata": RASTER_NODATA,
        "count": 1,
        "crs": ref_crs,
        "transform": ref_profile["transform"],
        "width": ref_profile["width"],
        "height": ref_profile["height"],
        "compress": "deflate",
    }
    with writing(Path(target), ON_GRID) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(out, 1)
    return Path(target)


def _cover_entry(dataset: Dataset, year: int) -> LayerEntry:
    entry = dataset.manifest.layer("ecosystem_type", year)
    if entry is None:
        raise InputError(
            en=f"the dataset has no ecosystem map for {year}; choose a year it covers",
            zh=f"数据集没有 {year} 年的生态系统类型图，请选择其覆盖的年份",
            field="year",
            values=[year],
        )
    return entry


def level1_baseline(dataset: Path, year: int, target: Path) -> Path:
    """The dataset's ecosystem map of ``year`` folded to level 1, written to ``target``."""
    ds = load_manifest(Path(dataset))
    return level1_map(ds.path(_cover_entry(ds, year)), target)


def with_cover(dataset: Dataset, year: int, cover: Path, source: str) -> Dataset:
    """``dataset`` with its ecosystem map of ``year`` replaced by ``cover`` (a raster in
    ganpo's codes on the same grid), checksum recorded; nothing is written."""
    entry = _cover_entry(dataset, year)
    path = Path(cover).resolve()
    new = entry.model_copy(
        update={"path": str(path), "sha256": sha256_file(path), "source": source, "year": year}
    )
    layers = [new if e is entry else e for e in dataset.manifest.layers]
    manifest = dataset.manifest.model_copy(update={"layers": layers})
    digest = hashlib.sha256(manifest.model_dump_json().encode("utf-8")).hexdigest()
    return Dataset(manifest=manifest, root=dataset.root, manifest_sha256=digest)


@dataclass(frozen=True)
class ScenarioGEP:
    """Both accounts and their difference (scenario − baseline) [CNY]."""

    baseline: AccountResult
    scenario: AccountResult

    @property
    def delta_cny(self) -> float:
        return float(
            self.scenario.results["value_cny"].sum() - self.baseline.results["value_cny"].sum()
        )

    def by(self, *keys: str) -> pd.DataFrame:
        """Baseline, scenario and Δ value [CNY] grouped by result columns (``indicator``,
        ``unit_code``, ``ecosystem_code`` …); a group present in one account only counts
        0 in the other."""
        b = self.baseline.results.groupby(list(keys), dropna=False)["value_cny"].sum()
        s = self.scenario.results.groupby(list(keys), dropna=False)["value_cny"].sum()
        frame = pd.concat({"baseline_cny": b, "scenario_cny": s}, axis=1).fillna(0.0)
        frame["delta_cny"] = frame["scenario_cny"] - frame["baseline_cny"]
        return frame.reset_index()


def scenario_gep(
    dataset: Path,
    year: int,
    baseline_cover: Path,
    scenario_cover: Path,
    *,
    profile: str = DEFAULT_PROFILE,
    parameter_set: str | None = None,
    price_policy: PricePolicy | None = None,
    chunk: int = 1024,
) -> ScenarioGEP:
    """Run the account of ``year`` twice, once on each map, same everything else
    (``price_policy`` defaults to the profile's, as in :func:`run_account`)."""
    ds = load_manifest(Path(dataset))
    base = run_account(
        with_cover(ds, year, baseline_cover, "baseline land cover / 基准土地覆被"),
        year,
        profile,
        parameter_set,
        price_policy=price_policy,
        chunk=chunk,
    )
    scen = run_account(
        with_cover(ds, year, scenario_cover, "simulated land cover / 模拟土地覆被"),
        year,
        profile,
        parameter_set,
        price_policy=price_policy,
        chunk=chunk,
    )
    return ScenarioGEP(base, scen)


def service_table(result: ScenarioGEP) -> pd.DataFrame:
    """ΔGEP by service for people: names in Chinese and English, values in 亿元."""
    from ganpo.catalog.indicators import indicator

    frame = result.by("indicator")
    return pd.DataFrame(
        {
            "服务": [indicator(k).name_zh for k in frame["indicator"]],
            "service": [indicator(k).name_en for k in frame["indicator"]],
            "基准 baseline (亿元)": frame["baseline_cny"] / 1e8,
            "情景 scenario (亿元)": frame["scenario_cny"] / 1e8,
            "变化 Δ (亿元)": frame["delta_cny"] / 1e8,
        }
    )


def county_table(result: ScenarioGEP) -> pd.DataFrame:
    """ΔGEP by county for people: code, Chinese name, values in 万元 (as county figures
    are published), largest change first; counties whose GEP did not change are kept
    (Δ = 0) so that the table adds up to the total."""
    frame = result.by("county_adcode")
    units = pd.DataFrame(result.baseline.units.drop(columns="geometry", errors="ignore"))
    names: dict[int, str] = {}
    if {"county_adcode", "county_name"} <= set(units.columns):
        names = {
            int(c): str(n)
            for c, n in units[["county_adcode", "county_name"]].drop_duplicates().itertuples(False)
        }
    table = pd.DataFrame(
        {
            "代码 code": frame["county_adcode"].astype("int64"),
            "区县 county": [names.get(int(c), "") for c in frame["county_adcode"]],
            "基准 baseline (万元)": frame["baseline_cny"] / 1e4,
            "情景 scenario (万元)": frame["scenario_cny"] / 1e4,
            "变化 Δ (万元)": frame["delta_cny"] / 1e4,
        }
    )
    order = table["变化 Δ (万元)"].abs().sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index(drop=True)
