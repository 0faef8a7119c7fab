"""The monitoring series from the departments' reports: the values of the approved
monitoring forms of a year, as observations to record in the stored series
(docs/tracking.md, "Series reported through the forms").

Only an approved submission is read (its current version, the one the reviewer approved);
a form uploaded or submitted but not approved is listed as pending and not used. Each
value keeps the reporter's source and names the form, the version and the day it was
approved; its status is ``form`` (部门报表). The values are checked against the registry
and recorded by the caller (:func:`ganpo.tracking.stored.checked`,
:func:`ganpo.store.tracking.record_observations`): a value that differs from the one in
force becomes a new revision, the old one kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from ganpo.errors import InputError
from ganpo.store import reporting as store
from ganpo.store.tracking import ObservationRecord
from ganpo.submissions.forms import Form, tracking_forms
from ganpo.submissions.workflow import stored_path

#: an observation's status when it comes from an approved monitoring form
FORM_STATUS = "form"


@dataclass(frozen=True)
class ReportedSeries:
    """The values of the approved monitoring forms of a year, and the forms not used."""

    year: int
    observations: list[ObservationRecord]
    #: form key → "submission 3 version 2, approved 2025-03-01"
    used: dict[str, str] = field(default_factory=dict)
    #: form key → its state (uploaded, submitted, returned): not approved, not used
    pending: dict[str, str] = field(default_factory=dict)


def _approved_on(sub: store.SubmissionRecord) -> str:
    days = [e.at for e in sub.events if e.to_state == store.APPROVED]
    return max(days).date().isoformat() if days else ""


def _source(f: Form, sub: store.SubmissionRecord, reported: str) -> str:
    v, day = sub.current_version, _approved_on(sub)
    return (
        f"{f.department_zh}报表《{f.name_zh}》{f.year}年第{v}版（{day}审核通过）：{reported} / "
        f"{f.department_en}, form “{f.name_en}” {f.year} version {v} (approved {day}): "
        f"{reported}"
    )


def reported_series(engine: Engine, year: int, work_dir: Path) -> ReportedSeries:
    """The observations of ``year`` from the approved monitoring forms (their files under
    the platform's ``work_dir``). A stored file that is missing or changed since it was
    approved is an :class:`InputError` naming it: nothing is recorded from it."""
    forms = {f.key: f for f in tracking_forms(year)}
    out: list[ObservationRecord] = []
    used: dict[str, str] = {}
    pending: dict[str, str] = {}
    for sub in store.list_submissions(engine, year=year):
        f = forms.get(sub.form)
        if f is None:
            continue
        if sub.state != store.APPROVED:
            pending[f.key] = store.STATE_NAMES[sub.state]
            continue
        v = sub.current
        path = stored_path(work_dir, year, v.data_file)
        if not path.is_file():
            raise InputError(
                en=f"the approved file of form {f.key} (submission {sub.id} version "
                f"{v.version}) is not in the work folder {work_dir}; give the platform's "
                "--work-dir",
                zh="工作目录中找不到已审核报表的文件",
                source=path,
                field=f.key,
            )
        from ganpo.io.manifest import sha256_file

        if v.data_sha256 and sha256_file(path) != v.data_sha256:
            raise InputError(
                en=f"the approved file of form {f.key} (submission {sub.id} version "
                f"{v.version}) was changed after approval (its checksum differs); restore it "
                "from a backup",
                zh="已审核报表文件在审核后被改动",
                source=path,
                field=f.key,
            )
        table = pd.read_csv(path, dtype={"source": str, "note": str}, keep_default_na=False)
        for r in table.to_dict("records"):
            out.append(
                ObservationRecord(
                    indicator=f.table,
                    unit_code=int(r[f.key_column]),
                    year=int(r["year"]),
                    value=float(r["value"]),
                    unit=str(r["unit"]),
                    source=_source(f, sub, str(r["source"])),
                    status=FORM_STATUS,
                    note=str(r.get("note", "") or ""),
                )
            )
        used[f.key] = f"submission {sub.id} version {v.version}, approved {_approved_on(sub)}"
    return ReportedSeries(year, out, used, pending)
