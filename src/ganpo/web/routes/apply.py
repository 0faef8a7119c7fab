"""Applications API (mounted at ``/api/apply``): transfers, compensation, assessment.

Who may do what (``ganpo.web.auth``): the accounting office and admins run allocations,
settlements and assessments and store rules; every logged-in user may read the rules and
the stored runs, but the rows of a run (a county's allocation, a county's assessment) are
filtered to the counties the caller may see, so a county viewer sees only its own. The
settlement ledger shows a viewer the agreements one of whose parties' counties it sees.

Input tables are sent as CSV text in the JSON body (``*_csv``; units in the headers as
for the CLI) or name a shipped synthetic example (``*_example``); uploaded text is kept
in the platform's work folder under its SHA-256, and the stored run records that path and
checksum. Bad input answers 422 with the message of the error, and nothing is stored.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from ganpo.apply import assessment as assess_mod
from ganpo.apply import compensation as comp_mod
from ganpo.apply import transfers as transfer_mod
from ganpo.apply.rules import (
    CompensationAgreement,
    RuleKind,
    load_rule,
    parse_rule,
    resolve_rule,
    rule_body,
    rule_names,
    store_rule,
    stored_rule,
)
from ganpo.catalog.files import data_dir
from ganpo.errors import InputError, StoreError, StoreUnavailableError
from ganpo.io.outputs import atomic_write
from ganpo.store import applications as store
from ganpo.web.auth import CurrentPrincipal, Principal, require_roles
from ganpo.web.auth import store as engine_of
from ganpo.web.public import without_paths
from ganpo.web.routes.apply_errors import client_names

router = APIRouter()
#: NaN and ±Infinity (which Python's JSON reader accepts) are refused with a 422.
NUMBERS_ONLY = ConfigDict(allow_inf_nan=False)
Runner = Annotated[Principal, Depends(require_roles("office", "admin"))]


# ----------------------------------------------------------------------------- helpers
def _examples() -> Path:
    return data_dir("rules") / "examples"


def _table(request: Request, text: str | None, example: str | None, role: str) -> Path:
    """The path of an input table: a shipped example, or uploaded CSV text kept by digest."""
    if (text is None) == (example is None):
        raise InputError(
            en=f"give either {role}_csv (the CSV text) or {role}_example (a shipped example: "
            f"{', '.join(p.name for p in sorted(_examples().glob('*.csv')))})",
            zh=f"请给出 {role}_csv（CSV 文本）或 {role}_example（内置示例："
            f"{', '.join(p.name for p in sorted(_examples().glob('*.csv')))}）二者之一",
            field=role,
        )
    if example is not None:
        names = {p.name: p for p in _examples().glob("*.csv")}
        if example not in names:
            raise InputError(
                en=f"no shipped example {example!r}; examples: {', '.join(sorted(names))}",
                zh=f"没有名为 {example!r} 的内置示例；可用的示例：{', '.join(sorted(names))}",
                field=f"{role}_example",
                values=[example],
            )
        return names[example]
    assert text is not None
    settings = request.app.state.settings
    data = text.encode("utf-8")
    if len(data) > settings.max_upload_mb * 1024 * 1024:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{role} table larger than {settings.max_upload_mb} MB / 文件过大",
        )
    path = Path(settings.work_dir) / "apply" / f"{role}-{hashlib.sha256(data).hexdigest()[:16]}.csv"
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _names(**tables: Path | None) -> dict[Path, str]:
    """How error messages name the input tables: ``factors_csv`` or the shipped example."""
    return {
        path: (f"{role}_example {path.name}" if path.parent == _examples() else f"{role}_csv")
        for role, path in tables.items()
        if path is not None
    }


def _jsonable(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in out.to_dict("records")]


def _public(rec: store.RunRecord) -> dict[str, Any]:
    """A stored run for the API: its input tables by file name, never a server path."""
    out: dict[str, Any] = without_paths(rec.public())
    return out


def _run_out(rec: store.RunRecord, lines: pd.DataFrame) -> dict[str, Any]:
    return {**_public(rec), "lines": _jsonable(lines)}


def _visible_lines(
    engine: Engine, principal: Principal, run_id: int, kind: str
) -> tuple[store.RunRecord, pd.DataFrame]:
    try:
        rec = store.get_run(engine, run_id)
    except StoreUnavailableError:
        raise
    except StoreError:
        rec = None
    if rec is None or rec.kind != kind:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} run {run_id} / 无此记录")
    counties = None if principal.sees_all else principal.visible_counties()
    return rec, store.run_lines(engine, run_id, counties)


# ------------------------------------------------------------------------------- rules
@router.get("/rules", summary="Application rules / 应用规则")
def list_rules(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Shipped rules and every stored version (name, kind, version, digest)."""
    stored = store.list_rules(engine_of(request))
    out: list[dict[str, Any]] = [
        {
            "name": n,
            "kind": load_rule(n).kind,
            "shipped": True,
            "versions": [r.version for r in stored if r.name == n],
        }
        for n in rule_names()
    ]
    for name in sorted({r.name for r in stored} - set(rule_names())):
        mine = [r for r in stored if r.name == name]
        out.append(
            {
                "name": name,
                "kind": mine[0].kind,
                "shipped": False,
                "versions": [r.version for r in mine],
            }
        )
    return out


@router.get("/rules/{name}", summary="One rule / 规则内容")
def get_rule(
    name: str,
    request: Request,
    principal: CurrentPrincipal,
    version: Annotated[int | None, Query(description="stored version (default: newest)")] = None,
) -> dict[str, Any]:
    """A stored version (newest by default), or the shipped rule when none is stored."""
    engine = engine_of(request)
    try:
        found = stored_rule(engine, name, version)
    except KeyError:
        if version is not None or name not in rule_names():
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule {name!r} / 无此规则") from None
        rule = load_rule(name)
        return {"name": name, "version": None, "digest": None, "rule": rule_body(rule)}
    return {
        "name": name,
        "version": found.version,
        "digest": found.digest,
        "created_at": found.created_at.isoformat(),
        "created_by": found.created_by,
        "rule": rule_body(found.rule),
    }


@router.post("/rules", summary="Store a rule version / 存储规则版本", status_code=201)
def post_rule(body: dict[str, Any], request: Request, principal: Runner) -> dict[str, Any]:
    """Validate a rule (JSON, same fields as the TOML files) and store it: a new version if
    it differs from the newest stored one."""
    found = store_rule(engine_of(request), parse_rule(body, "request body"), principal.username)
    return {
        "name": found.rule.name,
        "version": found.version,
        "digest": found.digest,
        "id": found.id,
    }


# --------------------------------------------------------------------------- transfers
class TransferBody(BaseModel):
    model_config = NUMBERS_ONLY
    rule: str = Field(description="shipped rule name or stored rule name")
    rule_version: int | None = None
    year: int
    budget_cny: float = Field(ge=0)
    factors_csv: str | None = None
    factors_example: str | None = None
    account_id: int | None = None


class WhatIfBody(TransferBody):
    new_budget_cny: float | None = Field(default=None, ge=0)
    weights: dict[str, float] = Field(default_factory=dict)


def _resolve(engine: Engine, name: str, version: int | None, who: str, kind: RuleKind) -> Any:
    """A shipped rule or a stored version; never a file path (the API does not read files
    named by the caller). A shipped rule that is new or changed since it was last stored
    comes back unstored (id 0): :func:`_stored` stores it once its result is made, so that
    a refused request stores nothing."""
    if version is None and name in rule_names():
        return resolve_rule(engine, name, None, who, kind, store=False)
    found = stored_rule(engine, name, version)
    if found.rule.kind != kind:
        raise InputError(
            en=f"rule {name!r} is a {found.rule.kind} rule; this needs a {kind} rule",
            zh=f"规则 {name!r} 是 {found.rule.kind} 类规则；此处需要 {kind} 类规则",
            field="rule",
            values=[name],
        )
    return found


def _stored(engine: Engine, result: Any, who: str) -> Any:
    """``result.rule`` stored if it came back unstored from :func:`_resolve`."""
    if result.rule.id == 0:
        result.rule = store_rule(engine, result.rule.rule, who)
    return result.rule


@router.post("/transfers", summary="Allocate a transfer budget / 转移支付分配", status_code=201)
def run_transfer(body: TransferBody, request: Request, principal: Runner) -> dict[str, Any]:
    """Allocate the budget by the rule and store it (rule version, accounts, factor table)."""
    engine = engine_of(request)
    factors = _table(request, body.factors_csv, body.factors_example, "factors")
    rule = _resolve(engine, body.rule, body.rule_version, principal.username, "transfer")
    with client_names(_names(factors=factors)):
        alloc = transfer_mod.compute_allocation(
            engine, rule, body.year, body.budget_cny, factors, account_id=body.account_id
        )
    _stored(engine, alloc, principal.username)
    run_id = transfer_mod.save_allocation(engine, alloc, principal.username)
    return _run_out(store.get_run(engine, run_id), store.run_lines(engine, run_id))


@router.post("/transfers/whatif", summary="What-if: gains and losses / 情景模拟")
def transfer_whatif(body: WhatIfBody, request: Request, principal: Runner) -> list[dict[str, Any]]:
    """Per county: amount under the rule, under the changed weights/budget, the change.
    Nothing is stored."""
    engine = engine_of(request)
    factors = _table(request, body.factors_csv, body.factors_example, "factors")
    rule = _resolve(engine, body.rule, body.rule_version, principal.username, "transfer")
    with client_names(_names(factors=factors)):
        table = transfer_mod.whatif(
            engine,
            rule,
            body.year,
            body.budget_cny,
            factors,
            new_budget_cny=body.new_budget_cny,
            weights=body.weights,
            account_id=body.account_id,
        )
    return _jsonable(table)


@router.get("/transfers", summary="Stored allocations / 已存分配")
def list_transfers(
    request: Request, principal: CurrentPrincipal, year: int | None = None
) -> list[dict[str, Any]]:
    return [_public(r) for r in store.list_runs(engine_of(request), "transfer", year)]


@router.get("/transfers/{run_id}", summary="One allocation / 分配详情")
def get_transfer(run_id: int, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """The allocation with the lines of the counties the caller may see."""
    rec, lines = _visible_lines(engine_of(request), principal, run_id, "transfer")
    return _run_out(rec, lines)


# ------------------------------------------------------------------------ compensation
class SettleBody(BaseModel):
    model_config = NUMBERS_ONLY
    agreement: str
    rule_version: int | None = None
    year: int
    monitoring_csv: str | None = None
    monitoring_example: str | None = None
    account_id: int | None = None


@router.post("/compensation/settle", summary="Settle an agreement / 协议结算", status_code=201)
def settle(body: SettleBody, request: Request, principal: Runner) -> dict[str, Any]:
    """Settle the agreement for the year and enter it in the ledger."""
    engine = engine_of(request)
    monitoring = None
    if body.monitoring_csv is not None or body.monitoring_example is not None:
        monitoring = _table(request, body.monitoring_csv, body.monitoring_example, "monitoring")
    rule = _resolve(engine, body.agreement, body.rule_version, principal.username, "compensation")
    with client_names(_names(monitoring=monitoring)):
        result = comp_mod.settle(engine, rule, body.year, monitoring, account_id=body.account_id)
    rule = _stored(engine, result, principal.username)
    run_id = comp_mod.save_settlement(engine, result, principal.username)
    return {
        "run_id": run_id,
        "agreement": result.agreement.name,
        "rule_version": rule.version,
        "year": body.year,
        "round": result.round.round,
        "method": result.method,
        "index_value": result.index_value,
        "met": result.met,
        "payer": result.payer,
        "payee": result.payee,
        "amount_cny": result.amount_cny,
        "gaps": result.gaps,
        "gap_handling": result.gap_handling,
        "details": store.get_run(engine, run_id).params["details"],
        "notes": result.notes,
        "rows": _jsonable(result.rows),
    }


def _parties_visible(principal: Principal, agreement: CompensationAgreement) -> bool:
    counties = set(agreement.upstream.counties) | set(agreement.downstream.counties)
    return any(principal.can_see(c) for c in counties)


@router.get("/compensation/ledger", summary="Settlement ledger / 结算台账")
def get_ledger(
    request: Request, principal: CurrentPrincipal, agreement: str | None = None
) -> list[dict[str, Any]]:
    engine = engine_of(request)
    table = store.ledger(engine, agreement)
    if table.empty:
        return []
    if not principal.sees_all:
        keep = []
        for run_id in table["run_id"].astype(int):
            rule = store.get_rule_by_id(engine, store.get_run(engine, run_id).rule_id)
            parsed = parse_rule(rule.body)
            keep.append(
                isinstance(parsed, CompensationAgreement) and _parties_visible(principal, parsed)
            )
        table = table[keep]
    table = table.assign(created_at=table["created_at"].map(lambda t: t.isoformat()))
    return _jsonable(table)


# -------------------------------------------------------------------------- assessment
class AssessBody(BaseModel):
    model_config = NUMBERS_ONLY
    framework: str = "green-development-index"
    rule_version: int | None = None
    year: int
    gdp_csv: str | None = None
    gdp_example: str | None = None
    indicators_csv: str | None = None
    indicators_example: str | None = None
    account_id: int | None = None


@router.post("/assessments", summary="Run the assessment / 综合考核", status_code=201)
def run_assessment(body: AssessBody, request: Request, principal: Runner) -> dict[str, Any]:
    engine = engine_of(request)
    gdp = _table(request, body.gdp_csv, body.gdp_example, "gdp")
    indicators = _table(request, body.indicators_csv, body.indicators_example, "indicators")
    rule = _resolve(engine, body.framework, body.rule_version, principal.username, "assessment")
    with client_names(_names(gdp=gdp, indicators=indicators)):
        result = assess_mod.assess(
            engine, rule, body.year, gdp, indicators, account_id=body.account_id
        )
    _stored(engine, result, principal.username)
    run_id = assess_mod.save_assessment(engine, result, principal.username)
    return _run_out(store.get_run(engine, run_id), store.run_lines(engine, run_id))


@router.get("/assessments", summary="Stored assessments / 已存考核")
def list_assessments(
    request: Request, principal: CurrentPrincipal, year: int | None = None
) -> list[dict[str, Any]]:
    return [_public(r) for r in store.list_runs(engine_of(request), "assessment", year)]


@router.get("/assessments/{run_id}", summary="One assessment / 考核详情")
def get_assessment(run_id: int, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """The assessment rows (and warnings) of the counties the caller may see."""
    rec, lines = _visible_lines(engine_of(request), principal, run_id, "assessment")
    return _run_out(rec, lines)
