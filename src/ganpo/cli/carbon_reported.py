"""``ganpo carbon run-reported``: the inventory of a year from the activity data that
departments reported and the office approved on the platform (the carbon forms of
``ganpo report-forms list``), the tables nobody reported taken from a base carbon
dataset. Every library is imported when the command runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ganpo.cli.common import DEFAULT_DATABASE, DatabaseOption, console, say, user_errors

SYNTHETIC_LABEL = "合成数据 SYNTHETIC"


def run_reported(
    year: Annotated[int, typer.Option("--year", "-y", help="Inventory year. 清单年份。")],
    gwp: Annotated[
        str,
        typer.Option(
            "--gwp",
            help="GWP-100 set: AR4, AR5 or AR6 (none is chosen for you). 全球增温潜势取值版本。",
        ),
    ],
    base: Annotated[
        Path,
        typer.Option(
            "--base",
            help="Base carbon dataset: its description gives region, level and factor sets, "
            "its tables fill what nobody reported. 基础碳清单数据集。",
        ),
    ],
    work_dir: Annotated[
        Path,
        typer.Option("--work-dir", help="The platform's work folder (uploads). 平台工作目录。"),
    ] = Path("out/web"),
    reported_only: Annotated[
        bool,
        typer.Option(
            "--reported-only",
            help="Refuse to run while a table of the base dataset has no approved report. "
            "仅使用已审核的报送数据。",
        ),
    ] = False,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Run and store the inventory of a year from the approved departmental reports.
    由各部门报送并审核通过的活动数据核算并存储清单。"""
    import dataclasses

    from ganpo.carbon.inventory import read_dataset, run_inventory
    from ganpo.engine.provenance import code_version
    from ganpo.store.carbon import save_inventory
    from ganpo.store.repository import open_store
    from ganpo.submissions.carbon_dataset import reported_carbon_dataset

    with user_errors():
        engine = open_store(database)
        folder = work_dir / "carbon" / f"reported-{year}"
        assembled = reported_carbon_dataset(
            engine, year, work_dir=work_dir, base=base, out=folder, use_base=not reported_only
        )
        for line in assembled.notes():
            say(line)
        data = read_dataset(folder)
        inv = run_inventory(data, year, gwp, code_version=code_version())
        inv = dataclasses.replace(inv, notes=[*inv.notes, *assembled.notes()])
        iid = save_inventory(engine, inv)
    mark = f" {SYNTHETIC_LABEL}" if assembled.synthetic else ""
    reported = sum(1 for s in assembled.sources.values() if s.startswith("submission"))
    console.print(
        f"stored inventory 已存储清单 {iid}{mark}: {reported} table(s) reported by departments, "
        f"{len(assembled.sources) - reported} from the base dataset / "
        f"{reported} 张报送表，{len(assembled.sources) - reported} 张取自基础数据集"
    )
