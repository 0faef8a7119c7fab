"""``/api/landuse/scenarios``: land-use scenarios (土地利用情景) run on the platform's
land-use data (setting ``landuse_data``, default the synthetic demo beside the base
dataset): the office or an administrator chooses the demand (Markov steps, or plan targets
in hm² by class), restricted zones (GeoJSON polygons drawn or uploaded, and/or the zoning
dataset's red lines and priority protection units), and the seed; the simulation runs as
a background job (:mod:`ganpo.web.jobs`).

Each scenario is a folder of the work folder (``<work_dir>/landuse-scenarios/<id>/``: its
request, restricted zones, simulated map and result), written to the audit log when it
finishes (action ``landuse.scenario``); a scenario that fails keeps its error, never a
half-written result. The scenarios cover the whole province, so every user whose scope
holds the province sees them (the office, administrators, reviewers, reporters and
province viewers); a city or county viewer does not.

When the simulation is done the same job values it (decision 0051): the platform's account
of the last observed year (the newest published one, else the newest draft) is run twice on
its own dataset, profile, parameter set and price policy, once with the observed land-use
map and once with the simulated one, both brought onto the account dataset's grid by
nearest neighbour (:func:`ganpo.landuse.gep.onto_grid`), so that ΔGEP is the value of the
simulated land-cover change alone (:func:`ganpo.landuse.gep.scenario_gep`). Its tables by
service and by county are ``/scenarios/{id}/gep``. Where it cannot be valued (no account of
the year, land-use data on another coordinate system or finer than the account grid) the
scenario is still done, and its note says why.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi import Path as PathParam
from fastapi.responses import Response
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from ganpo.errors import InputError, halves, joined
from ganpo.store import platform
from ganpo.web.auth import HOME_PROVINCE, CurrentPrincipal, Principal, require_roles, store
from ganpo.web.jobs import JobContext, JobManager, failure_message
from ganpo.web.seed import landuse_demo_folder
from ganpo.web.validation import PLATFORM_ID

if TYPE_CHECKING:
    from ganpo.catalog.parameters import PricePolicy

router = APIRouter()
FOLDER = "landuse-scenarios"
DESCRIPTOR = "landuse-dataset.toml"
ScenarioId = Annotated[str, PathParam(description="scenario id / 情景编号", **PLATFORM_ID)]
Runner = Annotated[Principal, Depends(require_roles("office", "admin"))]
State = Literal["queued", "running", "done", "failed"]
GEP_NOTE_ZH = "情景模拟完成后计算 GEP 变化"
GEP_NOTE_EN = "ΔGEP is computed when the simulation has finished"
GEP_FILE = "gep.json"
#: level-1 class colours of the rendered map (cropland … other)
COLOURS = {
    1: "#1b7837",
    2: "#7fbc41",
    3: "#d9ef8b",
    4: "#35978f",
    5: "#f6e8a6",
    6: "#d73027",
    7: "#4393c3",
    8: "#bababa",
}


class ScenarioIn(BaseModel):
    """A scenario: Markov demand ``steps`` intervals ahead, or plan ``targets``."""

    name: str = Field(min_length=1, max_length=80, description="scenario name / 情景名称")
    steps: int = Field(default=1, ge=1, le=10, description="intervals ahead (Markov demand)")
    targets: dict[str, float] | None = Field(
        default=None,
        description="plan targets: level-1 class code → hm² (classes left out keep their "
        "area; the targets must keep the study area)",
    )
    restricted: str = Field(
        default="",
        max_length=5_000_000,
        description="restricted zones: GeoJSON polygons in longitude and latitude (text)",
    )
    use_zoning: bool = Field(
        default=False, description="the zoning red lines and priority units stay too"
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class ClassRow(BaseModel):
    code: int
    name_zh: str
    name_en: str
    start_hm2: float = Field(description="observed area of the last map [hm²]")
    demand_hm2: float
    simulated_hm2: float
    change_hm2: float = Field(description="simulated − observed [hm²]")
    unmet_hm2: float


class Indicator(BaseModel):
    name_zh: str
    name_en: str
    value: float
    unit: str


class GepTotals(BaseModel):
    """The scenario's GEP beside the baseline's, province totals [亿元]."""

    year: int = Field(description="the accounting year (the last observed map's)")
    baseline_yi_yuan: float = Field(description="GEP with the observed map [亿元]")
    scenario_yi_yuan: float = Field(description="GEP with the simulated map [亿元]")
    delta_yi_yuan: float = Field(description="scenario − baseline [亿元]")


class ScenarioOut(BaseModel):
    id: str
    name: str
    state: State
    job_id: str
    message: str = Field(description="the last message whole, 'English / 中文'")
    # its halves as made (a half may hold " / "); empty in a scenario stored before them
    message_en: str = ""
    message_zh: str = ""
    demand: Literal["markov", "plan"]
    steps: int
    targets_hm2: dict[int, float]
    restricted_zones: list[str]
    restricted_hm2: float
    use_zoning: bool
    seed: int
    calibration_years: list[int]
    simulated_year: int | None = Field(description="the year simulated (Markov demand)")
    cell_size_m: float
    classes: list[ClassRow] = Field(default_factory=list)
    unmet_hm2: float | None = None
    held_out_year: int | None = None
    validation: list[Indicator] | None = None
    verdict_zh: str | None = None
    verdict_en: str | None = None
    gep: GepTotals | None = None
    gep_note_zh: str = GEP_NOTE_ZH
    gep_note_en: str = GEP_NOTE_EN
    synthetic: bool
    dataset_zh: str
    dataset_en: str
    region_adcode: int
    created_by: str
    created_at: str


class GepRow(BaseModel):
    label: str = Field(description="service or county, in the request's language")
    adcode: int | None = Field(default=None, description="the county's adcode (counties)")
    baseline_wan_yuan: float = Field(description="GEP with the observed map [万元]")
    scenario_wan_yuan: float = Field(description="GEP with the simulated map [万元]")
    delta_wan_yuan: float = Field(description="scenario − baseline [万元]")


class ScenarioGepOut(BaseModel):
    """ΔGEP of a scenario by service and by county [万元], totals [亿元]."""

    id: str
    name: str
    year: int
    basis: str = Field(description="the account the scenario was valued with")
    note: str
    synthetic: bool
    baseline_yi_yuan: float
    scenario_yi_yuan: float
    delta_yi_yuan: float
    delta_wan_yuan: float
    services: list[GepRow]
    counties: list[GepRow]


class ScenarioAccepted(BaseModel):
    id: str
    job_id: str


@dataclass(frozen=True)
class LanduseData:
    """The platform's land-use data: three or more years of level-1 cover and a DEM."""

    folder: Path
    years: tuple[int, ...]
    title_zh: str
    title_en: str
    synthetic: bool

    def cover(self, year: int) -> Path:
        return self.folder / f"cover_{year}.tif"

    @property
    def dem(self) -> Path:
        return self.folder / "dem.tif"

    def drivers(self) -> dict[str, Path]:
        """Every other GeoTIFF of the folder is a driver, named by its file's stem."""
        own = {self.dem.name, *(self.cover(y).name for y in self.years)}
        return {p.stem: p for p in sorted(self.folder.glob("*.tif")) if p.name not in own}


def _data(request: Request) -> LanduseData:
    settings = request.app.state.settings
    folder = Path(settings.landuse_data or landuse_demo_folder(Path(settings.data_dir)))
    desc = folder / DESCRIPTOR
    if not desc.is_file():
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "no land-use data on this platform: set GANPO_LANDUSE_DATA, or run "
            "`ganpo landuse demo` for the synthetic one / 平台尚未配置土地利用数据",
        )
    meta = tomllib.loads(desc.read_text(encoding="utf-8"))
    years = tuple(sorted(int(y) for y in meta.get("years", [])))
    if len(years) < 2:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the platform's land-use data lists fewer than two years / 土地利用数据少于两期",
        )
    return LanduseData(
        folder,
        years,
        str(meta.get("title_zh", "土地利用数据")),
        str(meta.get("title_en", "land-use data")),
        bool(meta.get("synthetic", False)),
    )


def _root(request: Request) -> Path:
    return Path(request.app.state.settings.work_dir) / FOLDER


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _read(folder: Path, scenario_id: str) -> ScenarioOut | None:
    meta = folder / scenario_id / "scenario.json"
    if not meta.is_file():
        return None
    return ScenarioOut.model_validate_json(meta.read_text(encoding="utf-8"))


def _sees(principal: Principal, s: ScenarioOut) -> bool:
    return principal.can_see(s.region_adcode)


def _live(request: Request, s: ScenarioOut) -> ScenarioOut:
    """A scenario not finished on disk takes its job's state (a job lost by a restart, or
    failed before it wrote its error, shows as failed)."""
    if s.state in ("done", "failed"):
        return s
    jobs: JobManager = request.app.state.jobs
    job = jobs.get(s.job_id)
    if job is None:
        return s.model_copy(
            update={"state": "failed", **_message("interrupted", "任务中断，请重新运行")}
        )
    state = "running" if job.state == "done" else job.state  # done: its result is being read
    return s.model_copy(update={"state": state, **_message(job.message_en, job.message_zh)})


def _message(en: str, zh: str) -> dict[str, str]:
    """A scenario's message, whole and in its two halves (kept as given)."""
    return {"message": joined(en, zh), "message_en": en, "message_zh": zh}


def _targets(raw: dict[str, float] | None, cell_area_hm2: float) -> dict[int, int]:
    """Plan targets as cells by class code; a key that is no number is refused."""
    cells: dict[int, int] = {}
    for key, hm2 in (raw or {}).items():
        try:
            code = int(key)
        except ValueError:
            raise InputError(
                en=f"target class {key!r} is not a class code (1–8)",
                zh=f"规划目标类别 {key!r} 不是类别代码（1–8）",
                field="targets",
                values=[key],
            ) from None
        if not np.isfinite(hm2) or hm2 < 0:
            raise InputError(
                en=f"target of class {code} is {hm2} hm²; give an area ≥ 0",
                zh=f"类别 {code} 的目标面积须为非负数",
                field="targets",
                values=[key],
            )
        cells[code] = round(hm2 / cell_area_hm2)
    return cells


def _restricted_mask(
    request: Request, body: ScenarioIn, profile: dict[str, Any], valid: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], list[str]]:
    from ganpo.landuse.zones import restricted_from_geojson, restricted_from_zoning

    mask = np.zeros(valid.shape, bool)
    names: list[str] = []
    if body.restricted.strip():
        mask, names = restricted_from_geojson(body.restricted, profile, valid)
    if body.use_zoning:
        from ganpo.web.routes.zoning import zoning_folder

        settings = request.app.state.settings
        folder = Path(settings.zoning_data or zoning_folder(Path(settings.data_dir)))
        if not (folder / "zoning-dataset.toml").is_file():
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "no zoning dataset on this platform: set GANPO_ZONING_DATA / "
                "平台尚未配置分区管控数据",
            )
        mask = mask | (restricted_from_zoning(folder, profile) & valid)
    return mask, names


@router.post(
    "/scenarios",
    response_model=ScenarioAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run a land-use scenario / 运行土地利用情景",
)
def create_scenario(body: ScenarioIn, request: Request, principal: Runner) -> ScenarioAccepted:
    """Check the demand against the map and the restricted zones (422 naming what cannot
    be met), then simulate as a background job; poll ``/api/jobs/{job_id}``.
    检查需求与限制区后，以后台任务模拟（记入审计日志）。"""
    import rasterio

    from ganpo.landuse.demand import (
        check_demand,
        check_flows,
        class_counts,
        markov_flows,
        plan_demand,
    )
    from ganpo.landuse.run import CLASSES, read_cover, same_grid

    if not body.name.strip():
        raise InputError(en="give the scenario a name", zh="请填写情景名称", field="name")
    data = _data(request)
    first, second = data.years[0], data.years[1]
    a, b = read_cover(data.cover(first)), read_cover(data.cover(second))
    same_grid(a, b.path, b.profile)
    valid = a.valid & b.valid
    current = np.where(valid, b.cover, 255)
    mask, names = _restricted_mask(request, body, b.profile, valid)
    area = b.cell_area_hm2
    conversion = np.ones((len(CLASSES), len(CLASSES)), bool)
    cells = _targets(body.targets, area)
    if cells:
        now = class_counts(current, CLASSES, valid)
        want = plan_demand(cells, now, CLASSES)
        check_demand(want, current, CLASSES, conversion, ~mask, area)
    else:
        flows = markov_flows(a.cover, b.cover, CLASSES, body.steps, valid)
        check_flows(flows, current, CLASSES, conversion, ~mask, area)

    root = _root(request)
    scenario_id = secrets.token_hex(8)
    folder = root / scenario_id
    folder.mkdir(parents=True, exist_ok=True)
    interval = second - first
    held_out = second + interval
    validate = not cells and body.steps == 1 and held_out in data.years
    record = ScenarioOut(
        id=scenario_id,
        name=body.name.strip(),
        state="queued",
        job_id="",
        message=joined("queued", "排队中"),
        message_en="queued",
        message_zh="排队中",
        demand="plan" if cells else "markov",
        steps=body.steps,
        targets_hm2={int(k): float(v) for k, v in (body.targets or {}).items()},
        restricted_zones=names,
        restricted_hm2=float(mask.sum()) * area,
        use_zoning=body.use_zoning,
        seed=body.seed,
        calibration_years=[first, second],
        simulated_year=None if cells else second + body.steps * interval,
        cell_size_m=abs(float(b.profile["transform"].a)),
        held_out_year=held_out if validate else None,
        synthetic=data.synthetic,
        dataset_zh=data.title_zh,
        dataset_en=data.title_en,
        region_adcode=HOME_PROVINCE,
        created_by=principal.username,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    try:
        if body.restricted.strip():
            (folder / "restricted.geojson").write_text(body.restricted, encoding="utf-8")
        profile = dict(b.profile)
        profile.update(driver="GTiff", dtype="uint8", nodata=None, count=1, compress="deflate")
        with rasterio.open(folder / "restricted.tif", "w", **profile) as dst:
            dst.write(mask.astype(np.uint8), 1)
        _write_json(folder / "scenario.json", record.model_dump())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    engine = store(request)
    actor = principal.username
    base_dir = Path(request.app.state.settings.data_dir)

    def work(ctx: JobContext) -> None:
        try:
            _run(ctx, data, folder, record, cells, engine, actor, base_dir)
        except Exception as exc:
            for name in ("simulated.tif", GEP_FILE, *GEP_MAPS):
                (folder / name).unlink(missing_ok=True)
            _update(folder, state="failed", **_message(*failure_message(exc)))
            raise

    jobs: JobManager = request.app.state.jobs
    job = jobs.submit("landuse.scenario", actor, work)
    _update(folder, job_id=job.id)
    return ScenarioAccepted(id=scenario_id, job_id=job.id)


#: the request thread and the job's thread both update a scenario's file
_FILE_LOCK = threading.Lock()


def _update(folder: Path, **changes: Any) -> None:
    """Change fields of a scenario's stored record (read, change, replace atomically)."""
    meta = folder / "scenario.json"
    with _FILE_LOCK:
        data = json.loads(meta.read_text(encoding="utf-8"))
        data.update(changes)
        _write_json(meta, data)


def _run(
    ctx: JobContext,
    data: LanduseData,
    folder: Path,
    record: ScenarioOut,
    cells: dict[int, int],
    engine: Any,
    actor: str,
    base_dir: Path,
) -> None:
    """The job: simulate, tabulate, validate on the held-out year, value (ΔGEP), audit,
    mark done."""
    from ganpo.catalog.ecosystems import level1
    from ganpo.landuse.run import CLASSES, read_cover, simulate, validation_tables

    first, second = record.calibration_years
    ctx.say("fitting the suitability and allocating", "拟合适宜性并分配")
    ctx.fraction(0.1)
    run = simulate(
        data.cover(first),
        data.cover(second),
        data.dem,
        folder / "simulated.tif",
        demand="plan" if cells else "markov",
        steps=record.steps,
        targets_hm2=record.targets_hm2 or None,
        restricted=folder / "restricted.tif",
        seed=record.seed,
        extra_drivers=data.drivers(),
    )
    ctx.fraction(0.7)
    ha = run.cell_area_hm2
    simulated = read_cover(run.simulated)
    sim_counts = np.array([(simulated.cover == c).sum() for c in CLASSES], np.int64)
    unmet = run.allocation.unmet if run.allocation.unmet.ndim == 1 else np.zeros(len(CLASSES))
    rows = [
        ClassRow(
            code=code,
            name_zh=level1(code).name_zh,
            name_en=level1(code).name_en,
            start_hm2=float(run.start_counts[i]) * ha,
            demand_hm2=float(run.demand[i]) * ha,
            simulated_hm2=float(sim_counts[i]) * ha,
            change_hm2=float(sim_counts[i] - run.start_counts[i]) * ha,
            unmet_hm2=float(unmet[i]) * ha,
        )
        for i, code in enumerate(CLASSES)
    ]
    changes: dict[str, Any] = {
        "classes": [r.model_dump() for r in rows],
        "unmet_hm2": float(np.asarray(unmet).sum()) * ha,
    }
    if record.held_out_year is not None:
        ctx.say(f"validating against {record.held_out_year}", f"以 {record.held_out_year} 年验证")
        _, summary, _ = validation_tables(
            data.cover(second), data.cover(record.held_out_year), run.simulated
        )
        changes["validation"] = [
            Indicator(
                name_zh=r["指标"], name_en=r["indicator"], value=r["value"], unit=r["unit"]
            ).model_dump()
            for _, r in summary.iterrows()
        ]
        changes["verdict_zh"], changes["verdict_en"] = summary.attrs["verdict"]
    ctx.fraction(0.5)
    changes.update(_value(ctx, data, folder, record, run.simulated, engine, base_dir))
    ctx.fraction(0.95)
    gep = changes.get("gep")
    with engine.begin() as conn:
        platform.audit(
            conn,
            actor=actor,
            action="landuse.scenario",
            entity="landuse_scenario",
            entity_id=record.id,
            before=None,
            after={
                "name": record.name,
                "demand": record.demand,
                "steps": record.steps,
                "targets_hm2": {str(k): v for k, v in record.targets_hm2.items()},
                "restricted_zones": record.restricted_zones,
                "restricted_hm2": record.restricted_hm2,
                "use_zoning": record.use_zoning,
                "seed": record.seed,
                "dataset": data.title_en,
                "change_hm2": {str(r.code): r.change_hm2 for r in rows},
                "gep_year": gep["year"] if gep else None,
                "delta_gep_yi_yuan": gep["delta_yi_yuan"] if gep else None,
            },
        )
    _update(folder, state="done", **_message("done", "完成"), **changes)


#: the two maps of the valuation, on the account dataset's grid
GEP_MAPS = ("gep-baseline.tif", "gep-scenario.tif")


def _value(
    ctx: JobContext,
    data: LanduseData,
    folder: Path,
    record: ScenarioOut,
    simulated: Path,
    engine: Any,
    base_dir: Path,
) -> dict[str, Any]:
    """ΔGEP of the simulated map against the last observed one, through the platform's
    account of that year; writes ``gep.json`` and returns the record's changes. A scenario
    that cannot be valued (no account of the year, a grid refused) gets a note saying
    why, in both languages, and no ΔGEP."""
    from ganpo.errors import GanpoError
    from ganpo.landuse.gep import onto_grid, scenario_gep

    year = record.calibration_years[1]
    try:
        acc, dataset = _account_of(engine, year, base_dir)
        ctx.say(
            f"ΔGEP: the {year} account with the observed and the simulated map",
            "计算 GEP 变化",
        )
        entry = dataset.manifest.layer("ecosystem_type", year)
        assert entry is not None  # _account_of checked it
        like = dataset.path(entry)
        baseline = onto_grid(data.cover(year), like, folder / GEP_MAPS[0])
        scenario = onto_grid(simulated, like, folder / GEP_MAPS[1])
        result = scenario_gep(
            dataset.root,
            year,
            baseline,
            scenario,
            profile=acc.profile,
            parameter_set=acc.parameter_set,
            price_policy=cast("PricePolicy", acc.price_policy),
        )
    except GanpoError as exc:
        for name in GEP_MAPS:
            (folder / name).unlink(missing_ok=True)
        en, zh = gep_refusal(exc)
        return {"gep": None, "gep_note_zh": zh, "gep_note_en": en}
    from ganpo.catalog.profiles import load_profile

    prof = load_profile(acc.profile)
    services = result.by("indicator")
    counties = result.by("county_adcode")
    stored = {
        "year": year,
        "account_id": acc.id,
        "profile_zh": prof.title_zh,
        "profile_en": prof.title_en,
        "baseline_cny": float(result.baseline.gep_cny),
        "scenario_cny": float(result.scenario.gep_cny),
        "delta_cny": result.delta_cny,
        "services": services.to_dict(orient="records"),
        "counties": counties.to_dict(orient="records"),
    }
    _write_json(folder / GEP_FILE, stored)
    account_m = _cell_m(like)
    resampled = _grid(data.cover(year)) != _grid(like)
    how_zh = (
        f"土地利用图（{record.cell_size_m:g} 米）按最近邻重采样至核算网格（{account_m:g} 米）"
        if resampled
        else "土地利用图与核算数据集同一网格"
    )
    how_en = (
        f"the land-use maps ({record.cell_size_m:g} m) resampled onto the account grid "
        f"({account_m:g} m) by nearest neighbour"
        if resampled
        else "the land-use maps on the account dataset's grid"
    )
    return {
        "gep": GepTotals(
            year=year,
            baseline_yi_yuan=stored["baseline_cny"] / 1e8,
            scenario_yi_yuan=stored["scenario_cny"] / 1e8,
            delta_yi_yuan=stored["delta_cny"] / 1e8,
        ).model_dump(),
        "gep_note_zh": (
            f"以 {year} 年核算（{prof.title_zh}，同一参数与价格）分别运行观测与模拟土地覆被；"
            f"{how_zh}；其他图层与统计表保持 {year} 年，故 ΔGEP 全部来自土地覆被变化。"
            "基准值用一级类覆被图，与发布的核算值不同"
        ),
        "gep_note_en": (
            f"the {year} account ({prof.title_en}, same parameters and prices) run on the "
            f"observed and on the simulated land cover; {how_en}; every other layer and "
            f"table stays at {year}, so the whole ΔGEP is the land-cover change's. The "
            "baseline uses the level-1 map and differs from the published account"
        ),
    }


def gep_refusal(exc: Exception) -> tuple[str, str]:
    """Why a scenario was not valued, in English and in Chinese, for people: the domain's
    message ("English / 中文") without the file it names or any server path."""
    from ganpo.web.failures import without_paths

    text = str(exc)
    source = getattr(exc, "source", None)
    if source and text.startswith(f"{source}: "):
        text = text[len(source) + 2 :]
    text = without_paths(text)
    en, zh = halves(text)
    return f"ΔGEP not computed: {en}", f"未计算 GEP 变化：{zh}"


def _cell_m(path: Path) -> float:
    import rasterio

    with rasterio.open(path) as src:
        return abs(float(src.transform.a))


def _grid(path: Path) -> tuple[Any, ...]:
    import rasterio

    with rasterio.open(path) as src:
        return (src.crs, src.transform, src.width, src.height)


def _account_of(engine: Any, year: int, base_dir: Path) -> tuple[Any, Any]:
    """The platform's account of ``year`` for the province (newest published, else newest
    draft) and its dataset, checked unchanged since the account ran."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ganpo.io.manifest import load_manifest
    from ganpo.store.lifecycle import preferred_account
    from ganpo.store.models import Account

    with Session(engine) as session:
        rows = session.scalars(
            select(Account).where(Account.year == year, Account.region_adcode == HOME_PROVINCE)
        ).all()
        acc = preferred_account(rows)
        if acc is not None:
            session.expunge(acc)
    if acc is None:
        raise InputError(
            en=f"the platform has no account of {year}; run the {year} account first",
            zh=f"平台没有 {year} 年的核算，请先运行该年核算",
            field="year",
            values=[year],
        )
    root = Path(acc.dataset_root)
    dataset = load_manifest(root if (root / "manifest.toml").is_file() else base_dir)
    if dataset.manifest_sha256 != acc.manifest_sha256:
        raise InputError(
            en=f"the dataset of the {year} account (#{acc.id}) has changed since it ran; run the "
            "account again",
            zh=f"{year} 年核算（#{acc.id}）的数据集在核算后已改变，请重新核算",
            field="dataset",
            values=[acc.id],
        )
    if dataset.manifest.layer("ecosystem_type", year) is None:
        raise InputError(
            en=f"the dataset of the {year} account has no ecosystem map of {year}",
            zh=f"{year} 年核算的数据集没有该年的生态系统类型图",
            field="ecosystem_type",
            values=[year],
        )
    return acc, dataset


@router.get(
    "/scenarios", response_model=list[ScenarioOut], summary="Land-use scenarios / 土地利用情景"
)
def list_scenarios(request: Request, principal: CurrentPrincipal) -> list[ScenarioOut]:
    """The scenarios you may see, newest first. 可见的土地利用情景，新者在前。"""
    root = _root(request)
    if not root.is_dir():
        return []
    found = [
        _live(request, s)
        for d in root.iterdir()
        if d.is_dir() and (s := _read(root, d.name)) is not None and _sees(principal, s)
    ]
    return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)


def _visible(request: Request, principal: Principal, scenario_id: str) -> ScenarioOut:
    found = _read(_root(request), scenario_id)
    if found is None or not _sees(principal, found):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such scenario / 没有该情景")
    return _live(request, found)


@router.get(
    "/scenarios/{scenario_id}", response_model=ScenarioOut, summary="One scenario / 情景详情"
)
def get_scenario(
    scenario_id: ScenarioId, request: Request, principal: CurrentPrincipal
) -> ScenarioOut:
    """Demand, change by class [hm²], unmet demand, validation on the held-out year (Markov
    demand one step ahead), state. 需求、各类面积变化、未满足需求与验证。"""
    return _visible(request, principal, scenario_id)


@router.get(
    "/scenarios/{scenario_id}/gep",
    response_model=ScenarioGepOut,
    summary="The scenario's ΔGEP / 情景 GEP 变化",
    responses={409: {"description": "not finished, or not valued / 尚未完成或未计算"}},
)
def scenario_gep_tables(
    scenario_id: ScenarioId,
    request: Request,
    principal: CurrentPrincipal,
    lang: Literal["zh", "en"] = "zh",
) -> ScenarioGepOut:
    """GEP with the observed and with the simulated land cover and their difference, by
    service and by county [万元], province totals [亿元]; labels in ``lang``.
    按服务与县的基准 GEP、情景 GEP 及其变化（万元），全省合计（亿元）。"""
    from ganpo.catalog.indicators import indicator
    from ganpo.web.auth import hierarchy

    s = _visible(request, principal, scenario_id)
    zh = lang == "zh"
    if s.state != "done":
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the scenario has not finished / 情景尚未完成"
        )
    path = _root(request) / scenario_id / GEP_FILE
    if s.gep is None or not path.is_file():
        raise HTTPException(status.HTTP_409_CONFLICT, s.gep_note_zh if zh else s.gep_note_en)
    stored = json.loads(path.read_text(encoding="utf-8"))
    names = hierarchy()

    def row(r: dict[str, Any], label: str, adcode: int | None = None) -> GepRow:
        return GepRow(
            label=label,
            adcode=adcode,
            baseline_wan_yuan=r["baseline_cny"] / 1e4,
            scenario_wan_yuan=r["scenario_cny"] / 1e4,
            delta_wan_yuan=r["delta_cny"] / 1e4,
        )

    services = []
    for r in stored["services"]:
        ind = indicator(r["indicator"])
        services.append(row(r, ind.name_zh if zh else ind.name_en))
    counties = [
        row(r, names.name(int(r["county_adcode"]), lang), int(r["county_adcode"]))
        for r in stored["counties"]
    ]
    year = int(stored["year"])
    profile = stored["profile_zh"] if zh else stored["profile_en"]
    return ScenarioGepOut(
        id=s.id,
        name=s.name,
        year=year,
        basis=f"{year} 年核算 #{stored['account_id']}（{profile}）"
        if zh
        else f"account #{stored['account_id']} of {year} ({profile})",
        note=s.gep_note_zh if zh else s.gep_note_en,
        synthetic=s.synthetic,
        baseline_yi_yuan=stored["baseline_cny"] / 1e8,
        scenario_yi_yuan=stored["scenario_cny"] / 1e8,
        delta_yi_yuan=stored["delta_cny"] / 1e8,
        delta_wan_yuan=stored["delta_cny"] / 1e4,
        services=services,
        counties=counties,
    )


@router.get(
    "/scenarios/{scenario_id}/map.png",
    summary="The simulated map / 模拟土地覆被图",
    responses={200: {"content": {"image/png": {}}}},
)
def scenario_map(
    scenario_id: ScenarioId,
    request: Request,
    principal: CurrentPrincipal,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """The simulated land cover beside its changes from the last observed map, restricted
    zones outlined, legend in ``lang``. 模拟土地覆被及其变化（图例随语言）。"""
    from ganpo.landuse.run import read_cover

    s = _visible(request, principal, scenario_id)
    if s.state != "done":
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the scenario has not finished / 情景尚未完成"
        )
    folder = _root(request) / scenario_id
    data = _data(request)
    start = read_cover(data.cover(s.calibration_years[1]))
    simulated = read_cover(folder / "simulated.tif")
    import rasterio

    with rasterio.open(folder / "restricted.tif") as src:
        restricted = src.read(1) != 0
    return Response(
        _map_png(s, start.cover, simulated.cover, restricted, lang), media_type="image/png"
    )


def _map_png(
    s: ScenarioOut,
    start: NDArray[np.int64],
    simulated: NDArray[np.int64],
    restricted: NDArray[np.bool_],
    lang: str,
) -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from ganpo.catalog.ecosystems import level1
    from ganpo.landuse.run import CLASSES
    from ganpo.report.fonts import use_cjk_font

    zh = lang == "zh"
    use_cjk_font()
    # masked cells (outside the region; unchanged ones on the right) stay transparent
    cmap = ListedColormap([COLOURS[c] for c in CLASSES]).with_extremes(bad=(0, 0, 0, 0))
    inside = simulated != 255
    index = np.ma.masked_where(~inside, np.clip(simulated, 1, 8) - 1)
    changed = inside & (simulated != start)
    fig, axes = plt.subplots(1, 2, figsize=(10, 5.6), dpi=100)
    axes[0].imshow(index, cmap=cmap, vmin=0, vmax=len(CLASSES) - 1, interpolation="nearest")
    axes[0].set_title("模拟土地覆被" if zh else "Simulated land cover")
    background = np.ma.masked_where(~inside, np.where(changed, 1.0, 0.0))
    axes[1].imshow(background, cmap=ListedColormap(["#dddddd", "#dddddd"]), interpolation="nearest")
    axes[1].imshow(
        np.ma.masked_where(~changed, index),
        cmap=cmap,
        vmin=0,
        vmax=len(CLASSES) - 1,
        interpolation="nearest",
    )
    axes[1].set_title("变化像元（新类别）" if zh else "Changed cells (new class)")
    for ax in axes:
        if restricted.any():
            ax.contour(restricted.astype(float), levels=[0.5], colors="#222222", linewidths=0.8)
        ax.set_axis_off()
    handles = [
        Patch(color=COLOURS[c], label=level1(c).name_zh if zh else level1(c).name_en)
        for c in CLASSES
    ]
    if restricted.any():
        handles.append(
            Patch(
                facecolor="none", edgecolor="#222222", label="限制区" if zh else "Restricted zones"
            )
        )
    fig.legend(handles=handles, loc="lower center", ncol=5, frameon=False, fontsize=9)
    label = s.name + ("（合成数据）" if zh else " (SYNTHETIC)") if s.synthetic else s.name
    fig.suptitle(label)
    fig.tight_layout(rect=(0, 0.1, 1, 0.95))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
