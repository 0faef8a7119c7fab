"""The carbon-inclusive registry (碳普惠, issue 16): methodologies as versioned data,
pseudonymous participants, claims with evidence, serial numbers of the credits.

A methodology (``catalog/data/carbon/inclusive/<name>-v<version>.toml``) states the
activity and its unit, the baseline, the reduction factor with its source and status
(verified, unverified or synthetic), the evidence a claim must carry and the crediting
period. A claim's reduction is

.. math:: ER = \\lfloor Q \\times f \\rfloor

with :math:`Q` the activity in the methodology's unit and :math:`f` the reduction factor
[kg CO2e per unit]; one credit is one kilogram of CO2e, the fraction of a kilogram is not
issued (a simplification: Guangdong's PHCER counts tonnes; kilograms keep a person's
yearly trips above zero).

Serial numbers: one global sequence of integers; a credit is shown as
``CI-<code>-V<version>-<vintage>-<region>-<serial:012d>``, e.g.
``CI-PT-V1-2024-360102-000000000001``, so that a serial names the methodology version,
the year and the region it was issued under, which never change.

The workflow (what must be checked against the registry in one transaction) is in
:mod:`ganpo.store.inclusive`; this module adds the domain rules before it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from ganpo.catalog.files import data_dir, load_toml_model
from ganpo.errors import InputError, UnknownNameError, pattern_in_words
from ganpo.store import inclusive as store

#: the folder of the shipped methodologies
METHODOLOGY_DIR = data_dir("carbon") / "inclusive"
#: the form of a methodology's code (``PV``, ``FWS``), declared with its words
METHODOLOGY_CODE = pattern_in_words(
    r"^[A-Z][A-Z0-9]{1,9}$",
    "an upper-case letter, then 1 to 9 upper-case letters or digits",
    "以大写字母开头，其后为 1 至 9 个大写字母或数字",
)


class ReductionFactor(BaseModel):
    """Reduction per unit of activity [kg CO2e per unit], with its source and status."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(gt=0)
    unit: str
    year: int
    source: str
    status: Literal["verified", "unverified", "synthetic"]


class EvidenceItem(BaseModel):
    """An item of evidence a claim must carry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str
    zh: str
    en: str


class Methodology(BaseModel):
    """One version of a carbon-inclusive methodology."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(**METHODOLOGY_CODE)
    version: int = Field(ge=1)
    title_zh: str
    title_en: str
    activity_zh: str
    activity_en: str
    unit: str
    unit_en: str
    participant_kinds: list[Literal["person", "firm", "village"]]
    baseline_zh: str
    baseline_en: str
    crediting_period_years: int = Field(ge=1, le=30)
    effective_from: date
    reduction_factor: ReductionFactor
    evidence: list[EvidenceItem] = Field(min_length=1)

    @property
    def key(self) -> str:
        return f"{self.code}-v{self.version}"

    def content(self) -> dict[str, Any]:
        """The content as JSON-able data (its digest pins the version in the registry)."""
        return self.model_dump(mode="json")

    def reduction_kg(self, quantity: float) -> int:
        """Whole kilograms of CO2e of ``quantity`` units of activity (fraction not issued).

        >>> m = methodology("PV", 1)
        >>> m.reduction_kg(1000.0)  # 1000 kWh × 0.5366 kg/kWh = 536.6 kg
        536
        """
        return math.floor(quantity * self.reduction_factor.value + 1e-9)


class Versioned(Protocol):
    """A methodology file's identity: its code and version."""

    @property
    def code(self) -> str: ...

    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def load_versions(
    folder: Path, read: Callable[[Path], V], name_en: str, name_zh: str
) -> dict[tuple[str, int], V]:
    """Every version of the methodologies in ``folder`` (each ``*.toml`` file read by
    ``read``), by (code, version); two files of the same version are refused, naming the
    methodology as ``name_en`` / ``name_zh``."""
    found: dict[tuple[str, int], V] = {}
    for path in sorted(folder.glob("*.toml")):
        m = read(path)
        if (m.code, m.version) in found:
            raise InputError(
                en=f"two files define {name_en} {m.code} version {m.version}",
                zh=f"{name_zh} {m.code} 第 {m.version} 版重复定义",
                source=path,
                field="version",
            )
        found[(m.code, m.version)] = m
    return found


def pick_version(
    found: Mapping[tuple[str, int], V], code: str, version: int | None, what: str, of: str
) -> V:
    """Version ``version`` (default: the newest) of methodology ``code`` among ``found``;
    an unknown code (named as ``what``) or version (as a version of ``of``) is named with
    the ones that exist."""
    versions = sorted(v for c, v in found if c == code)
    if not versions:
        raise UnknownNameError(what, code, {c for c, _ in found})
    v = versions[-1] if version is None else version
    if (code, v) not in found:
        raise UnknownNameError(f"version of {of} {code}", str(v), [str(x) for x in versions])
    return found[(code, v)]


def load_methodologies(folder: Path | None = None) -> dict[tuple[str, int], Methodology]:
    """Every methodology version in ``folder`` (default: the shipped ones), by (code,
    version); two files of the same version are refused."""
    return load_versions(
        folder or METHODOLOGY_DIR,
        lambda path: load_toml_model(path, Methodology, "carbon-inclusive methodology"),
        "methodology",
        "方法学",
    )


@cache
def _shipped() -> dict[tuple[str, int], Methodology]:
    return load_methodologies()


def methodology(code: str, version: int | None = None, folder: Path | None = None) -> Methodology:
    """Methodology ``code`` at ``version`` (default: its newest); an unknown one is named
    with the ones that exist."""
    found = load_methodologies(folder) if folder else _shipped()
    return pick_version(found, code, version, "carbon-inclusive methodology", "methodology")


def pseudonym(identity: str, key: bytes) -> str:
    """The participant's pseudonym: HMAC-SHA256 of its identity (an ID number, a business
    licence number, a village code) under the registry's secret key. The identity is not
    stored; without the key the pseudonym cannot be traced back to it by guessing."""
    if len(key) < 16:
        raise InputError(
            en="the registry's pseudonym key must be at least 16 bytes",
            zh="假名密钥至少 16 字节",
            field="key",
        )
    return hmac.new(key, identity.strip().encode("utf-8"), hashlib.sha256).hexdigest()


def evidence(item: str, name: str, content: bytes) -> store.Evidence:
    """An evidence item from a file's content: its name and SHA-256 are kept."""
    return store.Evidence(item=item, name=name, sha256=hashlib.sha256(content).hexdigest())


def check_evidence(m: Methodology, items: list[store.Evidence]) -> None:
    """Refuse a claim that lacks an evidence item its methodology requires, or carries
    one it does not know."""
    given = {e.item for e in items}
    missing = [e for e in m.evidence if e.item not in given]
    if missing:
        raise InputError(
            en=f"the claim under {m.code} v{m.version} lacks its evidence: "
            f"{'; '.join(f'{e.en} ({e.item})' for e in missing)}; attach it and submit again",
            zh=f"申报缺少方法学 {m.code} 第 {m.version} 版要求的证据："
            f"{'；'.join(e.zh for e in missing)}，请补充后重新提交",
            field="evidence",
            values=[e.item for e in missing],
        )
    known = {e.item for e in m.evidence}
    extra = sorted(given - known)
    if extra:
        raise InputError(
            en=f"evidence item(s) {', '.join(extra)} are not asked by {m.code} v{m.version} "
            f"(it asks {', '.join(sorted(known))})",
            zh=f"证据项 {'、'.join(extra)} 不属于该方法学",
            field="evidence",
            values=extra,
        )


def serial(m_code: str, version: int, vintage: int, region: int, number: int) -> str:
    """A credit's serial as shown.

    >>> serial("PT", 1, 2024, 360102, 1)
    'CI-PT-V1-2024-360102-000000000001'
    """
    return f"CI-{m_code}-V{version}-{vintage}-{region}-{number:012d}"


def serial_range(
    m_code: str, version: int, vintage: int, region: int, first: int, last: int
) -> str:
    """A run of serials as shown: the first in full, then the last number.

    >>> serial_range("PV", 1, 2024, 360102, 7, 9)
    'CI-PV-V1-2024-360102-000000000007–000000000009'
    """
    head = serial(m_code, version, vintage, region, first)
    return head if last == first else f"{head}–{last:012d}"


def submit_claim(
    engine: Engine,
    m: Methodology,
    *,
    participant_id: int,
    asset_id: str,
    period_start: date,
    period_end: date,
    quantity: float,
    evidence_items: list[store.Evidence],
    submitted_by: str,
) -> int:
    """Check a claim against its methodology (evidence, participant kind, period,
    quantity), record the methodology version (refused if changed since it was first
    used) and store the claim; returns its id."""
    if not math.isfinite(quantity) or quantity <= 0:
        raise InputError(
            en=f"the activity quantity must be a positive number of {m.unit_en}, not {quantity}",
            zh=f"活动量须为正数（{m.unit}）",
            field="quantity",
            values=[quantity],
        )
    if period_end < period_start:
        raise InputError(
            en=f"the period ends ({period_end}) before it starts ({period_start})",
            zh="申报期间的结束日期早于开始日期",
            field="period",
            values=[str(period_start), str(period_end)],
        )
    if (period_end - period_start).days > 366:
        raise InputError(
            en=f"a claim covers at most one year; {period_start}–{period_end} is longer: split "
            "it by year",
            zh="单次申报期间不超过一年，请按年拆分",
            field="period",
            values=[str(period_start), str(period_end)],
        )
    if period_start < m.effective_from:
        raise InputError(
            en=f"{m.code} v{m.version} is effective from {m.effective_from}; the period starts "
            f"on {period_start}",
            zh=f"方法学自 {m.effective_from} 起施行，申报期间早于此日",
            field="period",
            values=[str(period_start)],
        )
    participant_kind = store.participant(engine, participant_id).kind
    if participant_kind not in m.participant_kinds:
        raise InputError(
            en=f"{m.code} v{m.version} is open to {', '.join(m.participant_kinds)}, not to a "
            f"{participant_kind}",
            zh="该方法学不适用于此类参与者",
            field="participant",
            values=[participant_kind],
        )
    if not asset_id.strip():
        raise InputError(
            en="a claim names its asset (card, meter, parcel)",
            zh="申报须注明资产编号",
            field="asset_id",
        )
    check_evidence(m, evidence_items)
    mid = store.record_methodology(engine, m.code, m.version, m.content())
    return store.submit(
        engine,
        participant_id=participant_id,
        methodology_id=mid,
        asset_id=asset_id.strip(),
        period_start=period_start,
        period_end=period_end,
        quantity=quantity,
        unit=m.unit,
        reduction_kg=m.reduction_kg(quantity),
        evidence=evidence_items,
        submitted_by=submitted_by,
        crediting_period_years=m.crediting_period_years,
    )
