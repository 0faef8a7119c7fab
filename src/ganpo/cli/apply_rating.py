"""`ganpo apply rating`: the ecological credit evaluation of entities (firms, co-operatives,
villages, households): the rule, the departments' approved records imported, grades with
their explanation, appeals, the bank report, listings and a SYNTHETIC demo
(docs/rating.md)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    FormatOption,
    console,
    print_records,
    user_errors,
)

app = typer.Typer(
    help="Ecological credit evaluation of entities: rule, import, grade, appeal, report, list. "
    "经营主体生态信用评价。",
    no_args_is_help=True,
)
RuleOption = Annotated[
    str,
    typer.Option("--rule", help="Shipped rule name or a rule TOML file. 评价规则（名称或文件）。"),
]
ActorOption = Annotated[
    str | None, typer.Option(help="Who acts (default: the login name). 操作人。")
]
WorkDirOption = Annotated[
    Path,
    typer.Option("--work-dir", help="The platform's work folder (uploads). 平台工作目录。"),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Grading date YYYY-MM-DD (default: today). 评价基准日。"),
]
#: the keys of `ganpo apply rating list --format csv|json`
GRADE_KEYS = (
    "entity_id",
    "entity_kind",
    "entity_name",
    "version",
    "grade",
    "grade_zh",
    "grade_en",
    "score",
    "as_of",
    "rule_name",
    "rule_version",
    "issued_at",
    "synthetic",
)
RECORD_KEYS = (
    "id",
    "indicator",
    "department",
    "date",
    "amount",
    "evidence_ref",
    "source",
    "origin",
    "status",
    "replaces_id",
)


def _day(value: str | None) -> Any:
    from datetime import date

    from ganpo.cli.apply_assets import _iso_day

    return date.today() if value is None else _iso_day(value, "--as-of")


@app.command("rule")
def rule_(rule: RuleOption = "ganpo-entity", fmt: FormatOption = "table") -> None:
    """The rule: indicators with definition, department, points and caps; the grade bands.
    评价规则：指标、部门、分值、上限、等级。"""
    from ganpo.apply.rating import load_rating_rule

    with user_errors():
        r = load_rating_rule(rule)
    records: list[dict[str, Any]] = [
        {
            "key": i.key,
            "name_zh": i.name_zh,
            "name_en": i.name_en,
            "department": i.department,
            "points": (
                f"{i.points:+g}"
                if i.points is not None
                else "; ".join(f"≥{b:g} {i.amount_unit}: {p:+g}" for b, p in i.tiers)
            ),
            "cap": i.cap,
            "veto": i.veto,
            "definition_zh": i.definition_zh,
        }
        for i in r.indicators
    ]
    if print_records(fmt, tuple(records[0]), records):
        return
    console.print(f"{r.title_zh} / {r.title_en}  {r.name} {r.version}")
    console.print(r.status, style="dim")
    console.print(f"基础分 base {r.base_score:g}; 评价期 window {r.window_years} a")
    t = Table("指标 indicator", "部门 department", "分值 points", "上限 cap", "否决 veto")
    for x in records:
        t.add_row(
            f"{x['name_zh']}\n{x['name_en']}",
            x["department"],
            x["points"],
            f"{x['cap']:+g}",
            "是 yes" if x["veto"] else "",
        )
    console.print(t)
    console.print(
        "等级 grades: " + "; ".join(f"{g.name_zh} {g.name_en} ≥ {g.min_score:g}" for g in r.grades)
    )


@app.command("import")
def import_(
    year: Annotated[int, typer.Option("--year", "-y", help="Year reported. 年份。")],
    work_dir: WorkDirOption = Path("out/web"),
    inclusive_key_file: Annotated[
        Path | None,
        typer.Option(
            "--inclusive-key-file",
            help="The carbon-inclusive registry's pseudonym key: also link the credits issued "
            "to every entity with a record. 碳普惠假名密钥文件。",
        ),
    ] = None,
    rule: RuleOption = "ganpo-entity",
    database: DatabaseOption = str(DEFAULT_DATABASE),
    actor: ActorOption = None,
) -> None:
    """Import the records of the year's approved record forms (and, with the key, the
    carbon-inclusive credits) as rating evidence; importing again adds nothing twice.
    导入已审核的主体信用记录。"""
    from ganpo.apply.rating import load_rating_rule
    from ganpo.apply.rating_records import import_approved, link_inclusive
    from ganpo.store import rating as store
    from ganpo.store.repository import open_store

    who = actor or getpass.getuser()
    with user_errors():
        engine = open_store(database)
        done = import_approved(engine, year, work_dir, who)
        linked = 0
        if inclusive_key_file is not None:
            key = inclusive_key_file.read_bytes().strip()
            r = load_rating_rule(rule)
            for e in store.entities(engine):
                linked += link_inclusive(
                    engine, r, e["entity_id"], e["entity_kind"], e["entity_name"], key, who
                )
    for key_, what in done.used.items():
        console.print(f"{key_}: {what}")
    for key_, state in done.pending.items():
        console.print(f"{key_}: 未审核通过，未导入 not approved ({state})", style="yellow")
    console.print(
        f"{done.added} record(s) imported, {done.already} already stored"
        + (f", {linked} carbon-inclusive issuance(s) linked" if inclusive_key_file else "")
        + f" / 导入 {done.added} 条"
    )


@app.command("grade")
def grade(
    entities: Annotated[
        list[str] | None,
        typer.Argument(help="Entity ids (default: every entity with a record). 主体代码。"),
    ] = None,
    as_of: AsOfOption = None,
    rule: RuleOption = "ganpo-entity",
    database: DatabaseOption = str(DEFAULT_DATABASE),
    actor: ActorOption = None,
) -> None:
    """Grade entities on their records in force; each grade is stored as the entity's next
    version with its explanation, evidence and rule version. 评级（每项得分附证据）。"""
    from ganpo.apply.rating import load_rating_rule
    from ganpo.apply.rating_records import grade_and_store
    from ganpo.store import rating as store
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        r = load_rating_rule(rule)
        day = _day(as_of)
        ids = entities or [e["entity_id"] for e in store.entities(engine)]
        graded = [grade_and_store(engine, r, e, day, actor or getpass.getuser()) for e in ids]
    for g in graded:
        _print_grade(g)


def _department(key: str) -> str:
    from ganpo.catalog.departments import departments

    d = departments().get(key)
    return f"{d.name_zh} {d.name_en}" if d else key


def _indicator(key: str) -> str:
    from ganpo.apply.rating import load_rating_rule

    found = {i.key: i for i in load_rating_rule().indicators}
    return f"{found[key].name_zh}\n{found[key].name_en}" if key in found else key


def _print_grade(g: dict[str, Any]) -> None:
    score = f"{g['score']:.1f}" if g["score"] is not None else "—"
    console.print(
        f"[bold]{g['entity_name']}[/bold] {g['entity_id']}  v{g['version']}: "
        f"{g['grade_zh']} / {g['grade_en']}  score {score}  ({g['rule_name']} {g['rule_version']})"
    )
    if g["explanation"]:
        t = Table("事项 item", "记录 record", "部门 department", "日期 date", "分值 points")
        for x in g["explanation"]:
            t.add_row(
                f"{x['text_zh']}\n{x['text_en']}",
                f"#{x['record_id']}" if x["record_id"] is not None else "",
                _department(x["department"]) if x["department"] else "",
                x["date"] or "",
                f"{x['points']:+.1f}",
            )
        console.print(t)


@app.command("appeal")
def appeal(
    record_id: Annotated[int, typer.Argument(help="The record appealed. 被申诉的记录编号。")],
    reason: Annotated[str, typer.Option("--reason", help="Why. 申诉理由。")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
    actor: ActorOption = None,
) -> None:
    """File an appeal against a record (audited). 对记录提出申诉。"""
    from ganpo.store import rating as store
    from ganpo.store.repository import open_store

    with user_errors():
        aid = store.file_appeal(open_store(database), record_id, reason, actor or getpass.getuser())
    console.print(f"appeal #{aid} filed against record #{record_id} / 申诉已登记")


@app.command("decide")
def decide(
    appeal_id: Annotated[int, typer.Argument(help="The appeal. 申诉编号。")],
    upheld: Annotated[
        bool, typer.Option("--upheld/--rejected", help="The decision. 申诉是否成立。")
    ],
    decision: Annotated[str, typer.Option("--decision", help="Its reasons. 决定理由。")],
    amount: Annotated[
        float | None, typer.Option("--amount", help="Corrected amount. 更正后的数量。")
    ] = None,
    on: Annotated[str | None, typer.Option("--date", help="Corrected date. 更正后的日期。")] = None,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="Corrected evidence. 更正后的证据文书。")
    ] = None,
    as_of: AsOfOption = None,
    rule: RuleOption = "ganpo-entity",
    database: DatabaseOption = str(DEFAULT_DATABASE),
    actor: ActorOption = None,
) -> None:
    """Decide an appeal; upheld, the record is corrected (with --amount/--date/--evidence)
    or withdrawn and the entity graded again as a new version, the old kept. 处理申诉。"""
    from ganpo.apply.rating import load_rating_rule
    from ganpo.apply.rating_records import decide_and_regrade
    from ganpo.cli.apply_assets import _iso_day
    from ganpo.store.repository import open_store

    with user_errors():
        decided, regraded = decide_and_regrade(
            open_store(database),
            load_rating_rule(rule),
            appeal_id,
            upheld=upheld,
            decision=decision,
            actor=actor or getpass.getuser(),
            as_of=_day(as_of),
            corrected_amount=amount,
            corrected_date=None if on is None else _iso_day(on, "--date"),
            corrected_evidence=evidence,
        )
    console.print(f"appeal #{appeal_id}: {decided['status']} / 已处理")
    if regraded is not None:
        _print_grade(regraded)


@app.command("report")
def report(
    entity: Annotated[str, typer.Argument(help="Entity id. 主体代码。")],
    out: Annotated[Path, typer.Option("--out", help="Output folder. 输出目录。")],
    version: Annotated[
        int | None, typer.Option("--version", help="Grade version (default: newest). 评级版本。")
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """The report a bank attaches to a loan file (PDF + JSON, Chinese and English).
    银行贷款档案用评价报告。"""
    from ganpo.apply.rating_report import write_report
    from ganpo.store import rating as store
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        g = store.grade(engine, entity, version)
        out.mkdir(parents=True, exist_ok=True)
        paths = write_report(
            g, store.grades_of(engine, entity), store.appeals_of(engine, entity), out
        )
    for p in paths:
        console.print(f"wrote {p}")


@app.command("list")
def list_(
    entity: Annotated[
        str | None,
        typer.Option("--entity", help="One entity: its records, grades, appeals. 单个主体。"),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """The newest grade of every entity; with --entity its records, grades and appeals.
    评级列表。"""
    from ganpo.store import rating as store
    from ganpo.store.rating_models import APPEAL_STATUSES, RECORD_STATUSES
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        if entity is None:
            rows = store.latest_grades(engine)
        else:
            rows = store.records_of(engine, entity, in_force=False)
            grades = store.grades_of(engine, entity)
            appeals = store.appeals_of(engine, entity)
    if entity is not None:
        if print_records(fmt, RECORD_KEYS, rows):
            return
        t = Table(
            "记录 record",
            "指标 indicator",
            "部门 department",
            "日期 date",
            "数量 amount",
            "证据 evidence",
            "状态 status",
        )
        for r in rows:
            t.add_row(
                f"#{r['id']}",
                _indicator(r["indicator"]),
                _department(r["department"]),
                r["date"],
                "" if r["amount"] is None else f"{r['amount']:g}",
                r["evidence_ref"],
                " ".join(RECORD_STATUSES.get(r["status"], (r["status"],))),
            )
        console.print(t)
        for g in grades:
            score = f"{g['score']:.1f}" if g["score"] is not None else "—"
            console.print(f"v{g['version']} {g['as_of']}: {g['grade_zh']} {score} — {g['reason']}")
        for a in appeals:
            console.print(
                f"申诉 appeal #{a['id']}（记录 record #{a['record_id']}）: "
                f"{' '.join(APPEAL_STATUSES[a['status']])} {a['decision']}"
            )
        return
    if print_records(fmt, GRADE_KEYS, rows):
        return
    t = Table(
        "主体 entity", "代码 id", "版本 v", "等级 grade", "得分 score", "基准日 as of", "规则 rule"
    )
    for g in rows:
        t.add_row(
            g["entity_name"] + (" 合成" if g["synthetic"] else ""),
            g["entity_id"],
            str(g["version"]),
            f"{g['grade_zh']}\n{g['grade_en']}",
            "—" if g["score"] is None else f"{g['score']:.1f}",
            g["as_of"],
            f"{g['rule_name']} {g['rule_version']}",
        )
    console.print(t)
    if not rows:
        console.print("没有评级 no grade stored")


@app.command("demo")
def demo(
    data: Annotated[
        Path,
        typer.Option("--data", help="Base dataset folder (the demo's). 基础数据集。"),
    ] = Path("data/demo-250m"),
    work_dir: WorkDirOption = Path("out/web"),
    out: Annotated[Path, typer.Option("--out", help="Reports folder. 报告目录。")] = Path(
        "out/rating"
    ),
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """SYNTHETIC entities reported through the forms, reviewed, imported, graded with their
    evidence, one appeal corrected; the bank reports written. 合成示例主体的评级。"""
    from ganpo.apply.rating_demo import run_demo
    from ganpo.store.repository import open_store

    with user_errors():
        result = run_demo(open_store(database), data, work_dir, out)
    console.print("合成数据 SYNTHETIC entities, codes and documents", style="yellow")
    for g in result.grades:
        _print_grade(g)
    for p in result.reports:
        if p.suffix == ".pdf":
            console.print(f"wrote {p}")


def register(parent: typer.Typer) -> None:
    """Add the `rating` group to `ganpo apply`."""
    parent.add_typer(app, name="rating")
