"""The carbon footprint (CFP) study report of a product (产品碳足迹报告) as PDF and Excel, in
Chinese or English (one language per file), and the one-page carbon label (碳标识).

The report follows the order in which ISO 14067:2018 builds a study (§6.3 goal and scope,
§6.4 inventory, §6.5 impact assessment, §6.6 interpretation) and reports it (§7, the CFP
study report): goal and functional unit; system boundary with the process-flow table;
allocation (§6.4.6); data and their quality (the study's own amounts as primary data,
the background factors with their sources); results by process, stage and gas, biogenic
CO₂ apart (§6.4.9.3) and biogenic CH₄ counted; the Monte Carlo distribution; limitations;
the synthetic mark; the verification data (the study file's SHA-256 digest, the
inventory version, the ganpo version, the date). The sub-clause headings of §7 could not
be checked against the standard's text here and are not cited; the report says so.

The label carries the figure of :func:`ganpo.footprint.lca.footprint` (the same call as
``ganpo footprint run``), the study's digest, and the command that recomputes the figure.
The verifier's fields are left blank for a person to fill: ganpo never names a verifier.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd

import ganpo
from ganpo.footprint.background import background
from ganpo.footprint.lca import Footprint, footprint
from ganpo.footprint.model import STAGES, ProductSystem, read_product_system
from ganpo.report.annual import CSS, _table, write_pdf

Lang = Literal["zh", "en"]

TEXT: dict[str, tuple[str, str]] = {
    "title": ("{product}碳足迹研究报告", "Carbon footprint study report: {product}"),
    "synthetic": (
        "合成数据：本研究的清单为示范用合成数据，不是企业的实测清单，数字不得引用或对外声明。",
        "Synthetic data: the study's inventory is synthetic demonstration data, not a "
        "company's measured inventory. Do not cite or declare the numbers.",
    ),
    "standard": (
        "依据 ISO 14067:2018《温室气体 产品碳足迹 量化要求和指南》与 GB/T 24067-2024。",
        "After ISO 14067:2018 (Greenhouse gases — Carbon footprint of products — "
        "Requirements and guidelines for quantification) and GB/T 24067-2024.",
    ),
    "clauses": (
        "本报告按 ISO 14067:2018 研究的构成编排（6.3 目的与范围、6.4 清单分析、6.5 影响评价、"
        "6.6 结果解释，第 7 章 产品碳足迹研究报告）；第 7 章各条的标题未能对照标准原文核实，"
        "故未逐条引用。",
        "This report is laid out as ISO 14067:2018 builds a study (6.3 goal and scope, 6.4 "
        "inventory analysis, 6.5 impact assessment, 6.6 interpretation; clause 7, the CFP "
        "study report). The headings of clause 7's sub-clauses could not be checked against "
        "the standard's text and are not cited one by one.",
    ),
    "kpi": ("产品碳足迹", "Carbon footprint of the product"),
    "goal": ("一、研究目的与功能单位", "1. Goal and functional unit"),
    "goal_text": (
        "本研究量化{product}的产品碳足迹，功能单位（声明单位）为 {fu}，基准年 {year} 年。"
        "全球增温潜势取 {gwp} 的 100 年值（{gwp_source}）。",
        "The study quantifies the carbon footprint of {product}; the functional (declared) "
        "unit is {fu}, the reference year {year}. Global warming potentials are the 100-year "
        "values of {gwp} ({gwp_source}).",
    ),
    "company": ("委托企业：{company}", "Company: {company}"),
    "boundary": ("二、系统边界与过程流程", "2. System boundary and process flow"),
    "cradle_to_gate": ("从摇篮到大门", "cradle to gate"),
    "cradle_to_grave": ("从摇篮到坟墓", "cradle to grave"),
    "boundary_text": (
        "系统边界：{boundary}。系统包括下表所列的过程及其消耗的背景过程（电网电力、燃料燃烧）；"
        "未列入的过程不在边界内。",
        "System boundary: {boundary}. The system holds the processes of the table below and "
        "the background processes they use (grid electricity, fuels burnt); a process not "
        "listed lies outside the boundary.",
    ),
    "flow_caption": ("表 1 过程流程", "Table 1. Process flow"),
    "process": ("过程", "Process"),
    "stage": ("生命周期阶段", "Life-cycle stage"),
    "outputs": ("产出", "Outputs"),
    "inputs": ("投入", "Inputs"),
    "direct": ("直接排放", "Direct emissions"),
    "co_product": ("共生产品", "co-product"),
    "allocation": ("三、分配", "3. Allocation"),
    "alloc_economic": (
        "多产出过程按经济价值分配（产量 × 单价），参考产品承担其价值份额的投入与排放。",
        "Multi-output processes are allocated by economic value (amount × price): the "
        "reference product bears its share of the inputs and emissions.",
    ),
    "alloc_mass": (
        "多产出过程按质量分配，参考产品承担其质量份额的投入与排放。",
        "Multi-output processes are allocated by mass: the reference product bears its share "
        "of the inputs and emissions.",
    ),
    "alloc_none": (
        "不分配：系统中没有多产出过程。",
        "No allocation: the system has no multi-output process.",
    ),
    "alloc_caption": ("表 2 分配系数", "Table 2. Allocation shares"),
    "share": ("分配系数", "Share"),
    "data": ("四、数据来源与数据质量", "4. Data sources and quality"),
    "data_text": (
        "过程的投入、产出与直接排放量为研究清单的{kind}；背景过程由下表所列的公开发布因子计算。"
        "{n} 项数量给出了几何标准差，用于蒙特卡罗分析，其余数量视为确定值。",
        "The processes' inputs, outputs and direct emissions are the study's {kind}; the "
        "background processes are computed from the published factors of the table below. "
        "{n} amounts carry a geometric standard deviation used in the Monte Carlo; the others "
        "are taken as certain.",
    ),
    "primary": ("初级数据（企业清单）", "primary data (the company's inventory)"),
    "primary_synthetic": (
        "合成数据（示范用，非实测）",
        "synthetic data (for the demonstration, not measured)",
    ),
    "factors_caption": ("表 3 背景因子及其来源", "Table 3. Background factors and their sources"),
    "factor": ("因子", "Factor"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "source": ("来源", "Source"),
    "no_factors": ("本研究未使用背景过程。", "The study uses no background process."),
    "results": ("五、结果", "5. Results"),
    "result_text": (
        "产品碳足迹为 {total} kg CO₂e/{fu}（化石源与生物源 CH₄、N₂O 按 {gwp} 折算，不含生物源 "
        "CO₂）。生物源 CO₂ 净排放（排放减去清除）为 {bio} kg，单独报告，不计入碳足迹；计入后为 "
        "{incl} kg CO₂e/{fu}。",
        "The carbon footprint of the product is {total} kg CO₂e per {fu} (fossil and biogenic "
        "CH₄ and N₂O weighted by {gwp}; biogenic CO₂ excluded). Net biogenic CO₂ (emissions "
        "minus removals) is {bio} kg, reported apart and not counted; with it the figure "
        "would be {incl} kg CO₂e per {fu}.",
    ),
    "by_process_caption": ("表 4 按过程的碳足迹", "Table 4. Carbon footprint by process"),
    "direct_kg": ("直接排放 kg CO₂e", "Direct, kg CO₂e"),
    "background_kg": ("背景过程 kg CO₂e", "Background, kg CO₂e"),
    "kg": ("合计 kg CO₂e", "Total, kg CO₂e"),
    "percent": ("占比", "Share of total"),
    "total": ("合计", "Total"),
    "by_stage_caption": ("表 5 按生命周期阶段", "Table 5. By life-cycle stage"),
    "by_gas_caption": ("表 6 按温室气体", "Table 6. By greenhouse gas"),
    "gas": ("温室气体", "Gas"),
    "gas_kg": ("排放量 kg", "Emitted, kg"),
    "gwp_value": ("GWP", "GWP"),
    "co2e_kg": ("kg CO₂e", "kg CO₂e"),
    "uncertainty": ("六、不确定性", "6. Uncertainty"),
    "mc_text": (
        "蒙特卡罗分析：{draws} 次抽样（随机种子 {seed}），给出几何标准差的数量按对数正态分布"
        "抽样。均值 {mean} kg CO₂e，2.5% 分位数 {lo}，97.5% 分位数 {hi}（95% 区间）。",
        "Monte Carlo: {draws} draws (seed {seed}), the amounts with a geometric standard "
        "deviation drawn lognormally. Mean {mean} kg CO₂e, 2.5th percentile {lo}, 97.5th "
        "percentile {hi} (95 % interval).",
    ),
    "mc_none": (
        "未进行蒙特卡罗分析（抽样次数为 0）；以 --draws 指定次数（不少于 1000）。",
        "No Monte Carlo was run (0 draws); give --draws (at least 1000).",
    ),
    "mc_caption": ("表 7 蒙特卡罗分布", "Table 7. Monte Carlo distribution"),
    "statistic": ("统计量", "Statistic"),
    "mean": ("均值", "Mean"),
    "p2_5": ("2.5% 分位数", "2.5th percentile"),
    "p97_5": ("97.5% 分位数", "97.5th percentile"),
    "draws": ("抽样次数", "Draws"),
    "limits": ("七、局限性", "7. Limitations"),
    "limit_background": (
        "背景过程只有电网电力与燃料燃烧；原材料、化学品等以研究自身的过程建模，其未建模的上游"
        "排放不在结果内。",
        "Background processes are grid electricity and fuels burnt only; materials and "
        "chemicals are modelled as the study's own processes, and upstream emissions they "
        "do not model are not in the result.",
    ),
    "limit_transport": (
        "运输（吨公里）尚不能作为背景过程计算。",
        "Transport (t·km) cannot yet be computed as a background process.",
    ),
    "limit_gate": (
        "从摇篮到大门的结果不含分销、使用与生命末期，不能单独作为消费者产品的碳足迹声明。",
        "A cradle-to-gate result excludes distribution, use and end of life and cannot on its "
        "own be declared as a consumer product's footprint.",
    ),
    "limit_uncertainty": (
        "蒙特卡罗只反映给出几何标准差的数量，背景因子视为确定值。",
        "The Monte Carlo reflects only the amounts given a geometric standard deviation; "
        "background factors are taken as certain.",
    ),
    "limit_synthetic": (
        "清单为合成数据，结果只说明方法。",
        "The inventory is synthetic; the result only illustrates the method.",
    ),
    "note": ("说明：{note}", "Note: {note}"),
    "verification": ("八、核查数据", "8. Verification data"),
    "verif_caption": ("表 8 核查数据", "Table 8. Verification data"),
    "item": ("项目", "Item"),
    "study_file": ("研究文件", "Study file"),
    "digest": ("研究文件 SHA-256 摘要", "Study file SHA-256 digest"),
    "version": ("清单版本", "Inventory version"),
    "not_stated": ("未注明", "not stated"),
    "ganpo_version": ("ganpo 版本", "ganpo version"),
    "date": ("计算日期", "Date computed"),
    "recompute": ("复算命令", "Recompute with"),
    "verifier": ("核查机构（由核查人员填写）", "Verifier (to be filled in by the verifier)"),
    "verifier_date": ("核查日期（由核查人员填写）", "Date verified (to be filled in)"),
    "about": ("说明", "About"),
}
GAS_NAMES: dict[str, tuple[str, str]] = {
    "CO2_fossil": ("化石源 CO₂", "fossil CO₂"),
    "CO2_biogenic": ("生物源 CO₂（单独报告，不计入）", "biogenic CO₂ (apart, not counted)"),
    "CH4_fossil": ("化石源 CH₄", "fossil CH₄"),
    "CH4_biogenic": ("生物源 CH₄", "biogenic CH₄"),
    "N2O": ("N₂O", "N₂O"),
}
SHEETS: dict[str, tuple[str, str]] = {
    "flow": ("过程流程", "Process flow"),
    "allocation": ("分配", "Allocation"),
    "factors": ("背景因子", "Background factors"),
    "by_process": ("按过程", "By process"),
    "by_stage": ("按阶段", "By stage"),
    "by_gas": ("按气体", "By gas"),
    "monte_carlo": ("蒙特卡罗", "Monte Carlo"),
    "verification": ("核查数据", "Verification"),
}


def t(key: str, lang: Lang, **kw: object) -> str:
    text = TEXT[key][0 if lang == "zh" else 1]
    return text.format(**kw) if kw else text


def _num(x: float, decimals: int = 2) -> str:
    shown = f"{x:,.{decimals}f}"
    return shown[1:] if shown.startswith("-") and not shown.strip("-0.,") else shown


def study_digest(path: Path | str) -> str:
    """The SHA-256 of the study file's bytes (hex): a changed study, a changed digest."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class FootprintStudy:
    """A study read and computed, with what the report and label need to verify it."""

    path: Path
    system: ProductSystem
    result: Footprint
    digest: str
    computed: datetime
    draws: int
    seed: int

    def command(self) -> str:
        """The command that recomputes the figure from the file (same digest)."""
        cmd = f"ganpo footprint run {self.path.name}"
        if self.draws:
            cmd += f" --draws {self.draws} --seed {self.seed}"
        return cmd


def load_study(
    path: Path | str, *, draws: int = 0, seed: int = 20240101, now: datetime | None = None
) -> FootprintStudy:
    """Read, compute and digest the study at ``path``; errors name the file and field."""
    path = Path(path)
    system = read_product_system(path)
    result = footprint(system, draws=draws, seed=seed)
    return FootprintStudy(
        path, system, result, study_digest(path), now or datetime.now(UTC), draws, seed
    )


def _product(s: FootprintStudy, lang: Lang) -> str:
    return s.system.product_name_zh if lang == "zh" else s.system.product_name_en


def _fu(s: FootprintStudy, lang: Lang) -> str:
    fu = s.system.functional_unit
    return (
        f"{fu.amount:g} {fu.unit} {_product(s, lang)}"
        if lang == "en"
        else (f"{fu.amount:g} {fu.unit}{_product(s, lang)}")
    )


def _name(zh: str, en: str, lang: Lang) -> str:
    return zh if lang == "zh" else en


# ----------------------------------------------------------------------------- frames


def _product_names(s: FootprintStudy, lang: Lang) -> dict[str, str]:
    """Each product's name in ``lang``: the output's name, else its key made readable."""
    names = {}
    for p in s.system.processes:
        for o in p.outputs:
            given = o.name_zh if lang == "zh" else o.name_en
            names[o.product] = given or o.product.replace("_", " ")
    return names


def flow_frame(s: FootprintStudy, lang: Lang) -> pd.DataFrame:
    """The process-flow table: each process, its stage, outputs (co-products marked),
    inputs (products of other processes, background processes), direct emissions."""
    used = {i.product for p in s.system.processes for i in p.inputs if i.product}
    used.add(s.system.product)
    names = _product_names(s, lang)
    rows = []
    for p in s.system.processes:
        outs = "; ".join(
            f"{names[o.product]} {o.amount:g} {o.unit}"
            + ("" if o.product in used else f" ({t('co_product', lang)})")
            for o in p.outputs
        )
        ins = []
        for i in p.inputs:
            if i.product is not None:
                what = names[i.product]
            else:
                b = background(str(i.background), i.sector)
                what = _name(b.name_zh, b.name_en, lang).replace("_", " ")
            ins.append(f"{what} {i.amount:g} {i.unit}")
        direct = "; ".join(
            f"{_name(*GAS_NAMES[e.gas], lang)} {e.amount:g} {e.unit}" for e in p.emissions
        )
        rows.append(
            {
                t("process", lang): _name(p.name_zh, p.name_en, lang),
                t("stage", lang): _name(*STAGES[p.stage], lang),
                t("outputs", lang): outs,
                t("inputs", lang): "; ".join(ins) or "—",
                t("direct", lang): direct or "—",
            }
        )
    return pd.DataFrame(rows)


def allocation_frame(s: FootprintStudy, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("process", lang): _name(p["name_zh"], p["name_en"], lang),
            t("share", lang): p["allocation_share"],
        }
        for p in s.result.by_process
    )


def factor_frame(s: FootprintStudy, lang: Lang) -> pd.DataFrame:
    seen: dict[tuple[str, float, str, str], None] = dict.fromkeys(s.result.factors)
    return pd.DataFrame(
        [
            {
                t("factor", lang): n.replace("_", " "),
                t("value", lang): v,
                t("unit", lang): u,
                t("source", lang): src,
            }
            for n, v, u, src in seen
        ],
        columns=[t(k, lang) for k in ("factor", "value", "unit", "source")],
    )


def process_frame(s: FootprintStudy, lang: Lang) -> pd.DataFrame:
    total = s.result.total_kg
    return pd.DataFrame(
        [
            {
                t("process", lang): _name(p["name_zh"], p["name_en"], lang),
                t("stage", lang): _name(*STAGES[p["stage"]], lang),
                t("direct_kg", lang): p["direct_kg"],
                t("background_kg", lang): p["background_kg"],
                t("kg", lang): p["kg"],
                t("percent", lang): p["kg"] / total if total else float("nan"),
            }
            for p in s.result.by_process
        ]
    )


def stage_frame(s: FootprintStudy, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {t("stage", lang): _name(x["name_zh"], x["name_en"], lang), t("kg", lang): x["kg"]}
            for x in s.result.by_stage
        ]
    )


def gas_frame(s: FootprintStudy, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("gas", lang): _name(*GAS_NAMES[g["gas"]], lang),
                t("gas_kg", lang): g["kg"],
                t("gwp_value", lang): g["co2e_kg"] / g["kg"] if g["kg"] else 0.0,
                t("co2e_kg", lang): g["co2e_kg"],
            }
            for g in s.result.by_gas
        ]
    )


def monte_carlo_frame(s: FootprintStudy, lang: Lang) -> pd.DataFrame:
    mc = s.result.monte_carlo
    if not mc:
        return pd.DataFrame(columns=[t("statistic", lang), t("co2e_kg", lang)])
    return pd.DataFrame(
        {
            t("statistic", lang): [t(k, lang) for k in ("mean", "p2_5", "p97_5")],
            t("co2e_kg", lang): [mc["mean_kg"], mc["p2_5_kg"], mc["p97_5_kg"]],
        }
    )


def verification_frame(s: FootprintStudy, lang: Lang) -> pd.DataFrame:
    rows = [
        ("study_file", s.path.name),
        ("digest", s.digest),
        ("version", s.system.version or t("not_stated", lang)),
        ("ganpo_version", str(ganpo.__version__)),
        ("date", s.computed.strftime("%Y-%m-%d %H:%M UTC")),
        ("recompute", s.command()),
        ("verifier", ""),
        ("verifier_date", ""),
    ]
    return pd.DataFrame([{t("item", lang): t(k, lang), t("value", lang): v} for k, v in rows])


# ----------------------------------------------------------------------------- PDF


def _limitations(s: FootprintStudy, lang: Lang) -> list[str]:
    out = [t("limit_background", lang), t("limit_transport", lang)]
    if s.system.boundary == "cradle_to_gate":
        out.append(t("limit_gate", lang))
    out.append(t("limit_uncertainty", lang))
    if s.system.synthetic:
        out.append(t("limit_synthetic", lang))
    return out


def _shown(
    frame: pd.DataFrame, percent: tuple[str, ...] = (), raw: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Numbers as the PDF shows them: two decimals, thousands separated; shares as %."""
    out = frame.copy()
    for c in out.columns:
        if c in raw or not pd.api.types.is_numeric_dtype(out[c]):
            continue
        if c in percent:
            out[c] = [f"{x:.1%}" for x in out[c]]
        else:
            out[c] = [_num(float(x)) for x in out[c]]
    return out


def build_report_html(s: FootprintStudy, lang: Lang = "zh") -> str:
    """The CFP study report as HTML (for WeasyPrint)."""
    r, sysm = s.result, s.system
    esc = html.escape

    def p(text: str, cls: str = "") -> str:
        return f"<p class='{cls}'>{esc(text)}</p>" if cls else f"<p>{esc(text)}</p>"

    def h2(key: str) -> str:
        return f"<h2>{esc(t(key, lang))}</h2>"

    product, fu = _product(s, lang), _fu(s, lang)
    parts = [
        f"<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>",
        f"<meta name='generator' content='ganpo {esc(str(ganpo.__version__))}'>",
        f"<style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<h1 class='fp'>{esc(t('title', lang, product=product))}</h1>",
        p(_name(sysm.title_zh, sysm.title_en, lang), "meta"),
    ]
    if sysm.synthetic:
        parts.append(p(t("synthetic", lang), "warn"))
    parts += [
        f"<div class='kpi'><span class='kpi-label'>{esc(t('kpi', lang))}</span>"
        f"<span class='kpi-value'>{esc(_num(r.total_kg))}</span>"
        f"<span class='kpi-unit'>kg CO₂e / {esc(fu)}</span></div>",
        p(t("standard", lang)),
        p(t("clauses", lang), "meta"),
        h2("goal"),
        p(
            t(
                "goal_text",
                lang,
                product=product,
                fu=fu,
                year=sysm.reference_year,
                gwp=sysm.gwp,
                gwp_source=r.gwp_source,
            )
        ),
    ]
    if sysm.company:
        parts.append(p(t("company", lang, company=sysm.company)))
    if sysm.note:
        parts.append(p(t("note", lang, note=sysm.note)))
    flow = flow_frame(s, lang)
    parts += [
        h2("boundary"),
        p(t("boundary_text", lang, boundary=t(sysm.boundary, lang))),
        p(t("flow_caption", lang), "caption"),
        f"<div class='flow'>{_table(flow, list(flow.columns))}</div>",
        h2("allocation"),
        p(t(f"alloc_{sysm.allocation}", lang)),
        p(t("alloc_caption", lang), "caption"),
    ]
    alloc = allocation_frame(s, lang)
    alloc[t("share", lang)] = [f"{x:.4f}" for x in alloc[t("share", lang)]]
    parts.append(_table(alloc, list(alloc.columns)))
    gsds = [a.gsd for q in sysm.processes for a in q.inputs] + [
        e.gsd for q in sysm.processes for e in q.emissions
    ]
    n_unc = len([g for g in gsds if g is not None and g != 1.0])
    kind = t("primary_synthetic" if sysm.synthetic else "primary", lang)
    parts += [h2("data"), p(t("data_text", lang, kind=kind, n=n_unc))]
    fac = factor_frame(s, lang)
    if len(fac):
        fac[t("value", lang)] = [f"{x:g}" for x in fac[t("value", lang)]]
        parts += [
            p(t("factors_caption", lang), "caption"),
            f"<div class='factors'>{_table(fac, list(fac.columns))}</div>",
        ]
    else:
        parts.append(p(t("no_factors", lang)))
    parts += [
        h2("results"),
        p(
            t(
                "result_text",
                lang,
                total=_num(r.total_kg),
                fu=fu,
                gwp=sysm.gwp,
                bio=_num(r.biogenic_co2_kg),
                incl=_num(r.including_biogenic_kg),
            )
        ),
        p(t("by_process_caption", lang), "caption"),
    ]
    proc = process_frame(s, lang)
    total_row = {c: "" for c in proc.columns}
    total_row[t("process", lang)] = t("total", lang)
    shown = _shown(proc, percent=(t("percent", lang),))
    total_row[t("kg", lang)] = _num(r.total_kg)
    total_row[t("percent", lang)] = "100.0%"
    shown = pd.concat([shown, pd.DataFrame([total_row])], ignore_index=True)
    parts.append(_table(shown, list(shown.columns), total_row=True))
    st = stage_frame(s, lang)
    parts += [p(t("by_stage_caption", lang), "caption"), _table(_shown(st), list(st.columns))]
    gas = gas_frame(s, lang)
    gas_shown = _shown(gas)
    gas_shown[t("gwp_value", lang)] = [f"{x:g}" for x in gas[t("gwp_value", lang)]]
    parts += [p(t("by_gas_caption", lang), "caption"), _table(gas_shown, list(gas.columns))]
    parts.append(h2("uncertainty"))
    mc = r.monte_carlo
    if mc:
        parts.append(
            p(
                t(
                    "mc_text",
                    lang,
                    draws=int(mc["draws"]),
                    seed=int(mc["seed"]),
                    mean=_num(mc["mean_kg"]),
                    lo=_num(mc["p2_5_kg"]),
                    hi=_num(mc["p97_5_kg"]),
                )
            )
        )
        m = monte_carlo_frame(s, lang)
        parts += [p(t("mc_caption", lang), "caption"), _table(_shown(m), list(m.columns))]
    else:
        parts.append(p(t("mc_none", lang)))
    parts += [
        h2("limits"),
        "<ol>" + "".join(f"<li>{esc(x)}</li>" for x in _limitations(s, lang)) + "</ol>",
    ]
    v = verification_frame(s, lang)
    parts += [
        h2("verification"),
        p(t("verif_caption", lang), "caption"),
        f"<div class='verif'>{_table(v, list(v.columns))}</div>",
        "</body></html>",
    ]
    return "".join(parts)


EXTRA_CSS = """
h1.fp { margin: 6mm 0 3mm 0; font-size: 17pt; }
.meta { text-align: center; }
.kpi { border: 1px solid #c8e6c9; background: #f1f8e9; text-align: center; padding: 3mm;
       margin: 4mm 30mm; }
.kpi span { display: block; }
.kpi-value { font-size: 18pt; font-weight: bold; color: #1b5e20; }
.flow table, .factors table { font-size: 7.5pt; table-layout: fixed; }
.flow td, .factors td { vertical-align: top; }
.verif td { word-break: break-all; }
.factors th:nth-child(1) { width: 28%; }
.factors th:nth-child(2) { width: 10%; }
.factors th:nth-child(3) { width: 12%; }
.factors th:nth-child(4) { width: 50%; }
"""


def write_report_pdf(s: FootprintStudy, out_path: Path | str, lang: Lang = "zh") -> Path:
    """Write the CFP study report as PDF (atomically) and return its path."""
    return write_pdf(build_report_html(s, lang), Path(out_path))


def report_sheets(s: FootprintStudy, lang: Lang = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's tables (numbers as numbers), keyed by sheet names in ``lang``."""
    i = 0 if lang == "zh" else 1
    return {
        SHEETS["flow"][i]: flow_frame(s, lang),
        SHEETS["allocation"][i]: allocation_frame(s, lang),
        SHEETS["factors"][i]: factor_frame(s, lang),
        SHEETS["by_process"][i]: process_frame(s, lang),
        SHEETS["by_stage"][i]: stage_frame(s, lang),
        SHEETS["by_gas"][i]: gas_frame(s, lang),
        SHEETS["monte_carlo"][i]: monte_carlo_frame(s, lang),
        SHEETS["verification"][i]: verification_frame(s, lang),
    }


def write_report_workbook(s: FootprintStudy, out_path: Path | str, lang: Lang = "zh") -> Path:
    """Write the report's workbook (atomically) and return its path."""
    from ganpo.report.export import write_excel

    r = s.result
    notes = []
    if s.system.synthetic:
        notes.append(t("synthetic", lang))
    notes += [
        t("standard", lang),
        t(
            "result_text",
            lang,
            total=_num(r.total_kg),
            fu=_fu(s, lang),
            gwp=s.system.gwp,
            bio=_num(r.biogenic_co2_kg),
            incl=_num(r.including_biogenic_kg),
        ),
        *_limitations(s, lang),
    ]
    return write_excel(
        report_sheets(s, lang),
        Path(out_path),
        title=t("title", lang, product=_product(s, lang)),
        notes=notes,
        about_sheet=t("about", lang),
    )


# ----------------------------------------------------------------------------- label

LABEL_CSS = """
@page { size: A4; margin: 14mm 18mm; }
body { font-family: "Noto Sans CJK SC", "DejaVu Sans", sans-serif; font-size: 9pt;
       line-height: 1.35; color: #222; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 3mm 0; }
.warn { color: #b71c1c; font-weight: bold; border: 2px solid #b71c1c; padding: 2mm;
        margin: 2mm 0 4mm 0; }
.figure { border: 2px solid #2e7d32; background: #f1f8e9; text-align: center; padding: 3mm;
          margin: 2mm 0 3mm 0; }
.figure .value { font-size: 26pt; font-weight: bold; color: #1b5e20; display: block; }
.figure .unit { font-size: 11pt; display: block; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm 0; table-layout: fixed; }
th { text-align: left; width: 38%; font-weight: normal; color: #444; vertical-align: top;
     padding: 1mm 2mm; border-bottom: 0.5px solid #ddd; }
td { padding: 1mm 2mm; border-bottom: 0.5px solid #ddd; word-break: break-all; }
h2 { font-size: 11pt; border-bottom: 1.5px solid #2e7d32; margin: 4mm 0 1mm 0; }
.blank { height: 8mm; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
"""


def build_label_html(s: FootprintStudy) -> str:
    """The one-page carbon label (碳标识), in Chinese and English side by side."""
    r, sysm = s.result, s.system
    esc = html.escape
    fu = sysm.functional_unit
    unit = f"kg CO₂e / {fu.amount:g} {fu.unit}"

    def row(zh: str, en: str, value: str, cls: str = "") -> str:
        td = f"<td class='{cls}'>" if cls else "<td>"
        return f"<tr><th>{esc(zh)} {esc(en)}</th>{td}{value}</td></tr>"

    bz, be = TEXT[sysm.boundary]
    rows = [
        row("产品", "Product", esc(f"{sysm.product_name_zh} / {sysm.product_name_en}")),
        row("声明单位", "Declared unit", esc(f"{fu.amount:g} {fu.unit}")),
        row("系统边界", "System boundary", esc(f"{bz} / {be}")),
        row(
            "依据标准",
            "Standard",
            "ISO 14067:2018; GB/T 24067-2024",
        ),
        row("全球增温潜势", "GWP", esc(f"{sysm.gwp}, 100 a")),
        row("基准年", "Reference year", str(sysm.reference_year)),
        row(
            "生物源 CO₂（单独报告，不计入）",
            "Biogenic CO₂ (apart, not counted)",
            esc(f"{_num(r.biogenic_co2_kg)} kg"),
        ),
    ]
    if r.monte_carlo:
        mc = r.monte_carlo
        rows.append(
            row(
                "蒙特卡罗 95% 区间",
                "Monte Carlo 95 % interval",
                esc(
                    f"{_num(mc['p2_5_kg'])} – {_num(mc['p97_5_kg'])} {unit} "
                    f"({int(mc['draws'])} draws, seed {int(mc['seed'])})"
                ),
            )
        )
    version = sysm.version or "未注明 not stated"
    verify = [
        row("研究文件", "Study file", esc(s.path.name)),
        row("SHA-256 摘要", "SHA-256 digest", f"<code>{esc(s.digest)}</code>"),
        row("清单版本", "Inventory version", esc(version)),
        row("ganpo 版本", "ganpo version", esc(str(ganpo.__version__))),
        row("计算日期", "Date computed", esc(s.computed.strftime("%Y-%m-%d %H:%M UTC"))),
        row("核查机构", "Verifier", "", "blank"),
        row("核查日期", "Date verified", "", "blank"),
        row("核查人签字", "Signature", "", "blank"),
    ]
    recompute = (
        f"<p>复算 Recompute: <code>sha256sum {esc(s.path.name)}</code> → the digest above; "
        f"<code>{esc(s.command())}</code> → {esc(_num(r.total_kg))} {esc(unit)}</p>"
    )
    parts = [
        "<html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<meta name='generator' content='ganpo {esc(str(ganpo.__version__))}'>",
        f"<style>{LABEL_CSS}</style></head><body>",
        "<h1>产品碳足迹标识<br>Product carbon footprint label</h1>",
    ]
    if sysm.synthetic:
        parts.append(
            "<p class='warn'>合成数据：示范用合成清单，不得作为碳标识使用。<br>SYNTHETIC: "
            "a demonstration inventory; not to be used as a carbon label.</p>"
        )
    parts += [
        "<div class='figure'><span>产品碳足迹 Carbon footprint</span>"
        f"<span class='value'>{esc(_num(r.total_kg))}</span>"
        f"<span class='unit'>{esc(unit)}</span></div>",
        f"<table>{''.join(rows)}</table>",
        "<h2>核查数据 Verification data</h2>",
        "<p>核查机构、日期与签字由核查人员填写；ganpo 不填写核查机构。 The verifier's fields are "
        "for the verifier to fill in; ganpo names no verifier.</p>",
        f"<table>{''.join(verify)}</table>",
        recompute,
        "</body></html>",
    ]
    return "".join(parts)


def write_label_pdf(s: FootprintStudy, out_path: Path | str) -> Path:
    """Write the carbon label as a one-page PDF (atomically) and return its path."""
    return write_pdf(build_label_html(s), Path(out_path))
