"""`ganpo apply` commands for site valuation, the asset register, credit evidence and damage."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ganpo apply` group."""
