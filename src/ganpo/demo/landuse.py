"""A SYNTHETIC land-use scenario dataset (合成数据): three years of level-1 land cover and
the elevation, for calibrating a land-use simulation on the first two years and
validating it on the third (held out).

The maps are the demo's own (:mod:`ganpo.demo.landcover`): the first year's map, then
:func:`~ganpo.demo.landcover.next_year_cover` once for the second year and once more for
the third, so the first two are the level-1 maps behind the account demo's two years and
the third continues the same rules (cropland built on near towns, shrub and grassland
afforested, a little forest cleared). Written to a folder of its own, this leaves every
file of the account demo (:func:`ganpo.demo.generator.build_demo_dataset`) as it was.
"""

from __future__ import annotations

from pathlib import Path

from ganpo.demo.generator import FLOAT_NODATA, _seats, _write_raster
from ganpo.demo.grid import Sampler, output_grid, reference_grid
from ganpo.demo.landcover import cover_scores, first_year_cover, next_year_cover
from ganpo.demo.terrain import make_terrain
from ganpo.io.outputs import DEMO_DATA, output_errors
from ganpo.io.regions import load_counties

JIANGXI_ADCODE = 360000
#: the three years: calibrate on the first two, validate on the third
YEARS = (2022, 2023, 2024)
SYNTHETIC_NOTE = (
    "合成数据 SYNTHETIC: demo land cover made by ganpo for land-use scenarios, not "
    "observations / 演示用合成土地覆被，非观测数据"
)


#: the demo's afforestation programme priority (a driver raster, SYNTHETIC): the field the
#: demo's rules afforest shrub and grassland by, as a province's programme zoning (造林
#:工程优先区) would give it; without it no driver explains where the demo afforests
PROGRAMME_FILE = "afforestation_priority.tif"
PROGRAMME_DRIVER = "afforestation_priority"


def build_landuse_demo(out: Path, *, resolution_m: float = 1000.0, seed: int = 20240101) -> Path:
    """Write ``cover_<year>.tif`` for :data:`YEARS` (level-1 ecosystem codes, nodata 255),
    ``dem.tif`` [m] and the afforestation programme priority (:data:`PROGRAMME_FILE`, a
    driver) into ``out``; return the folder. The same seed gives the same
    files; ``seed`` and ``resolution_m`` mean what they mean for the account demo."""
    out = Path(out)
    with output_errors(out, DEMO_DATA):
        out.mkdir(parents=True, exist_ok=True)
    units = load_counties(JIANGXI_ADCODE)
    grid = output_grid(units, resolution_m)
    ref = reference_grid(units)
    sample = Sampler(ref, grid)
    terrain = make_terrain(ref, seed)
    scores = cover_scores(ref, terrain, _seats(JIANGXI_ADCODE), sample, seed)
    _write_raster(out / "dem.tif", grid, sample(terrain.elevation_m))
    _write_raster(out / PROGRAMME_FILE, grid, scores.afforest)
    cover = first_year_cover(scores)
    for step, year in enumerate(YEARS):
        if step:
            cover = next_year_cover(cover, scores)
        _write_raster(out / f"cover_{year}.tif", grid, cover, code=True)
    (out / "landuse-dataset.toml").write_text(
        f"# {SYNTHETIC_NOTE}\n"
        'title_zh = "江西省土地利用情景示范数据（合成）"\n'
        'title_en = "Jiangxi land-use scenario demo data (SYNTHETIC)"\n'
        f"years = {list(YEARS)}\nresolution_m = {float(resolution_m)}\nseed = {seed}\n"
        f"synthetic = true\nfloat_nodata = {FLOAT_NODATA}\n",
        encoding="utf-8",
    )
    return out
