"""Profiles (核算口径): a standard's choice of indicators, methods and parameter set.

Each profile is a TOML file in ``data/profiles``. ``verified = false`` says that we could
not check the choices against the standard's text (METHODS.md marks such items [U]); the
description says what is and is not verified.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ganpo.catalog.files import data_dir, load_toml_model, shipped_names
from ganpo.catalog.indicators import indicators
from ganpo.catalog.parameters import PricePolicy
from ganpo.errors import InputError, UnknownNameError


class Profile(BaseModel):
    """Indicators (→ method key), default parameter set and accounting rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title_zh: str
    title_en: str
    standard: str
    parameter_set: str
    deduct_external: bool
    price_policy: PricePolicy = "as_given"
    deflator: str = "cn-cpi"
    verified: bool
    description: str
    indicators: dict[str, str]
    #: physical indicators (→ method key) computed beside the GEP and never valued, e.g.
    #: ``sediment_export = "sdr_mfd"`` (ganpo.services.methods.PHYSICAL_METHODS)
    physical: dict[str, str] = Field(default_factory=dict)
    #: the least share of a unit's cells (cells with an ecosystem type) where each layer the
    #: methods read must have data. Below it the account is refused unless the layer's
    #: manifest entry declares a gap policy: cells without data would otherwise drop out of
    #: a service without anyone choosing it (a layer covering half a unit lowers its
    #: account by a fraction nobody sees). 0.98 tolerates the few cells a coast, a border or
    #: a reprojection leaves empty, not a hole; above it and below 100 % the missing cells
    #: are left out and the account records that decision, unit by unit.
    coverage_min: float = Field(default=0.98, ge=0.0, le=1.0)


def profile_names() -> list[str]:
    """Names of the profiles shipped with ganpo."""
    return shipped_names("profiles")


def load_profile_file(path: Path) -> Profile:
    """Read and validate a profile TOML file."""
    profile = load_toml_model(path, Profile, "profile")
    unknown = sorted(set(profile.indicators) - set(indicators()))
    if unknown:
        raise InputError(
            f"profile {profile.name!r} names unknown indicator(s) {', '.join(unknown)}; "
            f"the catalogue has {', '.join(indicators())}",
            source=path,
            field="indicators",
            values=unknown,
        )
    return profile


@cache
def load_profile(name: str) -> Profile:
    """A shipped profile by name, or one read from a ``.toml`` path."""
    if name.endswith(".toml"):
        return load_profile_file(Path(name))
    if name not in profile_names():
        raise UnknownNameError("profile", name, profile_names())
    return load_profile_file(data_dir("profiles") / f"{name}.toml")
