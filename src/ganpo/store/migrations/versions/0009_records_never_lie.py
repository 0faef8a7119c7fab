"""records that never lie: account status (published, withdrawn, superseded); ids never reused

Revision ID: 0009
Revises: 0008

- ``accounts`` gains its standing: ``status`` (draft, published, withdrawn, superseded;
  every existing account becomes a draft), who withdrew or superseded it, when and why,
  the revision that superseded it (``superseded_by``, a foreign key that keeps the
  revision from being deleted) and who published it, when.
- On SQLite, the tables whose rows can be deleted and whose ids are shown or referenced
  (``accounts``, ``register_parcels``, ``register_packages``) are rebuilt with
  AUTOINCREMENT (batch mode: copy, drop, rename; :func:`ganpo.store.schema.upgrade` turns
  foreign keys off meanwhile, so dropping the old ``accounts`` cascades nothing), and
  their counters are set past the largest id ever used: the largest id still stored, or
  one the audit logs and the records that use accounts still name (an account deleted
  before this upgrade). PostgreSQL's sequences never go back, so they need nothing.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

AUTOINCREMENT_TABLES = ("accounts", "register_parcels", "register_packages")


def _account_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_by", sa.String(length=100), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    rebuild: dict[str, Any] = (
        {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}} if sqlite else {}
    )
    with op.batch_alter_table("accounts", **rebuild) as batch:
        for column in _account_columns():
            batch.add_column(column)
        batch.create_foreign_key(
            "fk_accounts_superseded_by", "accounts", ["superseded_by"], ["id"], ondelete="RESTRICT"
        )
    if not sqlite:
        return
    for table in AUTOINCREMENT_TABLES[1:]:
        with op.batch_alter_table(table, **rebuild):
            pass
    for table, largest in _largest_ids_ever(bind).items():
        _continue_after(bind, table, largest)


def _ints(values: Any) -> list[int]:
    out = []
    for v in values:
        if isinstance(v, bool):
            continue
        if isinstance(v, int):
            out.append(v)
        elif isinstance(v, str) and v.strip().isdigit():
            out.append(int(v))
    return out


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _largest_ids_ever(bind: sa.Connection) -> dict[str, int]:
    """The largest id each table ever gave: stored, or named by a record or a log."""

    def column(sql: str) -> list[Any]:
        return [r[0] for r in bind.execute(sa.text(sql))]

    accounts = _ints(
        column("SELECT id FROM accounts")
        + column("SELECT account_id FROM account_log")
        + column("SELECT account_id FROM register_valuations")
        + column("SELECT composition_account_id FROM register_parcels")
        + column("SELECT account_id FROM platform_jobs")
        + column("SELECT entity_id FROM platform_audit WHERE entity = 'account'")
    )
    for ids in column("SELECT account_ids FROM apply_runs"):
        found = _json(ids)
        accounts += _ints(found if isinstance(found, list) else [])
    parcels = _ints(
        column("SELECT id FROM register_parcels")
        + column("SELECT parcel_id FROM register_package_parcels")
    )
    packages = _ints(
        column("SELECT id FROM register_packages")
        + column("SELECT package_id FROM register_package_parcels")
    )
    # a deleted parcel or package is in the audit log with its fields, id included
    for entity, before, after in bind.execute(
        sa.text(
            "SELECT entity, before, after FROM platform_audit "
            "WHERE entity IN ('register_parcel', 'register_package')"
        )
    ):
        ids = _ints([d.get("id") for d in (_json(before), _json(after)) if isinstance(d, dict)])
        (parcels if entity == "register_parcel" else packages).extend(ids)
    return {
        "accounts": max(accounts, default=0),
        "register_parcels": max(parcels, default=0),
        "register_packages": max(packages, default=0),
    }


def _continue_after(bind: sa.Connection, table: str, largest: int) -> None:
    """Make SQLite's AUTOINCREMENT counter of ``table`` at least ``largest``."""
    if largest <= 0:
        return
    current = bind.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}
    ).scalar()
    if current is None:
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"),
            {"t": table, "n": largest},
        )
    elif int(current) < largest:
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = :n WHERE name = :t"),
            {"t": table, "n": largest},
        )


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    rebuild: dict[str, Any] = {"recreate": "always"} if sqlite else {}
    with op.batch_alter_table("accounts", **rebuild) as batch:
        batch.drop_constraint("fk_accounts_superseded_by", type_="foreignkey")
        for column in reversed(_account_columns()):
            batch.drop_column(column.name)
    if sqlite:
        for table in AUTOINCREMENT_TABLES[1:]:
            with op.batch_alter_table(table, **rebuild):
                pass
