"""Profiles select exactly their indicators and methods; alternative methods by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import tomli_w

from ganpo.catalog.parameters import load_parameter_set
from ganpo.catalog.profiles import load_profile, profile_names
from ganpo.engine.account import run_account
from ganpo.errors import InputError, UnknownNameError

A, B = 360101, 360102
REL = 1e-9


@pytest.mark.parametrize("name", profile_names())
def test_profile_selects_what_it_says(tiny: Callable[..., Path], name: str) -> None:
    profile = load_profile(name)
    acc = run_account(tiny(), 2022, name)
    assert set(acc.results.indicator) == set(profile.indicators)
    assert acc.profile == name


def _custom(tmp_path: Path, indicators: dict[str, str], **extra: object) -> str:
    base = load_profile("jiangxi-db36-2021").model_dump(exclude_none=True)
    base.update(name="custom", indicators=indicators, price_policy="as_given", **extra)
    path = tmp_path / "custom.toml"
    path.write_text(tomli_w.dumps(base), encoding="utf-8")
    return str(path)


def test_nep_methods_by_hand(tiny: Callable[..., Path], tmp_path: Path) -> None:
    params = load_parameter_set("jiangxi-default")
    values = dict(params.values)
    values["nep_to_npp_ratio"] = values["reservoir_flood_share"].model_copy(
        update={"value": 0.5, "source": "test"}
    )
    with_alpha = params.model_copy(update={"values": values})
    prof = _custom(tmp_path, {"carbon_sequestration": "nep", "oxygen_release": "nep"})
    acc = run_account(tiny(), 2022, prof, with_alpha)
    r = acc.results.groupby(["indicator", "county_adcode"]).quantity.sum()
    # A: dry matter 12 + 12 + 9 = 33 t; × 72/162 = 14.667 t C; × α 0.5 = 7.333 t C;
    # × 44/12 = 26.889 t CO₂; O₂ = 32/44 × CO₂ = 19.556 t
    co2 = 33 * 72 / 162 * 0.5 * 44 / 12
    assert r[("carbon_sequestration", A)] == pytest.approx(co2, rel=REL)
    assert r[("oxygen_release", A)] == pytest.approx(co2 * 32 / 44, rel=REL)


def test_nep_needs_its_parameter(tiny: Callable[..., Path], tmp_path: Path) -> None:
    prof = _custom(tmp_path, {"carbon_sequestration": "nep"})
    with pytest.raises(InputError, match=r"has no value 'nep_to_npp_ratio'"):
        run_account(tiny(), 2022, prof)


def test_unknown_method_lists_methods(tiny: Callable[..., Path], tmp_path: Path) -> None:
    prof = _custom(tmp_path, {"recreation": "survey"})
    with pytest.raises(
        UnknownNameError,
        match=r"unknown method of recreation 'survey'; valid names: tourism_revenue, travel_cost",
    ):
        run_account(tiny(), 2022, prof)


def test_unknown_indicator_in_profile(tmp_path: Path) -> None:
    prof = _custom(tmp_path, {"beauty": "x"})
    with pytest.raises(InputError, match=r"profile 'custom' names unknown indicator\(s\) beauty"):
        load_profile(prof)
