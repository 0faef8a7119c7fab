"""The local schedulers of :func:`ganpo.engine.compute.scheduler`."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import dask
import dask.array as da
import dask.local
import dask.threaded
import pytest

from ganpo.engine.compute import scheduler


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, dask.threaded.get),
        ("threads", dask.threaded.get),
        ("synchronous", dask.local.get_sync),
    ],
)
def test_a_local_scheduler_is_dasks_own_function(name: str | None, expected: object) -> None:
    with scheduler(name) as client:
        assert client is None
        assert dask.config.get("scheduler") is expected
        assert int(da.ones((4, 4), chunks=2).sum().compute()) == 16


def test_a_local_run_does_not_import_distributed() -> None:
    """Named by a string, a local scheduler made dask import ``distributed`` at the first
    compute (to look for a client): about 0.4 s of every account run from the command
    line."""
    code = textwrap.dedent(
        """
        import sys
        import dask.array as da
        from ganpo.engine.compute import scheduler
        with scheduler(None):
            assert int(da.ones((4, 4), chunks=2).sum().compute()) == 16
        print("distributed" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
