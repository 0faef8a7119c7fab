"""``ganpo account compare`` on two stored accounts of the tiny dataset: the volume measure
by default, labelled; the CPI measure on request, labelled as the weaker substitute."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.engine.account import run_account
from ganpo.store.repository import open_store, save_account
from tinydata import TINY_ECO, tiny_factory

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    """Rich wraps table cells at the terminal width; tests read whole lines."""
    from ganpo.cli.common import console

    width = console.width
    console.width = 250
    yield
    console.width = width


@pytest.fixture
def two_accounts(tmp_path: Path) -> tuple[str, Path]:
    eco23 = TINY_ECO.copy()
    eco23[1, 0] = 1  # shrub → forest in county A
    rain = np.full((2, 4), 1700.0, dtype="float32")
    build: Callable[..., Path] = tiny_factory(tmp_path)
    manifest = build(more_years={2023: {"eco": eco23, "layers": {"precipitation": rain}}})
    db = str(tmp_path / "ganpo.sqlite")
    store = open_store(db)
    for year in (2022, 2023):
        save_account(store, run_account(manifest, year))
    return db, tmp_path


def test_compare_prints_the_volume_measure_labelled(two_accounts: tuple[str, Path]) -> None:
    db, root = two_accounts
    out = root / "d.csv"
    result = runner.invoke(
        app, ["account", "compare", "1", "2", "--database", db, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert (
        "口径 measure: volume at 2022 prices 按2022年（基期）价格计算的物量 (B's quantities at "
        "A's prices)" in text
    )
    assert "物量指数与价格指数 volume and implicit price indices, 2022 = 100" in text
    assert "2022 基期" in text and "2023 报告期" in text and "2023 按2022年价格" in text
    assert "基期价格 base prices" in text and "基期单位价值 base unit values" in text
    assert (
        "按农产品生产者价格指数缩减 deflated by the producer price index of agricultural products"
        in text
    )
    # the notes in Chinese, then in English; the index by its name, never by its key
    assert (
        "农业产品、林业产品、畜牧业产品、渔业产品按现价报告，用农产品生产者价格指数缩减至2022年"
        "价格（2023→2022 × 1.0235；该指数数值未经核实），未按基期价格计价。" in text
    )  # 1.0235 = 1 / 0.977
    assert (
        "deflated to 2022 prices by the producer price index of agricultural products "
        "(2023→2022 × 1.0235; its values are not verified)" in text
    )
    assert "物量按2022年（基期）价格计算" in text
    for key in ("cn-agri-producer", "cn-cpi", "PPI_agr", "10^8", "CNY"):
        assert key not in text, key
    assert "CPI-deflated" not in text
    d = pd.read_csv(out, encoding="utf-8-sig")
    total = d.price_effect + d.land_cover_effect + d.other_effect
    np.testing.assert_allclose(total, d.value_b - d.value_a, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(
        d.price_effect + d.quantity_effect, d.value_b - d.value_a, rtol=1e-12, atol=1e-6
    )


def test_compare_cpi_measure_and_bad_measure(two_accounts: tuple[str, Path]) -> None:
    db, _ = two_accounts
    cpi = runner.invoke(app, ["account", "compare", "1", "2", "--database", db, "--measure", "cpi"])
    assert cpi.exit_code == 0, cpi.output
    assert (
        "口径 measure: CPI-deflated values 按 CPI 缩减的价值（居民消费价格指数（CPI） consumer "
        "price index (CPI)）: the weaker substitute for a volume at base-year prices" in cpi.output
    )
    assert "按居民消费价格指数（CPI）缩减至2022年价格的价值（较弱的替代口径" in cpi.output
    assert "Values deflated to 2022 prices by the consumer price index (CPI)" in cpi.output
    assert "cn-cpi" not in cpi.output and "10^8" not in cpi.output
    assert "物量指数" not in cpi.output
    bad = runner.invoke(
        app, ["account", "compare", "1", "2", "--database", db, "--measure", "real"]
    )
    assert bad.exit_code == 2
    assert "unknown measure 'real'; use volume" in bad.output


def test_chain_over_three_tiny_accounts(tmp_path: Path) -> None:
    build: Callable[..., Path] = tiny_factory(tmp_path)
    rain = np.full((2, 4), 1700.0, dtype="float32")
    manifest = build(more_years={2023: {"layers": {"precipitation": rain}}, 2024: {}})
    db = str(tmp_path / "ganpo.sqlite")
    store = open_store(db)
    for year in (2022, 2023, 2024):
        save_account(store, run_account(manifest, year))
    out = tmp_path / "chain.csv"
    args = ["account", "chain", "1", "2", "3", "--reference-year", "2023", "--database", db]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "GEP 链式物量 chain-linked volume at 2023 prices 按2023年价格" in result.output
    assert "定基指数 chain (2023=100)" in result.output
    table = pd.read_csv(out, encoding="utf-8-sig")
    gep = table[table.indicator == "GEP"].set_index("year")
    assert gep.loc[2023, "chain_index"] == 100.0
    # referenced to 2023: C2024 = 100 × link2024 / 100, C2022 = 100 / (link2023 / 100)
    assert gep.loc[2024, "chain_index"] == pytest.approx(gep.loc[2024, "link_index"], rel=1e-12)
    assert gep.loc[2022, "chain_index"] == pytest.approx(
        100.0 / (gep.loc[2023, "link_index"] / 100.0), rel=1e-12
    )
    bad = runner.invoke(app, ["account", "chain", "2", "1", "--database", db])
    assert bad.exit_code == 2 and "accounts of increasing years; got 2023, 2022" in bad.output
