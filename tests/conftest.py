"""Shared fixtures: the tiny dataset (tests/tinydata.py), the coarse demo platform
(tests/demoplatform.py), a throwaway PostgreSQL and the benchmark scripts as modules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from demoplatform import DemoPlatform, build_demo_platform
from tinydata import tiny_factory


@pytest.fixture(autouse=True)
def _units_read_afresh() -> None:
    """Each test reads its units files afresh: what one test kept (ganpo.io.units keeps
    checked units files by their content) does not reach the next."""
    from ganpo.io.units import forget_checked_units

    forget_checked_units()


@pytest.fixture
def tiny(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``tiny(**overrides)`` writes the tiny dataset with every layer the Jiangxi
    profile needs and returns its manifest path."""
    return tiny_factory(tmp_path)


@pytest.fixture(scope="session")
def demo_platform(tmp_path_factory: pytest.TempPathFactory) -> DemoPlatform:
    """The coarse demo platform (tests/demoplatform.py), built once per session."""
    return build_demo_platform(tmp_path_factory.mktemp("web-demo"))


@pytest.fixture(scope="session")
def postgres_url() -> Any:
    """URL of a throwaway PostgreSQL server (skipped if absent, unless required)."""
    import os

    from pg import find_bindir, postgres_server

    if find_bindir() is None:
        if os.environ.get("GANPO_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is not installed; `make test` installs Debian's postgresql")
        pytest.skip("PostgreSQL not installed")
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_instance() -> Any:
    """A throwaway PostgreSQL server of the test's own, which it may stop and start
    (:class:`pg.Instance`); skipped if PostgreSQL is absent, unless required."""
    import os

    from pg import find_bindir, postgres_instance

    if find_bindir() is None:
        if os.environ.get("GANPO_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is not installed; `make test` installs Debian's postgresql")
        pytest.skip("PostgreSQL not installed")
    with postgres_instance() as instance:
        yield instance


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on SQLite and on a real PostgreSQL server (a fresh database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ganpo.sqlite'}"
    import uuid

    import psycopg

    server = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def wide_console() -> Iterator[None]:
    """The CLI's consoles 400 columns wide, then as they were: rich wraps at the terminal
    width, and the tests read each message whole. (A test module that asks for it:
    ``pytestmark = pytest.mark.usefixtures("wide_console")``; a module's own fixture of
    that name takes its place there.)"""
    from ganpo.cli.common import console, err_console

    saved = (console._width, err_console._width)
    console.width = err_console.width = 400
    yield
    console._width, err_console._width = saved


@pytest.fixture(scope="session")
def benchmark_module() -> Iterator[Callable[[str], ModuleType]]:
    """Import a script of ``benchmarks/`` by name, e.g. ``benchmark_module("bench_invest")``
    (the scripts import each other from their folder, which is on ``sys.path`` meanwhile)."""
    folder = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, folder)
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(folder)
