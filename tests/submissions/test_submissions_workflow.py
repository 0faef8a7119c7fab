"""The reporting workflow without HTTP: states, versions, permissions, audit, storage, and
the approved dataset an account runs on (coarse demo data of tests/web/conftest.py)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ganpo.engine.account import run_account
from ganpo.errors import InputError
from ganpo.io.manifest import load_manifest
from ganpo.store import reporting as store
from ganpo.store.models import Account
from ganpo.store.platform import list_audit
from ganpo.store.reporting import NewVersion, WorkflowError
from ganpo.store.repository import open_store, save_account
from ganpo.submissions import workflow as wf
from ganpo.submissions.dataset import approved_dataset, readiness
from ganpo.submissions.validate import UploadError

YEAR = 2022


@dataclass
class Actor:
    username: str
    role: str
    department: str | None = None


TOURISM = Actor("tourism", "reporter", "tourism")
FORESTRY = Actor("forestry", "reporter", "forestry")
REVIEWER = Actor("reviewer", "reviewer")
OFFICE = Actor("office", "office")
VIEWER = Actor("jiangxi", "viewer")


@dataclass
class Platform:
    engine: Engine
    base: Path
    work: Path

    def upload(
        self, actor: Actor, key: str, data: bytes, name: str = "t.csv"
    ) -> store.SubmissionRecord:
        return wf.upload(
            self.engine, actor, form_key=key, year=YEAR, data=data, filename=name,
            base_dir=self.base, work_dir=self.work,
        ).submission  # fmt: skip


@pytest.fixture
def plat(demo_platform: Any, tmp_path: Path) -> Iterator[Platform]:
    db = tmp_path / "ganpo.sqlite"
    shutil.copy(demo_platform.database, db)
    engine = open_store(db)
    yield Platform(engine, demo_platform.data_dir, tmp_path / "work")
    engine.dispose()


def base_table(plat: Platform, role: str) -> pd.DataFrame:
    ds = load_manifest(plat.base)
    entry = ds.manifest.table(role, YEAR)
    assert entry is not None
    return pd.read_csv(ds.path(entry), dtype={"county_adcode": "int64"})


def csv_bytes(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def tourism_csv(plat: Platform, revenue_factor: float = 1.0) -> bytes:
    t = base_table(plat, "tourism")
    t["tourism_revenue"] = (t["tourism_revenue"] * revenue_factor).round(6)
    return csv_bytes(t)


def test_state_machine_versions_and_audit(plat: Platform) -> None:
    sub = plat.upload(TOURISM, "tourism", tourism_csv(plat), "旅游 2022.csv")
    assert (sub.state, sub.current_version, sub.department) == ("draft", 1, "tourism")
    sub = plat.upload(TOURISM, "tourism", tourism_csv(plat, 1.1))
    assert [(v.version, v.state) for v in sub.versions] == [(1, "superseded"), (2, "draft")]
    with pytest.raises(WorkflowError, match="allowed only from 已提交 submitted"):
        wf.approve(plat.engine, REVIEWER, sub.id)  # a draft is not reviewed
    sub = wf.submit(plat.engine, TOURISM, sub.id)
    assert sub.state == "submitted"
    with pytest.raises(WorkflowError, match="takes a new version only as a draft"):
        plat.upload(TOURISM, "tourism", tourism_csv(plat))
    with pytest.raises(WorkflowError, match="cannot submit"):
        wf.submit(plat.engine, TOURISM, sub.id)
    with pytest.raises(InputError, match="needs a comment"):
        wf.send_back(plat.engine, REVIEWER, sub.id, "  ")
    sub = wf.send_back(plat.engine, REVIEWER, sub.id, "revenue of 360102 looks too high")
    assert sub.state == "returned"
    sub = plat.upload(TOURISM, "tourism", tourism_csv(plat))  # resubmission: a new version
    sub = wf.submit(plat.engine, TOURISM, sub.id)
    sub = wf.approve(plat.engine, REVIEWER, sub.id, "ok")
    assert sub.state == "approved"
    assert [(v.version, v.state) for v in sub.versions] == [
        (1, "superseded"), (2, "returned"), (3, "approved")
    ]  # fmt: skip
    assert [(e.action, e.from_state, e.to_state, e.actor) for e in sub.events] == [
        ("upload", None, "draft", "tourism"),
        ("upload", "draft", "draft", "tourism"),
        ("submit", "draft", "submitted", "tourism"),
        ("return", "submitted", "returned", "reviewer"),
        ("upload", "returned", "draft", "tourism"),
        ("submit", "draft", "submitted", "tourism"),
        ("approve", "submitted", "approved", "reviewer"),
    ]
    assert sub.events[3].comment == "revenue of 360102 looks too high"
    assert sub.versions[0].original_name == "旅游 2022.csv"
    # an approved form: only the office reopens it, with a comment
    with pytest.raises(wf.NotAllowedError, match="only the office"):
        wf.send_back(plat.engine, REVIEWER, sub.id, "reopen")
    with pytest.raises(WorkflowError, match="cannot approve"):
        wf.approve(plat.engine, OFFICE, sub.id)
    assert wf.send_back(plat.engine, OFFICE, sub.id, "census correction").state == "returned"
    audit = [
        a for a in list_audit(plat.engine, entity="report_submission") if a.entity_id == str(sub.id)
    ]
    assert [a.action for a in reversed(audit)] == [
        "report.upload", "report.upload", "report.submit", "report.return", "report.upload",
        "report.submit", "report.approve", "report.return",
    ]  # fmt: skip
    first = audit[-1]
    assert first.before is None and first.after is not None and first.after["state"] == "draft"
    last = audit[0]
    assert last.before is not None and last.before["state"] == "approved"
    assert last.after is not None and last.after["state"] == "returned"
    assert last.after["comment"] == "census correction"


def test_who_may_do_what(plat: Platform) -> None:
    data = tourism_csv(plat)
    with pytest.raises(wf.NotAllowedError, match="may not fill the forms of department 'tourism'"):
        plat.upload(FORESTRY, "tourism", data)
    with pytest.raises(wf.NotAllowedError, match="no access to the reporting workflow"):
        plat.upload(VIEWER, "tourism", data)
    sub = plat.upload(TOURISM, "tourism", data)
    with pytest.raises(wf.NotAllowedError):
        wf.submit(plat.engine, FORESTRY, sub.id)
    with pytest.raises(wf.NotAllowedError):
        wf.get(plat.engine, FORESTRY, sub.id)
    wf.submit(plat.engine, TOURISM, sub.id)
    with pytest.raises(wf.NotAllowedError, match="may not review"):
        wf.approve(plat.engine, TOURISM, sub.id)
    # the office may fill a department's form, but then not approve its own version
    forest = plat.upload(OFFICE, "forestry", csv_bytes(base_table(plat, "forestry")))
    wf.submit(plat.engine, OFFICE, forest.id)
    with pytest.raises(WorkflowError, match="may not approve it; another reviewer must"):
        wf.approve(plat.engine, OFFICE, forest.id)
    assert wf.approve(plat.engine, REVIEWER, forest.id).state == "approved"
    assert wf.visible_departments(TOURISM) == {"tourism"}
    assert wf.visible_departments(REVIEWER) is None
    assert wf.visible_departments(VIEWER) == set()


def test_refused_upload_stores_nothing_and_names_are_never_paths(plat: Platform) -> None:
    bad = tourism_csv(plat).replace(b"\n3601", b"\nxx01", 1)
    with pytest.raises(UploadError) as info:
        plat.upload(TOURISM, "tourism", bad, "../../../../etc/passwd")
    assert info.value.problems[0].column == "county_adcode"
    assert store.find_submission(plat.engine, YEAR, "tourism") is None
    folder = wf.storage_dir(plat.work, YEAR)
    assert not folder.exists() or not any(folder.iterdir())
    sub = plat.upload(TOURISM, "tourism", tourism_csv(plat), "../../../../etc/passwd\x00.csv")
    v = sub.current
    assert v.original_name == "passwd.csv"
    stored = sorted(p.name for p in folder.iterdir())
    assert stored == sorted({v.upload_file, v.data_file})
    assert all(len(n) == 36 for n in stored)  # 32 hex digits + extension
    with pytest.raises(InputError, match=r"not a stored file name: .* / .*不是已存储文件的名称"):
        wf.stored_path(plat.work, YEAR, "../manifest.toml")


def test_a_layer_upload_is_checked_against_the_grid(plat: Platform) -> None:
    ds = load_manifest(plat.base)
    entry = ds.manifest.layer("npp", YEAR)
    assert entry is not None
    good = ds.path(entry).read_bytes()
    meteo = Actor("meteo", "reporter", "meteorology")
    sub = plat.upload(meteo, "npp", good, "npp.tif")
    assert sub.kind == "layer" and sub.current.media == "geotiff"
    with pytest.raises(UploadError, match="takes a GeoTIFF"):
        plat.upload(meteo, "npp", b"county_adcode\n1\n")
    with pytest.raises(UploadError) as info:  # a raster given to a table form
        plat.upload(TOURISM, "tourism", good)
    assert [p.reason_en for p in info.value.problems] == [
        "this looks like a TIFF image (a raster layer?), not a table ganpo reads (CSV or "
        ".xlsx); save it as CSV UTF-8 or .xlsx"
    ]


def test_an_approved_table_must_hold_the_columns_the_profile_needs(plat: Platform) -> None:
    approve_all(plat, except_=("tourism",))
    approve_all(plat, except_=("tourism",), profile="national-2022")
    only_revenue = base_table(plat, "tourism")[["county_adcode", "visits", "tourism_revenue"]]
    sub = plat.upload(TOURISM, "tourism", csv_bytes(only_revenue))
    wf.submit(plat.engine, TOURISM, sub.id)
    wf.approve(plat.engine, REVIEWER, sub.id)
    assert approved_dataset(plat.engine, YEAR, plat.base, plat.work).submissions
    # the national profile values recreation by travel cost: trip columns are needed
    with pytest.raises(InputError) as info:
        approved_dataset(plat.engine, YEAR, plat.base, plat.work, profile="national-2022")
    assert "approved without column(s) trip_hours, hourly_wage, trip_cost" in str(info.value)
    assert info.value.values == ["tourism"]


def approve_all(
    plat: Platform, *, except_: tuple[str, ...] = (), profile: str | None = None
) -> None:
    """The office adopts the base data of every required form nobody opened."""
    ready = [r.form.key for r in readiness(plat.engine, YEAR, profile) if r.form.required]
    keep = [
        k for k in ready if k not in except_ and store.find_submission(plat.engine, YEAR, k) is None
    ]
    wf.adopt_base(
        plat.engine, OFFICE, year=YEAR, base_dir=plat.base, work_dir=plat.work, forms=keep
    )


def recreation_cny(manifest: Path) -> tuple[float, float]:
    account = run_account(manifest, YEAR)
    rec = account.results.loc[account.results["indicator"] == "recreation", "value_cny"].sum()
    return float(rec), account.gep_cny


@pytest.mark.slow
def test_accounts_run_only_on_approved_data_and_follow_it(plat: Platform) -> None:
    with pytest.raises(InputError) as info:
        approved_dataset(plat.engine, YEAR, plat.base, plat.work)
    assert "tourism (旅游接待 tourism; 文化和旅游厅 tourism): 未填报 never opened" in str(
        info.value
    )
    assert "ecosystem_type" in info.value.values and "precipitation" in info.value.values
    approve_all(plat, except_=("tourism",))
    sub = plat.upload(TOURISM, "tourism", tourism_csv(plat))
    with pytest.raises(InputError) as info:  # opened but not approved: still blocks
        approved_dataset(plat.engine, YEAR, plat.base, plat.work, fallback_to_base=True)
    assert info.value.values == ["tourism"] and "草稿 draft" in str(info.value)
    wf.submit(plat.engine, TOURISM, sub.id)
    sub = wf.approve(plat.engine, REVIEWER, sub.id)
    built = approved_dataset(plat.engine, YEAR, plat.base, plat.work)
    ds = load_manifest(built.manifest)  # checksums written and verified
    assert (sub.id, 1) in built.submissions
    assert len(built.submissions) == len([r for r in readiness(plat.engine, YEAR) if r.approved])
    tourism = ds.manifest.table("tourism", YEAR)
    assert tourism is not None and "report submission" in tourism.source
    assert approved_dataset(plat.engine, YEAR, plat.base, plat.work).manifest == built.manifest
    rec1, gep1 = recreation_cny(built.manifest)
    base_rec, _ = recreation_cny(plat.base / "manifest.toml")
    assert rec1 == pytest.approx(base_rec, rel=1e-9)  # the same table as the base

    # the office reopens the form; the department doubles the revenue; approved again
    wf.send_back(plat.engine, OFFICE, sub.id, "revised figures")
    sub = plat.upload(TOURISM, "tourism", tourism_csv(plat, 2.0))
    # doubled revenue puts some counties above the usual 5,000 CNY per visit: flagged,
    # and the draft is submitted only once each flag is explained
    flags = sub.current.flags
    assert flags and {f["kind"] for f in flags} == {"logic"}
    with pytest.raises(WorkflowError, match=f"{len(flags)} flagged value"):
        wf.submit(plat.engine, TOURISM, sub.id)
    wf.explain(plat.engine, TOURISM, sub.id, {f["key"]: "new spa resorts" for f in flags})
    wf.submit(plat.engine, TOURISM, sub.id)
    with pytest.raises(InputError, match="已提交 submitted"):
        approved_dataset(plat.engine, YEAR, plat.base, plat.work)
    wf.approve(plat.engine, REVIEWER, sub.id)
    rebuilt = approved_dataset(plat.engine, YEAR, plat.base, plat.work)
    assert rebuilt.manifest != built.manifest and (sub.id, 2) in rebuilt.submissions
    rec2, gep2 = recreation_cny(rebuilt.manifest)
    # recreation by tourism revenue is the revenue itself [10^8 CNY → CNY]
    revenue = base_table(plat, "tourism")["tourism_revenue"]
    assert rec2 - rec1 == pytest.approx(revenue.round(6).sum() * 1e8, rel=1e-6)
    assert gep2 - gep1 == pytest.approx(rec2 - rec1, rel=1e-6)

    # the explanations reach the account as override decisions, one per flag
    tourism = load_manifest(rebuilt.manifest).manifest.table("tourism", YEAR)
    assert tourism is not None and len(tourism.overrides or []) == len(flags)
    account = run_account(rebuilt.manifest, YEAR)
    overrides = [d for d in account.decisions if d.basis == "override"]
    assert sorted(d.unit_code for d in overrides) == sorted(f["county"] for f in flags)
    assert all(
        "“new spa resorts”; accepted by reviewer reviewer" in d.message_en for d in overrides
    )
    assert not [d for d in account.decisions if d.basis == "rule"]  # nothing unexplained

    # the account records which versions it used
    account_id = save_account(plat.engine, account)
    store.record_account_submissions(plat.engine, account_id, rebuilt.submissions, actor="office")
    used = store.account_submissions(plat.engine, account_id)
    assert {(u["form"], u["version"]) for u in used} >= {("tourism", 2), ("npp", 1)}


def test_store_on_sqlite_and_postgresql(store_url: str) -> None:
    engine = open_store(store_url)
    new = NewVersion(
        "upload", "a.csv", "csv", "u.csv", "0" * 64, "d.csv", "1" * 64, 10, {"x": "t"}, 3
    )
    sub = store.add_version(
        engine, actor="a", year=2030, form="tourism", kind="table", department="tourism", new=new
    )
    assert store.transition(engine, sub.id, actor="a", action="submit").state == "submitted"
    with pytest.raises(WorkflowError, match="may not approve it"):
        store.transition(engine, sub.id, actor="a", action="approve", not_by_uploader=True)
    sub = store.transition(engine, sub.id, actor="b", action="approve", not_by_uploader=True)
    with pytest.raises(WorkflowError, match="cannot upload"):
        store.add_version(
            engine,
            actor="a",
            year=2030,
            form="tourism",
            kind="table",
            department="tourism",
            new=new,
        )
    assert [s.id for s in store.list_submissions(engine, year=2030, departments=["tourism"])] == [
        sub.id
    ]
    assert store.list_submissions(engine, departments=["forestry"]) == []
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        acc = Account(
            dataset_name="t", region_adcode=360000, year=2030, profile="p", price_policy="as_given",
            parameter_set="s", parameter_set_version="1", synthetic=True, code_version="c",
            host="h", started_at=now, finished_at=now, manifest_sha256="0" * 64, dataset_root="/",
            input_digest="0" * 64, gep_cny=1.0, warnings=[], notes=[], log=[],
        )  # fmt: skip
        session.add(acc)
        session.flush()
        account_id = acc.id
    store.record_account_submissions(engine, account_id, [(sub.id, 1)])
    assert store.account_submissions(engine, account_id) == [
        {
            "form": "tourism",
            "year": 2030,
            "department": "tourism",
            "submission_id": sub.id,
            "version": 1,
        }
    ]
    engine.dispose()
