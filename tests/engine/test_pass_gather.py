"""The per-type tables read by ecosystem code in the pass's strips
(:func:`ganpo.services.base.take_by_code`, a compiled gather for 8-bit maps, decision
0096): the demo account's tables are bitwise those of numpy's fancy indexing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ganpo.demo import build_demo_dataset
from ganpo.engine import strips
from ganpo.engine.account import run_account
from ganpo.services import base


def _numpy_gather(codes: np.ndarray, lut: np.ndarray) -> np.ndarray:
    return lut[codes]


def _same_bits(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns) and a.shape == b.shape
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(np.int64), y.view(np.int64)), column
        else:
            assert a[column].astype(str).tolist() == b[column].astype(str).tolist(), column


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_dataset(tmp_path_factory.mktemp("demo"), resolution_m=4000.0)


def test_the_compiled_gather_leaves_every_table_bitwise(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[np.dtype] = []
    compiled = base._take_u8

    def counting(codes: np.ndarray, lut: np.ndarray, out: np.ndarray) -> None:
        calls.append(codes.dtype)
        compiled(codes, lut, out)

    monkeypatch.setattr(base, "_take_u8", counting)
    fast = run_account(demo, 2023, "national-2022", chunk=64)
    assert calls, "the demo's 8-bit map never reached the compiled gather"
    monkeypatch.undo()
    # numpy's lut[codes] in its place, where the services and the strips look it up
    monkeypatch.setattr(base, "take_by_code", _numpy_gather)
    monkeypatch.setattr(strips, "take_by_code", _numpy_gather)
    slow = run_account(demo, 2023, "national-2022", chunk=64)
    _same_bits(fast.results, slow.results)
    _same_bits(fast.extent, slow.extent)
    assert fast.warnings == slow.warnings
