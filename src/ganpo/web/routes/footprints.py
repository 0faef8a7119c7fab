"""Product carbon footprints on the platform (产品碳足迹, ISO 14067 / GB/T 24067; decision
0057): the studies the platform holds, one study's result, and its downloads.

* ``GET /api/footprints``: the studies (the SYNTHETIC demonstration studies shipped with
  ganpo, :mod:`ganpo.footprint.studies`), each marked synthetic.
* ``GET /api/footprints/{study}``: the footprint per functional unit in kg CO₂e by
  life-cycle stage, by process and by gas, biogenic CO₂ apart, the boundary and the
  allocation stated, and the Monte Carlo interval of
  :data:`~ganpo.footprint.studies.PLATFORM_DRAWS` draws with the fixed seed
  :data:`~ganpo.footprint.studies.PLATFORM_SEED` — the figures of
  :func:`ganpo.footprint.lca.footprint`, as ``ganpo footprint run --draws 1000`` prints.
* ``GET /api/footprints/{study}/report?lang=zh|en`` (PDF), ``…/label`` (PDF, bilingual),
  ``…/pact`` (PACT JSON): the CLI's writers (:mod:`ganpo.report.footprint_report`,
  :mod:`ganpo.footprint.pact`), not a copy of them.
* Roles: every logged-in role reads the studies (they are synthetic demonstrations with no
  region or company data to scope); nobody changes them, so nothing is audited here.
* Labels in the request's ``lang`` (zh default); identifiers (``id``, ``stage``) sit beside
  the labels for the page, never instead of them.

A study is computed once per process of the platform (its result and PDFs do not change
while the shipped file does not: the PDFs are kept in the work folder under the file's
digest).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile, status
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from ganpo.errors import InputError, pattern_in_words
from ganpo.footprint.lca import Footprint, footprint
from ganpo.footprint.model import (
    STAGES,
    ProductSystem,
    parse_product_system,
    read_product_system,
)
from ganpo.footprint.pact import product_footprint
from ganpo.footprint.studies import PLATFORM_DRAWS, PLATFORM_SEED, study_ids, study_path
from ganpo.report.footprint_report import (
    GAS_NAMES,
    FootprintStudy,
    load_study,
    t,
    write_label_pdf,
    write_report_pdf,
)
from ganpo.web.auth import CurrentPrincipal, Principal, require_roles

router = APIRouter()
Lang = Annotated[Literal["zh", "en"], Query(description="language / 语言")]
StudyId = Annotated[
    str,
    PathParam(
        min_length=1,
        max_length=60,
        **pattern_in_words(
            r"^[a-z][a-z0-9-]*$",
            "a lower-case letter, then lower-case letters, digits or -",
            "以小写字母开头，其后为小写字母、数字或 -",
        ),
    ),
]
Checker = Annotated[Principal, Depends(require_roles("admin", "office", "reviewer"))]
UNIT = "kg CO₂e"
MAX_UPLOAD = 256 * 1024
MAX_PROCESSES = 200
SYNTHETIC = {
    "zh": "合成数据：示范用清单，不是企业的实测清单，数字不得引用或对外声明。",
    "en": "SYNTHETIC data: a demonstration inventory, not a company's measured inventory; "
    "do not cite or declare the numbers.",
}
BIOGENIC_NOTE = {
    "zh": "产品碳足迹不含生物源二氧化碳（单独报告）；生物源甲烷计入。",
    "en": "The footprint excludes biogenic CO₂ (reported apart); biogenic CH₄ is counted.",
}


class StudyOut(BaseModel):
    id: str = Field(description="identifier in the routes / 标识")
    title: str
    product: str
    functional_unit: str = Field(description="e.g. 1 t / 功能单位")
    boundary: str
    allocation: Literal["mass", "economic", "none"]
    gwp: str
    reference_year: int
    synthetic: bool
    synthetic_note: str | None


class Part(BaseModel):
    key: str
    label: str
    kg: float = Field(description="kg CO2e per functional unit / 千克二氧化碳当量")
    share: float | None = Field(description="of the footprint (0–1) / 占比")


class ProcessPart(Part):
    stage: str
    stage_label: str
    allocation_share: float
    direct_kg: float
    background_kg: float


class GasPart(BaseModel):
    gas: str
    label: str
    emitted_kg: float
    co2e_kg: float


class MonteCarloOut(BaseModel):
    draws: int
    seed: int
    mean_kg: float
    p2_5_kg: float
    p97_5_kg: float


class ResultOut(StudyOut):
    unit: str = Field(description="kg CO₂e per functional unit / 单位")
    total_kg: float = Field(description="the footprint, biogenic CO2 excluded / 产品碳足迹")
    biogenic_co2_kg: float = Field(description="net biogenic CO2, reported apart / 生物源")
    including_biogenic_kg: float
    biogenic_note: str
    allocation_text: str
    gwp_source: str
    by_stage: list[Part]
    by_process: list[ProcessPart]
    by_gas: list[GasPart]
    monte_carlo: MonteCarloOut | None


@lru_cache(maxsize=8)
def computed(study_id: str) -> FootprintStudy:
    """Study ``study_id`` read and computed with the platform's Monte Carlo (cached)."""
    return load_study(study_path(study_id), draws=PLATFORM_DRAWS, seed=PLATFORM_SEED)


def _study(study_id: str) -> FootprintStudy:
    """The computed study, or 404 naming the studies the platform holds."""
    if study_id not in study_ids():
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no footprint study {study_id!r}; studies: {', '.join(study_ids())} "
            "/ 没有该碳足迹研究",
        )
    return computed(study_id)


def _pick(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


def _study_out(study_id: str, sy: ProductSystem, lang: str) -> dict[str, object]:
    fu = sy.functional_unit
    return {
        "id": study_id,
        "title": _pick(sy.title_zh, sy.title_en, lang),
        "product": _pick(sy.product_name_zh, sy.product_name_en, lang),
        "functional_unit": f"{fu.amount:g} {fu.unit}",
        "boundary": t(sy.boundary, "zh" if lang == "zh" else "en"),
        "allocation": sy.allocation,
        "gwp": sy.gwp,
        "reference_year": sy.reference_year,
        "synthetic": sy.synthetic,
        "synthetic_note": SYNTHETIC[lang] if sy.synthetic else None,
    }


@router.get("", summary="Footprint studies / 碳足迹研究列表", response_model=list[StudyOut])
def list_studies(principal: CurrentPrincipal, lang: Lang = "zh") -> list[dict[str, object]]:
    """The product carbon footprint studies the platform holds (SYNTHETIC demonstrations),
    any logged-in role. 平台上的产品碳足迹研究（合成示例）。"""
    return [_study_out(i, read_product_system(study_path(i)), lang) for i in study_ids()]


@router.get("/{study}", summary="A study's footprint / 碳足迹结果", response_model=ResultOut)
def study_result(study: StudyId, principal: CurrentPrincipal, lang: Lang = "zh") -> ResultOut:
    """The footprint per functional unit (kg CO₂e) by stage, process and gas, biogenic CO₂
    apart, with the Monte Carlo 95 % interval (1000 draws, seed 20240101): the figures of
    ``ganpo footprint run --draws 1000``. 产品碳足迹及其构成与不确定性区间。"""
    s = _study(study)
    return _result_out(study, s.system, s.result, lang)


@router.post(
    "/compute", summary="Compute an uploaded study / 计算上传的研究", response_model=ResultOut
)
async def compute_upload(file: UploadFile, principal: Checker, lang: Lang = "zh") -> ResultOut:
    """Multipart field ``file``: a product system file (TOML, at most 256 KB, at most
    200 processes), computed as ``ganpo footprint run --draws 1000`` computes it and
    answered like ``GET /{study}``; nothing is stored. A bad study (a field, a unit that
    does not convert, a loop that does not converge) answers 422 with the CLI's message.
    Admin, office and reviewer (who check a company's study). 计算上传的产品系统文件（不保存）。"""
    data = await file.read(MAX_UPLOAD + 1)
    name = Path(file.filename or "").name or "study.toml"
    if len(data) > MAX_UPLOAD:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{name}: a product system file may hold at most 256 KB / 文件超过 256 KB",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            en="the product system is not UTF-8 text", zh="文件须为 UTF-8", source=name
        ) from exc

    def run() -> ResultOut:
        system = parse_product_system(text, name)
        if len(system.processes) > MAX_PROCESSES:
            raise InputError(
                en=f"at most {MAX_PROCESSES} processes on the platform, the study has "
                f"{len(system.processes)}; run it with `ganpo footprint run`",
                zh="过程过多",
                source=name,
                field="processes",
            )
        try:
            result = footprint(system, draws=PLATFORM_DRAWS, seed=PLATFORM_SEED)
        except InputError as exc:
            if exc.source is not None:
                raise
            en, zh = exc.en, exc.zh  # the computation's two halves, kept
            zh = zh if zh != en else "产品系统有误：请按上述说明改正后重新上传"
            raise InputError(en=en, zh=zh, source=name, field=exc.field, values=exc.values) from exc
        mc = result.monte_carlo or {}
        figures = [result.total_kg, result.biogenic_co2_kg, *mc.values()]
        figures += [p["kg"] for p in result.by_process]
        if not all(math.isfinite(x) for x in figures):
            raise InputError(
                en="the footprint is not a finite number: an amount is too large",
                zh="结果溢出，请检查数量",
                source=name,
            )
        return _result_out("", system, result, lang)

    return await run_in_threadpool(run)


def _result_out(study: str, system: ProductSystem, r: Footprint, lang: str) -> ResultOut:
    total = r.total_kg

    def share(kg: float) -> float | None:
        return kg / total if total else None

    lang_: Literal["zh", "en"] = "zh" if lang == "zh" else "en"
    mc = r.monte_carlo
    fu = system.functional_unit
    return ResultOut.model_validate(
        {
            **_study_out(study, system, lang),
            "unit": f"{UNIT}/{fu.amount:g} {fu.unit}",
            "total_kg": total,
            "biogenic_co2_kg": r.biogenic_co2_kg,
            "including_biogenic_kg": r.including_biogenic_kg,
            "biogenic_note": BIOGENIC_NOTE[lang],
            "allocation_text": t(f"alloc_{r.allocation}", lang_),
            "gwp_source": r.gwp_source,
            "by_stage": [
                {
                    "key": x["stage"],
                    "label": _pick(x["name_zh"], x["name_en"], lang),
                    "kg": x["kg"],
                    "share": share(x["kg"]),
                }
                for x in r.by_stage
            ],
            "by_process": [
                {
                    "key": p["key"],
                    "label": _pick(p["name_zh"], p["name_en"], lang),
                    "kg": p["kg"],
                    "share": share(p["kg"]),
                    "stage": p["stage"],
                    "stage_label": _pick(*STAGES[p["stage"]], lang),
                    "allocation_share": p["allocation_share"],
                    "direct_kg": p["direct_kg"],
                    "background_kg": p["background_kg"],
                }
                for p in r.by_process
            ],
            "by_gas": [
                {
                    "gas": g["gas"],
                    "label": _pick(*GAS_NAMES[g["gas"]], lang),
                    "emitted_kg": g["kg"],
                    "co2e_kg": g["co2e_kg"],
                }
                for g in r.by_gas
            ],
            "monte_carlo": None
            if not mc
            else {
                "draws": int(mc["draws"]),
                "seed": int(mc["seed"]),
                "mean_kg": mc["mean_kg"],
                "p2_5_kg": mc["p2_5_kg"],
                "p97_5_kg": mc["p97_5_kg"],
            },
        }
    )


def _pdf(request: Request, study: str, s: FootprintStudy, kind: str, lang: str) -> Path:
    """The PDF of ``kind`` (report, label) kept in the work folder under the study's digest."""
    folder = Path(request.app.state.settings.work_dir) / "footprints"
    out = folder / f"{study}_{s.digest[:16]}_{kind}_{lang}.pdf"
    if not out.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "label":
            write_label_pdf(s, out)
        else:
            write_report_pdf(s, out, "zh" if lang == "zh" else "en")
    return out


@router.get(
    "/{study}/report",
    summary="Footprint study report PDF / 碳足迹研究报告 PDF",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}},
)
def study_report(
    study: StudyId, request: Request, principal: CurrentPrincipal, lang: Lang = "zh"
) -> FileResponse:
    """The carbon footprint study report (ISO 14067 §7) in ``lang``, as ``ganpo footprint
    report`` writes it (the first PDF takes ~10 s: font cache). 碳足迹研究报告。"""
    s = _study(study)
    out = _pdf(request, study, s, "report", lang)
    return FileResponse(
        out, media_type="application/pdf", filename=f"footprint_{study}_report_{lang}.pdf"
    )


@router.get(
    "/{study}/label",
    summary="Carbon label PDF / 碳标识 PDF",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}},
)
def study_label(study: StudyId, request: Request, principal: CurrentPrincipal) -> FileResponse:
    """The one-page carbon label (bilingual), as ``ganpo footprint label`` writes it. 碳标识。"""
    s = _study(study)
    out = _pdf(request, study, s, "label", "zh")
    return FileResponse(out, media_type="application/pdf", filename=f"footprint_{study}_label.pdf")


@router.get(
    "/{study}/pact",
    summary="PACT product footprint JSON / PACT 数据交换格式",
    responses={200: {"content": {"application/json": {}}}},
)
def study_pact(study: StudyId, principal: CurrentPrincipal) -> Response:
    """The study as a WBCSD PACT ``ProductFootprint`` (kg CO₂e per kg, decimal strings), as
    ``ganpo footprint run --pact`` writes it. PACT 产品碳足迹数据。"""
    s = _study(study)
    body = json.dumps(product_footprint(s.system, s.result), ensure_ascii=False, indent=1)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="footprint_{study}_pact.json"'},
    )
