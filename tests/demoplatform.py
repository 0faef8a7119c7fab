"""The demo platform the web, submissions and CLI tests share (fixture ``demo_platform``
of tests/conftest.py): the demo dataset at 2000 m (coarse, seconds to build) with its 2022
and 2023 accounts stored and the demo users seeded, in a template SQLite store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEMO_RESOLUTION_M = 2000.0


@dataclass(frozen=True)
class DemoPlatform:
    data_dir: Path  # the demo dataset (manifest.toml inside)
    database: Path  # template store: accounts 2022 (id 1) and 2023 (id 2), demo users
    account_ids: tuple[int, ...]

    @property
    def manifest(self) -> Path:
        return self.data_dir / "manifest.toml"


def build_demo_platform(root: Path) -> DemoPlatform:
    from ganpo.web.seed import prepare_demo

    data_dir, database = root / "demo-2000m", root / "template.sqlite"
    ids = prepare_demo(str(database), data_dir, resolution_m=DEMO_RESOLUTION_M, say=lambda _: None)
    return DemoPlatform(data_dir, database, tuple(ids))
