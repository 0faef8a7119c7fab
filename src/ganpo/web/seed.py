"""The demo users of the platform (password ``<username>-demo``), for ``--demo`` and tests."""

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
    accounts for ``years`` (run and stored if the store has no account at all) and the
    demo users. Returns the ids of the accounts it stored.
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
    engine.dispose()
    return stored
