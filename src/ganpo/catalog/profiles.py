"""Profiles (核算口径): a standard's choice of indicators, methods and parameter set.

Each profile is a TOML file in ``data/profiles``. ``verified = false`` says that we could
not check the choices against the standard's text; the description says so plainly and
names the published application followed instead, ``reasons`` says why each choice was
made, and ``[[overlaps]]`` rules on indicators that value overlapping flows (double
counting, :mod:`ganpo.services.flows`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ganpo.catalog.files import data_dir, load_toml_model, shipped_names
from ganpo.catalog.indicators import indicators
from ganpo.catalog.parameters import PricePolicy
from ganpo.errors import InputError, UnknownNameError

#: the profile an account and the reporting forms follow unless told otherwise (the
#: engine's default: a test keeps the two the same)
DEFAULT_PROFILE = "jiangxi-db36-2021"


class OverlapRule(BaseModel):
    """How a profile treats two indicators that value overlapping flows: keep both (and
    why), or one of them is dropped from the profile (and why)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicators: tuple[str, str]
    rule: Literal["keep_both", "dropped"]
    dropped: str | None = None
    reason_zh: str
    reason_en: str

    @model_validator(mode="after")
    def _dropped_is_one_of_them(self) -> OverlapRule:
        if (self.rule == "dropped") != (self.dropped is not None):
            raise ValueError(
                "give 'dropped' (one of the two indicators) exactly when rule = 'dropped'"
            )
        if self.dropped is not None and self.dropped not in self.indicators:
            raise ValueError(f"dropped {self.dropped!r} is not one of {list(self.indicators)}")
        return self


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
    #: why each indicator's method (or an indicator's absence) was chosen, by indicator
    reasons: dict[str, str] = Field(default_factory=dict)
    #: rules on indicators whose methods value overlapping flows (double counting)
    overlaps: list[OverlapRule] = Field(default_factory=list)

    def rule_for(self, a: str, b: str) -> OverlapRule | None:
        """The keep-both rule for indicators ``a`` and ``b`` (both in the profile)."""
        for r in self.overlaps:
            if r.rule == "keep_both" and set(r.indicators) == {a, b}:
                return r
        return None

    @property
    def dropped(self) -> list[OverlapRule]:
        """The rules that dropped an indicator from the profile."""
        return [r for r in self.overlaps if r.rule == "dropped"]


def profile_names() -> list[str]:
    """Names of the profiles shipped with ganpo."""
    return shipped_names("profiles")


def load_profile_file(path: Path) -> Profile:
    """Read and validate a profile TOML file."""
    profile = load_toml_model(path, Profile, "profile")
    named = {i for r in profile.overlaps for i in r.indicators} | set(profile.reasons)
    unknown = sorted((set(profile.indicators) | named) - set(indicators()))
    if unknown:
        raise InputError(
            en=f"profile {profile.name!r} names unknown indicator(s) {', '.join(unknown)}; "
            f"the catalogue has {', '.join(indicators())}",
            zh=f"核算规范 {profile.name!r} 列有"
            f"未知指标 {', '.join(unknown)}；指标目录中有 {', '.join(indicators())}",
            source=path,
            field="indicators",
            values=unknown,
        )
    kept = sorted(r.dropped for r in profile.dropped if r.dropped in profile.indicators)
    if kept:
        raise InputError(
            en=f"profile {profile.name!r} says it dropped {', '.join(map(str, kept))} for double "
            "counting but still lists it under [indicators]; remove it there or change the rule",
            zh=f"核算规范 {profile.name!r} 说明为避免重复计算已删去 {', '.join(map(str, kept))}"
            "，但 [indicators] 中仍列有该指标；请在该处删去或修改规则",
            source=path,
            field="overlaps",
            values=kept,
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
