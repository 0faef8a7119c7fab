"""A land-use scenario from files: read two observed land-cover GeoTIFFs and a DEM, derive
the drivers, fit the suitability, compute the demand, allocate, write the simulated map;
and the validation of a simulated map against an observed one as tables in Chinese and
English. Each stage is a function of :mod:`ganpo.landuse`; this module only wires them.

The drivers derived from the files: elevation, slope, distance to built-up land and
distance to water (both from the first map, so they are the same when the forest is
fitted and when it predicts, as PLUS's drivers are static). Roads are not among them: the
demo has none; a road layer is the first driver to add (a simplification, said in
docs/land-use-scenarios.md). Both distances are capped at a maximum search distance
(:data:`MAX_DISTANCE_CELLS` cells unless given): beyond it a town or a river no longer
ranks cells, and the cap is the halo that lets a province run block by block.

Memory: below :data:`CHUNKED_CELLS` cells the run holds the maps, the drivers (float64)
and the masks in memory, about 130–165 bytes a cell at its peak (measured); from it (or when
``block_rows`` is given) :func:`simulate` hands over to
:func:`ganpo.landuse.chunked.simulate_chunked`, which gives the same map cell by cell in
memory bounded by a block of rows, its working arrays in files (decision 0055,
docs/land-use-scenarios.md "Memory"). Calibration (:func:`calibrate_files`) and
validation (:func:`validation_tables`) still read their maps whole.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import rasterio
from numpy.typing import NDArray

from ganpo.catalog.ecosystems import RASTER_NODATA, by_key, level1, level1_lut
from ganpo.engine.stages.codes import map_codes
from ganpo.errors import GridError, InputError
from ganpo.io.outputs import Output, writing
from ganpo.io.raster_files import open_raster, read_window
from ganpo.landuse.ca import AllocationResult, CAParameters, allocate
from ganpo.landuse.calibrate import calibrate, checkerboard
from ganpo.landuse.demand import class_counts, markov_flows, plan_demand
from ganpo.landuse.suitability import distance_m, fit_suitability, predict_suitability, slope_deg
from ganpo.landuse.validation import PUBLISHED_FOM_NOTE, Validation, landscape_metrics, validate
from ganpo.landuse.zones import restricted_from_zoning

SuitabilityKind = Literal["forest", "logistic"]
SIMULATED = Output("the simulated land-cover map", "模拟土地覆被图")
METRICS = Output("the validation tables", "验证表")
#: the level-1 classes the scenario runs on (ecosystem codes 1–8)
CLASSES: tuple[int, ...] = tuple(range(1, 9))


@dataclass(frozen=True)
class CoverMap:
    """A land-cover raster read whole, with its grid."""

    path: Path
    cover: NDArray[np.int64]
    profile: dict[str, Any]

    @property
    def valid(self) -> NDArray[np.bool_]:
        return self.cover != RASTER_NODATA

    @property
    def cell_area_hm2(self) -> float:
        t = self.profile["transform"]
        return abs(t.a * t.e) / 1e4


def read_cover(path: Path, role: str = "ecosystem_type") -> CoverMap:
    """Read a land-cover GeoTIFF whole (level-2 codes folded to level 1), of any dtype, as
    the account reads an ecosystem map (:func:`ganpo.engine.stages.codes.map_codes`: a
    float map of whole codes is its codes; a value that is no code is refused, never cut);
    the file's declared nodata becomes :data:`RASTER_NODATA`."""
    with open_raster(path, role) as src:
        raw = read_window(src, path, role)
        profile = dict(src.profile)
        nodata = src.nodata
    codes, _ = map_codes(raw, Path(path), nodata, role)
    values = codes.astype(np.int64)
    check_codes(np.unique(values[values != RASTER_NODATA]), Path(path))
    return CoverMap(Path(path), fold_level1(values), profile)


def check_codes(codes: NDArray[np.int64], path: Path) -> None:
    """Raise :class:`InputError` unless every code (nodata excluded) is an ecosystem type
    (1–8) or sub-type (11–85)."""
    lut = level1_lut()
    known = (codes >= 0) & (codes < RASTER_NODATA)
    folded = np.where(known, lut[np.clip(codes, 0, RASTER_NODATA)], -1)
    bad = [int(c) for c, f in zip(codes, folded, strict=True) if f not in CLASSES]
    if bad:
        raise InputError(
            en=f"codes {bad[:10]} are not ecosystem types (1–8, or 11–85 by sub-type); recode the "
            "map to the ecosystem classification",
            zh=f"代码 {bad[:10]} 不是生态系统类型代码，请按生态系统分类重编码",
            source=path,
            field="ecosystem_type",
            values=bad[:10],
        )


def fold_level1(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """Level-2 codes folded to level 1; nodata stays :data:`RASTER_NODATA` (codes checked
    by :func:`check_codes` first)."""
    inside = values != RASTER_NODATA
    return np.where(inside, level1_lut()[np.clip(values, 0, RASTER_NODATA)], RASTER_NODATA)


def read_float(path: Path, like: CoverMap, role: str) -> NDArray[np.float64]:
    """Read a float raster that must be on ``like``'s grid; nodata becomes NaN."""
    with open_raster(path, role) as src:
        data = read_window(src, path, role).astype(np.float64)
        profile = src.profile
        if src.nodata is not None:
            data[data == src.nodata] = np.nan
    same_grid(like, Path(path), profile)
    return data


def same_grid(a: CoverMap, path: Path, profile: Mapping[str, Any]) -> None:
    """Raise :class:`GridError` unless ``profile`` has ``a``'s CRS, transform and shape."""
    mine = (a.profile["crs"], a.profile["transform"], a.profile["width"], a.profile["height"])
    theirs = (profile["crs"], profile["transform"], profile["width"], profile["height"])
    if mine != theirs:
        raise GridError(
            en=f"not on the grid of {a.path.name} (CRS, transform or size differ: "
            f"{theirs[2]}×{theirs[3]} vs {mine[2]}×{mine[3]}); resample it onto that grid",
            zh=f"与 {a.path.name} 的网格不一致（坐标系、仿射变换或行列数不同），请重采样",
            source=path,
            field="grid",
        )


#: the distances to built-up land and to water are capped at this many cells unless a
#: cap is given: the halo of the block-by-block run (:mod:`ganpo.landuse.chunked`)
MAX_DISTANCE_CELLS = 256


def distance_cap_m(profile: Mapping[str, Any], max_distance_m: float | None) -> float:
    """The cap [m] of the distance drivers: ``max_distance_m``, else
    :data:`MAX_DISTANCE_CELLS` cells."""
    if max_distance_m is None:
        return MAX_DISTANCE_CELLS * abs(profile["transform"].a)
    if not max_distance_m > 0:
        raise InputError(
            en=f"the maximum search distance must be positive, got {max_distance_m} m",
            zh="最大搜索距离须为正数",
            field="max_distance_m",
            values=[max_distance_m],
        )
    return float(max_distance_m)


def nan_mean_by_rows(values: NDArray[np.float64]) -> tuple[list[float], int]:
    """Each row's sum of the non-NaN values and their count: summed over rows in order
    (:func:`math.fsum`), they give a mean that does not depend on how the rows were cut
    into blocks."""
    return [float(v) for v in np.nansum(values, axis=1)], int((~np.isnan(values)).sum())


def mean_of(row_sums: Sequence[float], count: int) -> float:
    """The mean from :func:`nan_mean_by_rows`' parts (NaN if no value)."""
    return math.fsum(row_sums) / count if count else float("nan")


def drivers_for(
    first: CoverMap, elevation_m: NDArray[np.float64], max_distance_m: float | None = None
) -> dict[str, NDArray[Any]]:
    """Elevation [m], slope [°], distance to built-up and to water [m] (capped at
    :func:`distance_cap_m`); NaN elevations (outside the DEM) become the mean so the
    forest sees a number (they are nodata cells of the map, never allocated)."""
    cell = abs(first.profile["transform"].a)
    cap = distance_cap_m(first.profile, max_distance_m)
    elev = np.where(np.isnan(elevation_m), mean_of(*nan_mean_by_rows(elevation_m)), elevation_m)
    return {
        "elevation_m": elev,
        "slope_deg": slope_deg(elev, cell),
        "built_distance_m": distance_m(first.cover == by_key("built_up").code, cell, cap),
        "water_distance_m": distance_m(first.cover == by_key("water").code, cell, cap),
    }


def all_drivers(
    first: CoverMap,
    dem: Path,
    extra_drivers: Mapping[str, Path] | None = None,
    max_distance_m: float | None = None,
) -> dict[str, NDArray[Any]]:
    """The built-in drivers (:func:`drivers_for`) and the ``extra_drivers`` rasters by
    name (NaN → the raster's mean)."""
    drivers = drivers_for(first, read_float(dem, first, "dem"), max_distance_m)
    for name, path in (extra_drivers or {}).items():
        if name in drivers:
            raise InputError(
                en=f"driver {name!r} is one of ganpo's own ({', '.join(drivers)}); give another "
                "name",
                zh="驱动因子名称与内置因子重复",
                field="driver",
                values=[name],
            )
        values = read_float(path, first, name)
        drivers[name] = np.where(np.isnan(values), mean_of(*nan_mean_by_rows(values)), values)
    return drivers


def calibrate_files(
    first: Path,
    second: Path,
    dem: Path,
    candidates: Sequence[CAParameters],
    *,
    tile: int = 16,
    seeds: Sequence[int] = (0, 1),
    seed: int = 0,
    extra_drivers: Mapping[str, Path] | None = None,
    models: Sequence[SuitabilityKind] = ("forest",),
) -> tuple[pd.DataFrame, SuitabilityKind, CAParameters]:
    """Choose the suitability model and the automaton's parameters on ``first`` →
    ``second`` alone (:func:`ganpo.landuse.calibrate.calibrate`): each of ``models`` is
    fitted on one colour of a checkerboard of ``tile`` × ``tile`` cells, and each
    candidate allocates the other colour's observed change from ``first``. No later map
    is read. Returns every (model, candidate)'s scores (column ``model`` added), and the
    best model and parameters (highest mean FoM; ties to the earlier)."""
    a, b = read_cover(first), read_cover(second)
    same_grid(a, b.path, b.profile)
    valid = a.valid & b.valid
    held_out = checkerboard(a.cover.shape, tile)
    drivers = all_drivers(a, dem, extra_drivers)
    start = np.where(valid, a.cover, RASTER_NODATA)
    tables, results = [], []
    for kind in models:
        fitted = fit_suitability(
            drivers, a.cover, b.cover, CLASSES, valid=valid & ~held_out, seed=seed, model=kind
        )
        prob = predict_suitability(fitted, drivers, start)
        cal = calibrate(
            start,
            b.cover,
            prob,
            CLASSES,
            candidates,
            held_out=held_out,
            valid=valid,
            seeds=seeds,
            cell_area_hm2=a.cell_area_hm2,
        )
        tables.append(cal.table.assign(model=kind))
        results.append((float(cal.table["fom_mean"].max()), kind, cal.best))
    best = max(range(len(results)), key=lambda i: (results[i][0], -i))
    table = pd.concat(tables, ignore_index=True)
    return table[["model", *[c for c in table.columns if c != "model"]]], *results[best][1:]


@dataclass(frozen=True)
class ScenarioRun:
    """What a simulation produced."""

    simulated: Path
    demand: NDArray[np.int64]
    start_counts: NDArray[np.int64]
    #: an :class:`Allocation` with the map when the run was in memory
    allocation: AllocationResult
    importances: dict[str, float]
    cell_area_hm2: float


def write_cover(path: Path, like: CoverMap, cover: NDArray[np.int64]) -> Path:
    """Write ``cover`` as uint8 on ``like``'s grid (nodata 255), atomically."""
    profile = dict(like.profile)
    profile.update(driver="GTiff", dtype="uint8", nodata=RASTER_NODATA, count=1, compress="deflate")
    with writing(Path(path), SIMULATED) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(cover.astype(np.uint8), 1)
    return Path(path)


def simulate(
    first: Path,
    second: Path,
    dem: Path,
    out: Path,
    *,
    demand: Literal["markov", "plan"] = "markov",
    steps: int = 1,
    targets_hm2: Mapping[int, float] | None = None,
    restricted: Path | None = None,
    zoning: Path | None = None,
    conversion: NDArray[np.bool_] | None = None,
    seed: int = 0,
    params: CAParameters | None = None,
    extra_drivers: Mapping[str, Path] | None = None,
    model: SuitabilityKind = "forest",
    max_distance_m: float | None = None,
    block_rows: int | None = None,
    scratch: Path | None = None,
) -> ScenarioRun:
    """Calibrate on ``first`` → ``second``, simulate ``steps`` intervals past ``second``,
    write the simulated map to ``out``. ``targets_hm2`` (plan demand) gives hm² by class
    code; the classes it leaves out keep their area. ``restricted`` is a raster on the
    maps' grid whose non-zero cells must not change; ``zoning`` a zoning dataset whose red
    lines and priority protection units must not change (both may be given).
    ``extra_drivers``: more driver rasters on the maps' grid by name (a planning or
    programme zone, a distance to roads …), learned beside the built-in ones. ``model``:
    the suitability model, a random forest or a logistic regression; ``params``: the
    automaton's settings (:func:`calibrate_files` chooses them on FIRST → SECOND).
    ``max_distance_m``: the cap of the distance drivers (default
    :data:`MAX_DISTANCE_CELLS` cells).

    Memory: a map of at least :data:`CHUNKED_CELLS` cells, or any map when
    ``block_rows`` is given, runs block by block of ``block_rows`` rows with its working
    arrays in files of a temporary folder of ``scratch`` (default: ``out``'s folder)
    (:func:`ganpo.landuse.chunked.simulate_chunked`: the same map, memory bounded by the
    block, the returned allocation without the map); a smaller map runs in memory, about
    130–165 bytes a cell at its peak as measured (the drivers as float64, the
    suitability, the masks; docs/land-use-scenarios.md "Memory")."""
    with open_raster(first, "ecosystem_type") as src:
        cells = int(src.width) * int(src.height)
    if block_rows is not None or cells >= CHUNKED_CELLS:
        from ganpo.landuse.chunked import BLOCK_ROWS, simulate_chunked

        return simulate_chunked(
            first,
            second,
            dem,
            out,
            demand=demand,
            steps=steps,
            targets_hm2=targets_hm2,
            restricted=restricted,
            zoning=zoning,
            conversion=conversion,
            seed=seed,
            params=params,
            extra_drivers=extra_drivers,
            model=model,
            max_distance_m=max_distance_m,
            block_rows=BLOCK_ROWS if block_rows is None else block_rows,
            scratch=scratch,
        )
    a, b = read_cover(first), read_cover(second)
    same_grid(a, b.path, b.profile)
    valid = a.valid & b.valid
    drivers = all_drivers(a, dem, extra_drivers, max_distance_m)
    fitted = fit_suitability(
        drivers, a.cover, b.cover, CLASSES, valid=valid, seed=seed, model=model
    )
    current = np.where(valid, b.cover, RASTER_NODATA)
    with _suitability_store(current.shape, Path(out).parent) as store:
        prob = predict_suitability(fitted, drivers, current, out=store)
        return _allocate_and_write(
            a,
            b,
            current,
            prob,
            demand,
            steps,
            targets_hm2,
            restricted,
            zoning,
            conversion,
            seed,
            params,
            out,
            fitted.importances(),
            valid,
        )


#: from this many cells :func:`simulate` runs block by block (a map of 4000 × 4000)
CHUNKED_CELLS = 16_000_000


#: above this size [bytes] the suitability is a memmap beside the output, not in memory
IN_MEMORY_BYTES = 512 << 20


@contextmanager
def _suitability_store(
    shape: tuple[int, int], folder: Path
) -> Iterator[NDArray[np.float32] | None]:
    """None (in memory) for a small map, else a float32 memmap of (classes, rows, cols)
    in a temporary file of ``folder``, removed afterwards."""
    size = len(CLASSES) * shape[0] * shape[1] * 4
    if size <= IN_MEMORY_BYTES:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="ganpo-suitability-", dir=folder) as tmp:
        mm = np.lib.format.open_memmap(
            Path(tmp) / "suitability.npy", mode="w+", dtype=np.float32, shape=(len(CLASSES), *shape)
        )
        try:
            yield mm
        finally:
            del mm


def _allocate_and_write(
    a: CoverMap,
    b: CoverMap,
    current: NDArray[np.int64],
    prob: NDArray[np.float32],
    demand: str,
    steps: int,
    targets_hm2: Mapping[int, float] | None,
    restricted: Path | None,
    zoning: Path | None,
    conversion: NDArray[np.bool_] | None,
    seed: int,
    params: CAParameters | None,
    out: Path,
    importances: dict[str, float],
    valid: NDArray[np.bool_],
) -> ScenarioRun:
    now = class_counts(current, CLASSES, current != RASTER_NODATA)
    mask = None
    if restricted is not None:
        zones = read_float(restricted, a, "restricted")
        mask = np.nan_to_num(zones, nan=0.0) != 0
    if zoning is not None:
        burnt = restricted_from_zoning(zoning, a.profile)
        mask = burnt if mask is None else mask | burnt
    want: NDArray[np.int64]
    if demand == "markov":  # gross flows: forest may be cleared while shrub is afforested
        want = markov_flows(a.cover, b.cover, CLASSES, steps, valid)
    else:
        cells = {int(k): round(v / a.cell_area_hm2) for k, v in (targets_hm2 or {}).items()}
        want = plan_demand(cells, now, CLASSES)
    run = allocate(
        current,
        prob,
        want,
        CLASSES,
        conversion=conversion,
        restricted=mask,
        params=params,
        seed=seed,
        cell_area_hm2=a.cell_area_hm2,
    )
    path = write_cover(out, b, run.cover)
    net = now + want.sum(axis=0) - want.sum(axis=1) if want.ndim == 2 else want
    return ScenarioRun(path, net, now, run, importances, a.cell_area_hm2)


def _name(code: int) -> tuple[str, str]:
    t = level1(code)
    return t.name_zh, t.name_en


def validation_tables(
    first: Path, observed: Path, simulated: Path, blocks: tuple[int, ...] | None = None
) -> tuple[Validation, pd.DataFrame, pd.DataFrame]:
    """Validate ``simulated`` against ``observed`` (the null model: ``first``, no change),
    at windows of ``blocks`` cells (default: doubling up to the whole region).

    Returns the measures, a summary table (指标 indicator, value, unit) and a per-class
    table (areas in hm², producer's and user's accuracy, landscape metrics of both maps).
    """
    a, o, s = read_cover(first), read_cover(observed), read_cover(simulated)
    same_grid(a, o.path, o.profile)
    same_grid(a, s.path, s.profile)
    valid = a.valid & o.valid & s.valid
    v = validate(a.cover, o.cover, s.cover, CLASSES, valid, blocks)
    c = v.components
    cell_m = abs(a.profile["transform"].a)
    beats, block = v.beats_null
    rows = [
        ("总体一致性", "overall agreement", v.agreement * 100, "%"),
        (
            "零模型总体一致性（无变化）",
            "null-model agreement (no change)",
            v.null_agreement * 100,
            "%",
        ),
        ("Kappa 系数", "Kappa", v.kappa, "–"),
        ("数量不一致", "quantity disagreement", v.quantity_disagreement * 100, "%"),
        ("配置不一致", "allocation disagreement", v.allocation_disagreement * 100, "%"),
        ("品质因数 FoM", "figure of merit (FoM)", c.figure_of_merit * 100, "%"),
        ("变化生产者精度", "producer's accuracy of change", c.producer_accuracy * 100, "%"),
        ("变化用户精度", "user's accuracy of change", c.user_accuracy * 100, "%"),
        ("命中", "hits", c.hits * a.cell_area_hm2, "hm²"),
        ("错误命中", "wrong hits", c.wrong_hits * a.cell_area_hm2, "hm²"),
        ("漏报", "misses", c.misses * a.cell_area_hm2, "hm²"),
        ("虚报", "false alarms", c.false_alarms * a.cell_area_hm2, "hm²"),
    ]
    for b, sim, null in v.by_resolution:
        res = f"{b * cell_m:,.0f} m"
        rows.append(
            (f"{res} 分辨率一致性（模拟）", f"agreement at {res} (simulated)", sim * 100, "%")
        )
        rows.append(
            (f"{res} 分辨率一致性（零模型）", f"agreement at {res} (null)", null * 100, "%")
        )
    verdict = (
        (
            f"优于零模型的最细分辨率（零分辨率）：{block * cell_m:,.0f} m",
            f"beats the null model at {block * cell_m:,.0f} m and no finer (the null resolution)",
        )
        if beats and block is not None
        else (
            "在所比较的任何分辨率上均未优于零模型",
            "does not beat the null model at any resolution compared",
        )
    )
    summary = pd.DataFrame(rows, columns=["指标", "indicator", "value", "unit"])
    summary.attrs["verdict"] = verdict
    summary.attrs["published"] = PUBLISHED_FOM_NOTE
    summary.attrs["transitions"] = transition_table(v, a.cell_area_hm2)
    land_obs = landscape_metrics(np.where(valid, o.cover, 0), cell_m).set_index("class")
    land_sim = landscape_metrics(np.where(valid, s.cover, 0), cell_m).set_index("class")
    pc = v.per_class
    codes = pc["class"].tolist()
    per = pd.DataFrame(
        {
            "类别": [_name(k)[0] for k in codes],
            "class": [_name(k)[1] for k in codes],
            "观测面积 observed (hm²)": pc["reference_cells"] * a.cell_area_hm2,
            "模拟面积 simulated (hm²)": pc["simulated_cells"] * a.cell_area_hm2,
            "生产者精度 producer's accuracy (%)": pc["producer_accuracy"] * 100,
            "用户精度 user's accuracy (%)": pc["user_accuracy"] * 100,
        }
    )
    for col, zh, en in LANDSCAPE_COLUMNS:
        per[f"{zh}（观测） {en} (observed)"] = [land_obs[col].get(k, np.nan) for k in codes]
        per[f"{zh}（模拟） {en} (simulated)"] = [land_sim[col].get(k, np.nan) for k in codes]
    return v, summary, per


def transition_table(v: Validation, cell_area_hm2: float) -> pd.DataFrame:
    """Per transition (from class → to class): observed and simulated area [hm²], hits,
    wrong hits, misses, false alarms [hm²] and the transition's figure of merit [%] —
    whether a run loses on the quantity of a change or on where it puts it."""
    rows = []
    for t in v.transitions:
        (fz, fe), (tz, te) = _name(t.source), _name(t.target)
        cells = (t.observed, t.simulated, t.hits, t.wrong_hits, t.misses, t.false_alarms)
        rows.append(
            [
                f"{fz}→{tz}",
                f"{fe} → {te}",
                *(n * cell_area_hm2 for n in cells),
                t.figure_of_merit * 100,
            ]
        )
    return pd.DataFrame(rows, columns=list(TRANSITION_COLUMNS))


TRANSITION_COLUMNS = (
    "转换",
    "transition",
    "观测 observed (hm²)",
    "模拟 simulated (hm²)",
    "命中 hits (hm²)",
    "错误命中 wrong hits (hm²)",
    "漏报 misses (hm²)",
    "虚报 false alarms (hm²)",
    "品质因数 FoM (%)",
)


#: pylandstats metric, Chinese and English label with unit
LANDSCAPE_COLUMNS = (
    ("number_of_patches", "斑块数", "number of patches"),
    ("largest_patch_index", "最大斑块指数 (%)", "largest patch index (%)"),
    ("edge_density", "边缘密度 (m/hm²)", "edge density (m/hm²)"),
)
