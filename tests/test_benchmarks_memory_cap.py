"""``benchmarks/_memory.run_capped``, which ``make bench`` uses to run the Jiangxi-sized
account inside a memory cgroup of 2 GiB (issue 19's memory target): a child that holds more
anonymous memory than the cap is killed by the kernel at the cap, the same child under a
larger cap completes and the cgroup's peak counts what it held, and the cgroup is removed
after each run. The machines ganpo runs its suite on (a root container with the cgroup v1
memory controller) can make one; where none can be made the test says so and skips."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

#: a child that holds ``MiB`` MiB of anonymous memory (written, so resident) for a moment
HOLD = (
    "import sys, numpy as np\n"
    "a = np.ones(int(sys.argv[1]) * 2**20, dtype=np.uint8)\n"
    "print(int(a.sum()) // 2**20)\n"
)


@pytest.fixture(scope="module")
def memory(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("_memory")


@pytest.fixture(scope="module")
def cgroup(memory: ModuleType) -> str:
    where = memory.memory_cgroup_dir()
    if where is None:
        pytest.skip("no memory cgroup can be made here (no controller or no right to write)")
    return str(where[0])


def _ours(parent: str) -> bool:
    """Whether the cgroup this process's runs are made in is still there."""
    return os.path.exists(os.path.join(parent, f"ganpo-bench-{os.getpid()}"))


def test_a_child_over_the_cap_is_killed_and_one_under_it_completes(
    memory: ModuleType, cgroup: str
) -> None:
    over = memory.run_capped([sys.executable, "-c", HOLD, "160"], 96, every_s=0.05)
    assert over is not None
    assert over.returncode == -9, (over.returncode, over.stderr[-500:])
    assert over.cap_hits > 0
    assert over.limit_bytes == 96 * 2**20
    under = memory.run_capped([sys.executable, "-c", HOLD, "160"], 1024, every_s=0.05)
    assert under is not None
    assert under.returncode == 0, under.stderr[-500:]
    assert under.stdout.strip() == "160"
    assert 160 * 2**20 <= under.peak_bytes <= 1024 * 2**20
    assert not _ours(cgroup)  # removed after each run


def test_without_a_memory_cgroup_nothing_is_run(
    memory: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(memory, "CGROUP_ROOT", str(tmp_path / "none"))
    assert memory.memory_cgroup_dir() is None
    marker = tmp_path / "ran"
    cmd = [sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"]
    assert memory.run_capped(cmd, 64) is None
    assert not marker.exists()


@pytest.fixture(scope="module")
def bench_invest(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("bench_invest")


@pytest.mark.parametrize("value", ["0", "-1", "-2048", "abc", "1.5"])
def test_memory_cap_of_zero_or_less_is_refused(
    bench_invest: ModuleType, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # refused by the command line, before any cgroup is made (none is needed here)
    with pytest.raises(SystemExit) as stop:
        bench_invest.parser().parse_args(["--memory-cap", value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--memory-cap" in err and repr(value) in err, err
    assert "above 0" in err and "大于 0" in err, err


def test_memory_cap_above_zero_is_taken(bench_invest: ModuleType) -> None:
    assert bench_invest.parser().parse_args(["--memory-cap", "2048"]).memory_cap == 2048
    assert bench_invest.parser().parse_args([]).memory_cap is None
