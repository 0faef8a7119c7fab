"""The two-level ecosystem classification, the fallback of per-type parameters from a
sub-type to its level-1 type, and the crosswalks from the land classifications
departments hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganpo.catalog.crosswalks import NODATA, SCHEMES, load_crosswalk
from ganpo.catalog.ecosystems import (
    EcosystemType,
    _check,
    all_ecosystem_types,
    by_code,
    by_key,
    ecosystem_types,
    level1_code,
    level1_lut,
    raster_codes,
    subtypes,
)
from ganpo.catalog.parameters import ParameterValue, expand_by_type, load_parameter_set
from ganpo.errors import UnknownNameError

LEVEL1 = ["unattributed", "forest", "shrub", "grassland", "wetland", "cropland", "built_up",
          "water", "bare"]  # fmt: skip


def test_level1_codes_and_keys_are_unchanged() -> None:
    # every stored account and report reads these: codes 0–8, same keys
    assert [(t.code, t.key) for t in ecosystem_types()] == list(enumerate(LEVEL1))
    assert all(t.level == 1 and t.parent is None for t in ecosystem_types())


def test_every_subtype_has_a_level1_parent_and_its_code() -> None:
    level_1 = {t.key: t for t in ecosystem_types()}
    assert (
        len(subtypes()) == 38
    )  # 7 forest, 4 shrub, 8 grass, 3 wetland, 3 crop, 4 built, 4 water, 5 bare
    for t in subtypes():
        assert t.level == 2 and t.parent in level_1, t.key
        assert t.code // 10 == level_1[t.parent].code, t.key  # 10 × parent + n
        assert 11 <= t.code <= 89, t.key
    codes = [t.code for t in all_ecosystem_types()]
    keys = [t.key for t in all_ecosystem_types()]
    assert len(set(codes)) == len(codes) and len(set(keys)) == len(keys)
    assert 255 not in codes and 0 not in raster_codes()


def test_every_type_is_named_in_chinese_and_english() -> None:
    for t in all_ecosystem_types():
        assert t.name_zh and t.name_en and t.description, t.key
        assert any("\u4e00" <= ch <= "\u9fff" for ch in t.name_zh), t.key
        assert t.name_en.isascii(), t.key


def test_subtypes_of_the_sources() -> None:
    # Gong et al. 2017 Table 2 level-2 types and the Jiangxi sub-types of issue 12
    assert [t.key for t in subtypes("shrub")] == [
        "evergreen_broadleaf_shrub",
        "deciduous_broadleaf_shrub",
        "needleleaf_shrub",
        "sparse_shrub",
    ]
    assert {t.key for t in subtypes("cropland")} == {"paddy", "dry_land", "orchard"}
    assert by_key("subtropical_tussock").name_zh == "热带亚热带草丛"
    assert by_key("bamboo_forest").parent == "forest"


def test_docs_list_every_type() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "classification.md").read_text("utf-8")
    for t in all_ecosystem_types():
        assert f"{t.code} `{t.key}` {t.name_zh}" in doc, t.key


def test_table_check_refuses_an_orphan_and_a_wrong_code() -> None:
    forest = EcosystemType(1, "forest", "森林", "forest", "d")
    with pytest.raises(ValueError, match="level-1 parent"):
        _check([forest, EcosystemType(21, "x", "x", "x", "d", 2, "forest")])  # code of shrub
    with pytest.raises(ValueError, match="level-1 parent"):
        _check([forest, EcosystemType(11, "x", "x", "x", "d", 2, "nothing")])
    with pytest.raises(ValueError, match="unique"):
        _check([forest, EcosystemType(1, "woods", "林", "woods", "d")])


def test_level1_of_each_code() -> None:
    assert level1_code(12) == 1 and level1_code(53) == 5 and level1_code(7) == 7
    lut = level1_lut()
    assert lut[[0, 1, 16, 42, 73, 85, 255]].tolist() == [0, 1, 1, 4, 7, 8, 255]
    assert lut[9] == -1 and lut[99] == -1  # no type
    with pytest.raises(UnknownNameError, match="valid names"):
        by_code(99)


def test_fallback_from_subtype_to_level1() -> None:
    # a value given only for forest applies to every forest sub-type …
    values, fallbacks = expand_by_type({"forest": 0.05})
    assert {c: values[c] for c in (1, 11, 12, 16, 17)} == dict.fromkeys((1, 11, 12, 16, 17), 0.05)
    assert fallbacks == {t.code for t in subtypes("forest")}
    assert 2 not in values and 21 not in values  # … and to nothing else
    # … one given for a sub-type overrides it there
    values, fallbacks = expand_by_type({"forest": 0.05, "evergreen_broadleaf_forest": 0.04})
    assert values[11] == 0.04 and values[12] == 0.05 and 11 not in fallbacks
    # a sub-type's value alone leaves the level-1 code and the other sub-types without one
    values, _ = expand_by_type({"paddy": 0.3})
    assert values == {51: 0.3}


def test_type_status_marks_the_fallbacks() -> None:
    pv = load_parameter_set("jiangxi-default").values["runoff_coefficient"]
    assert pv.status == "verified"
    assert pv.status_of("evergreen_needleleaf_forest") == "verified"
    for key in ("forest", "shrub", "grassland", "bamboo_forest"):
        assert pv.status_of(key) == "unverified", key
    assert "bamboo forest, not in the table" in pv.source
    assert "Cropland (paddy, dry land) is not in the table" in pv.source
    with pytest.raises(ValueError, match="type_status names types without a by_type value"):
        ParameterValue(
            by_type={"forest": 0.1},
            type_status={"shrub": "unverified"},
            unit="1",
            year=2010,
            region="r",
            source="s",
            status="verified",
        )


def test_runoff_coefficients_are_gong_2017_table_2() -> None:
    # 龚诗涵 et al. 2017, 生态学报 37(7):2455-2462, Table 2 (percent); exact: the TOML
    # states them as the table's percentages divided by 100
    table_2_percent = {
        "evergreen_broadleaf_forest": 4.65,
        "evergreen_needleleaf_forest": 4.52,
        "mixed_forest": 3.52,
        "deciduous_broadleaf_forest": 2.70,
        "deciduous_needleleaf_forest": 0.88,
        "sparse_forest": 19.20,
        "evergreen_broadleaf_shrub": 4.26,
        "deciduous_broadleaf_shrub": 4.17,
        "needleleaf_shrub": 4.17,
        "sparse_shrub": 19.20,
        "alpine_meadow": 8.20,
        "alpine_steppe": 6.54,
        "temperate_steppe": 3.94,
        "temperate_tussock": 9.37,
        "temperate_meadow_steppe": 9.13,
        "subtropical_tussock": 3.87,
        "orchard": 9.57,
        "wetland": 0.0,
    }
    by_type = load_parameter_set("jiangxi-default").values["runoff_coefficient"].by_type
    assert by_type is not None
    for key, percent in table_2_percent.items():
        assert by_type[key] == pytest.approx(percent / 100, abs=1e-12), key


# --- crosswalks --------------------------------------------------------------------------

#: every code of each scheme (三调工作分类 and the GB/T 21010-2017 codes it merges)
SANDIAO_CODES = (
    "0303 0304 0306 0402 0603 1105 1106 1108 0101 0102 0103 0201 0201K 0202 0202K 0203 "
    "0203K 0204 0204K 0301 0301K 0302 0302K 0305 0307 0307K 0401 0403 0403K 0404 05H1 0508 "
    "0601 0602 0701 0702 08H1 08H2 08H2A 0809 0810 0810A 09 1001 1002 1003 1004 1005 1006 "
    "1007 1008 1009 1101 1102 1103 1104 1104A 1104K 1107 1107A 1109 1110 1201 1202 1203 "
    "1204 1205 1206 1207 0501 0502 0503 0504 0505 0506 0507 0604 0801 0802 0803 0804 0805 "
    "0806 0807 0808 0901 0902 0903 0904 0905 0906"
)
SANDIAO = SANDIAO_CODES.split()
EXPECTED = {
    "sandiao": set(SANDIAO),
    "clcd": {str(c) for c in range(1, 10)},
    "globeland30": {str(c) for c in (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255)},
    "worldcover": {str(c) for c in (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)},
}


@pytest.mark.parametrize("scheme", sorted(EXPECTED))
def test_crosswalk_is_complete_and_maps_to_known_types(scheme: str) -> None:
    cw = load_crosswalk(scheme)
    assert {r.source_code for r in cw.rows} == EXPECTED[scheme]
    for r in cw.rows:
        assert r.ecosystem == NODATA or by_key(r.ecosystem).code != 0, r
        assert r.status in ("published", "proposal") and r.note and r.source_name, r
    # no published crosswalk exists for these products: every row is ganpo's proposal,
    # except the 三调's own wetland class (00 湿地)
    published = {r.source_code for r in cw.rows if r.status == "published"}
    wetland_00 = {"0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"}
    assert published == (wetland_00 if scheme == "sandiao" else set())


def test_crosswalk_choices() -> None:
    sandiao = {r.source_code: r.ecosystem for r in load_crosswalk("sandiao").rows}
    assert {c for c, e in sandiao.items() if by_key(e).code // 10 == 4 or e == "wetland"} == {
        "0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"
    }  # fmt: skip
    assert (sandiao["0101"], sandiao["0102"], sandiao["0302"]) == (
        "paddy",
        "dry_land",
        "bamboo_forest",
    )
    assert sandiao["1103"] == sandiao["1104A"] == "reservoir_pond"
    assert load_crosswalk("globeland30").codes()["255"] == 255  # no data
    assert load_crosswalk("clcd").codes()["2"] == 1
    ganpo = load_crosswalk("ganpo").codes()
    assert ganpo["12"] == 12 and ganpo["255"] == 255 and "0" not in ganpo
    assert SCHEMES == ("ganpo", "sandiao", "clcd", "globeland30", "worldcover")
    with pytest.raises(
        UnknownNameError, match="valid names: clcd, ganpo, globeland30, sandiao, worldcover"
    ):
        load_crosswalk("corine")


def test_lut_agrees_with_level1() -> None:
    lut = level1_lut()
    for t in all_ecosystem_types():
        assert lut[t.code] == (t.code if t.parent is None else by_key(t.parent).code)
    assert lut.dtype == np.int64
