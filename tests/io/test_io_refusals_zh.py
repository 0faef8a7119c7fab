"""The Chinese half of the refusals of manifests, grids, parameter sets and profiles that
no case of the account corpus (tests/cli/test_bad_input_corpus.py) reaches: each says,
after the English and `` / ``, what is wrong and what to do, in Chinese (decision 0087)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio
import tomli_w
from rasterio.transform import from_origin

from corpus_support import has_chinese_half
from ganpo.catalog.parameters import load_parameter_set
from ganpo.catalog.profiles import load_profile
from ganpo.engine.account import run_account
from ganpo.engine.grid import Grid
from ganpo.errors import GridError, InputError, ManifestError, validation_problems
from ganpo.io.manifest import MANIFEST_NAME, load_manifest


def _zh(exc: BaseException) -> str:
    """The Chinese half of a refusal (the whole message must have one)."""
    message = str(exc)
    assert has_chinese_half(message), message
    return message.split(" / ", 1)[1]


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "english", "chinese"),
    [
        (
            lambda m: m["tables"][0].update(role="gdp"),
            "unknown role 'gdp'; valid roles:",
            "未知的统计表角色 'gdp'；可用的角色：",
        ),
        (
            lambda m: next(x for x in m["layers"] if x["role"] == "npp").update(scheme="clcd"),
            "scheme only apply to the ecosystem map (role ecosystem_type), not to a npp layer",
            "scheme 只适用于生态系统类型图",
        ),
        (
            lambda m: next(x for x in m["layers"] if x["role"] == "ecosystem_type").update(
                cell_size=100.0, resampling="bilinear"
            ),
            "resample it by nearest or mode, not bilinear",
            "请用 nearest 或 mode 重采样，不能用 bilinear",
        ),
        (
            lambda m: next(x for x in m["layers"] if x["role"] == "npp").pop("unit"),
            "unit: Field required",
            "unit：缺少此字段，请补上",
        ),
        (
            lambda m: m.update(years=["twenty"]),
            "years.0: Input should be a valid integer",
            "years.0：应为整数",
        ),
    ],
    ids=["unknown-table-role", "land-field-on-npp", "classes-by-bilinear", "no-unit", "bad-year"],
)
def test_manifest_structure_refused_in_both_languages(
    tiny: Callable[..., Path], change: Callable[[dict], None], english: str, chinese: str
) -> None:
    path = tiny()
    _edit(path, change)
    with pytest.raises(ManifestError) as err:
        load_manifest(path, verify=False)
    assert english in str(err.value).split(" / ", 1)[0]
    zh = _zh(err.value)
    assert zh.startswith("数据清单无效：") and chinese in zh, zh
    assert zh.endswith("请按所指字段改正数据清单")


def test_manifest_not_found_or_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="manifest not found") as err:
        load_manifest(tmp_path)
    assert "找不到数据清单" in _zh(err.value)
    (tmp_path / MANIFEST_NAME).write_bytes('name = "乐平"\n'.encode("gb18030"))
    with pytest.raises(ManifestError, match="not a valid UTF-8 TOML file") as err:
        load_manifest(tmp_path)
    assert _zh(err.value) == (
        "数据清单不是有效的 UTF-8 编码 TOML 文件（第 9 个字节起不是 UTF-8 编码）；"
        "请以 UTF-8 编码保存，并按 TOML 语法改正"
    )


def test_validation_problems_keep_an_unknown_type_in_english() -> None:
    en, zh = validation_problems(
        [{"type": "url_parsing", "loc": ("source",), "msg": "Input should be a valid URL"}]
    )
    assert en == "source: Input should be a valid URL"
    assert zh == "source：取值无效（Input should be a valid URL）"


def _raster(path: Path, crs: str | None, x0: float = 1_000_000.0) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=2,
        count=1,
        dtype="float32",
        crs=crs,
        transform=from_origin(x0, 3_000_000.0, 100.0, 100.0),
    ) as dst:
        dst.write(np.ones((1, 2, 4), dtype="float32"))
    return path


def test_grid_refusals_keep_both_halves(tmp_path: Path) -> None:
    """The grid's refusals say it in both languages and keep each half (an upload's
    problem list shows them apart)."""
    with pytest.raises(GridError) as err:
        Grid.of(_raster(tmp_path / "bare.tif", None))
    assert err.value.zh == "栅格没有坐标参考系；请为其指定坐标参考系（如 gdal_edit.py -a_srs）"
    assert str(err.value).endswith(f"{err.value.en} / {err.value.zh}")

    albers = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m"
    ref = _raster(tmp_path / "ref.tif", albers)
    grid = Grid.of(ref)
    off = _raster(tmp_path / "off.tif", albers, x0=1_000_050.0)
    with pytest.raises(GridError) as err:
        grid.check_same(off, "precipitation", ref)
    assert err.value.en is not None and err.value.en.startswith(
        "layer 'precipitation' is not on the grid of ref.tif: transform"
    )
    assert err.value.zh is not None and err.value.zh.startswith(
        "年降水量图层 'precipitation' 与 ref.tif 的栅格不一致：仿射变换参数 (100.0, 0.0, 1000050.0"
    )
    assert 'resampling = "bilinear"' in err.value.zh
    assert grid.differences(off) == [
        "transform (100.0, 0.0, 1000050.0, 0.0, -100.0, 3000000.0) ≠ "
        "(100.0, 0.0, 1000000.0, 0.0, -100.0, 3000000.0)"
    ]


def test_parameter_set_refusals_in_both_languages() -> None:
    p = load_parameter_set("jiangxi-default")
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: p.get("nothing", "1"), "参数集 'jiangxi-default' 中没有参数 'nothing'（单位 1）"),
        (lambda: p.get("reservoir_cost", "m"), "两者度量的不是同一种量；请以 m 给出取值"),
        (lambda: p.scalar("runoff_coefficient", "1"), "按生态系统类型给出，而此处需要单一取值"),
        (lambda: p.per_type("reservoir_cost", "CNY/m3"), "只有单一取值，而此处需要按生态系统类型"),
        (lambda: p.type_set("nothing"), "中没有类型集 'nothing'；现有：air_purification_types、"),
    ]
    for call, chinese in cases:
        with pytest.raises(InputError) as err:
            call()
        assert chinese in _zh(err.value), str(err.value)


def test_parameter_set_file_refused_in_both_languages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name="x"\nversion="1"\ntitle_zh="x"\ntitle_en="x"\ndescription=""\n'
        '[values.a]\nunit="1"\nyear=2020\nregion="r"\nsource="s"\nstatus="verified"\n'
        "value=0.5\n"
        '[values.a.uncertainty]\ndistribution="uniform"\nlow=0.1\nhigh=0.6\nsource="s"\n',
        encoding="utf-8",
    )
    with pytest.raises(
        InputError, match=r"invalid parameter set: values\.a: Value error, a"
    ) as err:
        load_parameter_set(str(bad))
    assert _zh(err.value) == (
        "参数集文件无效：values.a：均匀分布区间 0.1–0.6 的中位数为 0.35，不等于取值 0.5；"
        "请使区间以取值为中心，或改用以取值为众数的三角分布（triangular）。请按所指字段改正"
    )


def test_overlap_without_a_rule_refused_in_both_languages(
    tiny: Callable[..., Path], tmp_path: Path
) -> None:
    base = load_profile("jiangxi-db36-2021").model_dump(exclude_none=True)
    base.update(
        name="custom",
        price_policy="as_given",
        indicators={"carbon_sequestration": "npp_photosynthesis", "oxygen_release": "nep"},
        overlaps=[],
    )
    prof = tmp_path / "custom.toml"
    prof.write_text(tomli_w.dumps(base), encoding="utf-8")
    with pytest.raises(InputError, match="counts overlapping flows without a rule") as err:
        run_account(tiny(), 2022, str(prof))
    zh = _zh(err.value)
    assert zh.startswith(
        "核算方案 'custom' 中有涉及同一物质流的指标未声明处理规则：carbon_sequestration 与 "
        "oxygen_release 涉及同一物质流（"
    ), zh
    assert zh.endswith(
        "；未声明规则。请为每一对指标加上 [[overlaps]] 规则（两项均计，并以中英文写明理由；"
        "或去掉其中一项指标）"
    )
