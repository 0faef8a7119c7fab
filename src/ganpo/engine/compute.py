"""Where the dask graph runs: local threads (default), one thread, or a dask cluster.

``scheduler`` is ``None``/``"threads"``, ``"synchronous"``, ``"processes"``, or the address
of an existing ``dask.distributed`` scheduler (``tcp://host:8786``). On a cluster the
workers read the layers themselves, so the dataset must be on a path they can see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dask

from ganpo.errors import InputError

LOCAL = ("threads", "synchronous", "processes")


@contextmanager
def scheduler(name: str | None) -> Iterator[Any]:
    """Run the ``dask.compute`` calls inside on the chosen scheduler; yields the client
    of a cluster (``None`` for local schedulers)."""
    if name is None or name in LOCAL:
        with dask.config.set(scheduler=name or "threads"):
            yield None
        return
    if "://" not in name:
        raise InputError(
            f"unknown scheduler {name!r}: use one of {', '.join(LOCAL)} or the address of a "
            "dask scheduler such as tcp://host:8786",
            field="scheduler",
        )
    from distributed import Client

    try:
        client = Client(name, timeout="5s", set_as_default=False)
    except OSError as exc:
        raise InputError(
            f"cannot reach the dask scheduler at {name}: {exc}; start one (dask scheduler) "
            "or leave --scheduler out to compute locally",
            field="scheduler",
        ) from exc
    try:
        with client.as_current():
            yield client
    finally:
        client.close()


class TaskProgress:
    """Reports the fraction of dask tasks done to ``report`` (local schedulers only; on a
    cluster the dashboard shows progress). Quarter milestones also go to ``milestone``."""

    def __init__(self, report: Any, milestone: Any) -> None:
        from dask.callbacks import Callback

        outer = self

        class _Callback(Callback):
            def _start_state(self, dsk: Any, state: Any) -> None:
                outer.total = sum(len(state[k]) for k in ("ready", "waiting", "running"))
                outer.done = 0

            def _posttask(self, *args: Any) -> None:
                outer.done += 1
                outer._emit()

        self.callback = _Callback()
        self.report = report
        self.milestone = milestone
        self.total = 0
        self.done = 0
        self._next = 0.25

    def _emit(self) -> None:
        if self.total <= 0:
            return
        fraction = min(self.done / self.total, 1.0)
        if self.report is not None:
            self.report(fraction)
        while fraction >= self._next and self._next <= 1.0:
            self.milestone(f"computing: {self._next:.0%} of {self.total} tasks done")
            self._next += 0.25
