"""The account store's schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


from ganpo.store.records import ACCOUNT_STATUSES, CURRENT_STATUSES  # noqa: E402, F401


class Account(Base):
    """An immutable, finished GEP account: one dataset × year × parameter set.

    Its figures never change. Its ``status`` may: published, then withdrawn (with a
    reason) or superseded by a revised account of the same region and year
    (``superseded_by``); who did it, when and why are kept beside it and in the audit
    log. Ids are never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), so a
    record that names account #2 names that account for ever.
    """

    __tablename__ = "accounts"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_name: Mapped[str] = mapped_column(String(200))
    region_adcode: Mapped[int] = mapped_column(BigInteger, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    profile: Mapped[str] = mapped_column(String(200))
    price_policy: Mapped[str] = mapped_column(String(30))
    parameter_set: Mapped[str] = mapped_column(String(200))
    parameter_set_version: Mapped[str] = mapped_column(String(50))
    synthetic: Mapped[bool]
    code_version: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    dataset_root: Mapped[str] = mapped_column(Text)
    input_digest: Mapped[str] = mapped_column(String(64), index=True)
    gep_cny: Mapped[float] = mapped_column(Float)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the same warnings in Chinese (None: an account stored before migration 0013)
    warnings_zh: Mapped[list[str] | None] = mapped_column(JSON)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    log: Mapped[list[str]] = mapped_column(JSON, default=list)  # the run's progress messages
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    #: why, by whom and when it was withdrawn or superseded
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_by: Mapped[str | None] = mapped_column(String(100))
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT", name="fk_accounts_superseded_by")
    )
    published_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    inputs: Mapped[list[AccountInput]] = relationship(cascade="all, delete-orphan")
    prices: Mapped[list[AccountPrice]] = relationship(cascade="all, delete-orphan")


class AccountInput(Base):
    """A file the account read, with its checksum."""

    __tablename__ = "account_inputs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(100))
    year: Mapped[int | None]
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    synthetic: Mapped[bool]
    source: Mapped[str] = mapped_column(Text)


class AccountPrice(Base):
    """A parameter (price or coefficient) the account used."""

    __tablename__ = "account_prices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[float | None]
    by_type: Mapped[dict[str, float] | None] = mapped_column(JSON)
    unit: Mapped[str] = mapped_column(String(50))
    year: Mapped[int]
    region: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))


class AccountUnit(Base):
    """An administrative unit of the account's finest level as it was in the account
    (names and areas change): a county, township, village or other unit, with its county,
    city and province (decision 0021)."""

    __tablename__ = "account_units"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[int] = mapped_column(BigInteger)
    county_adcode: Mapped[int] = mapped_column(BigInteger)
    county_name: Mapped[str] = mapped_column(String(100))
    city_adcode: Mapped[int] = mapped_column(BigInteger)
    city_name: Mapped[str] = mapped_column(String(100))
    province_adcode: Mapped[int] = mapped_column(BigInteger)
    province_name: Mapped[str] = mapped_column(String(100))
    area_km2: Mapped[float]


class Result(Base):
    """One indicator × ecosystem type × unit of an account (``unit_code``: a unit of the
    account's level, or a county's adcode for statistics given per county)."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[str] = mapped_column(String(100))
    component: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    ecosystem_code: Mapped[int]
    unit_code: Mapped[int] = mapped_column(BigInteger)
    county_adcode: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[float]
    quantity_unit: Mapped[str] = mapped_column(String(50))
    price_key: Mapped[str] = mapped_column(String(100))
    price: Mapped[float | None]
    price_unit: Mapped[str] = mapped_column(String(50))
    value_cny: Mapped[float]


class Extent(Base):
    """Area of each ecosystem type per unit (the SEEA extent account's raw material)."""

    __tablename__ = "extent"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    county_adcode: Mapped[int] = mapped_column(BigInteger)
    ecosystem_code: Mapped[int] = mapped_column(primary_key=True)
    cells: Mapped[int] = mapped_column(BigInteger)
    area_m2: Mapped[float]


class PhysicalResult(Base):
    """A physical quantity reported beside the GEP and never valued (a profile's
    ``[physical]`` indicators, e.g. sediment export), per unit × ecosystem type."""

    __tablename__ = "physical_results"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    indicator: Mapped[str] = mapped_column(String(100), primary_key=True)
    component: Mapped[str] = mapped_column(String(100), primary_key=True)
    unit_code: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    county_adcode: Mapped[int] = mapped_column(BigInteger)
    ecosystem_code: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[float]
    quantity_unit: Mapped[str] = mapped_column(String(50))


class AccountLog(Base):
    """Audit log of the store: who did what to which account, when."""

    __tablename__ = "account_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(Integer)  # no FK: kept after a delete
    action: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class UncertaintyInterval(Base):
    """Monte Carlo interval of one indicator ('GEP' for the total) in one unit (0: all);
    ganpo gives them per county (``unit_code`` = ``county_adcode``)."""

    __tablename__ = "uncertainty_intervals"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    indicator: Mapped[str] = mapped_column(String(100), primary_key=True)
    unit_code: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    county_adcode: Mapped[int] = mapped_column(BigInteger)
    draws: Mapped[int]
    mean_cny: Mapped[float]
    p05_cny: Mapped[float]
    p50_cny: Mapped[float]
    p95_cny: Mapped[float]


class AccountRaster(Base):
    """A per-cell value raster (Cloud Optimized GeoTIFF) an account wrote, with checksum."""

    __tablename__ = "account_rasters"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    indicator: Mapped[str] = mapped_column(String(100), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(50))


class AccountDecision(Base):
    """A decision the account made about an input (:class:`ganpo.io.decisions.Decision`):
    accepted under a stated rule, not refused. ``position`` keeps the run's order."""

    __tablename__ = "account_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(Text)
    unit_code: Mapped[int | None] = mapped_column(BigInteger)
    basis: Mapped[str] = mapped_column(String(20))
    message_en: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    values: Mapped[list[float | str]] = mapped_column(JSON, default=list)
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_by: Mapped[str | None] = mapped_column(String(100))
    accepted_by: Mapped[str | None] = mapped_column(String(100))


class AccountCoverage(Base):
    """How much of an administrative unit a layer role covers with data, in an account."""

    __tablename__ = "account_coverage"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    role: Mapped[str] = mapped_column(String(100), primary_key=True)
    cells: Mapped[int] = mapped_column(BigInteger)
    cells_with_data: Mapped[int] = mapped_column(BigInteger)
    share: Mapped[float | None]  # NULL for a unit without any cell at the grid's resolution
