# ganpo — make demo / make test set everything up by themselves (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.ganpo-installed
KERNELS := $(VENV)/.ganpo-kernels
VENDOR := src/ganpo/web/static/vendor/.built-from
RESOLUTION ?= 250

.PHONY: demo test lint typecheck unit bench bench-invest validate setup system-deps clean

setup: $(STAMP) $(KERNELS) system-deps $(VENDOR)

# the web UI's browser packages (npm ci, exact versions from package-lock.json) copied into
# static/vendor, served by the app offline; needs node/npm, installed by system-deps
$(VENDOR): src/ganpo/web/frontend/package-lock.json scripts/build-frontend.sh | system-deps
	bash scripts/build-frontend.sh

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip==26.3"
	$(PY) -m pip install -q -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

# numba's kernels compiled into its cache once (about 20 s), so that the first account
# compiles nothing (docs/benchmarks.md, "Cold start"); again when the venv or a module
# with kernels changes. The cache is <module>/__pycache__/*.nbi|*.nbc, or NUMBA_CACHE_DIR
# if set (then set it for the accounts too).
$(KERNELS): $(STAMP) src/ganpo/engine/warmup.py $(shell grep -rlE '^(import|from) numba' src/ganpo --include='*.py')
	$(PY) -m ganpo.engine.warmup
	touch $(KERNELS)

system-deps:
	@bash scripts/system-deps.sh

demo: setup
	$(VENV)/bin/ganpo demo --resolution $(RESOLUTION)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: setup
	GANPO_NEED_POSTGRES=1 GANPO_NEED_BROWSER=1 bash scripts/system-deps.sh
	GANPO_REQUIRE_POSTGRES=1 GANPO_REQUIRE_BROWSER=1 $(VENV)/bin/pytest -n 2 -q

test: setup lint typecheck unit

# everything timed: the account against reading its layers and with 1 and 2 worker
# threads, routing, the tiled routing's stages against the global ones at 1 and 2 workers
# (fill, D8 accumulation, directions, D8 LS and SDR, the account's tiled D8 pair; 10⁶ and
# 4·10⁶ cells), the platform under
# 50 clients, land-use scenarios block by block at 10⁶–1.6·10⁷ cells (bench_landuse.py,
# about 10 min),
# the platform at provincial load (a throwaway PostgreSQL, 4 workers, 500 sessions, open
# loop from 300 requests/s with 5 % writes, raised by 25 % a minute until reads' p95
# exceeds 200 ms or an error appears: about 10 minutes on an idle machine, figures in
# out/bench-web-postgresql.json), then ganpo against InVEST per model and a full account
# at 13600² (Jiangxi at 30 m, 1.85·10⁸ cells) (bench-invest; about two hours, most of it
# InVEST's SDR at 4000² and 10000²; `make bench-invest SIZES="1000 4000"` for a shorter
# run), then the start-up of the ganpo command (bench_cli.py) and a fresh process's
# first LS derivation, cold and after the warm-up (bench_coldstart.py). First, what a
# second thread adds to elementwise arithmetic in and out of the cache (bench_bandwidth.py,
# a few seconds): the ceiling of the pass's 1 → 2 worker speed-up on this machine
bench: setup
	$(PY) benchmarks/bench_bandwidth.py
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_routing.py --stages
	$(PY) benchmarks/bench_tiled_fill.py 1000 2000 --tile 512
	$(PY) benchmarks/bench_tiled_accum.py 2000 --tile 512 --algorithms d8
	$(PY) benchmarks/bench_tiled_dirs.py 2000 --tile 512
	$(PY) benchmarks/bench_tiled_sdr.py 2000 --tile 512
	$(PY) benchmarks/bench_tiled_account.py 1000 2000 --tile 512
	$(PY) benchmarks/bench_landuse.py --iterations 5
	$(PY) benchmarks/bench_web.py
	$(PY) benchmarks/bench_web.py --database postgresql --workers 4 --sessions 500 --rate 300 \
		--duration 60 --write-share 0.05 --saturation --json out/bench-web-postgresql.json
	$(MAKE) --no-print-directory bench-invest
	$(PY) benchmarks/bench_cli.py
	$(PY) benchmarks/bench_coldstart.py

# InVEST 3.20 in its own environment (built from PyPI against Debian's GDAL), then the
# comparison of ganpo's InVEST-compatible methods with it on synthetic landscapes
# ganpo against InVEST per model (AWY, SDR, carbon; 1000², 4000², 10000²), then a full
# account at 13600² (Jiangxi at 30 m), with its routing and again reusing it, once more
# with D8 routing, which routes by tiles at that size, and once more with the MFD pair
# routed by tiles (GANPO_ROUTING_TILE_CELLS_MFD=0 in its child: about 11 minutes)
SIZES ?= 1000 4000 10000
bench-invest: setup
	bash scripts/invest-env.sh .venv-invest
	$(PY) benchmarks/bench_invest.py --invest-python .venv-invest/bin/python --sizes $(SIZES) --full 13600 \
		--full-d8 --full-mfd-tiles --memory-cap 2048

validate: setup
	bash scripts/invest-env.sh .venv-invest
	$(PY) benchmarks/validate_invest.py --invest-python .venv-invest/bin/python

clean:
	rm -rf $(VENV) .venv-invest .pytest_cache .mypy_cache .ruff_cache out data
