"""Double counting: every method names its flows; a profile rules on overlapping ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import tomli_w

from ganpo.catalog.profiles import load_profile, profile_names
from ganpo.engine.account import run_account
from ganpo.errors import InputError
from ganpo.services.flows import FLOWS, overlaps, undeclared_overlaps
from ganpo.services.methods import METHODS


def test_every_method_names_known_flows() -> None:
    for by_key in METHODS.values():
        for m in by_key.values():
            assert m.flows, f"{m.indicator}/{m.key} declares no flow"
            assert set(m.flows) <= set(FLOWS), f"{m.indicator}/{m.key}: {m.flows}"


@pytest.mark.parametrize("name", profile_names())
def test_shipped_profiles_rule_on_every_overlap(name: str) -> None:
    """Two indicators of a profile that value the same (or overlapping) flows need a rule."""
    profile = load_profile(name)
    assert undeclared_overlaps(profile) == [], [(o.first, o.second) for o in overlaps(profile)]
    # the three overlaps of the issue are ruled on wherever both indicators are counted
    pairs = {frozenset((o.first, o.second)) for o in overlaps(profile)}
    assert frozenset(("water_conservation", "flood_regulation")) in pairs
    assert frozenset(("water_conservation", "water_supply")) in pairs
    assert frozenset(("water_conservation", "hydropower")) in pairs
    counts_oxygen = "oxygen_release" in profile.indicators
    assert (frozenset(("carbon_sequestration", "oxygen_release")) in pairs) == counts_oxygen
    if not counts_oxygen:  # …or the profile says why it left one out
        assert [r.dropped for r in profile.dropped] == ["oxygen_release"]


def _custom(tmp_path: Path, **update: object) -> str:
    base = load_profile("jiangxi-db36-2021").model_dump(exclude_none=True)
    base.update(name="custom", price_policy="as_given", **update)
    path = tmp_path / "custom.toml"
    path.write_text(tomli_w.dumps(base), encoding="utf-8")
    return str(path)


def test_overlap_without_a_rule_is_refused(tiny: Callable[..., Path], tmp_path: Path) -> None:
    prof = _custom(
        tmp_path,
        indicators={"carbon_sequestration": "npp_photosynthesis", "oxygen_release": "nep"},
        overlaps=[],
    )
    with pytest.raises(
        InputError,
        match=r"profile 'custom' counts overlapping flows without a rule: carbon_sequestration "
        r"and oxygen_release value overlapping flows \(carbon fixed by photosynthesis \(gross\) "
        r"and oxygen of the net carbon fixed\); no rule declared\. Add an \[\[overlaps\]\] rule",
    ):
        run_account(tiny(), 2022, prof)


def test_dropped_indicator_must_be_left_out(tmp_path: Path) -> None:
    rule = {
        "indicators": ["carbon_sequestration", "oxygen_release"],
        "rule": "dropped",
        "dropped": "oxygen_release",
        "reason_zh": "同源",
        "reason_en": "same photosynthesis",
    }
    prof = _custom(tmp_path, overlaps=[rule])
    with pytest.raises(InputError, match=r"says it dropped oxygen_release for double counting"):
        load_profile(prof)


def test_account_lists_its_rules(tiny: Callable[..., Path]) -> None:
    acc = run_account(tiny(), 2022, "jiangxi-db36-2021", price_policy="as_given")
    rules = [n for n in acc.notes if n.startswith("double counting:")]
    assert len(rules) == 5
    assert any(
        "water_conservation and flood_regulation value overlapping flows (rain retained on land "
        "and storm water held by vegetation); both kept:" in n
        for n in rules
    )
    assert not any(d.kind == "double_counting" for d in acc.decisions)  # a method, not a decision
    national = run_account(tiny(), 2022, "national-2022", price_policy="as_given")
    assert any("oxygen_release left out" in n for n in national.notes)
