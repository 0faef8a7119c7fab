"""The unit registry under threads: a server's threads share one registry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ganpo

#: a fresh process (the registry not built yet) in which eight threads convert units for
#: the first time at once; it prints how many registries they got and whether any failed
SCRIPT = """
import threading
from ganpo.catalog.units import conversion_factor, registry
barrier = threading.Barrier(8)
got, failed = [], []
def first_use():
    barrier.wait()
    try:
        got.append(id(registry()))
        conversion_factor("万人次", "person-time")
    except Exception as exc:
        failed.append(repr(exc))
threads = [threading.Thread(target=first_use) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(set(got)), len(got), failed)
"""


def test_threads_converting_units_for_the_first_time_share_one_registry() -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(ganpo.__file__).parents[1]))
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1 8 []"  # one registry, eight uses, no failure
