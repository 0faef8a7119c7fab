"""Atomicity under a killed run: a process killed while it writes an account leaves either
no account or the whole account, never part of one (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ganpo.store.models import Account, Result
from ganpo.store.repository import open_store

WRITER = textwrap.dedent(
    """
    import sys, pandas as pd
    from ganpo.engine.account import run_account
    from ganpo.store.repository import open_store, save_account
    acc = run_account(sys.argv[1], 2022)
    # a large account, so that the save takes seconds and the kill lands inside it
    acc.results = pd.concat([acc.results] * 4000, ignore_index=True)
    store = open_store(sys.argv[2])
    print("saving", flush=True)
    save_account(store, acc)
    print("saved", flush=True)
    """
)


def test_killed_writer_leaves_nothing_partial(tiny: Callable[..., Path], store_url: str) -> None:
    open_store(store_url)  # create the schema first, as a deployed store would have
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tiny()), store_url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "saving"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    engine = open_store(store_url)
    with Session(engine) as s:
        accounts = s.scalar(select(func.count()).select_from(Account))
        rows = s.scalar(select(func.count()).select_from(Result))
    assert proc.returncode == -signal.SIGKILL  # it was killed, not finished
    assert (accounts, rows) == (0, 0)
