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
    SchedulerOption,
    console,
    progress_bar,
    user_errors,
    yi,
)
from ganpo.cli.compare import chain, compare
from ganpo.cli.export import export, seea
from ganpo.cli.report import report

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
    force: Annotated[
        bool, typer.Option(help="Recompute even if an identical account is stored.")
    ] = False,
    uncertainty: Annotated[
        int, typer.Option(help="Monte Carlo draws over uncertain parameters (0: none).")
    ] = 0,
    rasters: Annotated[
        Path | None,
        typer.Option(help="Write per-cell value rasters (COG) of the raster services here."),
    ] = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Compute the GEP account of one year of a dataset and store it. 运行一年的核算并入库。

    An account with identical inputs (data checksums, profile, parameters, code version)
    is not computed twice: the stored one is shown unless --force is given.
    """
    from ganpo.cli.outputs import write_outputs
    from ganpo.cli.summary import print_account, print_intervals
    from ganpo.engine.account import plan, run_account
    from ganpo.engine.uncertainty import monte_carlo
    from ganpo.store.repository import find_account, load_account, open_store, save_account

    with user_errors():
        store = open_store(database)
        ds, prof, par, policy, digest = plan(manifest, year, profile, params)
        existing = None if force else find_account(store, digest)
        if existing is not None:
            stored = load_account(store, existing.id)
            console.print(
                f"identical inputs: account #{existing.id} is already stored "
                "(use --force to recompute)"
            )
            print_account(
                stored.results,
                stored.units,
                f"{existing.dataset_name} {year}",
                stored.physical,
            )
            return
        with progress_bar(f"{ds.manifest.name} {year}") as on_fraction:
            acc = run_account(
                ds,
                year,
                prof,
                par,
                on_fraction=on_fraction,
                price_policy=policy,
                rasters_dir=rasters,
                scheduler=scheduler,
                chunk=chunk,
                progress=lambda m: console.log(m),
            )
        intervals = monte_carlo(acc, uncertainty) if uncertainty > 0 else None
        aid = save_account(store, acc, intervals)
        print_account(acc.results, acc.units, f"{acc.dataset_name} {year}", acc.physical)
        if intervals is not None:
            print_intervals(intervals.table, intervals.draws, intervals.sampled, intervals.notes)
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
    from ganpo.store.repository import load_account, open_store, verify_inputs

    with user_errors():
        store = open_store(database)
        stored = load_account(store, account_id)
    a = stored.account
    console.print(
        f"account #{a.id}: {a.dataset_name} {a.year}, parameters {a.parameter_set} "
        f"v{a.parameter_set_version}, ganpo {a.code_version}, manifest {a.manifest_sha256[:12]}…"
    )
    print_account(stored.results, stored.units, f"{a.dataset_name} {a.year}", stored.physical)
    if not stored.intervals.empty:
        from ganpo.cli.summary import print_intervals

        print_intervals(stored.intervals, int(stored.intervals.draws.iloc[0]), ())
    with user_errors():
        problems = verify_inputs(store, account_id)
    if problems:
        console.print("[bold red]inputs changed since this account was computed:[/]")
        for p in problems:
            console.print(f"  {p}", highlight=False)
    else:
        console.print("inputs verified: every file still has the checksum the account read")


@app.command("delete")
def delete(
    account_id: Annotated[int, typer.Argument(help="Account id (`ganpo account list`).")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a stored account (asks first; the deletion is logged). 删除核算（记入日志）。"""
    from ganpo.store.repository import delete_account, load_account, open_store

    with user_errors():
        store = open_store(database)
        a = load_account(store, account_id).account
        if not yes and not typer.confirm(
            f"Delete account #{a.id} ({a.dataset_name} {a.year}, GEP {yi(a.gep_cny)} 亿元)?"
        ):
            raise typer.Exit(code=1)
        delete_account(store, account_id)
    console.print(f"account #{account_id} deleted (recorded in the store's audit log)")


@app.command("log")
def log_(database: DatabaseOption = str(DEFAULT_DATABASE)) -> None:
    """The store's audit log: who created or deleted which account, when. 审计日志。"""
    from ganpo.store.repository import audit_log, open_store

    with user_errors():
        rows = audit_log(open_store(database))
    t = Table("when (UTC)", "user", "action", "account", "detail")
    for e in rows:
        t.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.user, e.action, str(e.account_id), str(e.detail))
    console.print(t)


app.command("compare")(compare)
app.command("chain")(chain)
app.command("export")(export)
app.command("seea")(seea)
app.command("report")(report)
