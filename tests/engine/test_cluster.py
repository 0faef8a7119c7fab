"""The account on a real dask cluster: a ``dask scheduler`` and ``dask worker`` processes
started by the test (separate processes, as on a cluster's machines), the account run with
``ganpo account run --scheduler tcp://…`` on the tiny dataset (合成数据, synthetic), its
inputs read by the workers from the same path. It equals the local run exactly; a worker
that dies mid-run (deterministically: :func:`ganpo.engine.compute.kill_worker_once`) is
replaced and the account completes; when the scheduler allows no lost worker the account
fails with a clear message and stores nothing.

No fixed port (the scheduler picks one and writes it to its scheduler file) and no sleep
that depends on timing: the test polls for what it waits for, under generous timeouts."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from typer.testing import CliRunner

import ganpo
from ganpo.cli.main import app
from ganpo.engine.account import run_account
from ganpo.engine.compute import KILL_WORKER_ONCE, kill_worker_once
from ganpo.errors import InputError
from ganpo.store.repository import list_accounts, load_account, open_store
from tinydata import tiny_factory

runner = CliRunner()

#: the folder ganpo is imported from: the workers import the same code
SRC = Path(ganpo.__file__).resolve().parents[1]
#: generous: the machine may be loaded by other tests (pytest -n 2) and other work
START_TIMEOUT_S = 120.0
BLOCK = "_block_sums"  # the pass's task per block (ganpo.engine.zonal)


@dataclass(frozen=True)
class Cluster:
    """A running scheduler and its workers. ``marker`` is the workers' fault-injection
    marker (:data:`KILL_WORKER_ONCE`): present, nothing happens; removed, the next block
    task ends its worker process (and recreates it)."""

    address: str
    marker: Path
    logs: list[Path]

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.logs)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        # a session of its own: the worker's nanny and its worker process end together
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Terminate each process group started (workers first), then kill what remains.
    A group is signalled only while its leader is not reaped (its id not reusable)."""
    for p in reversed(procs):
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
    for p in reversed(procs):
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=30)


def _scheduler_address(file: Path, proc: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dask scheduler exited:\n{log.read_text()[-3000:]}")
        try:
            return str(json.loads(file.read_text())["address"])
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            time.sleep(0.1)  # polled: the file appears when the scheduler listens
    raise RuntimeError(f"no dask scheduler after {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@contextmanager
def dask_cluster(
    folder: Path, n_workers: int, *, allowed_failures: int | None = None
) -> Iterator[Cluster]:
    """A ``dask scheduler`` on a free port of 127.0.0.1 and ``n_workers`` ``dask worker``
    processes (one thread each, under a nanny that replaces a worker that dies), all
    stopped on exit even when the test failed. ``allowed_failures``: the scheduler's
    ``distributed.scheduler.allowed-failures`` (default: dask's, 3)."""
    from distributed import Client

    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "worker-killed-once"
    marker.touch()  # disarmed
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env[KILL_WORKER_ONCE] = str(marker)
    scheduler_env = dict(env)
    if allowed_failures is not None:
        scheduler_env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(allowed_failures)
    file = folder / "scheduler.json"
    logs = [folder / "scheduler.log"] + [folder / f"worker-{i}.log" for i in range(n_workers)]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            _start(
                [
                    "distributed.cli.dask_scheduler",
                    *("--host", "127.0.0.1", "--port", "0", "--no-dashboard"),
                    *("--scheduler-file", str(file)),
                    *("--idle-timeout", "900"),  # gone by itself if this process is killed
                ],
                scheduler_env,
                logs[0],
            )
        )
        address = _scheduler_address(file, procs[0], logs[0])
        for i in range(n_workers):
            procs.append(
                _start(
                    [
                        "distributed.cli.dask_worker",
                        address,
                        *("--nworkers", "1", "--nthreads", "1", "--memory-limit", "1GiB"),
                        *("--no-dashboard", "--name", f"w{i}"),
                        *("--local-directory", str(folder / f"w{i}")),
                        *("--death-timeout", "120"),  # gone by itself without a scheduler
                    ],
                    env,
                    logs[1 + i],
                )
            )
        cluster = Cluster(address, marker, logs)
        with Client(address, timeout="60s") as client:
            try:
                client.wait_for_workers(n_workers, timeout=START_TIMEOUT_S)
            except TimeoutError as exc:
                raise RuntimeError(f"the workers did not start:\n{cluster.log_tail()}") from exc
        yield cluster
    finally:
        _stop(procs)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny dataset, its DEM falling to the east."""
    dem = np.array([[60, 50, 40, 30], [62, 52, 41, 33]], "float32")
    return tiny_factory(tmp_path_factory.mktemp("cluster-data"))(layers={"dem": dem})


def _run(manifest: Path, db: Path, rasters: Path, *extra: str) -> tuple[int, str]:
    # --chunk 1: eight blocks on the 2 × 4 cells, so the pass is many tasks
    args = ["account", "run", str(manifest), "--year", "2022", "--database", str(db)]
    args += ["--chunk", "1", "--rasters", str(rasters), *extra]
    result = runner.invoke(app, args)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def local(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The account computed locally (threads): its store and its value rasters' folder."""
    folder = tmp_path_factory.mktemp("local")
    code, output = _run(dataset, folder / "s.sqlite", folder / "rasters")
    assert code == 0, output
    return folder / "s.sqlite", folder / "rasters"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with dask_cluster(tmp_path_factory.mktemp("cluster"), 2) as c:
        yield c


def _assert_same_account(local: tuple[Path, Path], db: Path, rasters: Path) -> None:
    """Every stored value equal (exactly), and the value rasters byte for byte."""
    (a,) = list_accounts(open_store(local[0]))
    (b,) = list_accounts(open_store(db))
    x, y = load_account(open_store(local[0]), a.id), load_account(open_store(db), b.id)
    assert x.account.gep_cny == y.account.gep_cny
    # raster services with values: the pass computed something to compare
    assert (x.results["value_cny"].astype(float) > 0).sum() >= 8, x.results
    for table in ("results", "physical", "extent", "coverage", "units", "prices", "inputs"):
        pd.testing.assert_frame_equal(
            _stored(getattr(x, table)), _stored(getattr(y, table)), check_exact=True, obj=table
        )
    # the value rasters' checksums as stored (their paths differ)
    pd.testing.assert_frame_equal(
        _stored(x.rasters.drop(columns="path")), _stored(y.rasters.drop(columns="path"))
    )
    names = sorted(p.name for p in local[1].iterdir())
    assert names and names == sorted(p.name for p in rasters.iterdir())
    for name in names:
        with rasterio.open(local[1] / name) as s, rasterio.open(rasters / name) as t:
            np.testing.assert_array_equal(s.read(1), t.read(1))
        assert (local[1] / name).read_bytes() == (rasters / name).read_bytes(), name


def _stored(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns="account_id", errors="ignore")


def _key_name(key: object) -> str:
    return str(key[0] if isinstance(key, tuple) else key)


def test_cluster_account_equals_local(
    cluster: Cluster, dataset: Path, local: tuple[Path, Path], tmp_path: Path
) -> None:
    from distributed import Client, get_task_stream

    with Client(cluster.address, timeout="60s") as client:
        pids = client.run(os.getpid)
        with get_task_stream(client=client) as stream:
            code, output = _run(
                dataset, tmp_path / "s.sqlite", tmp_path / "r", "--scheduler", cluster.address
            )
    assert code == 0, output + cluster.log_tail()
    assert "stored as account #1" in output
    # the pass ran on the workers, in their own processes, which read the layers' files
    # themselves (the "layer-…" tasks: LayerBlocks reading a window of the shared path)
    names = [_key_name(t["key"]) for t in stream.data]
    assert sum(n.startswith(BLOCK) for n in names) == 8  # 2 × 4 cells in blocks of 1
    assert sum(n.startswith("layer-") for n in names) >= 8
    assert {t["worker"] for t in stream.data} <= set(pids)
    assert os.getpid() not in pids.values()
    _assert_same_account(local, tmp_path / "s.sqlite", tmp_path / "r")


def test_worker_killed_mid_run_is_replaced(
    cluster: Cluster, dataset: Path, local: tuple[Path, Path], tmp_path: Path
) -> None:
    from distributed import Client

    with Client(cluster.address, timeout="60s") as client:
        before = set(client.run(os.getpid).values())
        cluster.marker.unlink()  # armed: the first block task ends its worker
        code, output = _run(
            dataset, tmp_path / "s.sqlite", tmp_path / "r", "--scheduler", cluster.address
        )
        assert code == 0, output + cluster.log_tail()
        assert cluster.marker.exists()  # the hook fired, and only once
        # the scheduler moved the killed worker's tasks to the other worker; the nanny
        # starts a new worker process in place of the dead one
        client.wait_for_workers(2, timeout=START_TIMEOUT_S)
        after = set(client.run(os.getpid).values())
    assert len(after) == 2 and len(before & after) == 1, (before, after)
    _assert_same_account(local, tmp_path / "s.sqlite", tmp_path / "r")


def test_killed_worker_without_retries_stores_nothing(
    dataset: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db, rasters = tmp_path / "s.sqlite", tmp_path / "r"
    code, output = _run(dataset, db, tmp_path / "first")  # one account stored beforehand
    assert code == 0, output
    with dask_cluster(tmp_path_factory.mktemp("strict"), 1, allowed_failures=0) as cluster:
        cluster.marker.unlink()  # armed
        code, output = _run(dataset, db, rasters, "--scheduler", cluster.address, "--force")
        assert cluster.marker.exists(), cluster.log_tail()
    assert code == 1, output
    text = " ".join(output.split())
    gave_up = f"the dask cluster at {cluster.address} gave up on a task: a worker died while"
    assert gave_up in text and "running it 1 time(s)" in text, output
    assert "(distributed.scheduler.allowed-failures = 0)" in text
    assert "nothing was stored" in text and "run the account again" in text
    assert len(list_accounts(open_store(db))) == 1
    assert not rasters.exists() or not any(rasters.iterdir())


def test_kill_hook_does_nothing_unless_in_a_worker(
    monkeypatch: pytest.MonkeyPatch, tiny: Callable[..., Path], tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    monkeypatch.delenv(KILL_WORKER_ONCE, raising=False)
    kill_worker_once()  # unset: nothing
    monkeypatch.setenv(KILL_WORKER_ONCE, str(marker))
    kill_worker_once()  # set, but this is no dask worker: nothing
    acc = run_account(tiny(), 2022, chunk=1)  # a local run, every block through the hook
    assert not marker.exists() and len(acc.results) > 0


def test_unknown_scheduler(tiny: Callable[..., Path]) -> None:
    with pytest.raises(
        InputError, match=r"unknown scheduler 'gpu': use one of threads, synchronous, processes"
    ):
        run_account(tiny(), 2022, scheduler="gpu")


def test_unreachable_scheduler(tiny: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match=r"cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        run_account(tiny(), 2022, scheduler="tcp://127.0.0.1:9")
