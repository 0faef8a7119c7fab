"""`ganpo serve`: the unified provincial platform (web API and UI)."""

import typer

app = typer.Typer()
