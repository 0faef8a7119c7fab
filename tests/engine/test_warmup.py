"""The warm-up fills numba's cache with exactly what an account uses (issue 19, point 4):
after ``python -m ganpo.engine.warmup`` in one fresh process, a tiny account and the
derivations of every derived layer in another fresh process compile nothing. The evidence
is numba's own: its ``numba:compile`` events (any function it compiles, ganpo's or
numba's) and each kernel's cache hits and misses; no timing."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ganpo
from ganpo.engine import warmup
from ganpo.engine.warmup import kernel_modules, kernels
from ganpo.errors import GanpoError

TESTS = Path(__file__).parents[1]
SRC = Path(ganpo.__file__).parents[1]
NUMBA_DECORATORS = {"njit", "jit", "vectorize", "guvectorize", "generated_jit", "cfunc"}

#: run after the warm-up, in a fresh process: the tiny account (it derives ls_factor_mfd
#: and sdr_mfd from a float32 DEM), then every derived layer from an int32 DEM (held as
#: float64) with file-backed working arrays; prints what numba compiled and loaded
AFTER = """
import json, sys
from pathlib import Path
import numpy as np, rasterio
from numba.core import event
from rasterio.transform import from_origin

sys.path.insert(0, sys.argv[1])
from tinydata import build_tiny_full
from ganpo.catalog.parameters import load_parameter_set
from ganpo.engine.account import run_account
from ganpo.engine.derived import DERIVED
from ganpo.engine.routing import ls_factor_raster, sdr_raster
from ganpo.engine.warmup import kernels

compiled = []
class Seen(event.Listener):
    def on_start(self, ev):
        compiled.append(ev.data["dispatcher"].__qualname__)
    def on_end(self, ev):
        pass

folder = Path(sys.argv[2])
manifest = build_tiny_full(folder / "tiny")
profile = dict(driver="GTiff", width=9, height=7, count=1, crs="EPSG:32650",
               transform=from_origin(500000.0, 3300000.0, 30.0, 30.0))
rows, cols = np.mgrid[0:7, 0:9]
with rasterio.open(folder / "dem.tif", "w", **profile, dtype="int32", nodata=-1) as d:
    d.write((500 - 7 * rows - 3 * cols + (rows == 3) * (cols == 4) * -20).astype("int32"), 1)
with rasterio.open(folder / "eco.tif", "w", **profile, dtype="uint8", nodata=255) as d:
    d.write(np.where(cols < 4, 1, 3).astype("uint8"), 1)
params = load_parameter_set("jiangxi-default")
cover = params.per_type("usle_c", "1")
with event.install_listener("numba:compile", Seen()):
    account = run_account(manifest, 2022)
    for algorithm in ("mfd", "d8"):
        ls_factor_raster(folder / "dem.tif", folder / f"ls_{algorithm}.tif", algorithm,
                         scratch_cells=0)
        sdr_raster(folder / "dem.tif", folder / "eco.tif", cover, folder / f"sdr_{algorithm}.tif",
                   algorithm, 1000.0, scratch_cells=0)
found = kernels()
print(json.dumps({
    "derived": sorted(r for r in DERIVED if any(r in str(n) for n in account.notes)),
    "compiled": compiled,
    "hits": {k: sum(d.stats.cache_hits.values()) for k, d in found.items()},
    "misses": {k: sum(d.stats.cache_misses.values()) for k, d in found.items()},
}))
"""

#: the warm-up in a fresh process; prints its report and the kernels the cache lacks
WARM = """
import dataclasses, json
from ganpo.engine.warmup import compile_kernels, kernels
done = compile_kernels()
print(json.dumps({
    "report": dataclasses.asdict(done),
    # a kernel called only by others gets no overload of its own when its callers load
    # from the cache; its own cache index (numba's, pinned) says whether it was compiled
    "uncached": [k for k, d in kernels().items() if not d._cache._cache_file._load_index()],
}))
"""


def _run(code: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return got


def test_every_numba_kernel_is_found() -> None:
    """kernels() finds every function of the package decorated by numba (read from the
    source, whatever the import style), and kernel_modules() every module using it."""
    decorated = set()
    for path in Path(ganpo.__file__).parent.rglob("*.py"):
        module = ".".join(path.relative_to(SRC).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.col_offset == 0:
                for dec in node.decorator_list:
                    target = dec.func if isinstance(dec, ast.Call) else dec
                    name = target.attr if isinstance(target, ast.Attribute) else ""
                    name = target.id if isinstance(target, ast.Name) else name
                    if name in NUMBA_DECORATORS:
                        decorated.add(f"{module}.{node.name}")
    assert decorated  # routing has kernels
    assert set(kernels()) == decorated
    assert set(kernel_modules()) == {k.rsplit(".", 1)[0] for k in decorated}


def test_every_numba_kernel_releases_the_gil() -> None:
    """The kernels run on dask's worker threads (blocks of the pass, tiles of the routing)
    and beside the SDR (the LS raster's writer): one that held the GIL would make the
    others wait for it."""
    holding = [name for name, k in kernels().items() if not k.targetoptions.get("nogil")]
    assert not holding


def test_no_writable_cache_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_locator() -> None:  # what numba raises on import when no cache folder is writable
        raise RuntimeError("cannot cache function '_inside': no locator available for file 'x'")

    monkeypatch.setattr(warmup, "kernels", no_locator)
    with pytest.raises(GanpoError, match=r"set NUMBA_CACHE_DIR to a writable folder.*可写目录"):
        warmup.compile_kernels()


def test_after_the_warm_up_an_account_compiles_nothing(tmp_path: Path) -> None:
    """The warm-up that ``make setup`` ran (``python -m ganpo.engine.warmup``, into the
    cache this process's environment names: numba's default beside the modules, or
    NUMBA_CACHE_DIR) reached every kernel; a fresh process's account and derivations then
    compile nothing. The cold warm-up itself is ``make setup``'s (about 20 s idle); this
    test does not pay it again."""
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    env.pop("NUMBA_DISABLE_JIT", None)
    stale = "the kernels' cache is not the current source's: run `make setup` (or `python -m ganpo.engine.warmup`)"
    # the warm-up again: everything from the cache, every kernel reached
    again = _run(WARM, env)
    assert again["report"]["compiled"] == 0, stale
    assert again["report"]["loaded"] > 0, stale
    assert again["uncached"] == [], stale
    # a fresh process: the account and every derivation load the kernels, compile none
    work = tmp_path / "work"
    work.mkdir()
    after = _run(AFTER, env, str(TESTS), str(work))
    assert "ls_factor_mfd" in after["derived"]
    assert after["compiled"] == [], stale
    assert sum(after["misses"].values()) == 0
    assert after["hits"]["ganpo.engine.routing._fill_pits"] == 2  # float32 and float64 DEMs
    assert after["hits"]["ganpo.engine.routing._streams_d8"] == 1
