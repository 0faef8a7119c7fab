"""The ``ganpo`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from ganpo.cli import (
    account,
    apply,
    carbon,
    data,
    db,
    footprint,
    landuse,
    params,
    report_forms,
    serve,
    tracking,
    zoning,
)
from ganpo.cli.catalog import catalog, profiles
from ganpo.cli.common import console, setup_logging
from ganpo.cli.demo import demo
from ganpo.cli.failures import GanpoGroup

app = typer.Typer(
    cls=GanpoGroup,
    help="ganpo: Gross Ecosystem Product (GEP) accounting. 生态系统生产总值核算平台。",
    epilog="Exit codes 退出码: 0 done 完成; 2 bad input, usage, an unknown id, a change the "
    "records refuse 输入或请求有误; 1 the database or the disk failed, or a bug 运行失败; 130 "
    "interrupted 中断. Errors print a message; -v or GANPO_DEBUG=1 adds the traceback.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from ganpo import __version__

        console.print(f"ganpo {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="More log: -v notes (price deflation) and tracebacks of errors, -vv debug.",
        ),
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Errors only.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Shared options."""
    setup_logging(verbose, quiet)


app.command("demo")(demo)
app.command("catalog")(catalog)
app.command("profiles")(profiles)
app.add_typer(account.app, name="account")
app.add_typer(params.app, name="params")
app.add_typer(db.app, name="db")
app.add_typer(data.app, name="data")
app.add_typer(apply.app, name="apply")
app.add_typer(report_forms.app, name="report-forms")
app.add_typer(zoning.app, name="zoning")
app.add_typer(footprint.app, name="footprint")
app.add_typer(landuse.app, name="landuse")
app.add_typer(carbon.app, name="carbon")
app.add_typer(tracking.app, name="tracking")
app.command("serve")(serve.serve)
