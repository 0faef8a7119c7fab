"""The Python API (``import ganpo``; src/ganpo/api.py): docs/python-api.md runs as written,
the functions are loaded on first use, and the API's refusals say what to do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib
import pytest

import ganpo
from ganpo.errors import InputError, StoreError

ROOT = Path(__file__).parents[1]
DOC = ROOT / "docs" / "python-api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
API = ("run_account", "load_account", "list_accounts", "compare_accounts", "open_value_raster")


def test_every_function_of_the_api_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in (*API, "demo_dataset"):
        assert name in ganpo.__all__ and name in dir(ganpo)
        assert f"ganpo.{name}(" in text
        func = getattr(ganpo, name)
        assert func.__doc__ and "Example::" in func.__doc__, f"{name}: a docstring with an example"


def test_import_ganpo_loads_no_heavy_library() -> None:
    code = (
        "import sys, ganpo; ganpo.__version__; dir(ganpo); "
        "print(' '.join(m for m in ('numpy', 'pandas', 'sqlalchemy', 'ganpo.api') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(ganpo.__file__).parents[1])}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert run.stdout.strip() == ""


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        ganpo.nothing  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.slow
def test_the_python_api_document_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of docs/python-api.md, in order, in an empty folder."""
    matplotlib.use("Agg")
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "python_api_doc"}
    for i, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/python-api.md block {i}", "exec"), namespace)
    assert (tmp_path / "out" / "water_conservation_2022.png").stat().st_size > 0
    a, b, store = namespace["a"], namespace["b"], namespace["store"]

    # what the document did not show: an id needs its store, a raster must exist
    with pytest.raises(InputError, match="give the store"):
        ganpo.compare_accounts(a.id, b.id)
    with pytest.raises(InputError, match=r"no value raster of 'nothing'; it has .*water_"):
        ganpo.open_value_raster(store, a.id, "nothing")
    with pytest.raises(StoreError, match="no account 99"):
        ganpo.open_value_raster(store, 99, "water_conservation")
    # the same account run again is not stored twice; without a store it is not stored
    again = ganpo.run_account(namespace["manifest"], 2022, store=store)
    assert again.id == a.id and len(ganpo.list_accounts(store)) == 2
    loose = ganpo.run_account(namespace["manifest"], 2022)
    assert loose.id is None and loose.status == "not stored"
    assert loose.gep_cny == pytest.approx(a.gep_cny)
    # the objects themselves compare as their ids do; by county the rows add up
    by_id = namespace["change"]
    by_object = ganpo.compare_accounts(a, b)
    assert by_object["quantity_effect"].sum() == pytest.approx(by_id["quantity_effect"].sum())
    counties = ganpo.compare_accounts(a, b, by="county", measure="cpi")
    gep = ganpo.compare_accounts(a, b, measure="cpi").set_index("indicator").loc["GEP"]
    assert counties["price_effect"].sum() == pytest.approx(gep.price_effect)
    assert counties.attrs["units"]["price_effect"] == "CNY" and counties.attrs["measure"] == "cpi"
