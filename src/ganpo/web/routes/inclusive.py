"""Carbon-inclusive registry API (碳普惠): methodologies, participants, claims and their
review, issuance, transfers, retirements, the ledger, and its public view.

* ``GET /methodologies``, ``GET /public/ledger`` and ``GET /public/sinks`` need no login:
  the public view lists serials, methodology and version, vintage, region, quantities and
  retirements (with their purpose), sink projects with their parcels and issuance, never a
  participant or who recorded the entry.
* Sink projects on register parcels (decision 0052): set up (``POST /sinks``) and issued
  (``POST /sinks/{code}/issue``, verified by another user) by the office.
* Registering participants, issuing, transferring and retiring are the registry office's
  (admin, office); reporters submit claims for participants; a reviewer (or the office)
  reviews, never the claim's own submitter. The full ledger is read by admin, office,
  reviewer and, within its region, an auditor.
* Every change writes its row of the audit log in the transaction that makes it
  (:mod:`ganpo.store.inclusive`).
* Simplification: the office records transfers and retirements on behalf of participants
  (participants do not log in themselves).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from ganpo.carbon import inclusive as ci
from ganpo.errors import InputError
from ganpo.store import inclusive as registry
from ganpo.store.inclusive_models import LEDGER_KINDS, SUBMISSION_STATUSES
from ganpo.web.auth import Principal, require_roles, store

router = APIRouter()
Store = Annotated[Engine, Depends(store)]
Office = Annotated[Principal, Depends(require_roles("admin", "office"))]
Submitter = Annotated[Principal, Depends(require_roles("admin", "office", "reporter"))]
Reviewer = Annotated[Principal, Depends(require_roles("admin", "office", "reviewer"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "office", "reviewer", "auditor"))]
Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


class MethodologyOut(BaseModel):
    code: str
    version: int
    title_zh: str
    title_en: str
    activity_zh: str
    activity_en: str
    unit: str
    baseline_zh: str
    baseline_en: str
    factor: float = Field(description="kg CO2e per unit of activity / 单位活动减排量")
    factor_unit: str
    factor_year: int
    factor_source: str
    factor_status: Literal["verified", "unverified", "synthetic"]
    evidence: list[dict[str, str]]
    crediting_period_years: int


class ParticipantIn(BaseModel):
    identity: str | None = Field(
        default=None, description="ID or licence number, hashed at once, never stored / 身份号"
    )
    pseudonym: str | None = Field(default=None, description="or its keyed hash / 假名")
    kind: Literal["person", "firm", "village"]
    region_adcode: int = Field(ge=100000, le=999999)
    consent_scope: str = Field(min_length=1, max_length=500)


class ExclusionIn(BaseModel):
    asset_id: str = Field(min_length=1, max_length=200)
    kind: Literal["ccer", "inventory"]
    reference: str = Field(min_length=1, max_length=500)
    period_start: date | None = None
    period_end: date | None = None


class EvidenceIn(BaseModel):
    item: str = Field(max_length=60)
    name: str = Field(max_length=300)
    sha256: str = Field(max_length=64)


class SubmissionIn(BaseModel):
    participant_id: int = Field(ge=1)
    methodology: str
    version: int | None = None
    asset_id: str = Field(min_length=1, max_length=200)
    period_start: date
    period_end: date
    quantity: float
    evidence: list[EvidenceIn]


class ReviewIn(BaseModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=1000)


class TransferIn(BaseModel):
    from_participant: int = Field(ge=1)
    to_participant: int = Field(ge=1)
    quantity: int = Field(ge=1, description="credits (kg CO2e) / 减排量（千克）")


class RetirementIn(BaseModel):
    participant_id: int = Field(ge=1)
    purpose: str = Field(min_length=1, max_length=500)
    quantity: int | None = Field(default=None, ge=1)
    first_serial: int | None = Field(default=None, ge=1)
    last_serial: int | None = Field(default=None, ge=1)


def _methodology_out(m: ci.Methodology) -> MethodologyOut:
    f = m.reduction_factor
    return MethodologyOut(
        code=m.code,
        version=m.version,
        title_zh=m.title_zh,
        title_en=m.title_en,
        activity_zh=m.activity_zh,
        activity_en=m.activity_en,
        unit=m.unit,
        baseline_zh=m.baseline_zh,
        baseline_en=m.baseline_en,
        factor=f.value,
        factor_unit=f.unit,
        factor_year=f.year,
        factor_source=f.source,
        factor_status=f.status,
        evidence=[{"item": e.item, "zh": e.zh, "en": e.en} for e in m.evidence],
        crediting_period_years=m.crediting_period_years,
    )


@router.get("/methodologies", response_model=list[MethodologyOut])
def methodologies() -> list[MethodologyOut]:
    """The methodologies, every version (public). 碳普惠方法学（公开）。"""
    return [_methodology_out(m) for m in ci.load_methodologies().values()]


def _entry(r: registry.LedgerRow, public: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "entry": r.id,
        "kind": r.kind,
        "kind_zh": LEDGER_KINDS[r.kind].split(" ")[0],
        "serials": ci.serial_range(
            r.methodology, r.version, r.vintage, r.region_adcode, r.first_serial, r.last_serial
        ),
        "first_serial": r.first_serial,
        "last_serial": r.last_serial,
        "quantity": r.quantity,
        "quantity_t_co2e": r.quantity / 1000,
        "methodology": r.methodology,
        "version": r.version,
        "vintage": r.vintage,
        "region_adcode": r.region_adcode,
        "date": f"{r.at:%Y-%m-%d}",
        "purpose": r.purpose if (r.kind == "retirement" or not public) else "",
    }
    if not public:
        out |= {
            "from_participant": r.from_participant,
            "to_participant": r.to_participant,
            "recorded_by": r.by_user,
        }
    return out


@router.get("/public/ledger")
def public_ledger(engine: Store) -> dict[str, Any]:
    """The ledger without personal data: serials, methodology, quantities, retirements
    (public, no login). 公开账本：序号、方法学、数量、注销，不含个人信息。"""
    rows = registry.ledger(engine)
    issued = sum(r.quantity for r in rows if r.kind == "issuance")
    retired = sum(r.quantity for r in rows if r.kind == "retirement")
    redeemed = sum(r.quantity for r in rows if r.kind == "redemption")
    return {
        "unit_zh": "个（1 个 = 1 千克二氧化碳当量）",
        "unit_en": "credits (1 credit = 1 kg CO2e)",
        "issued": issued,
        "retired": retired,
        "redeemed": redeemed,
        "entries": [_entry(r, public=True) for r in rows],
    }


@router.get("/ledger")
def full_ledger(engine: Store, principal: Reader) -> dict[str, Any]:
    """The ledger with participants' numbers (an auditor: its region's credits only).
    碳普惠账本（含参与者编号）。"""
    rows = [r for r in registry.ledger(engine) if principal.can_see(r.region_adcode)]
    return {"entries": [_entry(r, public=False) for r in rows]}


@router.post("/participants", status_code=status.HTTP_201_CREATED)
def register(
    body: ParticipantIn, engine: Store, principal: Office, request: Request
) -> dict[str, int]:
    """Register a participant with its consent (its identity is hashed, never stored).
    登记参与者（身份号即时哈希，不存储）。"""
    if (body.identity is None) == (body.pseudonym is None):
        raise InputError(
            en="give either the identity (hashed with the registry's key) or the pseudonym",
            zh="请提供身份号或假名之一",
            field="identity",
        )
    if body.identity is not None:
        key = request.app.state.settings.inclusive_key
        if not key:
            raise InputError(
                en="the registry has no pseudonym key (setting GANPO_INCLUSIVE_KEY): register "
                "by pseudonym, or ask the administrator to set the key",
                zh="未设置假名密钥，请以假名登记或请管理员设置密钥",
                field="identity",
            )
        pseudonym = ci.pseudonym(body.identity, key.encode("utf-8"))
    else:
        assert body.pseudonym is not None
        pseudonym = body.pseudonym
    pid = registry.register_participant(
        engine, pseudonym, body.kind, body.region_adcode, body.consent_scope,
        registered_by=principal.username,
    )  # fmt: skip
    return {"id": pid}


@router.post("/participants/{participant_id}/withdraw")
def withdraw(participant_id: Id, engine: Store, principal: Office) -> dict[str, Any]:
    """Record a participant's withdrawal of consent: no new claims; its credits stay.
    撤回同意：不再受理申报，已签发减排量保留。"""
    registry.withdraw_consent(engine, participant_id, principal.username)
    return {"id": participant_id, "withdrawn": True}


@router.post("/exclusions", status_code=status.HTTP_201_CREATED)
def exclude(body: ExclusionIn, engine: Store, principal: Office) -> dict[str, int]:
    """An asset that may not be claimed: in a CCER project or counted in an inventory's
    sink. 不得申报的资产（CCER 项目或已计入清单碳汇）。"""
    xid = registry.add_exclusion(
        engine, body.asset_id, body.kind, body.reference, body.period_start, body.period_end,
        added_by=principal.username,
    )  # fmt: skip
    return {"id": xid}


@router.get("/participants/{participant_id}/balance")
def balance(participant_id: Id, engine: Store, principal: Reader) -> dict[str, Any]:
    """A participant's credits, replayed from the ledger. 参与者持有的减排量。"""
    n = registry.balance(engine, participant_id)
    return {"participant": participant_id, "credits": n, "t_co2e": n / 1000}


@router.post("/submissions", status_code=status.HTTP_201_CREATED)
def submit(body: SubmissionIn, engine: Store, principal: Submitter) -> dict[str, Any]:
    """Submit a claim with its evidence (names and SHA-256). 提交申报及证据。"""
    m = ci.methodology(body.methodology, body.version)
    sid = ci.submit_claim(
        engine,
        m,
        participant_id=body.participant_id,
        asset_id=body.asset_id,
        period_start=body.period_start,
        period_end=body.period_end,
        quantity=body.quantity,
        evidence_items=[registry.Evidence(e.item, e.name, e.sha256) for e in body.evidence],
        submitted_by=principal.username,
    )
    return {"id": sid, "reduction_kg": m.reduction_kg(body.quantity)}


@router.get("/submissions")
def list_submissions(
    engine: Store,
    principal: Annotated[
        Principal, Depends(require_roles("admin", "office", "reviewer", "reporter"))
    ],
    state: Literal["submitted", "approved", "rejected", "issued"] | None = None,
) -> list[dict[str, Any]]:
    """Claims, with their evidence and review. 申报列表。"""
    versions = {m.id: (m.code, m.version) for m in registry.methodology_versions(engine)}
    out = []
    for s in registry.submissions(engine, state):
        code, version = versions[s.methodology_id]
        out.append(
            {
                "id": s.id,
                "participant_id": s.participant_id,
                "methodology": code,
                "version": version,
                "asset_id": s.asset_id,
                "period_start": str(s.period_start),
                "period_end": str(s.period_end),
                "quantity": s.quantity,
                "unit": s.unit,
                "reduction_kg": s.reduction_kg,
                "status": s.status,
                "status_zh": SUBMISSION_STATUSES[s.status].split(" ")[0],
                "submitted_by": s.submitted_by,
                "reviewed_by": s.reviewed_by,
                "review_reason": s.review_reason,
                "evidence": [
                    {"item": e.item, "name": e.name, "sha256": e.sha256}
                    for e in registry.evidence_of(engine, s.id)
                ],
            }
        )
    return out


@router.post("/submissions/{submission_id}/review")
def review(submission_id: Id, body: ReviewIn, engine: Store, principal: Reviewer) -> dict[str, Any]:
    """Approve or reject a claim (not by its submitter). 审核申报（提交人不得自审）。"""
    registry.review(engine, submission_id, principal.username, body.approve, body.reason)
    return {"id": submission_id, "status": "approved" if body.approve else "rejected"}


@router.post("/submissions/{submission_id}/issue", status_code=status.HTTP_201_CREATED)
def issue(submission_id: Id, engine: Store, principal: Office) -> dict[str, Any]:
    """Issue an approved claim's credits as a block of serials. 签发减排量。"""
    b = registry.issue(engine, submission_id, principal.username)
    return {
        "block": b.id,
        "first_serial": b.first_serial,
        "last_serial": b.last_serial,
        "quantity": b.last_serial - b.first_serial + 1,
        "vintage": b.vintage,
    }


def _moved(entries: list[Any]) -> dict[str, Any]:
    return {
        "entries": [e.id for e in entries],
        "quantity": sum(e.quantity for e in entries),
        "serials": [[e.first_serial, e.last_serial] for e in entries],
    }


@router.post("/transfers", status_code=status.HTTP_201_CREATED)
def transfer(body: TransferIn, engine: Store, principal: Office) -> dict[str, Any]:
    """Transfer credits between participants (lowest serials first). 转让减排量。"""
    return _moved(
        registry.transfer(
            engine, body.from_participant, body.to_participant, body.quantity, principal.username
        )
    )


@router.post("/retirements", status_code=status.HTTP_201_CREATED)
def retire(body: RetirementIn, engine: Store, principal: Office) -> dict[str, Any]:
    """Retire credits a participant holds (a quantity, or serials). 注销减排量。"""
    serials = None
    if body.first_serial is not None or body.last_serial is not None:
        if body.first_serial is None or body.last_serial is None or body.quantity is not None:
            raise InputError(
                en="give either a quantity or both first_serial and last_serial",
                zh="请提供数量，或同时提供起止序号",
                field="serials",
            )
        serials = (body.first_serial, body.last_serial)
    return _moved(
        registry.retire(
            engine,
            body.participant_id,
            principal.username,
            body.purpose,
            quantity=body.quantity,
            serials=serials,
        )
    )


# --------------------------------------------------------------------- sink credits (0052)


class SinkProjectIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["forest", "wetland"]
    owner_participant: int = Field(ge=1)
    parcels: list[str] = Field(min_length=1, max_length=500)
    vintages: list[int] = Field(min_length=1, max_length=60)


class SinkIssueIn(BaseModel):
    vintage: int
    verified_by: str = Field(min_length=1, max_length=100, description="核验人（非签发人）")
    reason: str = Field(min_length=1, max_length=1000)
    account_id: int | None = Field(default=None, ge=1)
    quantity_t: float | None = Field(default=None, gt=0, description="t CO2 / 吨二氧化碳")


def _sink_rows(engine: Engine) -> list[dict[str, Any]]:
    """Sink projects by vintage, without the owner (public)."""
    from ganpo.store.inclusive_models import SINK_KINDS
    from ganpo.store.inclusive_sinks import projects

    out = []
    for p in projects(engine):
        issued = {i.vintage: i for i in p.issuances}
        for vintage, codes in sorted(p.parcels.items()):
            i = issued.get(vintage)
            out.append(
                {
                    "project": p.code,
                    "name": p.name,
                    "kind_zh": SINK_KINDS[p.kind][0],
                    "kind_en": SINK_KINDS[p.kind][1],
                    "methodology": p.methodology,
                    "version": p.version,
                    "vintage": vintage,
                    "parcels": codes,
                    "measured_t_co2": i.measured_t if i else None,
                    "issued": i.quantity_kg if i else 0,
                    "serials": ci.serial_range(
                        p.methodology,
                        p.version,
                        vintage,
                        i.region_adcode,
                        i.first_serial,
                        i.last_serial,
                    )
                    if i
                    else None,
                }
            )
    return out


@router.get("/public/sinks")
def public_sinks(engine: Store) -> dict[str, Any]:
    """Sink projects on register parcels and their issuance, without the owner (public, no
    login). 公开的碳汇项目及签发，不含业主信息。"""
    return {
        "unit_zh": "个（1 个 = 1 千克二氧化碳）",
        "unit_en": "credits (1 credit = 1 kg CO2)",
        "projects": _sink_rows(engine),
    }


@router.post("/sinks", status_code=status.HTTP_201_CREATED)
def add_sink_project(body: SinkProjectIn, engine: Store, principal: Office) -> dict[str, Any]:
    """Set up a forest or wetland sink project on register parcels. 登记碳汇项目。"""
    from ganpo.carbon import sink_credits as sc

    pid = sc.add_project(
        engine,
        code=body.code,
        name=body.name,
        kind=body.kind,
        owner_participant=body.owner_participant,
        parcels=body.parcels,
        vintages=body.vintages,
        created_by=principal.username,
    )
    return {"id": pid, "code": body.code}


@router.post("/sinks/{code}/issue", status_code=status.HTTP_201_CREATED)
def issue_sink(
    code: Annotated[str, PathParam(min_length=1, max_length=64)],
    body: SinkIssueIn,
    engine: Store,
    principal: Office,
) -> dict[str, Any]:
    """Measure a sink project's vintage from the GEP account of that year and issue its
    credits into the ledger (once per project and vintage). 计量并签发碳汇减排量。"""
    from ganpo.carbon import sink_credits as sc

    got = sc.issue(
        engine,
        code,
        body.vintage,
        issued_by=principal.username,
        verified_by=body.verified_by,
        reason=body.reason,
        account_id=body.account_id,
        quantity_t=body.quantity_t,
    )
    m = got.measurement
    return {
        "project": code,
        "vintage": body.vintage,
        "account_id": m.account_id,
        "measured_t_co2": m.measured_t,
        "other_cells_t_co2": m.other_t,
        "credits": got.credits,
        "serials": got.serials,
        "first_serial": got.record.first_serial,
        "last_serial": got.record.last_serial,
    }
