"""Credit evidence: the scoring rule (hand-computed), its validation, and the pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from assets_support import ALBERS, TinyStore, cell_box, tiny_store

from ganpo.apply.credit import (
    NO_PRICE,
    Factor,
    build_evidence,
    credit_score,
    factor_score,
    load_rule,
    write_evidence,
)
from ganpo.apply.register import deposit_parcel
from ganpo.errors import InputError, UnknownNameError
from ganpo.store import register as store
from ganpo.store.repository import open_store

RULE = load_rule()


def _factor(key: str) -> Factor:
    return next(f for f in RULE.factors if f.key == key)


def test_shipped_rule_is_valid_and_documented() -> None:
    assert sum(f.weight for f in RULE.factors) == pytest.approx(1.0)
    assert "not a published standard" in RULE.status
    assert [g.grade for g in RULE.grades] == ["A", "B", "C", "D"]


def test_factor_scores_by_hand() -> None:
    density = _factor("value_density")  # ≥0→20, ≥10k→40, ≥30k→60, ≥60k→80, ≥120k→100
    assert factor_score(density, 9_999.0) == 20.0
    assert factor_score(density, 30_000.0) == 60.0
    assert factor_score(density, 1e9) == 100.0
    width = _factor("uncertainty")  # ≤0.2→100, ≤0.4→80, ≤0.7→60, ≤1→40, ≤1000→20
    assert factor_score(width, 0.2) == 100.0
    assert factor_score(width, 0.5) == 60.0
    rights = _factor("rights")  # ownership 100, contract 80, management 70, use 60
    assert factor_score(rights, "contract") == 80.0
    assert factor_score(rights, {"ownership": 0.25, "use": 0.75}) == pytest.approx(70.0)
    assert factor_score(density, None) is None
    with pytest.raises(UnknownNameError, match="'lease'"):
        factor_score(rights, "lease")


def test_credit_score_weighted_sum_and_grade() -> None:
    metrics = {
        "value_density": 70_000.0,  # 80 × 0.30 = 24
        "trend": None,  # missing → 60 × 0.20 = 12
        "natural_share": 0.85,  # 90 × 0.20 = 18
        "uncertainty": 0.3,  # 80 × 0.10 = 8
        "rights": "management",  # 70 × 0.20 = 14
    }
    s = credit_score(RULE, metrics)
    assert s.total == pytest.approx(24 + 12 + 18 + 8 + 14)  # 76 → grade B (≥ 70)
    assert s.grade == "B"
    assert s.missing == ["trend"]


def test_rule_validation(tmp_path: Path) -> None:
    text = (
        Path(__file__).parents[2] / "src/ganpo/catalog/data/credit/ganpo-default.toml"
    ).read_text("utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("weight = 0.30", "weight = 0.50"), encoding="utf-8")
    with pytest.raises(InputError, match=r"weights must sum to 1, they sum to 1\.2"):
        load_rule(bad)
    bad.write_text(text.replace('key = "trend"', 'key = "beauty"'), encoding="utf-8")
    with pytest.raises(InputError, match="unknown metric 'beauty'"):
        load_rule(bad)
    with pytest.raises(UnknownNameError, match="credit rule 'nope'"):
        load_rule("nope")


@pytest.fixture
def ts(tmp_path: Path) -> TinyStore:
    return tiny_store(tmp_path, years=2)


def test_evidence_pack_of_a_parcel_and_a_package(ts: TinyStore, tmp_path: Path) -> None:
    engine = open_store(ts.url)
    kw = {"actor": "t", "owner": "村集体"}
    deposit_parcel(
        engine,
        ts.account_id,
        cell_box(0, 0, 2, 1),
        ALBERS,
        code="P1",
        name="林地",
        rights_type="ownership",
        **kw,
    )
    deposit_parcel(
        engine,
        ts.account_id,
        cell_box(2, 0, 4, 1),
        ALBERS,
        code="P2",
        name="水面",
        rights_type="use",
        **kw,
    )
    ev = build_evidence(engine, "P1", ts.account_id)
    assert ev.kind == "parcel"
    assert ev.metrics["natural_share"] == pytest.approx(1.0)  # two forest cells
    assert ev.metrics["rights"] == {"ownership": 1.0}
    assert ev.metrics["value_density"] == pytest.approx(ev.value.flow_cny / 2.0)  # 2 ha
    assert list(ev.trend.year) == [2022, 2023]
    assert ev.metrics["trend"] is not None
    store.add_package(engine, "PKG", "包", ["P1", "P2"], actor="t")
    pk = build_evidence(engine, "PKG", ts.account_id)
    # water (natural) + cropland (not): 3 of 4 cells natural
    assert pk.metrics["natural_share"] == pytest.approx(0.75)
    assert pk.metrics["rights"] == pytest.approx({"ownership": 0.5, "use": 0.5})
    paths = write_evidence(pk, tmp_path / "pack")
    assert [p.name for p in paths] == ["PKG_evidence.pdf", "PKG_evidence.json"]
    assert paths[0].read_bytes()[:5] == b"%PDF-"
    data = json.loads(paths[1].read_text(encoding="utf-8"))
    assert data["statement"] == NO_PRICE
    assert data["score"]["total"] == pytest.approx(pk.score.total)
    assert not any("loan_amount" in k or "interest" in k for k in data)
    with pytest.raises(UnknownNameError, match="unknown parcel or package 'X'"):
        build_evidence(engine, "X", ts.account_id)
