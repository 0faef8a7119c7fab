"""Shared helpers of the asset tests (site valuation, register, credit, damage): the tiny
hand-checkable dataset of tests/tinydata.py run into a store with its value rasters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from shapely.geometry import box

from ganpo.catalog.profiles import Profile, load_profile
from ganpo.engine.account import run_account
from ganpo.engine.uncertainty import monte_carlo
from ganpo.io.manifest import load_manifest
from ganpo.services.methods import method, physical_method
from ganpo.store.repository import open_store, save_account
from tinydata import ALBERS, RES, X0, Y0, build_tiny

__all__ = [
    "ALBERS",
    "TinyStore",
    "build_tiny",
    "cell_box",
    "stale_ecosystem_map",
    "tiny_profile",
    "tiny_store",
]


@dataclass(frozen=True)
class TinyStore:
    url: str
    account_id: int
    rasters: dict[str, Path]
    manifest: Path

    def cells(self, indicator: str) -> np.ndarray:
        """The value raster of an indicator [CNY per cell], float64."""
        with rasterio.open(self.rasters[indicator]) as src:
            return src.read(1).astype("float64")


def tiny_store(
    folder: Path, url: str | None = None, *, draws: int = 50, years: int = 1
) -> TinyStore:
    """The tiny dataset's 2022 account (and 2023 when ``years`` = 2) stored with rasters."""
    more = {2023: {}} if years == 2 else None
    manifest = build_tiny(folder / "tiny", more_years=more)
    url = url or f"sqlite:///{folder / 'ganpo.sqlite'}"
    engine = open_store(url)
    ids = []
    profile = tiny_profile(manifest)
    for year in [2022, 2023][:years]:
        acc = run_account(manifest, year, profile, chunk=2, rasters_dir=folder / "rasters")
        ids.append(save_account(engine, acc, monte_carlo(acc, draws) if draws else None))
        rasters = {r.indicator: Path(r.path) for r in acc.rasters.itertuples()}
    engine.dispose()
    return TinyStore(url, ids[-1], rasters, manifest)


def tiny_profile(manifest: Path) -> Profile:
    """The Jiangxi profile restricted to the indicators the tiny dataset has layers for
    (the tiny dataset has no RUSLE layers, for instance)."""
    prof = load_profile("jiangxi-db36-2021")
    roles = {entry.role for entry in load_manifest(manifest).manifest.layers}
    keep = {k: v for k, v in prof.indicators.items() if set(method(k, v).layers or ()) <= roles}
    physical = {
        k: v for k, v in prof.physical.items() if set(physical_method(k, v).layers) <= roles
    }
    return prof.model_copy(update={"indicators": keep, "physical": physical})


def cell_box(col0: float, row0: float, col1: float, row1: float):  # type: ignore[no-untyped-def]
    """A rectangle in grid coordinates (columns, rows from the top-left corner), in metres."""
    return box(X0 + col0 * RES, Y0 - row1 * RES, X0 + col1 * RES, Y0 - row0 * RES)


def stale_ecosystem_map(
    url: str, account_id: int, manifest: Path, cell: tuple[int, int], value: float
) -> Path:
    """Rewrite the stored account's ecosystem map as Float32 with ``value`` in ``cell``
    and record its new checksum: an account stored before its map was checked (decision
    0069). Returns the map's path."""
    from sqlalchemy import update

    from ganpo.apply.gepdata import stored_account
    from ganpo.io.manifest import sha256_file
    from ganpo.store.models import AccountInput

    engine = open_store(url)
    inputs = stored_account(engine, account_id).inputs
    row = inputs[inputs["role"] == "ecosystem_type"].iloc[0]
    eco = manifest.parent / str(row["path"])
    with rasterio.open(eco) as src:
        data, profile = src.read(1).astype("float32"), dict(src.profile)
    data[cell] = value
    with rasterio.open(eco, "w", **dict(profile, dtype="float32", nodata=None)) as dst:
        dst.write(data, 1)
    with engine.begin() as conn:
        conn.execute(
            update(AccountInput)
            .where(AccountInput.account_id == account_id)
            .where(AccountInput.role == "ecosystem_type")
            .values(sha256=sha256_file(eco))
        )
    engine.dispose()
    return eco
