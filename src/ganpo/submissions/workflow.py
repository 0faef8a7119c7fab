"""Who may do what with a form, and the actions themselves (upload, submit, return,
approve, adopt the base data), testable without HTTP.

* A reporter works only on its own department's forms (upload, submit); the office and
  the administrator may also upload on a department's behalf.
* A reviewer, the office or the administrator returns (with a comment) or approves a
  submitted form; nobody approves or returns a version they uploaded themselves.
* The office or the administrator may reopen an approved form (return it, with a comment)
  and may adopt the base dataset's file for a form nobody opened for the year.
* Viewers have no access to the reporting workflow.
* A table upload is checked for plausibility against the region's county areas, the same
  form of the previous year (its approved submission, else the base dataset's table), the
  other tables of the year its rules look into, and the extent of the newest published
  account (:func:`table_context`). Soft findings are stored as the version's flags; the
  reporter explains each (:func:`explain`) before :func:`submit` accepts the version
  (docs/decisions/0027).

Files are stored under generated names in ``work_dir/reporting/<year>/``; the name the
user gave is kept (sanitised) only for display. The store records every version and every
action with its audit row (:mod:`ganpo.store.reporting`).
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import pandas as pd
from sqlalchemy import Engine

from ganpo.errors import GanpoError, InputError, TableError
from ganpo.io.manifest import MANIFEST_NAME, Dataset, TableEntry, load_manifest, sha256_file
from ganpo.io.outputs import atomic_write, writing
from ganpo.io.roles import TABLE_ROLES
from ganpo.io.table_checks import TableContext
from ganpo.io.table_rules import RatioRule, checks_of
from ganpo.io.tables import read_table
from ganpo.io.units import county_table, dataset_units
from ganpo.store import reporting as store
from ganpo.store.reporting import NewVersion, SubmissionRecord, WorkflowError
from ganpo.store.repository import published_extent
from ganpo.submissions.forms import Form, all_forms, form
from ganpo.submissions.validate import (
    Flag,
    Limits,
    Region,
    UploadError,
    ValidTable,
    check_layer,
    check_layer_kind,
    check_size,
    check_table,
    sniff,
)

REVIEWERS = frozenset({"reviewer", "office", "admin"})
OFFICE = frozenset({"office", "admin"})
REPORTING_ROLES = frozenset({"reporter", *REVIEWERS})
SUFFIX = {"csv": ".csv", "xlsx": ".xlsx", "geotiff": ".tif"}
MAX_COMMENT = 2000


class Actor(Protocol):
    """Whoever acts: a user name, a role and (reporters) a department; the web platform's
    logged-in principal fits."""

    username: str
    role: str
    department: str | None


class NotAllowedError(GanpoError, PermissionError):
    """The actor's role or department does not allow the action (HTTP 403)."""


@dataclass(frozen=True)
class UploadResult:
    """The stored version, notes about checks that could not be made, and the flags the
    reporter must explain before submitting."""

    submission: SubmissionRecord
    warnings: list[str]
    flags: list[Flag] = field(default_factory=list)


def sanitize_name(name: str | None) -> str:
    """A user-given file name reduced to a display label: no folders, no control
    characters, at most 120 characters. Never used as a path."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[:120] or "upload"


def storage_dir(work_dir: Path, year: int) -> Path:
    return Path(work_dir) / "reporting" / str(int(year))


def stored_path(work_dir: Path, year: int, name: str) -> Path:
    """The path of a stored file; ``name`` must be one of the generated names."""
    if not re.fullmatch(r"[0-9a-f]{32}\.(csv|xlsx|tif)", name):
        raise InputError(
            en=f"not a stored file name: {name!r}",
            zh=f"{name!r} 不是已存储文件的名称：请使用平台生成的文件名",
            field="file",
            values=[name],
        )
    return storage_dir(work_dir, year) / name


def may_see(actor: Actor, department: str) -> bool:
    """Whether the actor may read the forms and submissions of ``department``."""
    if actor.role in REVIEWERS:
        return True
    return actor.role == "reporter" and actor.department == department


def visible_departments(actor: Actor) -> set[str] | None:
    """The departments whose forms the actor sees (``None``: all); viewers: none."""
    if actor.role in REVIEWERS:
        return None
    if actor.role == "reporter" and actor.department:
        return {actor.department}
    return set()


def require_reporting(actor: Actor) -> None:
    if actor.role not in REPORTING_ROLES:
        raise NotAllowedError(
            f"role {actor.role!r} has no access to the reporting workflow / 当前角色无填报权限"
        )


def require_may_fill(actor: Actor, department: str) -> None:
    """A reporter of ``department``, the office or the administrator."""
    require_reporting(actor)
    if actor.role in OFFICE:
        return
    if actor.role == "reporter" and actor.department == department:
        return
    raise NotAllowedError(
        f"{actor.username} ({actor.role}, department {actor.department or '-'}) may not fill "
        f"the forms of department {department!r} / 只能填报本部门的报表"
    )


def require_reviewer(actor: Actor) -> None:
    if actor.role not in REVIEWERS:
        raise NotAllowedError(
            f"role {actor.role!r} may not review; needs reviewer, office or admin / 无审核权限"
        )


@lru_cache(maxsize=64)
def _region(manifest: Path, mtime: float, year: int | None) -> Region:
    """The base dataset's counties, areas and extent, and the year's grid reference. The
    units file is read through :func:`dataset_units`, which keeps every checked units
    file by its content: one read for all the years of a manifest version (decision
    0068), and a units file rewritten in place is read again."""
    ds = base_dataset(manifest)
    units = dataset_units(ds, check=False).units  # of any level: the forms are per county
    table = county_table(units)
    counties = {
        int(a): str(n) for a, n in zip(table["county_adcode"], table["county_name"], strict=True)
    }
    areas = {  # a county's area: the sum of its units' (the forms are per county)
        int(a): float(x) for a, x in zip(table["county_adcode"], table["area_km2"], strict=True)
    }
    m = ds.manifest
    ref = m.layer("ecosystem_type", year) if year is not None else None
    ref = ref or (m.layers[0] if m.layers else None)
    return Region(
        counties=dict(sorted(counties.items())),
        bounds=tuple(float(b) for b in units.total_bounds),  # type: ignore[arg-type]
        crs_wkt=units.crs.to_wkt(),
        areas_km2=dict(sorted(areas.items())),
        grid_reference=ds.path(ref) if ref is not None else None,
    )


@lru_cache(maxsize=8)
def _dataset(manifest: Path, mtime_ns: int, size: int) -> Dataset:
    return load_manifest(manifest, verify=False)


def base_dataset(base_dir: Path) -> Dataset:
    """The base dataset's manifest (files not verified), parsed once per version of the
    file: keyed on its path, modification time and size, so that a manifest rewritten
    while the server runs is read again. An upload looked at it up to three times, each
    a TOML parse and a validation (decision 0060). Shared between callers: read it,
    never change it."""
    path = Path(base_dir)
    manifest = path / MANIFEST_NAME if path.is_dir() else path
    try:
        found = manifest.stat()
    except OSError:  # load_manifest names the missing manifest
        return load_manifest(manifest, verify=False)
    return _dataset(manifest.resolve(), found.st_mtime_ns, found.st_size)


def region_of(base_dir: Path, year: int | None = None) -> Region:
    """The counties and grid of the base dataset (read once per manifest version)."""
    path = Path(base_dir)
    manifest = path / "manifest.toml" if path.is_dir() else path
    if not manifest.exists():
        raise InputError(
            en="no base dataset manifest; build one (`ganpo demo`) or set data_dir",
            zh="缺少基础数据集清单（manifest.toml）：请先生成（`ganpo demo`）或设置 data_dir",
            source=manifest,
        )
    return _region(manifest.resolve(), manifest.stat().st_mtime, year)


def upload(
    engine: Engine,
    actor: Actor,
    *,
    form_key: str,
    year: int,
    data: bytes,
    filename: str | None,
    base_dir: Path,
    work_dir: Path,
    limits: Limits | None = None,
    profile: str | None = None,
) -> UploadResult:
    """Check an upload against its form and store it as a new draft version.

    Raises :class:`NotAllowedError` (wrong role or department), :class:`UploadError` with
    every problem (nothing is stored), or :class:`WorkflowError` (the form is submitted or
    approved: it cannot take a new version now).
    """
    limits = limits or Limits()
    f = form(form_key, year, profile)
    require_may_fill(actor, f.department)
    current = store.find_submission(engine, year, f.key)
    if current is not None and current.state not in store.TRANSITIONS["upload"][0]:
        raise WorkflowError(
            f"form {f.key!r} of {year} is {store.STATE_NAMES[current.state]}; it takes a new "
            "version only as a draft or after it was returned / 已提交或已通过的报表不能再上传"
        )
    problems = check_size(len(data), limits)
    if problems:
        raise UploadError(problems)
    if f.kind == "layer" and (problems := check_layer_kind(data, f)):
        raise UploadError(problems)
    media = sniff(data)
    region = region_of(base_dir, year)
    table: ValidTable | None = None
    if f.kind == "table" and f.domain == "carbon":
        from ganpo.submissions.carbon_validate import check_carbon_table

        previous, notes = carbon_previous(engine, f, work_dir)
        region_code = base_dataset(Path(base_dir)).manifest.region_adcode
        table = check_carbon_table(
            data, f, region, limits, region_code=region_code, previous=previous
        )
        table.warnings[:0] = notes
        media = table.media
    elif f.kind == "table" and f.domain == "tracking":
        from ganpo.submissions.tracking_validate import check_tracking_table

        region_code = base_dataset(Path(base_dir)).manifest.region_adcode
        table = check_tracking_table(
            data,
            f,
            region,
            limits,
            region_code=region_code,
            previous=tracking_previous(engine, f),
        )
        media = table.media
    elif f.kind == "table" and f.domain == "rating":
        from ganpo.submissions.rating_validate import check_rating_table

        table = check_rating_table(data, f, limits)
        media = table.media
    elif f.kind == "table":  # checked from the bytes: a refused table leaves no file behind
        context, notes = table_context(engine, f, base_dir, work_dir, region)
        table = check_table(data, f, region, limits, context)
        table.warnings[:0] = notes
        media = table.media
    assert media is not None
    folder = storage_dir(work_dir, year)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        upload_name = f"{uuid.uuid4().hex}{SUFFIX[media]}"
        upload_path = folder / upload_name
        written.append(upload_path)
        atomic_write(upload_path, lambda tmp: tmp.write_bytes(data))
        warnings: list[str] = []
        flags: list[Flag] = []
        if table is not None:
            data_name = f"{uuid.uuid4().hex}.csv"
            written.append(folder / data_name)
            atomic_write(folder / data_name, lambda tmp: tmp.write_bytes(table.csv_bytes))
            columns, n_rows = table.columns, table.n_rows
            warnings += table.warnings
            flags = table.flags
        else:
            layer = check_layer(upload_path, f, region, limits)
            data_name, columns, n_rows = upload_name, {"value": f.unit}, None
            warnings += layer.warnings
        record = store.add_version(
            engine,
            actor=actor.username,
            year=year,
            form=f.key,
            kind=f.kind,
            department=f.department,
            new=NewVersion(
                origin="upload",
                original_name=sanitize_name(filename),
                media=media,
                upload_file=upload_name,
                upload_sha256=sha256_file(upload_path),
                data_file=data_name,
                data_sha256=sha256_file(folder / data_name),
                size_bytes=len(data),
                columns=columns,
                n_rows=n_rows,
                flags=[x.as_dict() for x in flags],
            ),
        )
    except BaseException:
        for p in written:  # nothing half-stored: the files go with the refused version
            p.unlink(missing_ok=True)
        raise
    return UploadResult(record, warnings, flags)


def _read_other(
    engine: Engine | None,
    role: str,
    year: int,
    base_dir: Path,
    work_dir: Path | None,
    counties: set[int],
) -> tuple[pd.DataFrame | None, str]:
    """The table of ``role`` for ``year`` as the platform has it (base units): the
    current version of its submission (approved, or the latest a department uploaded),
    else the base dataset's table; with a description for notes (None: none readable).
    Without a store (``engine`` None) only the base dataset is looked at."""
    sub = store.find_submission(engine, year, role) if engine is not None else None
    entry: TableEntry | None = None
    path: Path | None = None
    what = ""
    if sub is not None and sub.kind == "table" and work_dir is not None:
        v = sub.current
        path = stored_path(work_dir, year, v.data_file)
        entry = TableEntry(
            role=role,
            year=year,
            path=path.name,
            columns=dict(v.columns),
            source="",
            synthetic=False,
        )
        what = f"submission {sub.id} version {v.version} ({store.STATE_NAMES[sub.state]})"
    else:
        ds = base_dataset(Path(base_dir))
        entry = ds.manifest.table(role, year)
        if entry is not None:
            path, what = ds.path(entry), "the base dataset"
    if entry is None or path is None:
        return None, ""
    if entry.level != "county":  # the forms are per county: no row to compare with
        return None, f"{what} (given per {entry.level})"
    present = [c for c in TABLE_ROLES[role].columns if c in entry.columns]
    try:
        return read_table(path, entry, counties, present), what
    except (TableError, OSError):
        return None, what


def tracking_previous(engine: Engine, f: Form) -> dict[int, float]:
    """The value of each unit in the year before monitoring form ``f``'s, as the stored
    series has it in force, in the indicator's unit (for the fluctuation flags)."""
    from ganpo.store.tracking import observations_in_force
    from ganpo.submissions.tracking_validate import form_indicator
    from ganpo.tracking.units import unit_factor

    unit = form_indicator(f).unit
    return {
        int(o.unit_code): float(o.value) * unit_factor(o.unit, unit)
        for o in observations_in_force(engine, indicators=[f.table])
        if o.year == f.year - 1
    }


def carbon_previous(
    engine: Engine, f: Form, work_dir: Path
) -> tuple[pd.DataFrame | None, list[str]]:
    """The previous year's approved table of carbon form ``f`` (its canonical CSV), for
    the fluctuation flags; with a note when there is none."""
    last = f.year - 1
    sub = store.find_submission(engine, last, f.key)
    if sub is None or sub.state != store.APPROVED:
        return None, [
            f"not compared with {last}: no approved {last} table of this form / 未与 {last} "
            "年比较（无已审核通过的上年报表）"
        ]
    path = stored_path(work_dir, last, sub.current.data_file)
    try:
        return pd.read_csv(path), []
    except (OSError, ValueError):
        return None, [f"not compared with {last}: its table could not be read / 上年报表无法读取"]


def table_context(
    engine: Engine | None, f: Form, base_dir: Path, work_dir: Path | None, region: Region
) -> tuple[TableContext, list[str]]:
    """What an upload of table form ``f`` is compared with (besides the county areas of
    ``region``): the same form of the previous year (its approved submission, else the
    base dataset's table; 波动审核), the tables of the same year its rules look into, and
    the extent of the newest published account of an earlier year (the reference checks);
    with notes (English / Chinese) of what could not be compared. Without a store
    (``engine`` None, ``ganpo report-forms check``) the base dataset alone is used."""
    counties = set(region.counties)
    notes: list[str] = []
    previous: pd.DataFrame | None = None
    last = f.year - 1
    prev_sub = store.find_submission(engine, last, f.key) if engine is not None else None
    if prev_sub is not None and prev_sub.state == store.APPROVED:
        previous, what = _read_other(engine, f.key, last, base_dir, work_dir, counties)
    else:
        ds = base_dataset(Path(base_dir))
        entry = ds.manifest.table(f.key, last)
        what = "the base dataset" if entry is not None else ""
        if entry is not None and entry.level != "county":
            what = f"the base dataset (given per {entry.level})"
        elif entry is not None:
            present = [c for c in TABLE_ROLES[f.key].columns if c in entry.columns]
            try:
                previous = read_table(ds.path(entry), entry, counties, present)
            except (TableError, OSError):
                previous = None
    if previous is None:
        notes.append(
            f"not compared with {last}: "
            + (f"the table of {what} could not be read" if what else f"no {last} table")
            + f" / 未与 {last} 年比较（无可用的上年数据）"
        )
    others: dict[str, pd.DataFrame] = {}
    for rule in checks_of(f.key).rules:
        if isinstance(rule, RatioRule) and "." in rule.denominator:
            role = rule.denominator.split(".", 1)[0]
            other, _ = _read_other(engine, role, f.year, base_dir, work_dir, counties)
            if other is not None:
                others[role] = other
    extent = None
    if any(
        not isinstance(r, RatioRule) and r.whole.startswith("extent:")
        for r in checks_of(f.key).rules
    ):
        region_adcode = base_dataset(Path(base_dir)).manifest.region_adcode
        found = published_extent(engine, region_adcode, f.year) if engine is not None else None
        if found is not None:
            account_id, account_year, extent = found
            notes.append(
                f"areas compared with the ecosystem map of published account #{account_id} "
                f"({account_year}) / 面积已与已发布核算 #{account_id}（{account_year} 年）的"
                "生态系统分类比较"
            )
    context = TableContext(
        previous=previous,
        previous_year=last if previous is not None else None,
        others=others,
        extent=extent,
    )
    return context, notes


def explain(
    engine: Engine, actor: Actor, submission_id: int, texts: dict[str, str]
) -> SubmissionRecord:
    """The reporter's explanations of flagged findings of the current draft (flag key →
    why the value is right). Each is needed before the draft can be submitted; the
    reviewer sees them, and an approval carries them into the account (basis
    ``override``). A hard problem has no flag and can never be explained away."""
    sub = _get(engine, submission_id)
    require_may_fill(actor, sub.department)
    if not texts:
        raise InputError(en="no explanation given", zh="未填写说明", field="explanations")
    cleaned = {}
    for key, text in texts.items():
        clean = (text or "").strip()
        if not clean:
            raise InputError(
                en=f"the explanation of {key!r} is empty; say why the value is right",
                zh="说明不能为空",
                field="explanations",
                values=[key],
            )
        if len(clean) > MAX_COMMENT:
            raise InputError(
                en=f"the explanation of {key!r} is longer than {MAX_COMMENT} characters",
                zh="说明过长",
                field="explanations",
                values=[key],
            )
        cleaned[key] = clean
    return store.explain(engine, submission_id, actor=actor.username, texts=cleaned)


def _get(engine: Engine, submission_id: int) -> SubmissionRecord:
    found = store.get_submission(engine, submission_id)
    if found is None:
        raise WorkflowError(f"no submission {submission_id} / 无此填报记录")
    return found


def get(engine: Engine, actor: Actor, submission_id: int) -> SubmissionRecord:
    """A submission with its versions and events, if the actor may see it."""
    require_reporting(actor)
    sub = _get(engine, submission_id)
    require_may_see(actor, sub)
    return sub


def require_may_see(actor: Actor, sub: SubmissionRecord) -> None:
    """Refuse (:class:`NotAllowedError`) a submission read by one who may not see it: a
    role without reporting access, or a reporter of another department."""
    require_reporting(actor)
    if not may_see(actor, sub.department):
        raise NotAllowedError(f"submission {sub.id} belongs to another department / 无权查看")


def submit(
    engine: Engine, actor: Actor, submission_id: int, *, read: SubmissionRecord | None = None
) -> SubmissionRecord:
    """Hand a draft in for review; refused while a flagged finding of it has no
    explanation (:func:`explain`). ``read``: the submission as the caller has just read
    it (the web route has, to answer 404 or 403), so that it is not read again; the
    state is checked again in the transition's transaction in any case."""
    sub = read if read is not None and read.id == submission_id else _get(engine, submission_id)
    require_may_fill(actor, sub.department)
    missing = sub.unexplained if sub.state == store.DRAFT else []
    if missing:
        shown = "; ".join(
            f"{'row ' + str(x['row']) + ', ' if x.get('row') else ''}"
            f"{x.get('column') or ''}: {x['reason_en']}"
            for x in missing[:5]
        )
        raise WorkflowError(
            f"{len(missing)} flagged value(s) of {sub.form!r} need an explanation before "
            f"it is submitted: {shown}"
            + (f"; … and {len(missing) - 5} more" if len(missing) > 5 else "")
            + f" / 有 {len(missing)} 处疑似问题需先填写说明才能提交"
        )
    return store.transition(engine, submission_id, actor=actor.username, action="submit")


def _comment(comment: str | None, required: bool) -> str:
    text = (comment or "").strip()
    if required and not text:
        raise InputError(
            en="a return needs a comment saying what to correct",
            zh="退回必须填写意见",
            field="comment",
        )
    if len(text) > MAX_COMMENT:
        raise InputError(
            en=f"the comment is longer than {MAX_COMMENT} characters",
            zh="意见过长",
            field="comment",
        )
    return text


def send_back(
    engine: Engine,
    actor: Actor,
    submission_id: int,
    comment: str | None,
    *,
    read: SubmissionRecord | None = None,
) -> SubmissionRecord:
    """Return a submitted form with the reviewer's comment (office: also an approved one).
    ``read`` as in :func:`submit`."""
    require_reviewer(actor)
    text = _comment(comment, required=True)
    sub = read if read is not None and read.id == submission_id else _get(engine, submission_id)
    if sub.state == store.APPROVED and actor.role not in OFFICE:
        raise NotAllowedError(
            "only the office or an administrator reopens an approved form / 无权退回已通过的报表"
        )
    return store.transition(
        engine,
        submission_id,
        actor=actor.username,
        action="return",
        comment=text,
        not_by_uploader=True,
    )


def approve(
    engine: Engine, actor: Actor, submission_id: int, comment: str | None = None
) -> SubmissionRecord:
    """Approve a submitted form (not one the actor uploaded)."""
    require_reviewer(actor)
    return store.transition(
        engine,
        submission_id,
        actor=actor.username,
        action="approve",
        comment=_comment(comment, required=False),
        not_by_uploader=True,
    )


def adopt_base(
    engine: Engine,
    actor: Actor,
    *,
    year: int,
    base_dir: Path,
    work_dir: Path,
    forms: list[str] | None = None,
    profile: str | None = None,
    comment: str | None = None,
) -> list[SubmissionRecord]:
    """The office takes the base dataset's file of each form nobody opened for ``year``
    as that form's approved submission (``forms``: default every required form not yet
    opened). Each adoption is one audited version with origin ``base``."""
    if actor.role not in OFFICE:
        raise NotAllowedError(
            "only the office or an administrator adopts base data / 无权采用基础数据"
        )
    ds = load_manifest(Path(base_dir))
    chosen = (
        [form(k, year, profile) for k in forms]
        if forms is not None
        else [
            f
            for f in all_forms(year, profile, domain="gep")
            if f.required and store.find_submission(engine, year, f.key) is None
        ]
    )
    long = [f.key for f in chosen if f.long]
    if long:
        raise InputError(
            en=f"{', '.join(long)}: a carbon, monitoring or rating record form has no file in "
            "the base dataset; the inventory run takes the tables nobody reported from its base "
            "carbon dataset (`ganpo carbon run-reported --base`), a monitoring series is loaded "
            "from a file (`ganpo tracking series load`)",
            zh="碳清单和目标监测报表不从基础数据集采用",
            field="forms",
            values=long,
        )
    text = _comment(comment, required=False) or "adopted from the base dataset / 采用基础数据"
    folder = storage_dir(work_dir, year)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for f in chosen:
        entry = (
            ds.manifest.table(f.key, year) if f.kind == "table" else ds.manifest.layer(f.key, year)
        )
        if entry is None:
            raise InputError(
                en=f"the base dataset has no {f.kind} {f.key!r} for {year}; it must be reported",
                zh=f"基础数据集中没有 {year} 年的{'表格' if f.kind == 'table' else '图层'} "
                f"{f.key!r}：须由部门填报",
                source=ds.root / "manifest.toml",
                field=f.key,
                values=[year],
            )
        media = "csv" if f.kind == "table" else "geotiff"
        name = f"{uuid.uuid4().hex}{SUFFIX[media]}"
        with writing(folder / name) as tmp:
            shutil.copyfile(ds.path(entry), tmp)
        digest = sha256_file(folder / name)
        columns = dict(entry.columns) if hasattr(entry, "columns") else {"value": f.unit}
        try:
            out.append(
                store.add_version(
                    engine,
                    actor=actor.username,
                    year=year,
                    form=f.key,
                    kind=f.kind,
                    department=f.department,
                    new=NewVersion(
                        origin="base",
                        original_name=sanitize_name(entry.path),
                        media=media,
                        upload_file=name,
                        upload_sha256=digest,
                        data_file=name,
                        data_sha256=digest,
                        size_bytes=(folder / name).stat().st_size,
                        columns=columns,
                        n_rows=None,
                    ),
                    action="adopt_base",
                    comment=text,
                )
            )
        except BaseException:
            (folder / name).unlink(missing_ok=True)
            raise
    return out
