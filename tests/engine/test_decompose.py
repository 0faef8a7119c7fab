"""Change between two years, decomposed on a hand-computed two-year tiny case.

2022: the tiny landscape (rain 1600 mm). 2023: rain 1700 mm everywhere (climate) and the
shrub cell of county A becomes forest (land cover); its ET layer follows the new type.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ganpo.catalog.deflators import load_deflator
from ganpo.engine.account import run_account
from ganpo.engine.decompose import by_indicator, decompose
from tinydata import TINY_ECO

A = 360101
REL = 1e-9


@pytest.fixture
def two_years(tiny: Callable[..., Path]) -> Path:
    eco23 = TINY_ECO.copy()
    eco23[1, 0] = 1  # shrub → forest in county A
    rain = np.full((2, 4), 1700.0, dtype="float32")
    return tiny(more_years={2023: {"eco": eco23, "layers": {"precipitation": rain}}})


def test_decomposition_by_hand(two_years: Path) -> None:
    cpi = load_deflator("cn-cpi")
    a = run_account(two_years, 2022)  # prices deflated to 2022
    b = run_account(two_years, 2023)  # … and to 2023
    held = run_account(two_years, 2023, layer_years={"ecosystem_type": 2022})
    assert any("counterfactual: layer ecosystem_type of 2022" in n for n in held.notes)
    d = decompose(
        (a.results, a.prices, 2022),
        (b.results, b.prices, 2023),
        cpi,
        (held.results, held.prices, 2023),
    ).set_index(["indicator", "county_adcode"])
    wc = d.loc[("water_conservation", A)]
    # water conserved in A, m³ (α forest 0.0465, shrub 0.0426; 10 000 m² cells):
    #   2022: 2 forest (1600 − 74.4 − 800) + shrub (1600 − 68.16 − 700) → 14 512.0 + 8 318.4
    q22 = 2 * (1600 - 74.4 - 800) * 10 + (1600 - 68.16 - 700) * 10  # 22 830.4
    #   2023: 3 forest at 1700 mm: 3 × (1700 − 79.05 − 800) × 10
    q23 = 3 * (1700 - 79.05 - 800) * 10  # 24 628.5
    #   2023 rain with 2022 land cover (the cell keeps its 2023 ET of 800 mm, as a shrub):
    q_held = 2 * (1700 - 79.05 - 800) * 10 + (1700 - 72.42 - 800) * 10  # 24 694.8
    p22 = 7.06 * cpi.factor(2010, 2022)  # reservoir cost at 2022 prices
    assert wc.value_a == pytest.approx(q22 * p22, rel=REL)
    assert wc.quantity_effect == pytest.approx((q23 - q22) * p22, rel=REL)
    assert wc.land_cover_effect == pytest.approx((q23 - q_held) * p22, rel=REL)
    assert wc.other_effect == pytest.approx((q_held - q22) * p22, rel=REL)
    # the price effect is the 2022→2023 CPI change on the 2023 quantity
    assert wc.price_effect == pytest.approx(
        q23 * 7.06 * cpi.factor(2010, 2023) - q23 * p22, rel=REL
    )
    # the effects add up to the change, for every row and in total
    total = d.price_effect + d.land_cover_effect + d.other_effect
    np.testing.assert_allclose(total, d.value_b - d.value_a, rtol=1e-12, atol=1e-6)
    gep = by_indicator(d.reset_index()).set_index("indicator").loc["GEP"]
    assert gep.value_b - gep.value_a == pytest.approx(b.gep_cny - a.gep_cny, rel=1e-12)
