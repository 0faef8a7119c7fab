"""The forms of a year are built once per (year, shipped profile, domain) and handed out
as new lists of the same immutable forms (decision 0060)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ganpo.catalog.files import data_dir
from ganpo.catalog.profiles import DEFAULT_PROFILE, load_profile
from ganpo.errors import UnknownNameError
from ganpo.submissions.forms import _build_forms, _shipped_forms, all_forms, form

JIANGXI, NATIONAL = "jiangxi-db36-2021", "national-2022"


def test_a_second_call_is_a_hit_with_a_new_list_of_the_same_forms() -> None:
    first = all_forms(2022, JIANGXI)
    before = _shipped_forms.cache_info()
    second = all_forms(2022, JIANGXI)
    after = _shipped_forms.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses
    assert second == first and second is not first
    assert all(a is b for a, b in zip(first, second, strict=True))
    # a caller that changes its list changes nobody else's
    second.clear()
    assert all_forms(2022, JIANGXI) == first


def test_the_cached_forms_cannot_be_changed() -> None:
    f = form("tourism", 2022, JIANGXI)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.required = not f.required  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.columns[0].required = False  # type: ignore[misc]
    assert isinstance(f.columns, tuple) and isinstance(f.indicators, tuple)


@pytest.mark.parametrize("profile", [JIANGXI, NATIONAL])
@pytest.mark.parametrize("year", [2022, 2023])
@pytest.mark.parametrize("domain", [None, "gep", "carbon", "tracking", "rating"])
def test_the_cached_forms_are_the_built_ones(profile: str, year: int, domain: str | None) -> None:
    built = _build_forms(year, profile, domain)  # type: ignore[arg-type]
    assert all_forms(year, profile, domain=domain) == built  # type: ignore[arg-type]
    assert all_forms(year, profile, domain=domain) == built  # type: ignore[arg-type]
    assert {f.year for f in built} == {year}


def test_two_profiles_and_two_years_are_kept_apart() -> None:
    # recreation: jiangxi's tourism_revenue method reads the tourism table's revenue,
    # the national profile's travel cost method does not
    jiangxi, national = form("tourism", 2022, JIANGXI), form("tourism", 2022, NATIONAL)
    assert jiangxi.profile == JIANGXI and national.profile == NATIONAL
    assert jiangxi.indicators != national.indicators
    assert form("tourism", 2023, JIANGXI).year == 2023 and jiangxi.year == 2022
    # no profile: the default's forms
    assert all_forms(2022) == all_forms(2022, DEFAULT_PROFILE)


def test_a_profile_object_or_file_is_built_every_time(tmp_path: Path) -> None:
    shipped = all_forms(2022, JIANGXI)
    copy = tmp_path / "mine.toml"
    copy.write_bytes((data_dir("profiles") / f"{JIANGXI}.toml").read_bytes())
    before = _shipped_forms.cache_info()
    by_object = all_forms(2022, load_profile(JIANGXI))
    by_file = all_forms(2022, str(copy))
    assert _shipped_forms.cache_info() == before  # neither a hit nor a miss: not cached
    assert by_object == shipped and by_file == shipped
    assert all(a is not b for a, b in zip(by_object, shipped, strict=True))


def test_an_unknown_profile_is_refused_every_time() -> None:
    for _ in range(2):  # an error is not cached
        with pytest.raises(UnknownNameError):
            all_forms(2022, "no-such-profile")
