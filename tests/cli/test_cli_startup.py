"""The ``ganpo`` command starts without the heavy libraries (each command imports what it
needs when it runs: issue 14), the listing commands run without them (a store is read
with SQLAlchemy alone: no Alembic unless it must migrate), and the CLI logs in one format,
each warning once per run.

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
#: geometry, database, migration, plotting, PDF, web libraries; pint's registry takes 0.3 s
#: alone)
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
    "alembic",
    "matplotlib",
    "weasyprint",
    "fastapi",
    "uvicorn",
    "openpyxl",
    "pint",
)
#: what the listings of a store must not load: the same, but they read it with SQLAlchemy
HEAVY_BUT_THE_STORE = tuple(m for m in HEAVY if m != "sqlalchemy")
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


@pytest.mark.parametrize(
    "args",
    [
        ["catalog"],
        ["catalog", "--format", "json"],
        ["catalog", "soil_retention"],
        ["profiles", "jiangxi-db36-2021"],
        ["profiles", "jiangxi-db36-2021", "--format", "csv"],
        ["report-forms", "list", "--year", "2023"],
        ["report-forms", "list", "--year", "2023", "--department", "forestry", "-f", "json"],
        ["apply", "examples"],
        ["profiles", "jiangxi-db36-2021", "--methods"],
    ],
    ids=" ".join,
)
def test_listings_run_without_heavy_libraries(args: list[str]) -> None:
    loaded = _imported(["-m", "ganpo", *args])
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.fixture(scope="module")
def listed_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with something in every listing: two accounts (and their log), a transfer
    run, a compensation settlement."""
    from typer.testing import CliRunner

    from applications_support import FACTORS, hand_store, transfer_rule, write
    from ganpo.catalog.files import data_dir
    from ganpo.cli.main import app

    tmp = tmp_path_factory.mktemp("listed")
    db = str(tmp / "s.sqlite")
    hand_store(db)
    examples = data_dir("rules") / "examples"
    for args in (
        ["transfers", "run", "--rule", str(transfer_rule(tmp)), "--budget", "10300"],
        ["transfers", "run", "--rule", str(transfer_rule(tmp)), "--budget", "10300"],
        ["compensation", "settle", "xinan-style"],
    ):
        extra = (
            ["--factors", str(write(tmp / "f.csv", FACTORS))]
            if args[0] == "transfers"
            else ["--monitoring", str(examples / "monitoring_xinan_2023.csv")]
        )
        run = CliRunner().invoke(app, ["apply", *args, "--year", "2023", "--db", db, *extra])
        assert run.exit_code == 0, run.output
    return db


@pytest.mark.parametrize(
    "args",
    [
        ["account", "list"],
        ["account", "list", "--format", "json"],
        ["account", "log"],
        ["apply", "rules", "list"],
        ["apply", "rules", "list", "--format", "csv"],
        ["apply", "transfers", "list"],
        ["apply", "compensation", "ledger"],
        ["apply", "compensation", "ledger", "xinan-style", "--format", "json"],
        ["carbon", "list"],
        ["carbon", "list", "--format", "json"],
    ],
    ids=" ".join,
)
def test_store_listings_read_it_with_sqlalchemy_alone(
    args: list[str], listed_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite store at this schema is read with the standard library (ganpo.store.quick:
    not even SQLAlchemy, whose import alone exceeds the listings' time); any other store,
    or with the quick read switched off, with SQLAlchemy and nothing heavier."""
    loaded = _imported(["-m", "ganpo", *args, "--db", listed_store])
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    monkeypatch.setenv("GANPO_NO_QUICK_READ", "1")
    loaded = _imported(["-m", "ganpo", *args, "--db", listed_store])
    assert "sqlalchemy" in loaded  # the store was read
    assert not loaded & set(HEAVY_BUT_THE_STORE), sorted(loaded & set(HEAVY_BUT_THE_STORE))


def test_the_store_revision_is_read_as_alembic_reads_it(listed_store: str) -> None:
    """Opening a store compares its revision, read with a plain query, with the revision
    this ganpo needs, written out in ganpo.store.schema: both are Alembic's."""
    from alembic.runtime.migration import MigrationContext

    from ganpo.store import schema
    from ganpo.store.repository import open_store

    engine = open_store(listed_store)
    with engine.connect() as conn:
        assert (
            schema.current_revision(engine)
            == MigrationContext.configure(conn).get_current_revision()
        )
    assert schema.head_revision() == schema.HEAD_REVISION == schema.alembic_head()


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
