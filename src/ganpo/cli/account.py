"""``ganpo account …``: run, list and show stored accounts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ganpo.cli.common import (
    ACCOUNT_COMMAND,
    DEFAULT_DATABASE,
    DatabaseOption,
    FormatOption,
    ParamsOption,
    ProfileOption,
    SchedulerOption,
    account_argument,
    console,
    print_records,
    progress_bar,
    say,
    user_errors,
    yi,
)
from ganpo.cli.compare import chain, compare
from ganpo.cli.export import export, seea
from ganpo.cli.quality import quality
from ganpo.cli.report import report

if TYPE_CHECKING:
    from ganpo.store.models import Account

app = typer.Typer(
    help="Run and inspect GEP accounts. 核算账户：运行、列出、查看。", no_args_is_help=True
)

#: the keys of `ganpo account list --format csv|json` (the store's names)
ACCOUNT_KEYS = (
    "id",
    "dataset_name",
    "synthetic",
    "region_adcode",
    "year",
    "profile",
    "parameter_set",
    "parameter_set_version",
    "gep_cny",
    "code_version",
    "finished_at",
    "status",
    "superseded_by",
)
#: the keys of `ganpo account log --format csv|json`
LOG_KEYS = ("at", "user", "action", "account_id", "detail")


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
                progress=say,
            )
        intervals = monte_carlo(acc, uncertainty) if uncertainty > 0 else None
        # the files first: an account is stored only when everything asked was written, so
        # that running the command again (an identical account is not recomputed) is the
        # remedy of a full or read-only output folder
        written = [] if out is None else write_outputs([acc], out, title=acc.dataset_name)
        aid = save_account(store, acc, intervals)
        print_account(acc.results, acc.units, f"{acc.dataset_name} {year}", acc.physical)
        if intervals is not None:
            print_intervals(intervals.table, intervals.draws, intervals.sampled, intervals.notes)
        console.print(f"stored as account #{aid} in {database} ({acc.duration_s:.1f} s)")
        for p in written:
            console.print(f"written: {p}")


@app.command("list")
def list_(database: DatabaseOption = str(DEFAULT_DATABASE), fmt: FormatOption = "table") -> None:
    """List stored accounts. 列出已存核算。"""
    from ganpo.store import quick

    with user_errors():
        q = quick.open_quick(database)
        if q is not None:
            rows: list[Any] = quick.accounts(q)
        else:
            from ganpo.store.repository import list_accounts, open_store

            rows = list_accounts(open_store(database))
    if print_records(fmt, ACCOUNT_KEYS, ({k: getattr(a, k) for k in ACCOUNT_KEYS} for a in rows)):
        return
    t = Table(
        "id", "dataset", "year", "parameters", "GEP 亿元", "code", "finished (UTC)", "status 状态"
    )
    for a in rows:
        t.add_row(
            str(a.id),
            a.dataset_name + (" (synthetic)" if a.synthetic else ""),
            str(a.year),
            f"{a.parameter_set} v{a.parameter_set_version}",
            yi(a.gep_cny),
            a.code_version,
            f"{a.finished_at:%Y-%m-%d %H:%M}",
            _status(a, short=True),
        )
    console.print(t)


def _status(a: Account, *, short: bool = False) -> str:
    """An account's standing: ``published 已发布``, ``superseded by #5 已被修订替代`` …"""
    from ganpo.store.records import ACCOUNT_STATUSES

    zh, en = ACCOUNT_STATUSES[a.status].split(" ", 1)
    if a.status == "superseded":
        en = f"superseded by #{a.superseded_by}"
    if short:
        return f"{en} {zh}"
    out = f"{en} {zh}"
    if a.status in ("withdrawn", "superseded"):
        out += f" on {a.status_at:%Y-%m-%d %H:%M} by {a.status_by}: {a.status_reason}"
    elif a.status == "published":
        out += f" on {a.published_at:%Y-%m-%d %H:%M} by {a.published_by}"
    return out


@app.command("show", **ACCOUNT_COMMAND)
def show(
    account_id: Annotated[int, account_argument("Account id (`ganpo account list`).")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Show one stored account's summary and provenance. 查看一个核算。"""
    from ganpo.cli.summary import print_account
    from ganpo.store.lifecycle import account_references
    from ganpo.store.repository import load_account, open_store, verify_inputs

    with user_errors():
        store = open_store(database)
        stored = load_account(store, account_id)
        used = account_references(store, account_id)
    a = stored.account
    console.print(
        f"account #{a.id}: {a.dataset_name} {a.year}, parameters {a.parameter_set} "
        f"v{a.parameter_set_version}, ganpo {a.code_version}, manifest {a.manifest_sha256[:12]}…"
    )
    style = "bold yellow" if a.status in ("withdrawn", "superseded") else "bold"
    console.print(f"status 状态: {_status(a)}", style=style, highlight=False)
    if used:
        console.print(
            "used by 被引用: " + ", ".join(r.en for r in used) + " (it cannot be deleted)",
            highlight=False,
        )
    print_account(stored.results, stored.units, f"{a.dataset_name} {a.year}", stored.physical)
    if not stored.intervals.empty:
        from ganpo.cli.summary import print_intervals

        print_intervals(stored.intervals, int(stored.intervals.draws.iloc[0]), ())
    with user_errors():
        problems = verify_inputs(store, account_id)
    if problems:
        console.print("inputs changed since this account was computed:", style="bold red")
        for p in problems:
            console.print(f"  {p}", highlight=False)
    else:
        console.print("inputs verified: every file still has the checksum the account read")


@app.command("delete", **ACCOUNT_COMMAND)
def delete(
    account_id: Annotated[int, account_argument("Account id (`ganpo account list`).")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an unused draft account (asks first; the deletion is logged). 删除核算。

    An account that a record uses (a transfer run, an assessment, a settlement, a
    valuation…) or that was published is kept: withdraw it or supersede it instead.
    """
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


@app.command("publish", **ACCOUNT_COMMAND)
def publish(
    account_id: Annotated[int, account_argument("Account id (`ganpo account list`).")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Publish a draft account (logged); one published account per region and year.
    发布核算。"""
    from ganpo.store.lifecycle import publish_account
    from ganpo.store.repository import open_store

    with user_errors():
        a = publish_account(open_store(database), account_id)
    console.print(f"account #{a.id} ({a.dataset_name} {a.year}) published / 已发布")


@app.command("withdraw", **ACCOUNT_COMMAND)
def withdraw(
    account_id: Annotated[int, account_argument("Account id (`ganpo account list`).")],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn (kept and shown). 撤回理由。")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Withdraw an account (撤回): kept with its figures for the records that used it,
    marked withdrawn, no longer picked by default. 撤回核算。"""
    from ganpo.store.lifecycle import withdraw_account
    from ganpo.store.repository import open_store

    with user_errors():
        a = withdraw_account(open_store(database), account_id, reason=reason)
    console.print(f"account #{a.id} ({a.dataset_name} {a.year}) withdrawn / 已撤回: {reason}")


@app.command("supersede", **ACCOUNT_COMMAND)
def supersede(
    old: Annotated[int, account_argument("The account being replaced.")],
    new: Annotated[int, account_argument("The revised account (same region and year).")],
    reason: Annotated[str, typer.Option(help="Why it is revised (kept and shown). 修订理由。")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Supersede an account by a revision (统计数据修订): records that used OLD keep its
    figures, marked "superseded by #NEW"; a published OLD has NEW published in its place.
    以修订核算替代。"""
    from ganpo.store.lifecycle import supersede_account
    from ganpo.store.repository import open_store

    with user_errors():
        a = supersede_account(open_store(database), old, new, reason=reason)
    console.print(
        f"account #{a.id} ({a.dataset_name} {a.year}) superseded by #{new} / 已被修订替代: {reason}"
    )


@app.command("log")
def log_(database: DatabaseOption = str(DEFAULT_DATABASE), fmt: FormatOption = "table") -> None:
    """The store's audit log: who created, published, withdrew, superseded or deleted
    which account, when and why. 审计日志。"""
    from ganpo.store import quick

    with user_errors():
        q = quick.open_quick(database)
        if q is not None:
            rows: list[Any] = quick.audit_log(q)
        else:
            from ganpo.store.repository import audit_log, open_store

            rows = audit_log(open_store(database))
    if print_records(fmt, LOG_KEYS, ({k: getattr(e, k) for k in LOG_KEYS} for e in rows)):
        return
    t = Table("时间 when (UTC)", "用户 user", "操作 action", "核算 account", "说明 detail")
    for e in rows:
        detail = "; ".join(_log_detail(k, v) for k, v in (e.detail or {}).items())
        t.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.user, e.action, f"#{e.account_id}", detail)
    console.print(t)


def _log_detail(key: str, value: object) -> str:
    """One item of an audit entry's detail as a reader reads it: money in 亿元."""
    if key == "gep_cny" and isinstance(value, int | float):
        return f"GEP {yi(value)} 亿元"
    return f"{key.replace('_', ' ')} {value}"


app.command("compare", **ACCOUNT_COMMAND)(compare)
app.command("chain", **ACCOUNT_COMMAND)(chain)
app.command("export", **ACCOUNT_COMMAND)(export)
app.command("seea", **ACCOUNT_COMMAND)(seea)
app.command("report", **ACCOUNT_COMMAND)(report)
app.command("quality", **ACCOUNT_COMMAND)(quality)
