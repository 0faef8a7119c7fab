"""`ganpo apply`: transfer payments, ecological compensation, assessment (and, through
`cli.apply_assets`, site valuation, the asset register, credit evidence and damage)."""

import typer

from ganpo.cli import apply_assets

app = typer.Typer(
    help="Put GEP to work: transfers, compensation, assessment, assets, credit, damage. "
    "GEP 成果应用。",
    no_args_is_help=True,
)
apply_assets.register(app)
