"""The same account on a real dask.distributed LocalCluster (two worker processes) gives
the same results as the local threaded run, value rasters included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio

from ganpo.catalog.parameters import load_parameter_set
from ganpo.engine.account import run_account
from ganpo.errors import InputError


def test_local_cluster_matches_threads(tiny: Callable[..., Path], tmp_path: Path) -> None:
    from distributed import LocalCluster

    # a DEM that falls to the east and a low stream threshold: sediment export is not 0
    path = tiny(layers={"dem": np.array([[60, 50, 40, 30], [62, 52, 41, 33]], "float32")})
    p = load_parameter_set("jiangxi-default")
    t = p.values["sdr_threshold_flow_accumulation"].model_copy(update={"value": 3.0})
    params = p.model_copy(update={"values": {**p.values, "sdr_threshold_flow_accumulation": t}})
    local = run_account(
        path, 2022, "jiangxi-db36-2021", params, chunk=1, rasters_dir=tmp_path / "local"
    )
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_account(
            path,
            2022,
            "jiangxi-db36-2021",
            params,
            chunk=1,
            rasters_dir=tmp_path / "cluster",
            scheduler=cluster.scheduler_address,
        )
    pd.testing.assert_frame_equal(local.results, remote.results, rtol=1e-13)
    assert local.physical["quantity"].sum() > 0
    pd.testing.assert_frame_equal(local.physical, remote.physical, rtol=1e-13)
    for a, b in zip(local.rasters.path, remote.rasters.path, strict=True):
        with rasterio.open(a) as x, rasterio.open(b) as y:
            np.testing.assert_array_equal(x.read(1), y.read(1))


def test_unknown_scheduler(tiny: Callable[..., Path]) -> None:
    with pytest.raises(
        InputError, match=r"unknown scheduler 'gpu': use one of threads, synchronous, processes"
    ):
        run_account(tiny(), 2022, scheduler="gpu")


def test_unreachable_scheduler(tiny: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match=r"cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        run_account(tiny(), 2022, scheduler="tcp://127.0.0.1:9")
