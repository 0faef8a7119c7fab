"""Tables of stored greenhouse-gas inventories (issue 15): an inventory's header, its rows
by unit, category and gas, the factors it used and its category uncertainties.

Prefix ``carbon_``. Quantities are whole grams (``BigInteger``): a city's row is the exact
integer sum of its counties' rows (:mod:`ganpo.carbon.inventory`), which a float column
would not keep on every database (a province's CO2 is some 3 × 10¹⁴ g, far inside 2⁶³).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ganpo.store.models import Base

#: an inventory's standing: a draft until it is published
INVENTORY_STATUSES: dict[str, str] = {"draft": "草稿 draft", "published": "已发布 published"}


class CarbonInventory(Base):
    """One stored inventory: region × year × GWP set from one dataset (its digest)."""

    __tablename__ = "carbon_inventories"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_adcode: Mapped[int] = mapped_column(BigInteger, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    level: Mapped[str] = mapped_column(String(20))
    gwp_set: Mapped[str] = mapped_column(String(20))
    fuel_set: Mapped[str] = mapped_column(String(60))
    grid: Mapped[str] = mapped_column(String(60))
    dataset_title_zh: Mapped[str] = mapped_column(Text)
    dataset_title_en: Mapped[str] = mapped_column(Text)
    dataset_digest: Mapped[str] = mapped_column(String(64), index=True)
    synthetic: Mapped[bool]
    code_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)


class CarbonInventoryRow(Base):
    """Tonnes of one gas, and its CO2e, of one unit and category, in whole grams."""

    __tablename__ = "carbon_inventory_rows"

    inventory_id: Mapped[int] = mapped_column(
        ForeignKey("carbon_inventories.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    gas: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[int | None] = mapped_column(BigInteger)
    quantity_g: Mapped[int] = mapped_column(BigInteger)
    co2e_g: Mapped[int] = mapped_column(BigInteger)


class CarbonInventoryFactor(Base):
    """A factor an inventory used: key, value, unit, year, source, status."""

    __tablename__ = "carbon_inventory_factors"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inventory_id: Mapped[int] = mapped_column(
        ForeignKey("carbon_inventories.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))


class CarbonInventoryUncertainty(Base):
    """The 95 % half-widths [%] of a category's activity data and factor (Approach 1)."""

    __tablename__ = "carbon_inventory_uncertainty"

    inventory_id: Mapped[int] = mapped_column(
        ForeignKey("carbon_inventories.id", ondelete="CASCADE"), primary_key=True
    )
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    u_activity_pct: Mapped[float] = mapped_column(Float)
    u_factor_pct: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
