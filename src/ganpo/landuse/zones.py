"""Restricted zones of a scenario from a zoning dataset (:mod:`ganpo.zoning`): the
ecological red lines and, by default, the priority protection units (优先保护单元), burnt
onto the land-cover map's grid. A cell is restricted when its centre lies inside one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rasterio.features import rasterize

from ganpo.zoning.units import read_zoning


def restricted_from_zoning(
    folder: Path,
    profile: dict[str, Any],
    categories: Sequence[str] = ("priority",),
    redlines: bool = True,
) -> NDArray[np.bool_]:
    """The mask (True: no change) of the red lines and the units of ``categories`` of the
    zoning dataset in ``folder``, on the grid of a raster ``profile`` (crs, transform,
    width, height)."""
    ds = read_zoning(folder)
    layers = [ds.units[ds.units["category"].isin(list(categories))]]
    if redlines:
        layers.append(ds.redlines)
    shapes = [
        g
        for layer in layers
        for g in layer.to_crs(profile["crs"]).geometry
        if g is not None and not g.is_empty
    ]
    shape = (profile["height"], profile["width"])
    if not shapes:
        return np.zeros(shape, bool)
    burnt = rasterize(
        ((g, 1) for g in shapes), out_shape=shape, transform=profile["transform"], dtype="uint8"
    )
    return np.asarray(burnt, dtype=bool)
