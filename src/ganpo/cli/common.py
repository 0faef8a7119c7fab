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

from ganpo.errors import GanpoError

console = Console()
err_console = Console(stderr=True)

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
    """Turn ganpo's input and store errors into a one-paragraph message and exit code 2.

    A database error ganpo did not foresee is still a message: the driver's first line,
    never the SQL statement or its parameters."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except GanpoError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from exc
    except SQLAlchemyError as exc:
        from ganpo.store.failures import cause

        err_console.print(
            f"[bold red]error:[/] the store refused the operation ({cause(exc)}); the change "
            "in progress was rolled back / 数据库拒绝了该操作，进行中的事务已回滚",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=2) from exc


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
