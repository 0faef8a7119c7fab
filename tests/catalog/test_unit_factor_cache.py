"""A unit conversion is worked out by pint once per pair of units (decision 0060): the
cached factors are pint's, a wrong pair or an unknown unit is refused every time."""

from __future__ import annotations

import pytest

from ganpo.catalog.units import _factor, conversion_factor, parse_unit, to_base
from ganpo.errors import InputError


def test_the_factor_is_pints_and_a_second_call_is_a_hit() -> None:
    expected = float((parse_unit("万元") / parse_unit("10^8 CNY")).to("dimensionless").magnitude)
    assert conversion_factor("万元", "10^8 CNY") == expected == pytest.approx(1e-4, rel=1e-12)
    before = _factor.cache_info()
    assert conversion_factor("万元", "10^8 CNY") == expected
    after = _factor.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses
    # the pair is ordered: the way back is its own entry, the inverse factor
    assert conversion_factor("10^8 CNY", "万元") == pytest.approx(1e4, rel=1e-12)
    # two areas: 1 hm² = 15 亩 (亩 = 10000/15 m²)
    assert conversion_factor("hm2", "亩") == pytest.approx(15.0, rel=1e-12)


def test_to_base_is_cached_per_unit() -> None:
    assert to_base("10^4 m3") == ("m3", 10000.0)
    before = to_base.cache_info()  # type: ignore[attr-defined]
    assert to_base("10^4 m3") == ("m3", 10000.0)
    assert to_base.cache_info().hits == before.hits + 1  # type: ignore[attr-defined]
    assert to_base("万人次") == ("person-time", 10000.0)


@pytest.mark.parametrize("what", ["tourism_revenue", "visits"])
def test_a_wrong_pair_is_refused_every_time_with_its_own_words(what: str) -> None:
    for _ in range(2):  # an error is not cached: the second call is refused as well
        with pytest.raises(InputError, match=rf"^{what}: unit '万人次' does not measure"):
            conversion_factor("万人次", "万元", what=what)


def test_an_unknown_unit_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(InputError, match="unknown unit 'furlong-ish'"):
            conversion_factor("furlong-ish", "m")
        with pytest.raises(InputError, match="unknown unit 'furlong-ish'"):
            to_base("furlong-ish")
