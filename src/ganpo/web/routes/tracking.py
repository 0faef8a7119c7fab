"""``/api/tracking``: the targets of the Jiangxi decision of January 2024 and their status
(docs/tracking.md, "The decision's targets"), read within the caller's scope; their
alerts (``/alerts``: the caller's department's and region's; ``/alerts/{key}/ack``: the
department acknowledges one, audited; docs/tracking.md, "Alerts").

The figures are :func:`ganpo.tracking.status.registry_status` on the decision registry
(:func:`ganpo.tracking.decision.register`) whose observations are the store's series in
force when it holds any (:func:`live_registry`, as the yearly report reads them), else the
shipped file's; this module only adds names and filters. Scope is the GEP accounts' rule:
a target of a unit the caller may not see (:meth:`ganpo.web.auth.Principal.can_see`) is
left out, so a county viewer sees no province- or city-level target, a city viewer its
city's, the province everything. ``POST /series/reported``: the office records the
approved monitoring forms in the stored series.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi import status as http
from pydantic import BaseModel, Field

from ganpo.errors import pattern_in_words
from ganpo.store import platform
from ganpo.web.auth import CurrentPrincipal, Principal, hierarchy, store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ganpo.store.tracking import AlertAck
    from ganpo.tracking.alerts import Alert
    from ganpo.tracking.registry import Registry

router = APIRouter()


class StatusRow(BaseModel):
    target: str
    pillar: str | None
    pillar_zh: str | None
    pillar_en: str | None
    clause: str | None
    clause_zh: str | None
    clause_en: str | None
    indicator: str
    indicator_zh: str
    indicator_en: str
    unit_code: int
    unit_name_zh: str
    unit_name_en: str
    year: int
    base_year: int
    baseline: float
    actual: float
    target_value: float
    last_year: int
    kind: str
    measure_zh: str = Field(description="unit of measure / 计量单位")
    measure_en: str
    ratio: float | None = Field(description="the method's progress ratio / 进度比")
    status: str = Field(description="achieved, on_track, at_risk, off_track")
    status_zh: str
    status_en: str
    reason_zh: str
    reason_en: str
    source: int = Field(description="number of the observation's source in `sources` / 来源编号")
    target_source: int = Field(description="number of the target's source in `sources`")
    synthetic: bool = Field(description="the observed value is synthetic / 合成数据")


class Point(BaseModel):
    year: int
    value: float
    synthetic: bool
    source: int = Field(description="number of its source in `sources` / 来源编号")


class Series(BaseModel):
    """An indicator's observed series for one unit (the trend chart)."""

    indicator: str
    indicator_zh: str
    indicator_en: str
    unit_code: int
    unit_name_zh: str
    unit_name_en: str
    measure_zh: str
    measure_en: str
    target_value: float | None
    last_year: int | None
    points: list[Point]


class TrackingOut(BaseModel):
    title_zh: str
    title_en: str
    version: str
    method: str
    method_zh: str
    method_en: str
    on_track: float = Field(description="ratio at least this: on track / 进度正常阈值")
    at_risk: float = Field(description="ratio at least this: at risk / 存在风险阈值")
    rows: list[StatusRow]
    series: list[Series]
    sources: list[str] = Field(description="sources, numbered from 1 / 数据来源")
    without_data_zh: list[str] = Field(description="targets with no observed value / 无观测值")
    without_data_en: list[str]


@lru_cache(maxsize=1)
def decision_registry() -> tuple[Registry, str, str, str]:
    """The shipped decision registry (read once) with its titles and version."""
    from ganpo.tracking.decision import DECISION_FILE, register
    from ganpo.tracking.registry import read_tracking_file, shipped_file

    tf = read_tracking_file(shipped_file(DECISION_FILE))
    return register(), tf.title_zh, tf.title_en, tf.version


def live_registry(request: Request) -> tuple[Registry, str, str, str]:
    """The decision registry as the platform knows it now: its observations are the
    store's series in force (computed from the accounts, reported through the monitoring
    forms, loaded) when the store holds any, as for the yearly report; else the shipped
    file's."""
    from ganpo.store.tracking import observations_in_force

    shipped, title_zh, title_en, version = decision_registry()
    stored = observations_in_force(store(request))
    if not stored:
        return shipped, title_zh, title_en, version
    from ganpo.tracking.decision import register
    from ganpo.tracking.stored import use_series

    registry = register()
    use_series(registry, stored)
    return registry, title_zh, title_en, version


def _names(code: int) -> tuple[str, str]:
    h = hierarchy()
    return h.name(code, "zh"), h.name(code, "en")


@router.get("/status", response_model=TrackingOut, summary="Target status / 目标进展")
def tracking_status(
    request: Request,
    principal: CurrentPrincipal,
    year: Annotated[
        int | None, Query(ge=1949, le=2100, description="year assessed; default: the last observed")
    ] = None,
    method: Literal["required_growth", "linear"] = "required_growth",
) -> TrackingOut:
    """Each target of the decision in the caller's scope: baseline, actual, target and
    status (achieved, on track, at risk, off track) by the required-growth method or the
    linear path, with the sources of the values, in the order of the decision's pillars
    and clauses; and the observed series of each indicator shown.
    决定各项目标的基期值、实际值、目标值与进展状态，附数据来源（限本人权限范围）。"""
    from ganpo.tracking.status import (
        AT_RISK,
        METHOD_NAMES,
        ON_TRACK,
        REASON_NAMES,
        STATUS_NAMES,
        registry_status,
    )

    registry, title_zh, title_en, version = live_registry(request)
    mine = [k for k, t in registry.targets.items() if principal.can_see(t.unit_code)]
    report = registry_status(registry, year=year, method=method, targets=sorted(mine))
    order = {
        ind: i
        for i, ind in enumerate(
            k for p in registry.pillars.values() for c in p.clauses for k in c.indicators
        )
    }
    found = sorted(report.assessments, key=lambda a: (order.get(a.indicator, len(order)), a.target))
    sources: list[str] = []

    def number(text: str) -> int:
        if text not in sources:
            sources.append(text)
        return sources.index(text) + 1

    rows: list[StatusRow] = []
    for a in found:
        ind = registry.indicator(a.indicator)
        t = registry.targets[a.target]
        link = registry.clause_of(a.indicator)
        zh, en = _names(a.unit_code)
        rows.append(
            StatusRow(
                target=a.target,
                pillar=link[0].key if link else None,
                pillar_zh=link[0].name_zh if link else None,
                pillar_en=link[0].name_en if link else None,
                clause=link[1].key if link else None,
                clause_zh=link[1].name_zh if link else None,
                clause_en=link[1].name_en if link else None,
                indicator=a.indicator,
                indicator_zh=ind.name_zh,
                indicator_en=ind.name_en,
                unit_code=a.unit_code,
                unit_name_zh=zh,
                unit_name_en=en,
                year=a.year,
                base_year=a.base_year,
                baseline=a.base_value,
                actual=a.actual,
                target_value=a.target_value,
                last_year=a.last_year,
                kind=t.kind,
                measure_zh=ind.unit_in("zh"),
                measure_en=ind.unit_in("en"),
                ratio=a.ratio,
                status=a.status,
                status_zh=STATUS_NAMES[a.status][0],
                status_en=STATUS_NAMES[a.status][1],
                reason_zh=REASON_NAMES[a.reason][0],
                reason_en=REASON_NAMES[a.reason][1],
                source=number(a.source),
                target_source=number(t.source),
                synthetic=a.observation_status == "synthetic",
            )
        )
    series: list[Series] = []
    for r in rows:
        if any((s.indicator, s.unit_code) == (r.indicator, r.unit_code) for s in series):
            continue
        ind = registry.indicator(r.indicator)
        obs = registry.series(r.indicator, r.unit_code)
        series.append(
            Series(
                indicator=r.indicator,
                indicator_zh=r.indicator_zh,
                indicator_en=r.indicator_en,
                unit_code=r.unit_code,
                unit_name_zh=r.unit_name_zh,
                unit_name_en=r.unit_name_en,
                measure_zh=r.measure_zh,
                measure_en=r.measure_en,
                target_value=r.target_value,
                last_year=r.last_year,
                points=[
                    # each observation in the indicator's unit (as the status compares them)
                    Point(
                        year=y,
                        value=_in_unit(ob.value, ob.unit, ind.unit),
                        synthetic=ob.status == "synthetic",
                        source=number(ob.source),
                    )
                    for y, ob in obs.items()
                ],
            )
        )
    method_zh, method_en = METHOD_NAMES[method]
    missing = [registry.indicator(registry.targets[k].indicator) for k in report.without_data]
    return TrackingOut(
        title_zh=title_zh,
        title_en=title_en,
        version=version,
        method=method,
        method_zh=method_zh,
        method_en=method_en,
        on_track=ON_TRACK,
        at_risk=AT_RISK,
        rows=rows,
        series=series,
        sources=sources,
        without_data_zh=[
            f"{i.name_zh}（{_names(registry.targets[k].unit_code)[0]}）"
            for k, i in zip(report.without_data, missing, strict=True)
        ],
        without_data_en=[
            f"{i.name_en} ({_names(registry.targets[k].unit_code)[1]})"
            for k, i in zip(report.without_data, missing, strict=True)
        ],
    )


def _in_unit(value: float, unit: str, to: str) -> float:
    from ganpo.tracking.units import unit_factor

    return value * unit_factor(unit, to, what="observation")


class AlertOut(BaseModel):
    """An alert to the responsible department and the unit (docs/tracking.md, "Alerts")."""

    key: str = Field(description="stable id: target, kind and year / 预警编号")
    kind: str = Field(description="status (at risk, off track) or missing / 类型")
    level: str
    level_zh: str
    level_en: str
    department: str = Field(description="responsible department's key / 责任部门")
    department_zh: str
    department_en: str
    unit_code: int
    unit_name_zh: str
    unit_name_en: str
    target: str
    indicator: str
    indicator_zh: str
    indicator_en: str
    year: int
    last_year: int
    status: str | None
    status_zh: str
    status_en: str
    actual: float | None
    target_value: float | None
    measure_zh: str
    measure_en: str
    ratio: float | None
    missing_years: list[int]
    source: str
    message_zh: str
    message_en: str
    acknowledged_at: str | None = Field(default=None, description="确认时间 / acknowledged at")
    acknowledged_by: str | None = None
    ack_note: str | None = None


class AlertsOut(BaseModel):
    as_of: int = Field(description="year of the check / 检查年份")
    department: str | None = Field(description="the department shown; none: all / 部门")
    rules_version: str
    alerts: list[AlertOut]


def _my_alerts(
    request: Request,
    principal: Principal,
    department: str | None,
    as_of: int | None,
    method: Literal["required_growth", "linear"],
) -> tuple[str | None, list[Alert]]:
    """The department shown and the alerts that are the caller's (see ``tracking_alerts``)."""
    from ganpo.catalog.departments import departments
    from ganpo.tracking.alerts import tracking_alerts as find_alerts

    mine = principal.department if principal.role == "reporter" else None
    if mine is not None and department not in (None, mine):
        raise HTTPException(
            http.HTTP_403_FORBIDDEN,
            f"you may read the alerts of your own department ({mine}) only / 只能查看本部门的预警",
        )
    wanted = mine or department
    if wanted is not None and wanted not in departments():
        raise HTTPException(
            http.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown department {wanted!r}; departments: {', '.join(departments())} / 未知的部门",
        )
    found = find_alerts(live_registry(request)[0], as_of=as_of, method=method, names=_names)
    return wanted, [
        a
        for a in found
        if principal.can_see(a.unit_code) and (wanted is None or a.department == wanted)
    ]


def _alert_out(a: Alert, ack: AlertAck | None) -> AlertOut:
    return AlertOut.model_validate(
        {
            **a.__dict__,
            "missing_years": list(a.missing_years),
            "acknowledged_at": ack.acknowledged_at.isoformat(timespec="seconds") if ack else None,
            "acknowledged_by": ack.acknowledged_by if ack else None,
            "ack_note": ack.note if ack else None,
        }
    )


@router.get("/alerts", response_model=AlertsOut, summary="Alerts / 预警")
def tracking_alerts(
    request: Request,
    principal: CurrentPrincipal,
    department: Annotated[
        str | None, Query(max_length=64, description="only this department's / 只看本部门")
    ] = None,
    as_of: Annotated[
        int | None, Query(ge=1949, le=2100, description="year of the check; default: this year")
    ] = None,
    method: Literal["required_growth", "linear"] = "required_growth",
) -> AlertsOut:
    """The alerts of the decision's targets (at risk, off track, a value missing past its
    due year) that are the caller's: a department's reporter gets its department's only
    (another department asked: 403); every caller only those of the units it may see (a
    city viewer its city's); each with its acknowledgement by the department, if any.
    本人（本部门、本地区）的预警及部门确认情况。"""
    from ganpo.store.tracking import alert_acks
    from ganpo.tracking.alerts import shipped_rules

    wanted, found = _my_alerts(request, principal, department, as_of, method)
    acks = alert_acks(store(request))
    return AlertsOut(
        as_of=as_of if as_of is not None else _this_year(),
        department=wanted,
        rules_version=shipped_rules().version,
        alerts=[_alert_out(a, acks.get(a.key)) for a in found],
    )


class AckIn(BaseModel):
    note: str = Field(default="", max_length=500, description="what is done / 处理说明")


AlertKey = Annotated[
    str,
    PathParam(
        description="预警编号 / key",
        **pattern_in_words(
            r"^[a-z0-9_-]{1,120}:[a-z_]{1,20}:\d{4}$",
            "target:kind:year, as the platform gave it",
            "平台给出的“目标:类型:年份”形式",
        ),
    ),
]


@router.post(
    "/alerts/{key}/ack",
    response_model=AlertOut,
    status_code=http.HTTP_201_CREATED,
    summary="Acknowledge an alert / 确认预警",
)
def acknowledge(
    key: AlertKey,
    body: AckIn,
    request: Request,
    principal: CurrentPrincipal,
    as_of: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    method: Literal["required_growth", "linear"] = "required_growth",
) -> AlertOut:
    """The responsible department acknowledges one of its alerts (a reporter of that
    department, or an admin), once; audited (``tracking_alert.ack``) in the same
    transaction. An alert that is not yours (or no longer raised): 404.
    责任部门确认预警（记入审计日志）。"""
    from ganpo.store.tracking import acknowledge_alert

    if principal.role not in ("reporter", "admin"):
        raise HTTPException(
            http.HTTP_403_FORBIDDEN,
            "an alert is acknowledged by its department's reporter (or an admin) "
            "/ 预警由责任部门确认",
        )
    _, found = _my_alerts(request, principal, None, as_of, method)
    alert = next((a for a in found if a.key == key), None)
    if alert is None:
        raise HTTPException(
            http.HTTP_404_NOT_FOUND, "no such alert of yours / 没有您部门的该项预警"
        )

    def audit(session: Session, ack: AlertAck) -> None:
        platform.audit(
            session,
            actor=principal.username,
            action="tracking_alert.ack",
            entity="tracking_alert",
            entity_id=key,
            before=None,
            after={
                "department": alert.department,
                "unit_code": alert.unit_code,
                "level": alert.level,
                "note": ack.note,
            },
        )

    ack = acknowledge_alert(
        store(request),
        alert_key=key,
        department=alert.department,
        unit_code=alert.unit_code,
        by=principal.username,
        note=body.note.strip(),
        also=audit,
    )
    return _alert_out(alert, ack)


def _this_year() -> int:
    from datetime import UTC, datetime

    return datetime.now(UTC).year


class RecordedSeries(BaseModel):
    year: int
    added: int
    revised: int
    unchanged: int
    used_zh: list[str] = Field(description="the approved forms read / 采用的报表")
    used_en: list[str]
    pending_zh: list[str] = Field(description="forms not yet approved, not used / 未采用")
    pending_en: list[str]


@router.post(
    "/series/reported",
    response_model=RecordedSeries,
    summary="Record the approved monitoring forms / 报表监测值入库",
)
def record_reported_series(
    request: Request,
    principal: CurrentPrincipal,
    year: Annotated[int, Query(ge=1949, le=2100, description="year of the forms / 年份")],
) -> RecordedSeries:
    """The office records the values of the year's approved monitoring forms in the stored
    series (a changed value becomes a new revision, the old one kept), as `ganpo tracking
    series reported` does; audited (``tracking_series.reported``). 将审核通过的目标监测报表
    数值存入监测序列（办公室或管理员）。"""
    from pathlib import Path

    from ganpo.errors import InputError
    from ganpo.store.tracking import Recorded, record_observations
    from ganpo.submissions.forms import tracking_forms
    from ganpo.submissions.tracking_series import reported_series
    from ganpo.tracking.stored import checked

    if principal.role not in ("office", "admin"):
        raise HTTPException(
            http.HTTP_403_FORBIDDEN,
            "the accounting office records the monitoring series / 监测序列由核算办公室入库",
        )
    engine = store(request)
    work = Path(request.app.state.settings.work_dir)
    try:
        found = reported_series(engine, year, work)
        if not found.observations:
            raise InputError(
                en=f"no approved monitoring form of {year}",
                zh="该年度没有审核通过的目标监测报表",
                field="year",
                values=[year],
            )

        def audited(session: Session, done: Recorded) -> None:
            platform.audit(
                session,
                actor=principal.username,
                action="tracking_series.reported",
                entity="tracking_series",
                entity_id=str(year),
                before=None,
                after={
                    "added": len(done.added),
                    "revised": len(done.revised),
                    "unchanged": len(done.unchanged),
                    "forms": sorted(found.used),
                },
            )

        done = record_observations(
            engine,
            checked(decision_registry()[0], found.observations),
            recorded_by=principal.username,
            also=audited,
        )
    except InputError as exc:
        raise HTTPException(http.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    names = {f.key: (f.name_zh, f.name_en) for f in tracking_forms(year)}
    return RecordedSeries(
        year=year,
        added=len(done.added),
        revised=len(done.revised),
        unchanged=len(done.unchanged),
        used_zh=[names[k][0] for k in sorted(found.used)],
        used_en=[names[k][1] for k in sorted(found.used)],
        pending_zh=[names[k][0] for k in sorted(found.pending)],
        pending_en=[names[k][1] for k in sorted(found.pending)],
    )
