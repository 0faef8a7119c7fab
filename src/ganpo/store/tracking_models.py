"""Tables of the decision's monitoring series and issued yearly reports (issue 18).

Prefix ``tracking_``. An observation is append-only: a revised value is a new row with
the next ``revision`` of its (indicator, unit, year); the newest revision is in force and
the older ones stay, so that an issued report can say what changed since
(docs/decisions/0038-series-and-yearly-report.md). An issued report keeps its figures,
each with its source, as JSON, and the SHA-256 of its PDF. An alert's acknowledgement by
its department is kept once per alert (docs/decisions/0044-tracking-alerts-and-report-on-
the-platform.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ganpo.store.models import Base

#: an observation's status: from an official publication, an official's figure as a news
#: agency reported it, made up for the demo (合成数据), computed from stored accounts, or
#: from a department's monitoring form once approved
OBSERVATION_STATUSES: dict[str, str] = {
    "published": "公开发布 published",
    "reported": "新闻报道 reported",
    "synthetic": "合成数据 synthetic",
    "computed": "平台计算 computed",
    "form": "部门报表 department form",
}


class TrackingObservation(Base):
    """One revision of one value of an indicator for a unit and a year."""

    __tablename__ = "tracking_observations"
    __table_args__ = (
        UniqueConstraint(
            "indicator", "unit_code", "year", "revision", name="uq_tracking_observation_revision"
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(60), index=True)
    unit_code: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[int] = mapped_column(Integer, index=True)
    revision: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))


class TrackingReport(Base):
    """One issued version of the yearly report: its figures (with their sources) as JSON
    and the SHA-256 of its PDF, kept under the work folder's ``out/reports``."""

    __tablename__ = "tracking_reports"
    __table_args__ = (
        UniqueConstraint("year", "version", name="uq_tracking_report_version"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(5))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str] = mapped_column(String(100))
    figures: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_name: Mapped[str] = mapped_column(String(300))


class TrackingAlertAck(Base):
    """A department's acknowledgement of one alert (``alert_key``: target, cause and year,
    :attr:`ganpo.tracking.alerts.Alert.key`), once: a worse status or a further missing
    year is a new alert with a new key, to acknowledge again."""

    __tablename__ = "tracking_alert_acks"
    __table_args__ = (
        UniqueConstraint("alert_key", name="uq_tracking_alert_ack_key"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_key: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    acknowledged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str] = mapped_column(String(100))
