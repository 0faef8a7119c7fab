"""``ganpo account …``: run, list and show stored accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    ParamsOption,
    ProfileOption,
    console,
    user_errors,
    yi,
)

app = typer.Typer(
    help="Run and inspect GEP accounts. 核算账户：运行、列出、查看。", no_args_is_help=True
)


@app.command("run")
def run(
    manifest: Annotated[Path, typer.Argument(help="A dataset's manifest.toml (or its folder).")],
    year: Annotated[int, typer.Option(help="Accounting year. 核算年份。")],
    profile: ProfileOption = "jiangxi-db36-2021",
    params: ParamsOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    out: Annotated[
        Path | None, typer.Option(help="Also write tables, workbook and map to this folder.")
    ] = None,
    chunk: Annotated[int, typer.Option(help="Block size for raster processing [cells].")] = 1024,
) -> None:
    """Compute the GEP account of one year of a dataset and store it. 运行一年的核算并入库。"""
    from ganpo.cli.outputs import write_outputs
    from ganpo.cli.summary import print_account
    from ganpo.engine.account import run_account
    from ganpo.store.repository import open_store, save_account

    with user_errors():
        acc = run_account(
            manifest, year, profile, params, chunk=chunk, progress=lambda m: console.log(m)
        )
        aid = save_account(open_store(database), acc)
        print_account(acc.results, acc.units, f"{acc.dataset_name} {year}")
        console.print(f"stored as account #{aid} in {database} ({acc.duration_s:.1f} s)")
        if out is not None:
            for p in write_outputs([acc], out, title=acc.dataset_name):
                console.print(f"written: {p}")


@app.command("list")
def list_(database: DatabaseOption = str(DEFAULT_DATABASE)) -> None:
    """List stored accounts. 列出已存核算。"""
    from ganpo.store.repository import list_accounts, open_store

    with user_errors():
        rows = list_accounts(open_store(database))
    t = Table("id", "dataset", "year", "parameters", "GEP 亿元", "code", "finished (UTC)")
    for a in rows:
        t.add_row(
            str(a.id),
            a.dataset_name + (" (synthetic)" if a.synthetic else ""),
            str(a.year),
            f"{a.parameter_set} v{a.parameter_set_version}",
            yi(a.gep_cny),
            a.code_version,
            f"{a.finished_at:%Y-%m-%d %H:%M}",
        )
    console.print(t)


@app.command("show")
def show(
    account_id: Annotated[int, typer.Argument(help="Account id (`ganpo account list`).")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Show one stored account's summary and provenance. 查看一个核算。"""
    from ganpo.cli.summary import print_account
    from ganpo.store.repository import load_account, open_store

    with user_errors():
        stored = load_account(open_store(database), account_id)
    a = stored.account
    console.print(
        f"account #{a.id}: {a.dataset_name} {a.year}, parameters {a.parameter_set} "
        f"v{a.parameter_set_version}, ganpo {a.code_version}, manifest {a.manifest_sha256[:12]}…"
    )
    print_account(stored.results, stored.units, f"{a.dataset_name} {a.year}")
