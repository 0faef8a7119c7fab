"""The Chinese half of the applications' refusals that no bad-input corpus reaches: each
names the same value as its English half and says what to do (the English is unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shapely.geometry import box

from corpus_support import has_chinese_half
from ganpo.apply.assessment import _named
from ganpo.apply.credit import Factor, factor_score
from ganpo.apply.damage import loss_schedule, recovery_fractions, restoration_pv_per_ha
from ganpo.apply.inputs import read_csv
from ganpo.apply.rating_records import link_inclusive
from ganpo.apply.rules import CompensationAgreement, load_rule, parse_rule, rule_body
from ganpo.apply.transfers import largest_remainder
from ganpo.errors import InputError
from ganpo.store.register import RIGHTS_TYPES, NewParcel, _check_fields
from ganpo.store.reserve import _check_name
from ganpo.web.routes.apply_errors import client_names


def _zh(exc: BaseException) -> str:
    """The Chinese half of a refusal (the whole message must have one)."""
    message = str(exc)
    assert has_chinese_half(message), message
    return message.split(" / ", 1)[1]


def _rule(name: str, change: Callable[[dict[str, Any]], None]) -> Callable[[], object]:
    body = rule_body(load_rule(name))
    change(body)
    return lambda: parse_rule(body)


def _parcel(code: str) -> NewParcel:
    return NewParcel(
        code=code,
        name="n",
        owner="o",
        rights_type=sorted(RIGHTS_TYPES)[0],
        adcode=360281,
        geometry=box(0, 0, 10, 10),
        crs="EPSG:3857",
        composition={},
        composition_account_id=None,
    )


def _category_factor() -> Factor:
    return Factor(
        key="rights",
        name_zh="用地",
        name_en="land use",
        weight=0.5,
        direction="category",
        categories={"forest": 100.0},
    )


CASES: list[tuple[str, Callable[[], object], str, str]] = [
    (
        "final-recovery",
        lambda: recovery_fractions("linear", 4, final_recovery=1.5),
        "final recovery must lie in [0, 1], got 1.5",
        "最终恢复比例须在 [0, 1] 之内，实为 1.5",
    ),
    (
        "table-without-values",
        lambda: recovery_fractions("table", 4),
        "the table path needs the recovered fraction of each year",
        "按表恢复（table）须给出每年的恢复比例（--table 0,0.3,0.6）",
    ),
    (
        "table-out-of-range",
        lambda: recovery_fractions("table", 2, final_recovery=0.5, table=[0.0, 0.8]),
        "recovery fractions must lie in [0, final recovery = 0.5]; got [0.8]",
        "恢复比例须在 [0, 最终恢复比例 = 0.5] 之内，实为 [0.8]",
    ),
    (
        "no-recovery-years",
        lambda: recovery_fractions("linear", 0),
        "recovery takes at least 1 year, got 0",
        "恢复期至少为 1 年，实为 0",
    ),
    (
        "unknown-path",
        lambda: recovery_fractions("sigmoid", 4),
        "unknown recovery path 'sigmoid'; valid:",
        "未知的恢复路径 'sigmoid'；可选：",
    ),
    (
        "severity",
        lambda: loss_schedule(100.0, recovery_years=4, severity=0.0),
        "severity must lie in (0, 1], got 0.0",
        "损害程度须在 (0, 1] 之内，实为 0.0",
    ),
    (
        "maturity",
        lambda: restoration_pv_per_ha(100.0, maturity_years=0, horizon_years=3, discount_rate=0.0),
        "maturity takes at least 1 year",
        "修复成熟期至少为 1 年",
    ),
    (
        "shares-not-roundable",
        lambda: largest_remainder(np.array([5.0, 5.0]), 0, np.array([1, 2])),
        "cannot round shares adding up to 10.0 to the total 0",
        "合计为 10.0 的份额无法取整分配到总额 0",
    ),
    (
        "minimums-key",
        _rule("jiangxi-key-zone-gep", lambda b: b.update(minimums_cny={"abc": 1.0})),
        "minimums_cny keys must be county adcodes, got 'abc'",
        "minimums_cny 的键须为县级行政区划代码，实为 'abc'",
    ),
    (
        "unknown-gep-indicator",
        _rule("jiangxi-key-zone-gep", lambda b: b.update(indicators=["nope"])),
        "names unknown GEP indicator(s) nope; the catalogue has",
        "中有未知的 GEP 指标 nope；指标目录中有",
    ),
    (
        "rule-column-unit",
        _rule("jiangxi-key-zone-gep", lambda b: b["columns"].update(fiscal_gap="blorps")),
        "column fiscal_gap: unknown unit 'blorps'",
        "规则文件中的单位 'blorps' 有误：无法识别的单位 'blorps'",
    ),
    (
        "province-without-counties",
        _rule("jiangxi-key-zone-gep", lambda b: b.update(province_adcode=990000)),
        "no counties for province adcode 990000",
        "省级行政区划代码 990000 下没有县",
    ),
    (
        "unknown-water-quality-indicator",
        _rule("xinan-style", lambda b: b["indicators"][0].update(key="zz")),
        "unknown water-quality indicator 'zz'; valid names:",
        "compensation rule 'xinan-style'：未知的水质指标 'zz'",
    ),
    (
        "no-round",
        lambda: _round_of("xinan-style", 1990),
        "has no round covering 1990",
        "没有覆盖 1990 年的轮次",
    ),
    (
        "table-not-found",
        lambda: read_csv(Path("no-such-gdp.csv"), "GDP table"),
        "GDP table not found; give the path of a CSV or .xlsx file",
        "找不到GDP 表，请给出 CSV 或 .xlsx 文件的路径",
    ),
    (
        "category-factor-given-a-number",
        lambda: factor_score(_category_factor(), 3.0),
        "factor rights takes a category, got the number 3.0",
        "因子 rights 取值应为类别，实为数值 3.0",
    ),
    (
        "entity-id",
        lambda: link_inclusive(None, None, "123", "village", "v", b"k", "a"),  # type: ignore[arg-type]
        "123: a village is identified by its 12-digit statistical division code",
        "主体代码 123：村须以 12 位统计用区划代码标识",
    ),
    (
        "long-parcel-code",
        lambda: _check_fields(_parcel("P" * 65)),
        "the parcel code is longer than 64 characters",
        "超过 64 个字符，请缩短编码",
    ),
    (
        "long-name",
        lambda: _check_name("x" * 201, "buyer"),
        "the buyer is longer than 200 characters",
        "buyer 超过 200 个字符，请缩短",
    ),
]


def _round_of(name: str, year: int) -> object:
    rule = load_rule(name)
    assert isinstance(rule, CompensationAgreement)
    return rule.round_of(year)


@pytest.mark.parametrize(
    ("call", "english", "chinese"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_refusal_has_its_chinese_half(
    call: Callable[[], object], english: str, chinese: str
) -> None:
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert english in message.split(" / ", 1)[0], message
    assert chinese in _zh(info.value), message


def _raise_in(path: Path, message: str) -> None:
    raise InputError(message, source=path)


def test_a_wrapped_refusal_keeps_both_halves_or_gets_a_chinese_one(tmp_path: Path) -> None:
    saved = tmp_path / "upload-3f2a.csv"
    with pytest.raises(InputError) as info, client_names({saved: "gdp.csv"}):
        _raise_in(saved, "bad unit 'x' / 单位 'x' 有误")
    assert str(info.value) == "gdp.csv: bad unit 'x' / 单位 'x' 有误"
    with pytest.raises(InputError) as info, client_names({saved: "gdp.csv"}):
        _raise_in(saved, "bad unit 'x'")
    assert str(info.value) == "gdp.csv: bad unit 'x' / 输入有误：gdp.csv: bad unit 'x'"
    with pytest.raises(InputError) as info, _named(saved):
        raise InputError("bad unit 'x' / 单位 'x' 有误")
    assert str(info.value) == f"{saved}: bad unit 'x' / 单位 'x' 有误"
    with pytest.raises(InputError) as info, _named(saved):
        raise InputError("bad unit 'x'")
    assert _zh(info.value) == "该文件有误：bad unit 'x'"
