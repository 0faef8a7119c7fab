"""units at any level: unit_code beside county_adcode (decision 0021)

Accounts stored before 0010 are county-level: every row gets ``unit_code`` = its county
adcode, every unit level ``county``, its name the county's and its parent the city.
Tables whose primary key changes (account_units, extent, physical_results,
uncertainty_intervals) are rebuilt: new table, rows copied, old table dropped, new one
renamed, so that no row is lost on SQLite or PostgreSQL.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _account_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE")


def _rebuild(table: str, columns: list[sa.Column[Any]], pk: list[str], select: str) -> None:
    """Replace ``table`` by one with ``columns`` and primary key ``pk``, filled by the
    ``select`` (columns in the new table's order) from the old one."""
    tmp = f"{table}_0010"
    op.create_table(tmp, *columns, _account_fk(), sa.PrimaryKeyConstraint(*pk))
    names = ", ".join(c.name for c in columns)
    op.execute(f"INSERT INTO {tmp} ({names}) SELECT {select} FROM {table}")
    op.drop_table(table)
    op.rename_table(tmp, table)
    if op.get_bind().dialect.name == "postgresql":  # constraint names as a fresh schema has
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {tmp}_pkey TO {table}_pkey")
        op.execute(
            f"ALTER TABLE {table} RENAME CONSTRAINT {tmp}_account_id_fkey "
            f"TO {table}_account_id_fkey"
        )


def _units_columns(new: bool) -> list[sa.Column[Any]]:
    head: list[sa.Column[Any]] = [sa.Column("account_id", sa.Integer(), nullable=False)]
    if new:
        head += [
            sa.Column("unit_code", sa.BigInteger(), nullable=False),
            sa.Column("unit_name", sa.String(length=200), nullable=False),
            sa.Column("level", sa.String(length=20), nullable=False),
            sa.Column("parent_code", sa.BigInteger(), nullable=False),
        ]
    return [
        *head,
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("county_name", sa.String(length=100), nullable=False),
        sa.Column("city_adcode", sa.BigInteger(), nullable=False),
        sa.Column("city_name", sa.String(length=100), nullable=False),
        sa.Column("province_adcode", sa.BigInteger(), nullable=False),
        sa.Column("province_name", sa.String(length=100), nullable=False),
        sa.Column("area_km2", sa.Double(), nullable=False),
    ]


def _extent_columns(new: bool) -> list[sa.Column[Any]]:
    return [
        sa.Column("account_id", sa.Integer(), nullable=False),
        *([sa.Column("unit_code", sa.BigInteger(), nullable=False)] if new else []),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("ecosystem_code", sa.Integer(), nullable=False),
        sa.Column("cells", sa.BigInteger(), nullable=False),
        sa.Column("area_m2", sa.Double(), nullable=False),
    ]


def _physical_columns(new: bool) -> list[sa.Column[Any]]:
    return [
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        sa.Column("component", sa.String(length=100), nullable=False),
        *([sa.Column("unit_code", sa.BigInteger(), nullable=False)] if new else []),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("ecosystem_code", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("quantity_unit", sa.String(length=50), nullable=False),
    ]


def _interval_columns(new: bool) -> list[sa.Column[Any]]:
    return [
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        *([sa.Column("unit_code", sa.BigInteger(), nullable=False)] if new else []),
        sa.Column("county_adcode", sa.BigInteger(), nullable=False),
        sa.Column("draws", sa.Integer(), nullable=False),
        sa.Column("mean_cny", sa.Double(), nullable=False),
        sa.Column("p05_cny", sa.Double(), nullable=False),
        sa.Column("p50_cny", sa.Double(), nullable=False),
        sa.Column("p95_cny", sa.Double(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_code", sa.BigInteger(), nullable=True))
    op.execute("UPDATE results SET unit_code = county_adcode")
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.alter_column("unit_code", existing_type=sa.BigInteger(), nullable=False)

    _rebuild(
        "account_units",
        _units_columns(new=True),
        ["account_id", "unit_code"],
        "account_id, county_adcode, county_name, 'county', city_adcode, county_adcode, "
        "county_name, city_adcode, city_name, province_adcode, province_name, area_km2",
    )
    _rebuild(
        "extent",
        _extent_columns(new=True),
        ["account_id", "unit_code", "ecosystem_code"],
        "account_id, county_adcode, county_adcode, ecosystem_code, cells, area_m2",
    )
    _rebuild(
        "physical_results",
        _physical_columns(new=True),
        ["account_id", "indicator", "component", "unit_code", "ecosystem_code"],
        "account_id, indicator, component, county_adcode, county_adcode, ecosystem_code, "
        "method, quantity, quantity_unit",
    )
    _rebuild(
        "uncertainty_intervals",
        _interval_columns(new=True),
        ["account_id", "indicator", "unit_code"],
        "account_id, indicator, county_adcode, county_adcode, draws, mean_cny, p05_cny, "
        "p50_cny, p95_cny",
    )


def downgrade() -> None:
    finer = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM account_units WHERE level <> 'county'")
    )
    if finer.scalar():
        raise RuntimeError(
            "the store holds accounts at a level finer than county (townships, villages …); "
            "the schema before 0010 cannot hold them. Delete those accounts first"
        )
    _rebuild(
        "uncertainty_intervals",
        _interval_columns(new=False),
        ["account_id", "indicator", "county_adcode"],
        "account_id, indicator, county_adcode, draws, mean_cny, p05_cny, p50_cny, p95_cny",
    )
    _rebuild(
        "physical_results",
        _physical_columns(new=False),
        ["account_id", "indicator", "component", "county_adcode", "ecosystem_code"],
        "account_id, indicator, component, county_adcode, ecosystem_code, method, quantity, "
        "quantity_unit",
    )
    _rebuild(
        "extent",
        _extent_columns(new=False),
        ["account_id", "county_adcode", "ecosystem_code"],
        "account_id, county_adcode, ecosystem_code, cells, area_m2",
    )
    _rebuild(
        "account_units",
        _units_columns(new=False),
        ["account_id", "county_adcode"],
        "account_id, county_adcode, county_name, city_adcode, city_name, province_adcode, "
        "province_name, area_km2",
    )
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_column("unit_code")
