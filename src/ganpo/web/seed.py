"""The demo users of the platform (password ``<username>-demo``), for ``--demo`` and tests.

The demo ``auditor`` is scoped to the province (as the provincial audit office, which may
audit the leaders of any city or county); an auditor of a city office is created with that
city's adcode and sees, and may audit, only that city and its counties."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ganpo.store import platform
from ganpo.web.auth import hash_password


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    department: str | None
    region_adcode: int | None
    note_zh: str
    note_en: str

    @property
    def password(self) -> str:
        return f"{self.username}-demo"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "admin", None, None, "管理员", "administrator"),
    DemoUser("office", "office", None, None, "核算办公室", "accounting office"),
    DemoUser("forestry", "reporter", "forestry", None, "林业部门填报员", "forestry reporter"),
    DemoUser("tourism", "reporter", "tourism", None, "文旅部门填报员", "tourism reporter"),
    DemoUser("reviewer", "reviewer", None, None, "审核员", "reviewer"),
    DemoUser("nanchang", "viewer", None, 360100, "南昌市查看者", "viewer, Nanchang city"),
    DemoUser("wuyuan", "viewer", None, 361130, "婺源县查看者", "viewer, Wuyuan county"),
    DemoUser("jiangxi", "viewer", None, 360000, "全省查看者", "viewer, Jiangxi province"),
    # the provincial audit office: departure audits of any city or county of the province
    DemoUser("auditor", "auditor", None, 360000, "省审计人员", "auditor, Jiangxi province"),
)


def seed_demo_users(engine: Engine, *, actor: str = "ganpo-demo") -> list[str]:
    """Create the demo users that do not exist yet; the names created (audited)."""
    existing = {u.username for u in platform.list_users(engine)}
    created = []
    for user in DEMO_USERS:
        if user.username in existing:
            continue
        platform.create_user(
            engine,
            actor=actor,
            username=user.username,
            password_hash=hash_password(user.password),
            role=user.role,
            department=user.department,
            region_adcode=user.region_adcode,
        )
        created.append(user.username)
    return created


def prepare_demo(
    database: str,
    data_dir: Path,
    *,
    resolution_m: float = 1000.0,
    years: tuple[int, ...] = (2022, 2023),
    say: Callable[[str], None] = print,
) -> list[int]:
    """Make a demo platform: the demo dataset (built if its manifest is missing), its
    accounts for ``years`` (run and stored if the store has no account at all), the
    demo users and the synthetic greenhouse-gas inventories (:func:`seed_carbon_demo`), and
    the synthetic zoning data (:func:`ganpo.demo.zoning.build_zoning_demo`) and land-use
    data (:func:`ganpo.demo.landuse.build_landuse_demo`, at :data:`LANDUSE_DEMO_MIN_M` or
    coarser, for the scenario page).
    Returns the ids of the accounts it stored.
    """
    from ganpo.demo import build_demo_dataset
    from ganpo.engine.account import run_account
    from ganpo.store.repository import list_accounts, open_store, save_account

    manifest = Path(data_dir) / "manifest.toml"
    if not manifest.exists():
        say(f"building the demo dataset at {resolution_m:g} m in {data_dir} / 正在生成演示数据")
        build_demo_dataset(Path(data_dir), resolution_m=resolution_m, years=years)
    engine = open_store(database)
    stored: list[int] = []
    if not list_accounts(engine):
        for year in years:
            say(f"running the demo account {year} / 正在运行 {year} 年演示核算")
            account = run_account(manifest, year)
            account_id = save_account(engine, account)
            with engine.begin() as conn:
                platform.audit(
                    conn,
                    actor="ganpo-demo",
                    action="account.run",
                    entity="account",
                    entity_id=str(account_id),
                    before=None,
                    after={"year": year, "gep_cny": account.gep_cny, "manifest": str(manifest)},
                )
            stored.append(account_id)
    seed_demo_users(engine)
    seed_carbon_demo(engine, carbon_demo_folder(Path(data_dir)), say=say)
    zoning = Path(data_dir).parent / "zoning-demo"
    if not (zoning / "zoning-dataset.toml").is_file():
        from ganpo.demo.zoning import build_zoning_demo

        say("writing the synthetic zoning demo (合成数据) / 写出分区管控合成示范数据")
        build_zoning_demo(zoning)
    landuse = landuse_demo_folder(Path(data_dir))
    if not (landuse / "landuse-dataset.toml").is_file():
        from ganpo.demo.landuse import build_landuse_demo

        say("writing the synthetic land-use demo (合成数据) / 写出土地利用情景合成示范数据")
        build_landuse_demo(landuse, resolution_m=max(resolution_m, LANDUSE_DEMO_MIN_M))
    engine.dispose()
    return stored


#: the platform's land-use demo is never finer than this [m]: a scenario is a web job
LANDUSE_DEMO_MIN_M = 4000.0


def landuse_demo_folder(data_dir: Path) -> Path:
    """The folder of the synthetic land-use demo beside the base dataset
    (``data/landuse-demo``, where ``ganpo landuse demo`` writes it by default)."""
    return Path(data_dir).parent / "landuse-demo"


def carbon_demo_folder(data_dir: Path) -> Path:
    """The folder of the synthetic carbon demo dataset beside the base dataset
    (``data/carbon-demo`` for ``data/demo-250m``, where ``ganpo carbon demo`` writes it)."""
    return Path(data_dir).parent / "carbon-demo"


def seed_carbon_demo(
    engine: Engine,
    folder: Path,
    *,
    gwp: str = "AR6",
    say: Callable[[str], None] = print,
) -> list[int]:
    """When the store has no greenhouse-gas inventory: the synthetic carbon demo dataset
    (built in ``folder`` unless it is there), its inventory of each year computed, stored
    and published (audited). Returns the ids stored (none when inventories exist)."""
    from ganpo.carbon.inventory import read_dataset, run_inventory
    from ganpo.demo.carbon import build_carbon_demo
    from ganpo.engine.provenance import code_version
    from ganpo.store.carbon import list_inventories, publish_inventory, save_inventory

    if list_inventories(engine):
        return []
    if not (folder / "carbon-dataset.toml").is_file():
        say(f"building the synthetic carbon demo data in {folder} / 正在生成碳排放演示数据（合成）")
        build_carbon_demo(folder)
    data = read_dataset(folder)
    version = code_version()
    stored = []
    for year in data.years:
        say(f"computing the demo greenhouse-gas inventory {year} / 正在核算 {year} 年演示清单")
        iid = save_inventory(
            engine, run_inventory(data, year, gwp, code_version=version), created_by="ganpo-demo"
        )
        publish_inventory(engine, iid)
        with engine.begin() as conn:
            platform.audit(
                conn,
                actor="ganpo-demo",
                action="carbon.publish",
                entity="carbon_inventory",
                entity_id=str(iid),
                before=None,
                after={"year": year, "gwp_set": gwp, "synthetic": data.synthetic},
            )
        stored.append(iid)
    return stored
