"""``benchmarks/_child.py``: the figures a benchmark's child process printed are the last
line of JSON of the expected kind, whatever text a library printed after or before it; a
child that printed none, failed or was killed is named with the end of what it wrote. The
benchmarks that run children take their figures this way (bench_invest's children, real
ones here)."""

from __future__ import annotations

import importlib.util
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def child(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("_child")


@pytest.fixture(scope="module")
def bench(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("bench_invest")


def test_the_figures_are_the_last_json_object_whatever_follows(child: ModuleType) -> None:
    out = "\n".join(
        [
            "numba: compiling …",
            '{"seconds": 1.0}',
            '{"seconds": 2.5, "peak": 3}',
            "UserWarning: something the library said",
            "[1, 2]",
            "7",
            "",
        ]
    )
    assert child.figures(out, "", "the child") == {"seconds": 2.5, "peak": 3}
    assert child.figure_list(out, "", "the child") == [1, 2]
    assert child.figure_list('[3.5, 4.0]\n{"not": "a list"}\n', "", "the child") == [3.5, 4.0]


@pytest.mark.parametrize("stdout", ["", "no figures here\n[1, 2]\n", '{"cut": 1\n'])
def test_a_child_without_figures_is_named_with_what_it_wrote(
    child: ModuleType, stdout: str
) -> None:
    with pytest.raises(RuntimeError, match="the child measuring tiles printed no figures") as got:
        child.figures(stdout, "a warning on stderr\n", "the child measuring tiles")
    message = str(got.value)
    assert "a JSON object" in message
    assert "its standard error ended with:\na warning on stderr" in message
    if stdout:
        assert f"its standard output ended with:\n{stdout}" in message
    else:
        assert "standard output" not in message
    with pytest.raises(RuntimeError) as nothing:
        child.figure_list(" \n", "", "InVEST")
    assert str(nothing.value) == (
        "InVEST printed no figures (a JSON array on a line of its own); it wrote nothing"
    )


def test_what_a_child_wrote_is_quoted_from_its_end(child: ModuleType) -> None:
    stdout = "x" * 5000 + "the end of stdout"
    stderr = "y" * 5000 + "the end of stderr"
    with pytest.raises(RuntimeError) as got:
        child.figure_list(stdout, stderr, "InVEST")
    message = str(got.value)
    assert "a JSON array" in message
    assert "the end of stdout" in message and "the end of stderr" in message
    assert len(message) < 2 * child.TAIL + 200
    failed = child.failed("the floor's runs", 3, stderr)
    assert failed.startswith("the floor's runs failed (exit 3):\nits standard error ended with:")
    assert failed.endswith("the end of stderr") and len(failed) < child.TAIL + 100


def test_a_killed_child_is_said_to_be_killed(child: ModuleType) -> None:
    """``subprocess`` gives a child killed by a signal the signal's number, negated."""
    assert child.failed("ganpo's full account", -signal.SIGKILL, "") == (
        "ganpo's full account was killed by signal 9 (SIGKILL; out of memory?):\nit wrote nothing"
    )
    assert child.failed("the child", -signal.SIGTERM, "bye\n").startswith(
        "the child was killed by signal 15 (SIGTERM):\nits standard error ended with:\nbye"
    )
    assert "signal 200 (an unknown signal)" in child.failed("the child", -200, "")


def test_a_real_childs_figures_come_through_a_warning_after_them(bench: ModuleType) -> None:
    code = "import sys; print('{\"wall\": 1.5}'); print('a warning', file=sys.stdout)"
    assert bench.run_child([sys.executable, "-c", code], "the child") == {"wall": 1.5}


def test_a_real_child_without_figures_is_an_error_naming_it(bench: ModuleType) -> None:
    code = "print('done, but no figures')"
    with pytest.raises(RuntimeError, match="the runs against the floor printed no figures"):
        bench.run_child([sys.executable, "-c", code], "the runs against the floor")


def test_a_real_child_that_fails_ends_the_benchmark_with_its_error(bench: ModuleType) -> None:
    code = "raise SystemExit('no inputs in that folder')"
    with pytest.raises(SystemExit) as got:
        bench.run_child([sys.executable, "-c", code], "the runs with 1 and 2 workers")
    assert str(got.value).startswith("the runs with 1 and 2 workers failed (exit 1):")
    assert "no inputs in that folder" in str(got.value)


@pytest.mark.skipif(
    importlib.util.find_spec("natcap") is not None, reason="InVEST is installed in this Python"
)
def test_invest_failing_is_reported_with_its_error(bench: ModuleType, tmp_path: Path) -> None:
    """InVEST's runner in a Python without InVEST (this one): the benchmark stops with
    the model named and the child's own error, not a bare CalledProcessError."""
    with pytest.raises(SystemExit) as got:
        bench.run_invest(Path(sys.executable), "awy", tmp_path, 10, 1, 120.0)
    assert str(got.value).startswith("InVEST's awy model failed (exit 1):")
    assert "natcap" in str(got.value)
