"""The store's listings read with the standard library (:mod:`ganpo.store.quick`) print
exactly what they print when read through SQLAlchemy."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.store.quick import DISABLE, open_quick


def assert_quick_equals_orm(args: list[str], database: str | Path) -> None:
    """``ganpo ARGS`` (a listing of the store ``database``, which ARGS name) prints the
    same table and the same JSON records read quickly and read through SQLAlchemy."""
    assert open_quick(database) is not None, "the listing would not take the quick path"
    runner = CliRunner()
    for fmt in (["--format", "json"], []):
        quick = runner.invoke(app, [*args, *fmt], env={"COLUMNS": "200"})
        slow = runner.invoke(app, [*args, *fmt], env={DISABLE: "1", "COLUMNS": "200"})
        assert quick.exit_code == slow.exit_code == 0, quick.output + slow.output
        if fmt:
            assert json.loads(quick.output) == json.loads(slow.output), args
        else:
            assert quick.output == slow.output, args
