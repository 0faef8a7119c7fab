"""The ``ganpo`` command starts without the heavy libraries (each command imports what it
needs when it runs: issue 14), and logs in one format, each warning once per run.

No timing is asserted here: ``benchmarks/bench_cli.py`` measures the start-up."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import ganpo
from ganpo.cli.common import say, setup_logging

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
        ["-m", "ganpo", "params", "show", "jiangxi-default", "--format", "json"],
    ],
    ids=lambda args: " ".join(args[1:]),
)
def test_starts_without_heavy_libraries(args: list[str]) -> None:
    loaded = _imported(args)
    assert "ganpo" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.fixture
def root_logging() -> Iterator[None]:
    """The root logger's handlers and level as they were before the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("root_logging")
def test_one_log_format_and_each_warning_once(capsys: pytest.CaptureFixture[str]) -> None:
    from ganpo.cli.common import console, err_console

    width = console.width, err_console.width
    console.width = err_console.width = 200
    try:
        setup_logging(0, False)
        log = logging.getLogger("ganpo.engine.test")
        log.warning("21 unit(s) have no cell centre inside them")
        log.warning("21 unit(s) have no cell centre inside them")  # the next year: dropped
        log.warning("parameter 'x' is a placeholder")
        log.info("not shown without -v")
        say("jiangxi-demo 2022: reading units")
        logging.getLogger("ganpo.engine.test").error("an error")
        logging.getLogger("ganpo.engine.test").error("an error")  # errors always pass
    finally:
        console.width, err_console.width = width
    out, err = capsys.readouterr()

    def line(level: str, text: str) -> str:
        return rf"^\[\d\d:\d\d:\d\d\] {level} +{re.escape(text)} *$"

    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 4, err
    assert re.match(line("WARNING", "21 unit(s) have no cell centre inside them"), lines[0])
    assert re.match(line("WARNING", "parameter 'x' is a placeholder"), lines[1])
    assert all(re.match(line("ERROR", "an error"), x) for x in lines[2:])
    assert re.match(line("INFO", "jiangxi-demo 2022: reading units"), out)
    assert ".py:" not in out + err  # no source file and line


@pytest.mark.usefixtures("root_logging")
def test_a_new_run_shows_its_warnings_again(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        setup_logging(0, False)
        logging.getLogger("ganpo.engine.test").warning("once per run")
    assert capsys.readouterr().err.count("once per run") == 2
