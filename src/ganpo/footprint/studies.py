"""The product carbon footprint studies the platform holds: the SYNTHETIC demonstration
studies shipped in ``ganpo/catalog/data/footprint`` (copper cathode, praseodymium-neodymium
oxide, Gannan navel oranges), each under a short identifier used in the platform's routes.

Simplification: the platform holds only these shipped studies; a company's own study is
computed with ``ganpo footprint run`` (the platform stores no study of its own).
"""

from __future__ import annotations

from pathlib import Path

from ganpo.catalog.files import data_dir
from ganpo.errors import InputError

#: identifier → the shipped file, in the order the platform lists them
DEMO_STUDIES: dict[str, str] = {
    "copper-cathode": "demo-copper-cathode.toml",
    "rare-earth-oxide": "demo-rare-earth-oxide.toml",
    "navel-orange": "demo-navel-orange.toml",
}
#: the Monte Carlo of a study on the platform: a fixed seed (the CLI's default) and the
#: smallest number of draws :func:`ganpo.footprint.lca.footprint` accepts (~2 s a study)
PLATFORM_DRAWS = 1000
PLATFORM_SEED = 20240101


def study_ids() -> list[str]:
    """The identifiers of the studies the platform holds."""
    return list(DEMO_STUDIES)


def study_path(study_id: str) -> Path:
    """The file of study ``study_id``; an unknown identifier is an :class:`InputError`."""
    name = DEMO_STUDIES.get(study_id)
    if name is None:
        raise InputError(
            en=f"no footprint study {study_id!r}; studies: {', '.join(DEMO_STUDIES)}",
            zh="没有该碳足迹研究",
            field="study",
            values=[study_id],
        )
    return data_dir("footprint") / name
