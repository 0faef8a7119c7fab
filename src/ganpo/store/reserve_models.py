"""Tables of the rights reserve (权益储备库): rights, reserve packages, deals, holder ledger.

Prefix ``reserve_``. A right is an emission right (排污权), a wetland resource (湿地资源) or
a forestry element (林业要素); the last two stand on a parcel of the asset register. Every
change of holder is a row of ``reserve_ledger`` written with the deal that made it; the
ledger is append-only (database triggers refuse UPDATE and DELETE, migration 0020), and the
right's ``holder`` and ``status`` are the ledger's replay kept beside it for the row lock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ganpo.store.models import Base

#: Asset types of the reserve (Jiangxi: 排污权、湿地资源、林业要素储备运营).
ASSET_TYPES: dict[str, str] = {
    "emission": "排污权 emission right",
    "wetland": "湿地资源 wetland resource",
    "forestry": "林业要素 forestry element",
}
#: States of a right: in the reserve (在库) → leased out (出租中) → back, or sold (已出让).
RIGHT_STATUSES: dict[str, str] = {
    "reserve": "在库 in the reserve",
    "leased": "出租中 leased out",
    "sold": "已出让 sold",
}
#: Deals (交易): what moves a right between holders.
DEAL_KINDS: dict[str, str] = {
    "acquisition": "收储 acquisition",
    "sale": "出让 sale",
    "lease": "出租 lease",
    "return": "租期届满收回 return at lease end",
}
#: The holder name the ledger and statements show for the reserve itself.
RESERVE_HOLDER = "储备库 the reserve"


class ReservePackage(Base):
    """A bundle of reserve rights sold or leased together (储备资产包)."""

    __tablename__ = "reserve_packages"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReserveRight(Base):
    """A right acquired into the reserve; ``holder`` None while the reserve holds it."""

    __tablename__ = "reserve_rights"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    asset_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    parcel_id: Mapped[int | None] = mapped_column(
        ForeignKey("register_parcels.id", ondelete="RESTRICT"), unique=True
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    holder: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    package_id: Mapped[int | None] = mapped_column(
        ForeignKey("reserve_packages.id", ondelete="RESTRICT"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReserveDeal(Base):
    """One acquisition, sale, lease or return, of one right or one package (append-only)."""

    __tablename__ = "reserve_deals"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    lot: Mapped[str] = mapped_column(String(64), index=True)  # right or package code
    counterparty: Mapped[str] = mapped_column(String(200))
    price_cny: Mapped[float | None] = mapped_column(Float)
    deal_date: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)  # leases
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    by_user: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReserveLedger(Base):
    """A change of holder of one right: ``to_holder`` holds it from ``held_from`` on.

    ``None`` as a holder is the reserve itself. Append-only."""

    __tablename__ = "reserve_ledger"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("reserve_rights.id"), index=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("reserve_deals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    from_holder: Mapped[str | None] = mapped_column(String(200))
    to_holder: Mapped[str | None] = mapped_column(String(200))
    held_from: Mapped[date] = mapped_column(Date)
    by_user: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
