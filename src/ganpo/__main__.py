"""``python -m ganpo``."""

from ganpo.cli.main import app

app()
