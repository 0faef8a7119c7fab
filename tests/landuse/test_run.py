"""Scenario from files and the `ganpo landuse` commands, on the synthetic demo at 8 km."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.errors import GridError, InputError
from ganpo.landuse.run import read_cover, simulate, validation_tables


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lu")
    r = CliRunner().invoke(app, ["landuse", "demo", "--out", str(out), "--resolution", "8000"])
    assert r.exit_code == 0, r.output
    assert "合成数据 SYNTHETIC" in r.output
    return out


def test_cli_simulate_then_validate(demo: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "160"})
    sim = demo / "sim.tif"
    args = ["landuse", "simulate", str(demo / "cover_2022.tif"), str(demo / "cover_2023.tif")]
    r = runner.invoke(app, [*args, "--dem", str(demo / "dem.tif"), "--out", str(sim)])
    assert r.exit_code == 0, r.output
    assert "城镇" in r.output and "built-up" in r.output
    with rasterio.open(sim) as a, rasterio.open(demo / "cover_2023.tif") as b:
        s, obs = a.read(1), b.read(1)
        assert a.transform == b.transform and a.crs == b.crs
    assert np.array_equal(s == 255, obs == 255)
    assert (s != obs).any()  # it changed something
    csv = demo / "metrics.csv"
    v_args = [str(demo / "cover_2023.tif"), str(demo / "cover_2024.tif"), str(sim)]
    r = runner.invoke(app, ["landuse", "validate", *v_args, "--out", str(csv)])
    assert r.exit_code == 0, r.output
    assert "figure of merit" in r.output and "品质因数" in r.output
    assert "Pontius et al. (2008" in r.output
    summary = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(summary.columns) == ["指标", "indicator", "value", "unit"]
    per = pd.read_csv(demo / "metrics-classes.csv", encoding="utf-8-sig")
    assert "生产者精度 producer's accuracy (%)" in per.columns
    assert per["class"].tolist()[0] == "forest"


def test_simulation_meets_a_plan_and_keeps_restricted_zones(demo: Path, tmp_path: Path) -> None:
    a = read_cover(demo / "cover_2023.tif")
    built = a.cover == 6
    inside = a.cover != 255
    # restrict the west half; ask for 20 more built-up cells, 20 fewer cropland
    zones = np.zeros(a.cover.shape, np.uint8)
    zones[:, : a.cover.shape[1] // 2] = 1
    profile = dict(a.profile, dtype="uint8", nodata=None)
    with rasterio.open(tmp_path / "zones.tif", "w", **profile) as dst:
        dst.write(zones, 1)
    ha = a.cell_area_hm2
    targets = {6: (int(built.sum()) + 20) * ha, 5: (int((a.cover == 5).sum()) - 20) * ha}
    run = simulate(
        demo / "cover_2022.tif",
        demo / "cover_2023.tif",
        demo / "dem.tif",
        tmp_path / "plan.tif",
        demand="plan",
        targets_hm2=targets,
        restricted=tmp_path / "zones.tif",
        seed=2,
    )
    assert run.allocation.met
    out = read_cover(tmp_path / "plan.tif").cover
    assert int((out == 6).sum()) == int(built.sum()) + 20
    changed = (out != a.cover) & inside
    assert not (changed & (zones == 1)).any()
    # only cropland became built-up (the plan moves 20 cells from one to the other)
    assert set(np.unique(a.cover[changed]).tolist()) == {5}
    assert set(np.unique(out[changed]).tolist()) == {6}
    # unchanged map validated against itself: full agreement, FoM undefined (no change)
    v, _, _ = validation_tables(
        demo / "cover_2023.tif", demo / "cover_2023.tif", demo / "cover_2023.tif"
    )
    assert v.agreement == 1.0 and np.isnan(v.components.figure_of_merit)


def test_bad_inputs(demo: Path, tmp_path: Path) -> None:
    a = read_cover(demo / "cover_2023.tif")
    profile = dict(a.profile, width=a.profile["width"] - 1)
    with rasterio.open(tmp_path / "small.tif", "w", **profile) as dst:
        dst.write(a.cover[:, :-1].astype(np.uint8), 1)
    with pytest.raises(GridError, match=r"not on the grid of cover_2022\.tif"):
        simulate(
            demo / "cover_2022.tif", tmp_path / "small.tif", demo / "dem.tif", tmp_path / "x.tif"
        )
    bad = a.cover.astype(np.uint8).copy()
    bad[bad == 6] = 9
    with rasterio.open(tmp_path / "bad.tif", "w", **a.profile) as dst:
        dst.write(bad, 1)
    with pytest.raises(InputError, match=r"codes \[9\] are not ecosystem types"):
        read_cover(tmp_path / "bad.tif")
    # more built-up than the map may hold outside the restricted zones
    r = CliRunner().invoke(
        app,
        [
            "landuse",
            "simulate",
            str(demo / "cover_2022.tif"),
            str(demo / "cover_2023.tif"),
            "--dem",
            str(demo / "dem.tif"),
            "--out",
            str(tmp_path / "y.tif"),
            "--target",
            "6=1e12",
        ],
    )
    assert r.exit_code == 2
    assert "study area" in r.output
    r = CliRunner().invoke(
        app,
        [
            "landuse",
            "simulate",
            str(demo / "cover_2022.tif"),
            str(demo / "cover_2023.tif"),
            "--dem",
            str(demo / "dem.tif"),
            "--out",
            str(tmp_path / "y.tif"),
            "--target",
            "6",
        ],
    )
    assert r.exit_code == 2
    assert "CODE=HECTARES" in r.output


def test_zoning_red_lines_and_priority_units_stay(demo: Path, tmp_path: Path) -> None:
    from ganpo.demo.zoning import build_zoning_demo
    from ganpo.landuse.zones import restricted_from_zoning

    zoning = build_zoning_demo(tmp_path / "zoning")
    a = read_cover(demo / "cover_2023.tif")
    mask = restricted_from_zoning(zoning, a.profile)
    inside = a.cover != 255
    share = (mask & inside).sum() / inside.sum()
    # the demo's priority units are the west of each county beyond 0.45 √area of its
    # centre: a sizeable share of the province, far from all of it
    assert 0.05 < share < 0.6
    run = simulate(
        demo / "cover_2022.tif",
        demo / "cover_2023.tif",
        demo / "dem.tif",
        tmp_path / "zoned.tif",
        zoning=zoning,
        seed=1,
    )
    out = read_cover(tmp_path / "zoned.tif").cover
    assert (out != a.cover).any()
    assert not ((out != a.cover) & mask).any()
    assert run.allocation.met


def test_suitability_on_disk_gives_the_same_map(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ganpo.landuse.run as run_module

    args = (demo / "cover_2022.tif", demo / "cover_2023.tif", demo / "dem.tif")
    simulate(*args, tmp_path / "memory.tif", seed=3)
    monkeypatch.setattr(run_module, "IN_MEMORY_BYTES", 0)  # every map is "large"
    (tmp_path / "disk").mkdir()
    simulate(*args, tmp_path / "disk" / "disk.tif", seed=3)
    assert np.array_equal(
        read_cover(tmp_path / "memory.tif").cover, read_cover(tmp_path / "disk" / "disk.tif").cover
    )
    assert [p.name for p in (tmp_path / "disk").iterdir()] == ["disk.tif"]  # temp removed


def test_level2_codes_fold_and_non_types_are_refused(demo: Path, tmp_path: Path) -> None:
    a = read_cover(demo / "cover_2023.tif")
    sub = a.cover.astype(np.uint8).copy()
    sub[sub == 1] = 12  # evergreen needleleaf forest, a forest sub-type
    sub[sub == 5] = 51  # paddy
    with rasterio.open(tmp_path / "level2.tif", "w", **a.profile) as dst:
        dst.write(sub, 1)
    assert np.array_equal(read_cover(tmp_path / "level2.tif").cover, a.cover)
    for code in (19, 0):  # no type; 0 is the code of products without a type
        bad = sub.copy()
        bad[bad == 6] = code
        with rasterio.open(tmp_path / f"bad{code}.tif", "w", **a.profile) as dst:
            dst.write(bad, 1)
        with pytest.raises(InputError, match=rf"codes \[{code}\] are not ecosystem types"):
            read_cover(tmp_path / f"bad{code}.tif")


def test_an_extra_driver_is_learned_and_a_bad_one_refused(demo: Path, tmp_path: Path) -> None:
    a, b, dem = demo / "cover_2022.tif", demo / "cover_2023.tif", demo / "dem.tif"
    prio = demo / "afforestation_priority.tif"
    run = simulate(
        a, b, dem, tmp_path / "s.tif", seed=3, extra_drivers={"afforestation_priority": prio}
    )
    assert "afforestation_priority" in run.importances
    assert run.importances["afforestation_priority"] > 0
    with pytest.raises(InputError, match="one of ganpo's own"):
        simulate(a, b, dem, tmp_path / "x.tif", extra_drivers={"slope_deg": prio})
    with rasterio.open(prio) as src:
        profile = src.profile | {"width": src.width - 1}
        data = src.read(1)[:, :-1]
    other = tmp_path / "other.tif"
    with rasterio.open(other, "w", **profile) as dst:
        dst.write(data, 1)
    with pytest.raises(GridError, match="not on the grid"):
        simulate(a, b, dem, tmp_path / "y.tif", extra_drivers={"programme": other})
    r = CliRunner().invoke(
        app,
        ["landuse", "simulate", str(a), str(b), "--dem", str(dem), "--out",
         str(tmp_path / "z.tif"), "--driver", "oops"],
    )  # fmt: skip
    assert r.exit_code != 0 and "give NAME=FILE" in r.output


def test_cli_calibrate_then_simulate_with_its_choice(demo: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "200"})
    a, b = str(demo / "cover_2022.tif"), str(demo / "cover_2023.tif")
    csv = demo / "calibration.csv"
    args = ["landuse", "calibrate", a, b, "--dem", str(demo / "dem.tif"), "--tile", "4"]
    args += ["--windows", "3", "--inertias", "0.3", "--seed-shares", "0.01,0.1", "--runs", "1"]
    r = runner.invoke(app, [*args, "--out", str(csv)])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(table) == 4  # 2 models × 2 seed shares
    assert table["模型 model"].tolist() == ["forest", "forest", "logistic", "logistic"]
    fom = table["平均品质因数 mean FoM (%)"]
    assert ((fom >= 0) & (fom <= 100)).all()
    best = table.loc[fom.idxmax()]
    assert f"--model {best['模型 model']} --window 3" in r.output
    # the cover of 2024 was never read: calibration leaves the held-out year alone
    assert "cover_2024" not in r.output
    flags = r.output.split("best 最优: ")[1].split()[:8]
    sim = demo / "sim-calibrated.tif"
    r = runner.invoke(
        app,
        ["landuse", "simulate", a, b, "--dem", str(demo / "dem.tif"), *flags, "--out", str(sim)],
    )
    assert r.exit_code == 0, r.output
    out = demo / "m2.csv"
    r = runner.invoke(
        app,
        ["landuse", "validate", b, str(demo / "cover_2024.tif"), str(sim), "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    assert "null resolution" in r.output or "does not beat the null model" in r.output
    trans = pd.read_csv(demo / "m2-transitions.csv", encoding="utf-8-sig")
    assert "cropland → built-up" in trans["transition"].tolist()
    summary = pd.read_csv(out, encoding="utf-8-sig")
    # the windows double up to one over the whole region: the last one is the region
    coarsest = summary["indicator"].tolist()[-1]
    assert coarsest.startswith("agreement at ") and coarsest.endswith("(null)")
    r = runner.invoke(app, [*args[:6], "--models", "svm"])
    assert r.exit_code != 0 and "--model 'svm'" in r.output
    r = runner.invoke(app, [*args[:6], "--windows", "three"])
    assert r.exit_code != 0 and "--windows 'three'" in r.output
