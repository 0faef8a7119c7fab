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


#: the one format of every log line the CLI prints: time, level, message (no file:line)
LOG_TIME_FORMAT = "[%H:%M:%S]"
#: the progress of a command (stage messages of an account): on stdout, in the log's format
PROGRESS_LOGGER = "ganpo.cli.progress"


class OncePerRun(logging.Filter):
    """Lets a warning through once per run: a warning whose text was already shown (the
    same cause met again in the next year of the demo, or in the account a comparison
    recomputes) is dropped. Other levels always pass."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        text = record.getMessage()
        if text in self.seen:
            return False
        self.seen.add(text)
        return True


def log_handler(console: Console) -> RichHandler:
    """A handler that writes time, level and message to ``console``."""
    return RichHandler(
        console=console,
        show_path=False,
        log_time_format=LOG_TIME_FORMAT,
        omit_repeated_times=False,
    )


def setup_logging(verbose: int, quiet: bool) -> None:
    """Log level from ``-v``/``-q``; ``-v`` also shows the traceback of an error. Log lines
    go to stderr, progress messages (:func:`say`) to stdout, both as time, level, message;
    a warning is shown once per run (:class:`OncePerRun`)."""
    debugging(verbose > 0)
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    handler = log_handler(err_console)
    handler.addFilter(OncePerRun())
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    _progress_to(console)


def _progress_to(target: Console) -> logging.Logger:
    progress = logging.getLogger(PROGRESS_LOGGER)
    for old in progress.handlers[:]:
        progress.removeHandler(old)
        old.close()
    progress.addHandler(log_handler(target))
    progress.setLevel(logging.INFO)
    progress.propagate = False
    return progress


def say(message: str) -> None:
    """A progress message (an account's stages): on stdout, as time, INFO, message."""
    progress = logging.getLogger(PROGRESS_LOGGER)
    if not progress.handlers:  # a command called without the `ganpo` group's set-up
        progress = _progress_to(console)
    progress.info(message)


def log_every_warning() -> None:
    """Show every warning, repeated or not, from now on (a server runs for days: a warning
    that comes back is news each time)."""
    for handler in logging.getLogger().handlers:
        for f in [f for f in handler.filters if isinstance(f, OncePerRun)]:
            handler.removeFilter(f)


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
