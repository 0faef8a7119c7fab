// Target progress (目标进展): the decision's targets in the caller's scope, grouped by
// pillar and clause, each with its baseline, actual value, target and status (coloured as
// the dual-control page's states), the observed series of one indicator as a trend chart,
// and the numbered sources. Every figure comes from /api/tracking/status. The alerts, the
// map of the units' statuses and the yearly report are in tracking-extra.js.
import { get, query } from "../api.js";
import { FONT, makeChart } from "../charts.js";
import { add, h, message, table } from "../dom.js";
import { fmt } from "../format.js";
import { t } from "../i18n.js";
import { GREENS, TRACKING_COLORS } from "../palette.js";
import { pick } from "./carbon.js";
import { alertsCard, mapCard, reportCard } from "./tracking-extra.js";

const METHODS = ["required_growth", "linear"];

// digits as a statistics table writes the unit: 亿元 and 万吨 whole, a ratio to 2 decimals
// more, shares to 2
function digits(row) {
  if (["亿元", "万吨"].includes(row.measure_zh)) return 0;
  return row.measure_zh === "倍" || row.measure_zh.includes("/") ? 4 : 2;
}

// "[3]": the number of a source in the list below the tables (scrolls there, not a route)
function sourceRef(n) {
  return h(
    "a",
    {
      href: "#",
      class: "source-ref",
      "data-source": n,
      onclick: (e) => {
        e.preventDefault();
        const item = document.getElementById(`tracking-source-${n}`);
        if (item) item.scrollIntoView({ block: "center" });
      },
    },
    `[${n}]`,
  );
}

// the years a target may be assessed in: those observed after the earliest baseline
function observedYears(data) {
  const base = Math.min(...data.rows.map((r) => r.base_year));
  const years = new Set(
    data.series.flatMap((s) => s.points.map((p) => p.year)),
  );
  return [...years].filter((y) => y > base).sort((a, b) => a - b);
}

export async function render(root, ctx) {
  const { params, navigate, me } = ctx;
  const method = METHODS.includes(params.get("method"))
    ? params.get("method")
    : METHODS[0];
  const year = /^\d{4}$/.test(params.get("year") || "")
    ? params.get("year")
    : "";
  const data = await get(`/api/tracking/status${query({ method, year })}`);
  const go = (change) =>
    navigate("tracking", {
      method,
      year,
      series: params.get("series") || "",
      ...change,
    });
  const methodSelect = h(
    "select",
    { id: "tracking-method", onchange: (e) => go({ method: e.target.value }) },
    METHODS.map((m) =>
      h(
        "option",
        { value: m, selected: m === method },
        t(`tracking.method.${m}`),
      ),
    ),
  );
  const yearInput = h(
    "select",
    { id: "tracking-year", onchange: (e) => go({ year: e.target.value }) },
    h("option", { value: "" }, t("tracking.latest")),
    observedYears(data).map((y) =>
      h("option", { value: y, selected: String(y) === year }, String(y)),
    ),
  );
  add(
    root,
    h("h1", {}, t("tracking.title")),
    h(
      "p",
      { class: "hint", id: "tracking-note" },
      `${pick(data, "title")} · ${data.version} · ${pick(data, "method")}`,
    ),
    h(
      "div",
      { class: "toolbar" },
      h("label", {}, t("tracking.method"), methodSelect),
      h("label", {}, t("tracking.year"), yearInput),
    ),
    h(
      "p",
      { class: "hint" },
      t("tracking.thresholds", { on: data.on_track, risk: data.at_risk }),
    ),
  );
  root.appendChild(await alertsCard(me, () => go({})));
  if (!data.rows.length) {
    root.appendChild(message("info", t("tracking.none")));
    return null;
  }
  if (data.rows.some((r) => r.synthetic))
    root.appendChild(
      h(
        "div",
        { class: "msg msg-info", id: "tracking-synthetic", role: "status" },
        t("tracking.synthetic"),
      ),
    );
  const columns = [
    {
      key: "indicator",
      label: t("tracking.indicator"),
      render: (r) => pick(r, "indicator"),
    },
    {
      key: "unit",
      label: t("tracking.unit"),
      render: (r) => pick(r, "unit_name"),
    },
    { key: "year", label: t("tracking.year.col") },
    {
      key: "baseline",
      label: t("tracking.baseline"),
      num: true,
      render: (r) => `${fmt(r.baseline, null, digits(r))} (${r.base_year})`,
    },
    {
      key: "actual",
      label: t("tracking.actual"),
      num: true,
      render: (r) =>
        h(
          "span",
          {},
          fmt(r.actual, null, digits(r)),
          r.synthetic
            ? h("span", { class: "tag" }, ` ${t("tracking.syntheticTag")}`)
            : null,
        ),
    },
    {
      key: "target_value",
      label: t("tracking.target"),
      num: true,
      render: (r) => [
        `${r.kind === "floor" ? "≥" : "≤"} ${fmt(r.target_value, null, digits(r))} (${r.last_year}) `,
        sourceRef(r.target_source),
      ],
    },
    {
      key: "measure",
      label: t("tracking.measure"),
      render: (r) => pick(r, "measure"),
    },
    {
      key: "ratio",
      label: t("tracking.ratio"),
      num: true,
      render: (r) => (r.ratio === null ? "—" : fmt(r.ratio, null, 2)),
    },
    {
      key: "status",
      label: t("tracking.status"),
      render: (r) =>
        h(
          "span",
          {
            class: "state",
            "data-status": r.status,
            title: pick(r, "reason"),
            style: `color: ${TRACKING_COLORS[r.status] || "inherit"}`,
          },
          pick(r, "status"),
        ),
    },
    {
      key: "source",
      label: t("tracking.source"),
      render: (r) => sourceRef(r.source),
    },
  ];
  // pillars in the decision's order, then their clauses, each clause's rows together
  const pillars = [];
  for (const r of data.rows) {
    const pk = r.pillar || "";
    let p = pillars.find((x) => x.key === pk);
    if (!p) {
      p = { key: pk, row: r, clauses: [] };
      pillars.push(p);
    }
    let c = p.clauses.find((x) => x.key === (r.clause || ""));
    if (!c) {
      c = { key: r.clause || "", row: r, rows: [] };
      p.clauses.push(c);
    }
    c.rows.push(r);
  }
  add(
    root,
    pillars.map((p) =>
      h(
        "div",
        { class: "card tracking-pillar", "data-pillar": p.key },
        h(
          "h2",
          {},
          p.key ? pick(p.row, "pillar") : t("tracking.otherIndicators"),
        ),
        p.clauses.map((c) => [
          c.key ? h("h3", {}, pick(c.row, "clause")) : null,
          table(columns, c.rows, {
            class: "grid tracking-table",
            "data-clause": c.key,
          }),
        ]),
      ),
    ),
  );
  // the trend of one indicator's observed series, its target as a dashed line
  const series =
    data.series.find(
      (s) => `${s.indicator}:${s.unit_code}` === params.get("series"),
    ) || data.series[0];
  const seriesSelect = h(
    "select",
    { id: "tracking-series", onchange: (e) => go({ series: e.target.value }) },
    data.series.map((s) =>
      h(
        "option",
        {
          value: `${s.indicator}:${s.unit_code}`,
          selected: s === series,
        },
        `${pick(s, "indicator")} · ${pick(s, "unit_name")}`,
      ),
    ),
  );
  const chart = await makeChart("trend", { id: "tracking-trend" });
  const map = await mapCard(data, series.indicator);
  const report = await reportCard(me, observedYears(data), () => go({}));
  add(
    root,
    map.card,
    h(
      "div",
      { class: "card" },
      h("h2", {}, t("tracking.trend")),
      h(
        "div",
        { class: "toolbar" },
        h("label", {}, t("tracking.series"), seriesSelect),
      ),
      chart.el,
    ),
    report,
    h(
      "div",
      { class: "card", id: "tracking-sources" },
      h("h2", {}, t("tracking.sources")),
      h(
        "ol",
        {},
        data.sources.map((s, i) =>
          h("li", { id: `tracking-source-${i + 1}` }, s),
        ),
      ),
      pick(data, "without_data").length
        ? h(
            "p",
            { class: "hint" },
            t("tracking.withoutData") + pick(data, "without_data").join("；"),
          )
        : null,
    ),
  );
  map.draw();
  const c = chart.init();
  const measure = pick(series, "measure");
  c.setOption({
    animation: false,
    textStyle: { fontFamily: FONT },
    grid: { left: 70, right: 40, top: 30, bottom: 30 },
    tooltip: { trigger: "axis" },
    xAxis: {
      type: "category",
      data: series.points.map((p) => String(p.year)),
    },
    yAxis: { type: "value", name: measure, scale: true },
    series: [
      {
        type: "line",
        name: pick(series, "indicator"),
        color: GREENS[4],
        data: series.points.map((p) => ({
          value: p.value,
          // a synthetic value is drawn hollow
          symbol: p.synthetic ? "emptyCircle" : "circle",
          symbolSize: p.synthetic ? 7 : 9,
        })),
        markLine:
          series.target_value === null
            ? undefined
            : {
                symbol: "none",
                lineStyle: { type: "dashed", color: TRACKING_COLORS.off_track },
                label: {
                  formatter: `${t("tracking.targetLine")} ${series.last_year}: ${fmt(
                    series.target_value,
                    null,
                    digits(series),
                  )}`,
                },
                data: [{ yAxis: series.target_value }],
              },
      },
    ],
  });
  return () => {
    chart.dispose();
    map.dispose();
  };
}
