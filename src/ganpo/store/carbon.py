"""Stored greenhouse-gas inventories: save one in a single transaction (nothing is written
if any part fails), list them, load one back, publish a draft.

The store does not import :mod:`ganpo.carbon` (a higher layer): an inventory is anything
with the attributes of :class:`InventoryLike`, which :class:`ganpo.carbon.inventory.Inventory`
has.
"""

from __future__ import annotations

import getpass
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import InputError, StoreError
from ganpo.store import failures
from ganpo.store.carbon_models import (
    INVENTORY_STATUSES,
    CarbonInventory,
    CarbonInventoryFactor,
    CarbonInventoryRow,
    CarbonInventoryUncertainty,
)

if TYPE_CHECKING:
    import pandas as pd

ROW_COLUMNS = [
    "unit_code",
    "level",
    "parent_code",
    "category_code",
    "gas",
    "scope",
    "quantity_g",
    "co2e_g",
]
FACTOR_COLUMNS = ["key", "value", "unit", "year", "source", "status"]
UNCERTAINTY_COLUMNS = ["category_code", "u_activity_pct", "u_factor_pct", "source", "status"]


class InventoryLike(Protocol):
    """What the store keeps of an inventory."""

    @property
    def region(self) -> int: ...
    @property
    def year(self) -> int: ...
    @property
    def gwp_set(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def fuel_set(self) -> str: ...
    @property
    def grid(self) -> str: ...
    @property
    def dataset_title_zh(self) -> str: ...
    @property
    def dataset_title_en(self) -> str: ...
    @property
    def dataset_digest(self) -> str: ...
    @property
    def synthetic(self) -> bool: ...
    @property
    def code_version(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def rows(self) -> pd.DataFrame: ...
    @property
    def provenance(self) -> pd.DataFrame: ...
    @property
    def uncertainty(self) -> pd.DataFrame: ...
    @property
    def notes(self) -> list[str]: ...


@dataclass(frozen=True)
class StoredInventory:
    """An inventory read back: its header and its tables."""

    header: CarbonInventory
    rows: pd.DataFrame
    factors: pd.DataFrame
    uncertainty: pd.DataFrame


def _plain(v: Any) -> Any:
    """A numpy or pandas scalar as the Python value a driver takes (NaN/NA → None)."""
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        import pandas as pd

        if v is pd.NA:
            return None
    except ImportError:  # pragma: no cover
        pass
    return v


def _records(frame: pd.DataFrame, columns: list[str], **extra: Any) -> list[dict[str, Any]]:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            en=f"the inventory's table lacks column(s) {', '.join(missing)}; it was not stored",
            zh=f"清单数据缺少列 {'、'.join(missing)}，未存储",
            field=missing[0],
            values=missing,
        )
    return [
        {**{c: _plain(v) for c, v in zip(columns, row, strict=True)}, **extra}
        for row in frame[columns].itertuples(index=False, name=None)
    ]


def save_inventory(
    engine: Engine, inventory: InventoryLike, *, created_by: str | None = None
) -> int:
    """Store ``inventory`` (header, rows, factors used, uncertainties) in one transaction
    and return its id; on any failure nothing is written."""
    rows = _records(inventory.rows, ROW_COLUMNS)
    factors = _records(inventory.provenance, FACTOR_COLUMNS)
    uncertainty = _records(inventory.uncertainty, UNCERTAINTY_COLUMNS)
    try:
        with Session(engine) as session, session.begin():
            head = CarbonInventory(
                region_adcode=int(inventory.region),
                year=int(inventory.year),
                level=inventory.level,
                gwp_set=inventory.gwp_set,
                fuel_set=inventory.fuel_set,
                grid=inventory.grid,
                dataset_title_zh=inventory.dataset_title_zh,
                dataset_title_en=inventory.dataset_title_en,
                dataset_digest=inventory.dataset_digest,
                synthetic=bool(inventory.synthetic),
                code_version=inventory.code_version,
                created_at=inventory.created_at,
                created_by=created_by or getpass.getuser(),
                status="draft",
                notes=list(inventory.notes),
            )
            session.add(head)
            session.flush()
            iid = head.id
            if rows:
                session.execute(
                    insert(CarbonInventoryRow), [{**r, "inventory_id": iid} for r in rows]
                )
            if factors:
                session.execute(
                    insert(CarbonInventoryFactor), [{**r, "inventory_id": iid} for r in factors]
                )
            if uncertainty:
                session.execute(
                    insert(CarbonInventoryUncertainty),
                    [{**r, "inventory_id": iid} for r in uncertainty],
                )
    except SQLAlchemyError as exc:
        raise failures.not_written("inventory", "清单", exc) from exc
    return iid


def list_inventories(engine: Engine) -> list[CarbonInventory]:
    """Every stored inventory's header, oldest first (read without pandas)."""
    with Session(engine) as session:
        found = list(session.scalars(select(CarbonInventory).order_by(CarbonInventory.id)))
        session.expunge_all()
        return found


def find_inventory(
    engine: Engine, dataset_digest: str, year: int, gwp_set: str, code_version: str
) -> int | None:
    """The id of the newest stored inventory of the same dataset (digest), year, GWP set
    and code version (the same figures), else None."""
    with Session(engine) as session:
        stmt = (
            select(CarbonInventory.id)
            .where(
                CarbonInventory.dataset_digest == dataset_digest,
                CarbonInventory.year == year,
                CarbonInventory.gwp_set == gwp_set,
                CarbonInventory.code_version == code_version,
            )
            .order_by(CarbonInventory.id.desc())
        )
        return session.scalars(stmt).first()


def _header(session: Session, inventory_id: int) -> CarbonInventory:
    head = session.get(CarbonInventory, inventory_id)
    if head is None:
        ids = list(session.scalars(select(CarbonInventory.id).order_by(CarbonInventory.id)))
        shown = ", ".join(map(str, ids)) or "none"
        raise StoreError(
            en=f"no carbon inventory {inventory_id} in the store; stored ids: {shown} (`ganpo "
            "carbon list`)",
            zh=f"库中没有编号为 {inventory_id} 的温室气体清单",
        )
    return head


def load_inventory(engine: Engine, inventory_id: int) -> StoredInventory:
    """A stored inventory with its rows (integer grams), factors and uncertainties."""
    import pandas as pd

    with Session(engine) as session:
        head = _header(session, inventory_id)
        session.expunge(head)

        def frame(model: Any, columns: list[str], order: list[Any]) -> pd.DataFrame:
            stmt = select(*(getattr(model, c) for c in columns)).where(
                model.inventory_id == inventory_id
            )
            data = session.execute(stmt.order_by(*order)).all()
            return pd.DataFrame([tuple(r) for r in data], columns=columns)

        R = CarbonInventoryRow
        rows = frame(R, ROW_COLUMNS, [R.unit_code, R.category_code, R.gas, R.scope])
        for col in ("unit_code", "quantity_g", "co2e_g"):
            rows[col] = rows[col].astype("int64")
        rows["parent_code"] = rows["parent_code"].astype("Int64")
        F = CarbonInventoryFactor
        factors = frame(F, FACTOR_COLUMNS, [F.id])
        U = CarbonInventoryUncertainty
        uncertainty = frame(U, UNCERTAINTY_COLUMNS, [U.category_code])
    return StoredInventory(head, rows, factors, uncertainty)


def row_counts(engine: Engine) -> dict[int, int]:
    """The number of rows of each stored inventory (for listings)."""
    with Session(engine) as session:
        stmt = select(CarbonInventoryRow.inventory_id, func.count()).group_by(
            CarbonInventoryRow.inventory_id
        )
        return {int(i): int(n) for i, n in session.execute(stmt).all()}


def publish_inventory(engine: Engine, inventory_id: int) -> None:
    """Publish a draft inventory (its figures never change; a published one stays so)."""
    with Session(engine) as session, session.begin():
        head = _header(session, inventory_id)
        if head.status != "draft":
            raise StoreError(
                en=f"carbon inventory {inventory_id} is {INVENTORY_STATUSES[head.status]}, not a "
                "draft: only a draft is published",
                zh="仅草稿可发布",
            )
        head.status = "published"
