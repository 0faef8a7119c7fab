"""``ganpo db …``: the account store's schema."""

from __future__ import annotations

import typer

from ganpo.cli.common import DEFAULT_DATABASE, DatabaseOption, console, user_errors

app = typer.Typer(
    help="The account store (SQLite or PostgreSQL). 核算结果库。", no_args_is_help=True
)


@app.command("status")
def status(database: DatabaseOption = str(DEFAULT_DATABASE)) -> None:
    """Schema revision of a store and the revision this ganpo needs. 查看库版本。"""
    from sqlalchemy import create_engine

    from ganpo.store import schema
    from ganpo.store.failures import translate_errors
    from ganpo.store.repository import database_url

    engine = create_engine(database_url(database))
    translate_errors(engine)
    with user_errors():
        current = None if schema.is_empty(engine) else schema.current_revision(engine)
    console.print(
        f"store {engine.url.render_as_string(hide_password=True)}: schema "
        f"{current or 'empty'}; ganpo needs {schema.head_revision()}"
    )


@app.command("upgrade")
def upgrade(database: DatabaseOption = str(DEFAULT_DATABASE)) -> None:
    """Upgrade a store to the newest schema (back it up first). 升级库结构。"""
    from sqlalchemy import create_engine

    from ganpo.store import schema
    from ganpo.store.failures import translate_errors
    from ganpo.store.repository import database_url

    engine = create_engine(database_url(database))
    translate_errors(engine)
    with user_errors():
        schema.upgrade(engine)
        revision = schema.current_revision(engine)
    console.print(f"store at schema {revision}")
