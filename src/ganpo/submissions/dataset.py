"""The dataset an account is run on: the base dataset with the approved submissions.

Rule (docs/decisions/0011): an account runs only on approved data. Every form the
profile needs — each statistics table its methods read and each raster layer, the
ecosystem type layer included — must have an *approved* current version for the year;
otherwise :class:`~ganpo.errors.InputError` names every form that is not (its department
and state). A form never opened for the year is not approved either: the office either
has it reported, or adopts the base dataset's file for it, which is an audited approval
(:func:`ganpo.submissions.workflow.adopt_base`). ``fallback_to_base=True`` relaxes
this for forms never opened (they come from the base dataset, and the result says so);
forms opened but not approved block the run in every case.

Approved forms the profile does not need replace the base entries too (they are approved
data). The dataset is written to ``work_dir/datasets/<year>-<key>/`` with its manifest and
checksums (:func:`ganpo.io.manifest.write_manifest`); the key is a digest of the base
manifest, the year and the submission versions, so the same approved inputs give the same
folder (built once, atomically).

An approved table's flagged findings (unusual values, fluctuations) with the reporter's
explanations go into its manifest entry as ``overrides``
(:class:`ganpo.io.manifest.TableOverride`: what was found, the explanation, who explained
it, who approved it and when); the engine records each as a Decision with basis
``override`` (docs/decisions/0027). Explanations are given before submission and a
version never changes after it, so the key above also fixes them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from ganpo.errors import InputError
from ganpo.io.manifest import (
    MANIFEST_NAME,
    LayerEntry,
    Manifest,
    TableEntry,
    TableOverride,
    load_manifest,
    write_manifest,
)
from ganpo.io.roles import LAYER_ROLES
from ganpo.store import reporting as store
from ganpo.store.reporting import SubmissionRecord
from ganpo.submissions.forms import Form, all_forms
from ganpo.submissions.workflow import stored_path


@dataclass(frozen=True)
class FormReadiness:
    """Where a form stands for an account: approved (with version) or why not."""

    form: Form
    submission: SubmissionRecord | None

    @property
    def approved(self) -> bool:
        return self.submission is not None and self.submission.state == store.APPROVED

    @property
    def missing_columns(self) -> list[str]:
        """Columns the profile needs that the approved version does not have (a table
        approved under another profile's requirements)."""
        if not self.approved or self.form.kind != "table" or self.submission is None:
            return []
        have = self.submission.current.columns
        return [c for c in self.form.required_columns if c not in have]

    @property
    def usable(self) -> bool:
        return self.approved and not self.missing_columns

    def describe(self) -> str:
        f = self.form
        if self.submission is None:
            state = "未填报 never opened"
        elif self.missing_columns:
            state = (
                f"approved without column(s) {', '.join(self.missing_columns)} that profile "
                f"{f.profile} needs; return it for completion / 缺少本口径所需列"
            )
        else:
            state = store.STATE_NAMES[self.submission.state]
        return f"{f.key} ({f.name_zh} {f.name_en}; {f.department_zh} {f.department}): {state}"


@dataclass
class ApprovedDataset:
    """The built dataset: its manifest and the submission versions it holds."""

    manifest: Path
    submissions: list[tuple[int, int]]
    from_base: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.manifest.parent


def readiness(engine: Engine, year: int, profile: str | None = None) -> list[FormReadiness]:
    """Every form of the year with its submission (``None``: never opened)."""
    subs = {s.form: s for s in store.list_submissions(engine, year=year)}
    return [FormReadiness(f, subs.get(f.key)) for f in all_forms(year, profile, domain="gep")]


def blocking(ready: list[FormReadiness], *, fallback_to_base: bool = False) -> list[FormReadiness]:
    """The required forms that stop an account from running."""
    return [
        r
        for r in ready
        if r.form.required and not r.usable and not (fallback_to_base and r.submission is None)
    ]


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def approved_dataset(
    engine: Engine,
    year: int,
    base_dir: Path,
    work_dir: Path,
    *,
    profile: str | None = None,
    fallback_to_base: bool = False,
) -> ApprovedDataset:
    """Build (or reuse) the dataset of ``year`` from the approved submissions.

    Raises :class:`InputError` naming every required form not approved.
    """
    ready = readiness(engine, year, profile)
    blocked = blocking(ready, fallback_to_base=fallback_to_base)
    if blocked:
        names = "; ".join(r.describe() for r in blocked)
        raise InputError(
            en=f"the account of {year} can run only on approved data; {len(blocked)} form(s) "
            f"are not approved: {names}. Have them reported and approved, or let the office "
            "adopt the base data for forms nobody reports",
            zh=f"{year} 年核算只能使用审核通过的数据，以下报表尚未通过：{names}",
            field="forms",
            values=[r.form.key for r in blocked],
        )
    base = load_manifest(Path(base_dir))
    m = base.manifest
    approved = {r.form.key: r.submission for r in ready if r.approved and r.submission}
    pairs = sorted((s.id, s.current_version) for s in approved.values())
    key = hashlib.sha256(
        json.dumps([base.manifest_sha256, year, pairs]).encode("utf-8")
    ).hexdigest()[:16]
    from_base = sorted(r.form.key for r in ready if r.form.required and not r.approved)
    target = Path(work_dir) / "datasets" / f"{year}-{key}"
    if (target / MANIFEST_NAME).exists():
        load_manifest(target)  # checksums verified: a tampered folder is refused
        return ApprovedDataset(target / MANIFEST_NAME, pairs, from_base)

    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir(parents=True)
    try:
        units_name = "units" + Path(m.units.path).suffix
        _link(base.path(m.units), tmp / units_name)
        # the same units (level, parent layers, declared repairs), from the linked file
        units = m.units.model_copy(update={"path": units_name, "sha256": ""})
        layers: list[LayerEntry] = []
        tables: list[TableEntry] = []
        for role, spec in LAYER_ROLES.items():
            sub = approved.get(role)
            rel = f"layers/{role}.tif"
            if sub is not None:
                v = sub.current
                _link(stored_path(work_dir, year, v.data_file), tmp / rel)
                layers.append(
                    LayerEntry(
                        role=role,
                        path=rel,
                        unit=spec.unit,
                        year=year,
                        source=_source(sub),
                        synthetic=v.origin == "base" and _base_synthetic(m, role, year, "layer"),
                    )
                )
                continue
            entry = m.layer(role, year)
            if entry is None:
                continue
            _link(base.path(entry), tmp / rel)
            layers.append(entry.model_copy(update={"path": rel, "sha256": ""}))
        for r in ready:
            if r.form.kind != "table":
                continue
            role, sub = r.form.key, approved.get(r.form.key)
            rel = f"tables/{role}.csv"
            if sub is not None:
                v = sub.current
                _link(stored_path(work_dir, year, v.data_file), tmp / rel)
                tables.append(
                    TableEntry(
                        role=role,
                        year=year,
                        path=rel,
                        columns=dict(v.columns),
                        source=_source(sub),
                        synthetic=v.origin == "base" and _base_synthetic(m, role, year, "table"),
                        overrides=overrides(sub) or None,
                    )
                )
                continue
            tentry = m.table(role, year)
            if tentry is None:
                continue
            _link(base.path(tentry), tmp / rel)
            tables.append(tentry.model_copy(update={"path": rel, "sha256": ""}))
        synthetic = units.synthetic or any(e.synthetic for e in [*layers, *tables])
        manifest = Manifest(
            name=f"{m.name}-approved",
            title_zh=f"{m.title_zh}（{year} 年审核通过的填报数据）",
            title_en=f"{m.title_en} (approved submissions of {year})",
            region_adcode=m.region_adcode,
            region_name=m.region_name,
            years=[year],
            synthetic=synthetic,
            description=(
                f"Built by ganpo.submissions from the base dataset {m.name} "
                f"(manifest sha256 {base.manifest_sha256[:12]}…) and the approved submissions "
                f"{', '.join(f'{s}v{v}' for s, v in pairs) or '(none)'} of {year}."
            ),
            generator={"name": "ganpo.submissions", "base": m.name, "year": year},
            units=units,
            layers=layers,
            tables=tables,
        )
        write_manifest(manifest, tmp)
        try:
            tmp.rename(target)
        except OSError:  # built meanwhile by another request: use that one
            shutil.rmtree(tmp, ignore_errors=True)
            if not (target / MANIFEST_NAME).exists():
                raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ApprovedDataset(target / MANIFEST_NAME, pairs, from_base)


def overrides(sub: SubmissionRecord) -> list[TableOverride]:
    """The explained flags of an approved submission's current version, as the manifest
    carries them (who explained, who approved and when). Flags without an explanation
    (none can pass :func:`~ganpo.submissions.workflow.submit`) are left out."""
    v = sub.current
    approvals = [e for e in sub.events if e.action == "approve" and e.version == v.version]
    if not v.flags or not approvals:
        return []
    approved = approvals[-1]
    given = sub.explanations_of(v.version)
    out = []
    for flag in v.flags:
        x = given.get(flag["key"])
        if x is None:
            continue
        out.append(
            TableOverride(
                key=flag["key"],
                kind=flag["kind"],
                subject=flag["subject"],
                unit_code=flag.get("county"),
                message_en=flag["reason_en"],
                message_zh=flag["reason_zh"],
                explanation=x.text,
                explained_by=x.author,
                explained_at=x.at.isoformat(),
                approved_by=approved.actor,
                approved_at=approved.at.isoformat(),
                submission=f"submission {sub.id} version {v.version}",
            )
        )
    return out


def _source(sub: SubmissionRecord) -> str:
    v = sub.current
    how = "adopted from the base dataset by" if v.origin == "base" else "uploaded by"
    return (
        f"report submission {sub.id} version {v.version} ({sub.department}), {how} "
        f"{v.uploaded_by} {v.uploaded_at:%Y-%m-%d}, approved; file {v.original_name}"
    )


def _base_synthetic(m: Manifest, role: str, year: int, kind: str) -> bool:
    entry = m.table(role, year) if kind == "table" else m.layer(role, year)
    return bool(entry and entry.synthetic)
