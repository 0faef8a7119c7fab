"""The ``ganpo`` command starts without the heavy libraries (each command imports what it
needs when it runs: issue 14).

No timing is asserted here: ``benchmarks/bench_cli.py`` measures the start-up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ganpo

#: what `ganpo --help` and the listings of the catalogue must not load (numerical, raster,
#: geometry, database, plotting, PDF, web libraries; pint's registry takes 0.3 s alone)
HEAVY = (
    "numpy",
    "pandas",
    "xarray",
    "dask",
    "rasterio",
    "geopandas",
    "shapely",
    "pyproj",
    "sqlalchemy",
    "matplotlib",
    "weasyprint",
    "fastapi",
    "uvicorn",
    "openpyxl",
    "pint",
)
SRC = str(Path(ganpo.__file__).parents[1])


def _imported(args: list[str]) -> set[str]:
    """The top-level packages a fresh ``python -X importtime ARGS`` imports."""
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "120"}
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    found = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)$", run.stderr, re.MULTILINE)
    assert found, run.stderr[:500]
    return {name.split(".")[0] for name in found}


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "import ganpo.cli.main"],
        ["-m", "ganpo", "--help"],
        ["-m", "ganpo", "account", "--help"],
        ["-m", "ganpo", "apply", "--help"],
        ["-m", "ganpo", "apply", "transfers", "--help"],
        ["-m", "ganpo", "params", "--help"],
        ["-m", "ganpo", "report-forms", "--help"],
        ["-m", "ganpo", "--version"],
        ["-m", "ganpo", "profiles"],
        ["-m", "ganpo", "params", "list"],
        ["-m", "ganpo", "params", "show", "jiangxi-default"],
    ],
    ids=lambda args: " ".join(args[1:]),
)
def test_starts_without_heavy_libraries(args: list[str]) -> None:
    loaded = _imported(args)
    assert "ganpo" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
