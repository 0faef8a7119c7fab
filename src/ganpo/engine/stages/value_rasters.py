"""Writing the per-cell value rasters of the pass: block by block, then as COGs, all or
none (:mod:`ganpo.io.outputs`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd

from ganpo.engine.grid import Grid
from ganpo.engine.rasters import BlockWriter, to_cog
from ganpo.engine.stages.context import Say
from ganpo.io.manifest import sha256_file
from ganpo.io.outputs import VALUE_RASTERS, make_folder, remove_empty, staged, temporary_name


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


class ValueWriters(dict[str, BlockWriter]):
    """The writers of the value rasters, and the folder made for them (removed again if
    the run fails and leaves it empty)."""

    created: Path | None = None


@contextmanager
def value_writers(
    folder: Path | None, name: str, year: int, indicators: Iterable[str], grid: Grid
) -> Iterator[ValueWriters]:
    """A :class:`BlockWriter` per indicator (none without ``folder``), each writing a
    hidden file in ``folder``; closed when the block ends, removed if it fails (a full
    disk, a corrupt input block, an interrupt), so nothing half-written stays."""
    writers = ValueWriters()
    if folder is None:
        yield writers
        return
    writers.created = make_folder(folder, VALUE_RASTERS)
    try:
        for ind in indicators:
            writers[ind] = BlockWriter(temporary_name(_final(folder, name, year, ind)), grid)
        yield writers
        for w in writers.values():
            w.close()
    except BaseException:
        for w in writers.values():
            w.discard()
        remove_empty(folder, writers.created)
        raise


def _final(folder: Path, name: str, year: int, indicator: str) -> Path:
    return folder / f"{name}_{year}_{indicator}_value_cny.tif"


def finish_rasters(
    writers: Mapping[str, BlockWriter], folder: Path | None, name: str, year: int, say: Say
) -> pd.DataFrame:
    """Turn the written GeoTIFFs into COGs next to them, all or none (a full disk while
    one is written leaves none of them, and no temporary file); their paths and
    checksums."""
    finals = {}
    try:
        if writers:
            assert folder is not None
            with staged(folder, VALUE_RASTERS) as stage:
                for ind, w in writers.items():
                    finals[ind] = _final(folder, name, year, ind)
                    to_cog(w.path, stage(finals[ind]))
    except BaseException:
        for w in writers.values():
            w.path.unlink(missing_ok=True)
        if folder is not None and isinstance(writers, ValueWriters):
            remove_empty(folder, writers.created)
        raise
    for w in writers.values():
        w.path.unlink(missing_ok=True)
    rows = [
        {
            "indicator": ind,
            "path": str(final.resolve()),
            "sha256": sha256_file(final),
            "unit": "CNY per cell",
        }
        for ind, final in finals.items()
    ]
    if rows:
        assert folder is not None
        say(  # the folder by its name: a stage message names no path (decision 0101)
            f"{name} {year}: {len(rows)} value rasters written to {folder.name}",
            f"{name} {year} 年：{len(rows)} 幅价值量栅格（元/栅格）已写入文件夹 {folder.name}",
        )
    return pd.DataFrame(rows, columns=["indicator", "path", "sha256", "unit"])
