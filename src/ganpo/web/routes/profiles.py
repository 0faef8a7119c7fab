"""``/api/profiles``: the accounting profiles and each one's method table (方法表), readable by
every signed-in user. The table is :func:`ganpo.report.method_table.method_table`, the same
one ``ganpo profiles NAME --methods`` prints and the annual report's methods chapter shows."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from ganpo.web.auth import CurrentPrincipal

router = APIRouter()

ProfileName = Annotated[
    str, PathParam(max_length=100, description="profile name (GET /api/profiles) / 核算口径")
]


class ProfileOut(BaseModel):
    name: str
    title_zh: str
    title_en: str
    standard: str
    verified: bool = Field(description="its methods checked against the standard's text")
    parameter_set: str
    indicators: int


class ParameterOut(BaseModel):
    name: str
    value: str = Field(description="the value (or one per ecosystem type) with its unit")
    year: int = Field(description="the year the value is stated for")
    status: Literal["verified", "unverified", "placeholder"]
    status_name: str
    index: str | None = Field(
        description="the price index that brings it to the accounting year, if any"
    )


class DeviationOut(BaseModel):
    what: str = Field(description="what departs from the application followed")
    why: str = Field(description="why")


class MethodRowOut(BaseModel):
    indicator: str = Field(description="indicator key (an identifier)")
    indicator_name: str
    physical: bool = Field(description="reported beside the GEP, never valued")
    method: str = Field(description="method key (an identifier)")
    method_name: str
    formula: str
    quantity_unit: str
    basis: str = Field(description="the clause followed, or 'text unobtainable → follows …'")
    text_unobtainable: bool
    follows: str = Field(description="the published application followed")
    parameters: list[ParameterOut]
    deviations: list[DeviationOut] = Field(description="in the table's language (lang)")
    status: Literal["standard", "application", "unverified"]
    status_text: str


class MethodTableOut(BaseModel):
    profile: str
    title: str
    basis: str = Field(description="how a report under this profile names its basis")
    language: Literal["zh", "en"]
    rows: list[MethodRowOut]


@router.get("", response_model=list[ProfileOut], summary="Accounting profiles / 核算口径")
def list_profiles(_: CurrentPrincipal) -> list[ProfileOut]:
    """The shipped profiles: each standard's choice of indicators and methods. 核算口径列表。"""
    from ganpo.catalog.profiles import load_profile, profile_names

    return [
        ProfileOut(
            name=p.name,
            title_zh=p.title_zh,
            title_en=p.title_en,
            standard=p.standard,
            verified=p.verified,
            parameter_set=p.parameter_set,
            indicators=len(p.indicators),
        )
        for p in (load_profile(n) for n in profile_names())
    ]


@router.get(
    "/{name}/methods",
    response_model=MethodTableOut,
    summary="Method table of a profile / 核算方法表",
)
def profile_methods(
    name: ProfileName,
    _: CurrentPrincipal,
    lang: Annotated[Literal["zh", "en"], Query(description="language / 语言")] = "zh",
) -> MethodTableOut:
    """Indicator × method × formula × the clause followed (or "text unobtainable → follows
    …") × parameters (value, year, status) × verified status, with each method's deviations
    from what it follows. 指标 × 方法 × 公式 × 依据条款 × 参数 × 核实情况。"""
    from ganpo.catalog.profiles import load_profile, profile_names
    from ganpo.report.method_table import basis_sentence, method_table

    if name not in profile_names():  # never a path: only the shipped profiles
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no profile {name!r}; the profiles are {', '.join(profile_names())} / 无此核算口径",
        )
    profile = load_profile(name)
    rows = method_table(name, lang)
    return MethodTableOut(
        profile=name,
        title=profile.title_zh if lang == "zh" else profile.title_en,
        basis=basis_sentence(name, lang, subject="profile"),
        language=lang,
        rows=[
            MethodRowOut(
                indicator=r.indicator,
                indicator_name=r.indicator_name,
                physical=r.physical,
                method=r.method,
                method_name=r.method_name,
                formula=r.formula,
                quantity_unit=r.quantity_unit,
                basis=r.basis,
                text_unobtainable=r.clause is None,
                follows=r.cite,
                parameters=[
                    ParameterOut(
                        name=p.name,
                        value=p.value,
                        year=p.year,
                        status=p.status,
                        status_name=p.status_name,
                        index=p.index,
                    )
                    for p in r.parameters
                ],
                deviations=[DeviationOut(what=d.what, why=d.why) for d in r.deviations],
                status=r.status,
                status_text=r.status_text,
            )
            for r in rows
        ],
    )
