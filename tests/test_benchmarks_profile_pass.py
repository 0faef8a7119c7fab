"""``benchmarks/profile_pass.py``: where the account's processor time goes when it reuses
its routed layers, part by part (the figures of docs/benchmarks.md on issue 19's floor
ratio). A strip plan evaluated while timed gives the same arrays and counts each step
once by function and once by operands; on a tiny account every part is timed and the
parts hold no more than the run's processor time; the functions are restored afterwards,
after an error too. ``--against``: two trees profiled in turns, their medians and ratios."""

from __future__ import annotations

import json
import operator
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from ganpo.engine import strips


@pytest.fixture(scope="module")
def prof(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("profile_pass")


@pytest.fixture(scope="module")
def inputs(
    benchmark_module: Callable[[str], ModuleType], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("profile")
    benchmark_module("bench_invest").make_inputs(64, folder)
    return folder


def _patched(prof: ModuleType) -> list[object]:
    return [getattr(mod, name) for mod, name in prof.TIMED] + [strips.StripPlan.evaluate]


def test_a_plan_evaluated_while_timed_gives_the_same_arrays(prof: ModuleType) -> None:
    # (a · b + 1.5) and −(a · b): the product is freed after its last use
    plan = strips.StripPlan(
        2,
        [
            (operator.mul, ((0, None), (1, None)), {}, 2),
            (operator.add, ((2, None), (-1, 1.5)), {}, 3),
            (np.negative, ((2, None),), {}, 4),
        ],
        [3, 4],
    )
    a, b = np.arange(6.0).reshape(2, 3), np.full((2, 3), 0.5)
    want = plan.evaluate([a, b])
    originals = _patched(prof)
    with prof.timed() as (seconds, calls):
        got = plan.evaluate([a, b])
        got_row = plan.evaluate([a[:1], b])  # one row: counted as a row
    assert _patched(prof) == originals
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert calls["steps: mul"] == 2 and calls["steps: add"] == 2 and calls["steps: negative"] == 2
    assert calls["operands: mul (array, array)"] == 1
    assert calls["operands: mul (number or row, array)"] == 1
    assert calls["operands: add (array, number or row)"] == 2  # the product is an array
    assert calls["operands: negative (array)"] == 2
    assert set(seconds) == set(calls)
    np.testing.assert_array_equal(got_row[0], a[:1] * b + 1.5)


def test_the_functions_are_restored_after_an_error(prof: ModuleType) -> None:
    originals = _patched(prof)
    with pytest.raises(RuntimeError, match="inside"), prof.timed():
        assert _patched(prof) != originals  # every one timed meanwhile
        raise RuntimeError("inside")
    assert _patched(prof) == originals


def test_every_part_of_the_pass_is_timed(prof: ModuleType, inputs: Path) -> None:
    originals = _patched(prof)
    got = prof.profile(inputs)
    assert _patched(prof) == originals
    parts = got["parts"]
    for part in ("reads", "layer checks", "sums"):
        assert parts[part]["calls"] > 0, part
    # the full profile's arithmetic: products, quotients and selections, per strip
    assert {"steps: mul", "steps: truediv", "steps: where"} <= set(parts)
    assert "operands: mul (array, array)" in parts
    timed = sum(v["seconds"] for k, v in parts.items() if not k.startswith("operands: "))
    assert 0 < timed <= got["cpu"] + 0.05  # thread times within the process's
    assert 0 < got["steps"] < timed


def test_the_report_names_each_part(prof: ModuleType) -> None:
    got = {
        "wall": 2.0,
        "cpu": 3.0,
        "steps": 0.5,
        "parts": {
            "layer checks": {"seconds": 1.25, "calls": 7},
            "steps: mul": {"seconds": 0.5, "calls": 3},
        },
    }
    text = prof.report(got)
    assert "2.0 s wall, 3.0 s of processor time" in text
    assert "steps of the strips: 0.50 s" in text
    assert "layer checks" in text and "1.25 s" in text and "7 calls" in text


def test_main_prints_the_table_or_json(
    prof: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    (tmp_path / "dem.tif").touch()  # main asks for the inputs' DEM; profile is replaced
    figures = {"wall": 2.0, "cpu": 3.0, "steps": 0.5, "parts": {}}
    asked: list[Path] = []
    monkeypatch.setattr(prof, "profile", lambda folder: asked.append(folder) or figures)
    prof.main([str(tmp_path), "--json"])
    assert json.loads(capsys.readouterr().out) == figures
    prof.main([str(tmp_path)])
    assert capsys.readouterr().out.strip() == prof.report(figures)
    assert asked == [tmp_path, tmp_path]


def test_a_folder_without_inputs_is_refused_by_name(
    prof: ModuleType, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as raised:
        prof.main([str(tmp_path / "nowhere")])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nowhere'} holds no dem.tif" in err and "make_inputs" in err


def _figures(
    wall: float, layer_checks: float | None, sums: float | None = 1.0
) -> dict[str, object]:
    parts: dict[str, object] = {"reads": {"seconds": wall / 4, "calls": 3}}
    if layer_checks is not None:
        parts["layer checks"] = {"seconds": layer_checks, "calls": 5}
    if sums is not None:
        parts["sums"] = {"seconds": sums, "calls": 2 if sums else 0}
    return {"wall": wall, "cpu": 2 * wall, "steps": wall / 2, "parts": parts}


def test_against_another_tree_alternates_and_gives_medians_and_ratios(
    prof: ModuleType, tmp_path: Path
) -> None:
    """``--against``: the trees take turns first (this, other; other, this; this,
    other), and each figure's medians and ratio other / this come from the runs of its
    own tree. A part missing from a run counts 0 s in it; a part no run of a side has is
    None there, without a ratio; a median of 0 on this side has no ratio either. The
    table's columns line up, — where there is nothing."""
    other = tmp_path / "other"
    walls = {prof.HERE: iter([10.0, 30.0, 20.0]), other: iter([12.0, 11.0, 60.0])}
    sums = {prof.HERE: iter([0.0, 0.0, 0.0]), other: iter([4.0, None, 2.0])}
    order: list[Path] = []

    def run(folder: Path, tree: Path) -> dict[str, object]:
        assert folder == tmp_path
        order.append(tree)
        wall = next(walls[tree])
        return _figures(wall, wall / 10 if tree == prof.HERE else None, next(sums[tree]))

    got = prof.compare(tmp_path, other, 3, run=run)
    assert order == [prof.HERE, other, other, prof.HERE, prof.HERE, other]
    med = got["medians"]
    assert med["wall"] == {"this": 20.0, "other": 12.0, "ratio": 0.6}
    assert med["processor"]["ratio"] == pytest.approx(0.6)
    assert med["reads"] == {"this": 5.0, "other": 3.0, "ratio": 0.6}
    assert med["layer checks"] == {"this": 2.0, "other": None, "ratio": None}
    assert med["sums"] == {"this": 0.0, "other": 2.0, "ratio": None}  # 4, 0 (missing), 2
    assert [r["wall"] for r in got["runs"]["this"]] == [10.0, 30.0, 20.0]
    text = prof.compare_report(got)
    assert "medians of 3 runs each, alternated" in text
    rows = {x.split("  ")[1].strip(): x for x in text.splitlines()[2:]}
    assert len({len(x) for x in text.splitlines()[1:]}) == 1  # the columns line up
    assert rows["layer checks"].split()[-4:] == ["2.00", "s", "—", "—"]
    assert rows["wall"].split()[-5:] == ["20.00", "s", "12.00", "s", "0.600"]
    with pytest.raises(ValueError, match="0 runs per tree"):
        prof.compare(tmp_path, other, 0, run=run)


def test_a_child_imports_ganpo_from_its_tree_first(
    prof: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The child's path starts with the tree's ``src`` (before any PYTHONPATH of the
    caller, or alone); its figures are the last JSON object it printed; a child that
    fails or prints none is reported with the tree and what it wrote."""
    seen: list[tuple[list[str], str]] = []
    figures = _figures(1.0, 0.5)
    printed = ["warming\n" + json.dumps(figures) + "\nwarning: after\n"]

    class Done:
        returncode, stderr = 0, ""

        @property
        def stdout(self) -> str:
            return printed[0]

    def fake_run(cmd: list[str], env: dict[str, str], **kwargs: object) -> Done:
        seen.append((cmd, env["PYTHONPATH"]))
        return Done()

    monkeypatch.setattr(prof.subprocess, "run", fake_run)
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    assert prof.run_child(tmp_path, tmp_path / "tree") == figures
    monkeypatch.delenv("PYTHONPATH")
    assert prof.run_child(tmp_path, tmp_path / "tree") == figures
    (cmd, path), (_, alone) = seen
    assert cmd[0] == sys.executable and cmd[1].endswith("profile_pass.py")
    assert cmd[-2:] == [str(tmp_path), "--json"]
    assert path.split(os.pathsep) == [str(tmp_path / "tree" / "src"), "/elsewhere"]
    assert alone == str(tmp_path / "tree" / "src")
    printed[0] = "no figures here\n[1, 2]\n"
    with pytest.raises(RuntimeError, match="printed no figures") as raised:
        prof.run_child(tmp_path, tmp_path / "tree")
    assert str(tmp_path / "tree") in str(raised.value) and "no figures here" in str(raised.value)

    class Failed:
        returncode, stdout, stderr = 1, "", "Traceback …\nImportError: no such kernel\n"

    monkeypatch.setattr(prof.subprocess, "run", lambda cmd, env, **kw: Failed())
    with pytest.raises(RuntimeError, match="failed \\(exit 1\\)") as raised:
        prof.run_child(tmp_path, tmp_path / "tree")
    assert "ImportError: no such kernel" in str(raised.value)
    assert str(tmp_path / "tree") in str(raised.value)


def test_a_child_really_imports_the_other_trees_ganpo(
    prof: ModuleType, inputs: Path, tmp_path: Path
) -> None:
    """Not only the path's text: a tree whose ganpo cannot be imported makes the child
    fail with that tree's own error, although ganpo is installed in the venv."""
    package = tmp_path / "tree" / "src" / "ganpo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('raise ImportError("the other tree\'s ganpo")\n')
    with pytest.raises(RuntimeError, match="the other tree's ganpo"):
        prof.run_child(inputs, tmp_path / "tree")


def test_against_a_folder_without_the_code_is_refused_by_name(
    prof: ModuleType, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "dem.tif").touch()
    with pytest.raises(SystemExit) as raised:
        prof.main([str(tmp_path), "--against", str(tmp_path / "checkout")])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'checkout'} holds no src/ganpo" in err and "git worktree add" in err
    (tmp_path / "checkout" / "src" / "ganpo").mkdir(parents=True)
    (tmp_path / "checkout" / "src" / "ganpo" / "__init__.py").touch()
    with pytest.raises(SystemExit) as raised:
        prof.main([str(tmp_path), "--against", str(tmp_path / "checkout"), "--repeat", "0"])
    assert raised.value.code == 2
    assert "--repeat 0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as raised:
        prof.main([str(tmp_path), "--repeat", "3"])
    assert raised.value.code == 2
    assert "give --against SRC" in capsys.readouterr().err


def test_main_against_prints_the_comparison_or_json(
    prof: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    (tmp_path / "dem.tif").touch()
    tree = tmp_path / "checkout"
    (tree / "src" / "ganpo").mkdir(parents=True)
    (tree / "src" / "ganpo" / "__init__.py").touch()
    asked: list[Path] = []
    monkeypatch.setattr(prof, "run_child", lambda folder, t: asked.append(t) or _figures(4.0, 1.0))
    prof.main([str(tmp_path), "--against", str(tree), "--repeat", "1", "--json"])
    got = json.loads(capsys.readouterr().out)
    assert got["other"] == str(tree.resolve()) and got["repeat"] == 1
    assert got["medians"]["wall"] == {"this": 4.0, "other": 4.0, "ratio": 1.0}
    assert asked == [prof.HERE, tree.resolve()]
    prof.main([str(tmp_path), "--against", str(tree)])  # two runs each by default
    assert "medians of 2 runs each" in capsys.readouterr().out
    assert len(asked) == 6


def test_against_this_tree_itself_runs_both_children(prof: ModuleType, inputs: Path) -> None:
    """A real comparison, of this tree with itself on the tiny account, one run each:
    the children import the code, profile the account and hand back their figures, and
    every part has both sides and a ratio."""
    got = prof.compare(inputs, prof.HERE, 1)
    assert len(got["runs"]["this"]) == len(got["runs"]["other"]) == 1
    med = got["medians"]
    for name in ("wall", "processor", "steps of the strips", "reads", "layer checks", "sums"):
        assert med[name]["this"] > 0 and med[name]["other"] > 0 and med[name]["ratio"] > 0
