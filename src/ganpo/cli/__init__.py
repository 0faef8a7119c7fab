"""Command-line interface (Typer): ``ganpo --help``."""
