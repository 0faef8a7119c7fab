"""Tables of the ecological asset register (生态资产登记): parcels, packages, valuations.

Prefix ``register_``. Geometry is stored as WKB with its CRS (WKT), so the register needs
no spatial extension and works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ganpo.store.models import Base

#: Rights types a parcel can be deposited with (所有权、承包权、经营权、使用权).
RIGHTS_TYPES: dict[str, str] = {
    "ownership": "所有权 ownership",
    "contract": "承包权 contract right",
    "management": "经营权 management right",
    "use": "使用权 use right",
}
#: Parcel states: deposited (已入库) → packaged (已打包) → withdrawn (已退出).
PARCEL_STATUSES: dict[str, str] = {
    "deposited": "已入库 deposited",
    "packaged": "已打包 packaged",
    "withdrawn": "已退出 withdrawn",
}


class RegisterParcel(Base):
    """A parcel deposited in the register, with its rights holder and composition."""

    __tablename__ = "register_parcels"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids never reused after a delete

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))
    rights_type: Mapped[str] = mapped_column(String(20))
    area_m2: Mapped[float] = mapped_column(Float)
    adcode: Mapped[int] = mapped_column(BigInteger, index=True)
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    crs: Mapped[str] = mapped_column(Text)
    composition: Mapped[dict[str, float]] = mapped_column(JSON)  # ecosystem code -> m²
    composition_account_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RegisterPackage(Base):
    """A bundle of parcels offered together (资产包)."""

    __tablename__ = "register_packages"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids never reused after a delete

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RegisterPackageParcel(Base):
    """Membership of a parcel in a package (a parcel is in at most one package)."""

    __tablename__ = "register_package_parcels"

    package_id: Mapped[int] = mapped_column(
        ForeignKey("register_packages.id", ondelete="CASCADE"), primary_key=True
    )
    parcel_id: Mapped[int] = mapped_column(
        ForeignKey("register_parcels.id", ondelete="RESTRICT"), primary_key=True, unique=True
    )


class RegisterValuation(Base):
    """A stored valuation of a parcel or package: account, rate, horizon and result."""

    __tablename__ = "register_valuations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(10))  # parcel | package
    target_code: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[int] = mapped_column(Integer)
    discount_rate: Mapped[float] = mapped_column(Float)
    horizon_years: Mapped[int] = mapped_column(Integer)
    flow_cny: Mapped[float] = mapped_column(Float)
    asset_value_cny: Mapped[float] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
