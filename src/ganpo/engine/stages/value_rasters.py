"""Writing the per-cell value rasters of the pass: block by block, then as COGs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd

from ganpo.engine.rasters import BlockWriter, to_cog
from ganpo.engine.stages.context import Progress
from ganpo.io.manifest import sha256_file


def write_blocks(arr: Any, writer: BlockWriter, batch: int = 8) -> None:
    """Compute a dask array a few blocks at a time (on the current scheduler) and write
    them locally, so memory stays bounded by the batch."""
    blocks = list(np.ndindex(*arr.numblocks))
    starts = [np.cumsum((0, *c[:-1])) for c in arr.chunks]
    for i in range(0, len(blocks), batch):
        part = blocks[i : i + batch]
        data = dask.compute(*[arr.blocks[b] for b in part])
        for (r, c), block in zip(part, data, strict=True):
            r0, c0 = int(starts[0][r]), int(starts[1][c])
            writer[slice(r0, r0 + block.shape[0]), slice(c0, c0 + block.shape[1])] = block


def finish_rasters(
    writers: Mapping[str, BlockWriter], folder: Path | None, name: str, year: int, say: Progress
) -> pd.DataFrame:
    """Turn the written GeoTIFFs into COGs next to them; their paths and checksums."""
    rows = []
    for ind, w in writers.items():
        assert folder is not None
        final = folder / f"{name}_{year}_{ind}_value_cny.tif"
        tmp = final.with_name(f".{final.name}.tmp.tif")
        to_cog(w.path, tmp)
        w.path.unlink()
        tmp.replace(final)
        rows.append(
            {
                "indicator": ind,
                "path": str(final.resolve()),
                "sha256": sha256_file(final),
                "unit": "CNY per cell",
            }
        )
    if rows:
        say(f"{name} {year}: {len(rows)} value rasters written to {folder}")
    return pd.DataFrame(rows, columns=["indicator", "path", "sha256", "unit"])
