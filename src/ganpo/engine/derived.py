"""Layers the engine derives from a dataset's layers before an account: the RUSLE LS
factor from the DEM, and the sediment delivery ratio (SDR) from the DEM and the
ecosystem map (flow routing, :mod:`ganpo.engine.routing`).

Routing cannot run block by block, so a derived layer is computed once, globally, and
written as a GeoTIFF in a cache folder (default ``<dataset>/derived``); the account then
reads it in blocks like any other layer. The file name carries a digest of what it
depends on (the source files' checksums, the parameters it reads, per-type ones
included, the algorithm version), so a changed DEM, ``ls_l_max`` or ``usle_c`` gives a new
file and an unchanged one is reused. An LS factor and an SDR of the same flow algorithm
that are both to be built are built from one routing of the DEM
(:func:`ensure_derived_all`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ganpo.catalog.parameters import ParameterSet
from ganpo.errors import InputError, UnknownNameError
from ganpo.io.outputs import DERIVED_CACHE, output_errors
from ganpo.io.roles import DERIVED_ROLES
from ganpo.services.base import UsedParameter
from ganpo.services.methods import SDR_PARAMETERS

if TYPE_CHECKING:
    from ganpo.engine.routing import FlowAlgorithm

L_MAX = UsedParameter("ls_l_max", "1")
USLE_C = UsedParameter("usle_c", "1")
#: bump when a change of the routing, LS or SDR code changes the derived rasters
ROUTING_VERSION = "2026.3"  # 2026.3: flats as pygeoprocessing


@dataclass(frozen=True)
class DerivedLayer:
    """How one derived role is made: from which layer roles, with which parameters."""

    role: str
    sources: tuple[str, ...]
    parameters: tuple[UsedParameter, ...]
    build: Callable[[Mapping[str, Path], Path, ParameterSet], Path]
    per_type: tuple[UsedParameter, ...] = ()


def _ls(algorithm: FlowAlgorithm) -> Callable[[Mapping[str, Path], Path, ParameterSet], Path]:
    def build(sources: Mapping[str, Path], target: Path, params: ParameterSet) -> Path:
        from ganpo.engine.routing import ls_factor_raster  # numba compiles on first use

        return ls_factor_raster(
            sources["dem"],
            target,
            algorithm,
            params.scalar(L_MAX.key, L_MAX.unit),
        )

    return build


def _sdr(algorithm: FlowAlgorithm) -> Callable[[Mapping[str, Path], Path, ParameterSet], Path]:
    def build(sources: Mapping[str, Path], target: Path, params: ParameterSet) -> Path:
        from ganpo.engine.routing import sdr_raster  # numba compiles on first use

        return sdr_raster(
            sources["dem"],
            sources["ecosystem_type"],
            params.per_type(USLE_C.key, USLE_C.unit),
            target,
            algorithm,
            *(params.scalar(u.key, u.unit) for u in SDR_PARAMETERS),
        )

    return build


DERIVED: dict[str, DerivedLayer] = {
    "ls_factor_mfd": DerivedLayer("ls_factor_mfd", ("dem",), (L_MAX,), _ls("mfd")),
    "ls_factor_d8": DerivedLayer("ls_factor_d8", ("dem",), (L_MAX,), _ls("d8")),
    "sdr_mfd": DerivedLayer(
        "sdr_mfd", ("dem", "ecosystem_type"), SDR_PARAMETERS, _sdr("mfd"), (USLE_C,)
    ),
    "sdr_d8": DerivedLayer(
        "sdr_d8", ("dem", "ecosystem_type"), SDR_PARAMETERS, _sdr("d8"), (USLE_C,)
    ),
}
assert set(DERIVED) == set(DERIVED_ROLES)


def derived_layer(role: str) -> DerivedLayer:
    """The recipe of a derived role; unknown roles list the known ones."""
    if role not in DERIVED:
        raise UnknownNameError("derived layer", role, DERIVED)
    return DERIVED[role]


def derived_path(
    role: str, source_sha256: Mapping[str, str], params: ParameterSet, folder: Path
) -> Path:
    """Where the derived layer for these sources and parameters is (or will be) cached."""
    recipe = derived_layer(role)
    payload = {
        "role": role,
        "version": ROUTING_VERSION,
        "sources": {r: source_sha256[r] for r in recipe.sources},
        "parameters": {u.key: params.scalar(u.key, u.unit) for u in recipe.parameters},
    }
    if recipe.per_type:
        payload["per_type"] = {
            u.key: sorted(params.per_type(u.key, u.unit).items()) for u in recipe.per_type
        }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    return folder / f"{role}_{digest}.tif"


def ensure_derived(
    role: str,
    sources: Mapping[str, Path],
    source_sha256: Mapping[str, str],
    params: ParameterSet,
    folder: Path,
) -> tuple[Path, bool]:
    """The cached derived layer, built first if absent; and whether it was built now."""
    missing = [r for r in derived_layer(role).sources if r not in sources]
    if missing:
        raise InputError(
            f"derived layer {role!r} is made from {', '.join(derived_layer(role).sources)}; "
            f"the layer(s) {', '.join(missing)} were not given",
            field="sources",
            values=missing,
        )
    target = derived_path(role, source_sha256, params, folder)
    if target.exists():
        return target, False
    with output_errors(folder, DERIVED_CACHE):  # a read-only dataset folder, say
        folder.mkdir(parents=True, exist_ok=True)
    # written under a temporary name and renamed when complete (routing._write_strips)
    return derived_layer(role).build(sources, target, params), True


#: per flow algorithm, the LS factor and the SDR that one routing of the DEM serves
SHARED_ROUTING: dict[FlowAlgorithm, tuple[str, str]] = {
    "mfd": ("ls_factor_mfd", "sdr_mfd"),
    "d8": ("ls_factor_d8", "sdr_d8"),
}


def ensure_derived_all(
    roles: Collection[str],
    sources: Mapping[str, Path],
    source_sha256: Mapping[str, str],
    params: ParameterSet,
    folder: Path,
) -> dict[str, tuple[Path, bool]]:
    """:func:`ensure_derived` for each of ``roles``: the cached layer and whether it was
    built now. An LS factor and an SDR of the same algorithm that are both absent are
    built together from one routing of the DEM
    (:func:`ganpo.engine.routing.ls_and_sdr_rasters`), bitwise the rasters built apart."""
    for role in roles:
        derived_layer(role)  # an unknown role lists the known ones
    done: dict[str, tuple[Path, bool]] = {}
    for algorithm, (ls_role, sdr_role) in SHARED_ROUTING.items():
        pair = (ls_role, sdr_role)
        if not all(r in roles for r in pair) or not all(
            r in sources for r in derived_layer(sdr_role).sources
        ):
            continue
        ls_path, sdr_path = (derived_path(r, source_sha256, params, folder) for r in pair)
        if ls_path.exists() or sdr_path.exists():
            continue
        with output_errors(folder, DERIVED_CACHE):
            folder.mkdir(parents=True, exist_ok=True)
        from ganpo.engine.routing import ls_and_sdr_rasters  # numba compiles on first use

        ls_and_sdr_rasters(
            sources["dem"],
            sources["ecosystem_type"],
            params.per_type(USLE_C.key, USLE_C.unit),
            ls_path,
            sdr_path,
            algorithm,
            params.scalar(L_MAX.key, L_MAX.unit),
            *(params.scalar(u.key, u.unit) for u in SDR_PARAMETERS),
        )
        done[ls_role], done[sdr_role] = (ls_path, True), (sdr_path, True)
    for role in sorted(roles):
        if role not in done:
            used = {r: sources[r] for r in derived_layer(role).sources if r in sources}
            done[role] = ensure_derived(role, used, source_sha256, params, folder)
    return {role: done[role] for role in sorted(roles)}
