"""The annual report's change section: this account's volume at the previous account's
prices, labelled, with the items deflated by an index named in its notes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganpo.engine.account import run_account
from ganpo.engine.volume import AccountPeriod, at_base_prices
from ganpo.report import annual
from ganpo.report.account_report import report_data
from ganpo.store.repository import load_account, open_store, save_account
from tinydata import tiny_factory


def test_change_section_is_the_volume(tmp_path: Path) -> None:
    rain = np.full((2, 4), 1700.0, dtype="float32")
    manifest = tiny_factory(tmp_path)(more_years={2023: {"layers": {"precipitation": rain}}})
    store = open_store(tmp_path / "ganpo.sqlite")
    ids = [save_account(store, run_account(manifest, y)) for y in (2022, 2023)]
    a, b = (load_account(store, i) for i in ids)
    data = report_data(b, "zh", previous=a, raster=None)
    assert data.change is not None
    gep = data.change[data.change.indicator == "GEP"].iloc[0]
    volume = at_base_prices(
        AccountPeriod(a.results, a.prices, 2022), AccountPeriod(b.results, b.prices, 2023)
    )
    # B at A's prices, not B at its own prices (rain changed: the two differ)
    assert gep.value_b_cny == pytest.approx(volume.rows.value_cny.sum(), rel=1e-12)
    assert gep.value_b_cny != pytest.approx(b.results.value_cny.sum(), rel=1e-6)
    assert gep.value_a_cny == pytest.approx(a.results.value_cny.sum(), rel=1e-12)
    assert data.change_notes == [
        "物量按2022年（基期）价格计算：2023年（报告期）实物量 × 2022年单位价值。",
        "农业产品、林业产品、畜牧业产品、渔业产品按现价报告，用农产品生产者价格指数"
        "缩减至2022年价格，未按基期价格计价。",
        "休闲旅游按现价报告，用居民消费价格指数（CPI）缩减至2022年价格，未按基期价格计价。",
    ]
    html = annual.build_html(data, "zh")
    assert "比上年物量变化（按上年价格计算）" in html and data.change_notes[1] in html
    english = report_data(b, "en", previous=a, raster=None).change_notes
    assert english[0] == "Volume at 2022 prices: 2023 quantities × 2022 unit values."
    # the indices by their names, never by their keys or an ad-hoc abbreviation
    assert english[1].endswith(
        "deflated to 2022 prices by the producer price index of agricultural products; not "
        "valued at base-year prices."
    )
