"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler

from ganpo.cli.failures import debugging, report_failure

# No console markup: messages carry user text ("[[layers]]", file names), which rich would
# take for markup and drop. Styles are given as style= or rich.text.Text.
console = Console(markup=False)
err_console = Console(stderr=True, markup=False)

DEFAULT_DATABASE = Path("out/ganpo.sqlite")

DatabaseOption = Annotated[
    str,
    typer.Option(
        "--database",
        "--db",
        help="Account store: a SQLite file path or a SQLAlchemy URL "
        "(postgresql+psycopg://…). 核算结果库。",
    ),
]
ParamsOption = Annotated[
    str | None,
    typer.Option(
        "--params",
        "-p",
        help="Parameter set name or .toml path (`ganpo params list`); default: the "
        "profile's. 参数集。",
    ),
]
ProfileOption = Annotated[
    str,
    typer.Option("--profile", help="Accounting profile (`ganpo profiles`). 核算口径（标准）。"),
]


def setup_logging(verbose: int, quiet: bool) -> None:
    """Log level from ``-v``/``-q``; ``-v`` also shows the traceback of an error."""
    debugging(verbose > 0)
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False)],
        force=True,
    )


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn an error into a one-paragraph message and its exit code (2: bad input; 1:
    anything else), as the top-level handler of :mod:`ganpo.cli.failures` does."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise
    except (Exception, KeyboardInterrupt) as exc:
        raise typer.Exit(code=report_failure(exc, err_console)) from exc


def yi(value_cny: float) -> str:
    """Format CNY as 亿元 (10^8 CNY) with two decimals."""
    return f"{value_cny / 1e8:,.2f}"


SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Where rasters are computed: threads (default), synchronous, processes, or the "
        "address of a dask cluster (tcp://host:8786). 计算调度（可用 dask 集群）。",
    ),
]


@contextmanager
def progress_bar(label: str) -> Iterator[Any]:
    """A rich progress bar; yields a function that takes the fraction done (0–1)."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=1.0)
        yield lambda fraction: bar.update(task, completed=fraction)
