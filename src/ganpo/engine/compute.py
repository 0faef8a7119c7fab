"""Where the dask graph runs: local threads (default), one thread, or a dask cluster.

``scheduler`` is ``None``/``"threads"``, ``"synchronous"``, ``"processes"``, or the address
of an existing ``dask.distributed`` scheduler (``tcp://host:8786``). On a cluster the
workers read the layers themselves, so the dataset must be on a path they can see.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dask

from ganpo.errors import ComputeError, InputError

LOCAL = ("threads", "synchronous", "processes")

#: Fault injection for the cluster tests (tests/engine/test_cluster.py), off unless set:
#: the path of a marker file. See :func:`kill_worker_once`.
KILL_WORKER_ONCE = "GANPO_TEST_KILL_WORKER_ONCE"


@contextmanager
def scheduler(name: str | None) -> Iterator[Any]:
    """Run the ``dask.compute`` calls inside on the chosen scheduler; yields the client
    of a cluster (``None`` for local schedulers)."""
    if name is None or name in LOCAL:
        with dask.config.set(scheduler=_local_get(name or "threads")):
            yield None
        return
    if "://" not in name:
        raise InputError(
            en=f"unknown scheduler {name!r}: use one of {', '.join(LOCAL)} or the address of a "
            "dask scheduler such as tcp://host:8786",
            zh="未知的调度方式：请使用 threads、"
            "synchronous、processes 或 dask 调度器地址（如 tcp://host:8786）",
            field="scheduler",
        )
    from distributed import Client

    try:
        client = Client(name, timeout="5s", set_as_default=False)
    except OSError as exc:
        raise InputError(
            en=f"cannot reach the dask scheduler at {name}: {exc}; start one (dask scheduler) "
            "or leave --scheduler out to compute locally",
            zh="无法连接 dask 调度器：请先启动（dask scheduler），或去掉 --scheduler 在本机计算",
            field="scheduler",
        ) from exc
    from distributed import KilledWorker

    try:
        with client.as_current():
            yield client
    except KilledWorker as exc:
        raise ComputeError(
            en=f"the dask cluster at {name} gave up on a task: a worker died while running it "
            f"{exc.allowed_failures + 1} time(s), the last {exc.last_worker.address} "
            f"(distributed.scheduler.allowed-failures = {exc.allowed_failures}); nothing was "
            "stored. Read the workers' logs (killed for memory: give the workers more "
            "--memory-limit, or use smaller blocks with --chunk), then run the account "
            "again, or leave --scheduler out to compute locally",
            zh="dask 集群放弃了一个任务：运行它的工作进程退出，未存储任何结果。"
            "请查看工作进程日志（内存不足时请增加 --memory-limit 或减小 --chunk）后重新运行，"
            "或去掉 --scheduler 在本机计算",
            scheduler=name,
        ) from None
    finally:
        client.close()


def _local_get(name: str) -> Any:
    """The function of dask's local scheduler ``name``. Given by its name, dask imports
    ``distributed`` at the first compute to look for a client (about 0.4 s in a fresh
    process: a third of a small account run from the command line); given as the
    function, it runs the graph with it directly, as the name would."""
    if name == "threads":
        import dask.threaded

        return dask.threaded.get
    if name == "synchronous":
        import dask.local

        return dask.local.get_sync
    import dask.multiprocessing

    return dask.multiprocessing.get


def kill_worker_once() -> None:
    """Fault injection for tests, harmless unless asked: when the environment variable
    ``GANPO_TEST_KILL_WORKER_ONCE`` names a marker file that does not exist, and this
    runs inside a dask worker process, create the marker and end that worker process at
    once (``os._exit``), as a crash or the kernel's out-of-memory killer would. The next
    task finds the marker and runs. Called once by the pass's task of each block
    (``ganpo.engine.zonal.StripSums``, or ``_block_sums`` over whole blocks); never acts
    in a local run."""
    marker = os.environ.get(KILL_WORKER_ONCE)
    if not marker:
        return
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:  # not in a dask worker: a local run is never killed
        return
    try:
        Path(marker).touch(exist_ok=False)  # atomic: one task of all the workers wins
    except FileExistsError:
        return
    os._exit(1)


class TaskProgress:
    """Reports the fraction of dask tasks done to ``report`` (local schedulers only; on a
    cluster the dashboard shows progress). Quarter milestones also go to ``milestone``, in
    English and in Chinese (``milestone(en, zh)``, :meth:`~ganpo.engine.stages.context.Run.say`)."""

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
            self.milestone(
                f"computing: {self._next:.0%} of {self.total} tasks done",
                f"计算中：已完成 {self.total} 项任务中的 {self._next:.0%}",
            )
            self._next += 0.25
