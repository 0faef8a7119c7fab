// Carbon: the stored greenhouse-gas inventories in the caller's scope — by category (table
// with totals and a bar chart), by unit (table and map), the dual-control progress with its
// warnings (carbon-progress.js) and the land-use sinks (3.B) by unit. Every figure comes
// from /api/carbon/… in 万t CO2e; names in the page's language.
import { get, query } from "../api.js";
import { FONT, makeChart } from "../charts.js";
import { add, clear, h, message, table } from "../dom.js";
import { fmt, withUnit } from "../format.js";
import { lang, t } from "../i18n.js";
import { CARBON_COLORS } from "../palette.js";
import { renderProgress } from "./carbon-progress.js";

const TABS = ["categories", "units", "progress", "sinks"];

// the page's language's half of a {…_zh, …_en} pair
export const pick = (row, key) =>
  (lang() === "en" ? row[`${key}_en`] : row[`${key}_zh`]) ||
  row[`${key}_zh`] ||
  "";

// "万吨二氧化碳当量" / "10⁴ t CO₂e" as a format.js unit
export const tonnes = (body) => ({ factor: 1, label: pick(body, "unit") });

// the level of the caller's own region (a viewer's or an auditor's scope), or the province
function homeLevel(me) {
  const code = Number(me.region_adcode);
  if (!code || !["viewer", "auditor"].includes(me.role)) return "province";
  if (code % 10000 === 0) return "province";
  return code % 100 === 0 ? "city" : "county";
}

export async function render(root, ctx) {
  const { me, params, navigate } = ctx;
  const list = await get("/api/carbon/inventories");
  add(root, h("h1", {}, t("carbon.title")));
  if (!list.length) {
    root.appendChild(message("info", t("carbon.none")));
    return;
  }
  const tab = TABS.includes(params.get("tab")) ? params.get("tab") : TABS[0];
  const chosen =
    list.find((r) => String(r.id) === params.get("inventory")) || list[0];
  const level =
    params.get("level") && chosen.levels.includes(params.get("level"))
      ? params.get("level")
      : chosen.levels.includes(homeLevel(me))
        ? homeLevel(me)
        : chosen.levels[0];
  const go = (change) =>
    navigate("carbon", {
      tab,
      inventory: chosen.id,
      level,
      ...change,
    });

  const inventorySelect = h(
    "select",
    {
      id: "carbon-inventory",
      onchange: (e) => go({ inventory: e.target.value }),
    },
    list.map((r) =>
      h(
        "option",
        { value: r.id, selected: r.id === chosen.id },
        `${r.year} · ${pick(r, "region")} · GWP ${r.gwp_set} · ${pick(r, "status")}`,
      ),
    ),
  );
  const levels = tab === "progress" ? ["city", "county"] : chosen.levels;
  const shownLevel = levels.includes(level) ? level : levels[0];
  const levelSelect = h(
    "select",
    { id: "carbon-level", onchange: (e) => go({ level: e.target.value }) },
    levels.map((lv) =>
      h("option", { value: lv, selected: lv === shownLevel }, t(`level.${lv}`)),
    ),
  );
  const tabs = h(
    "nav",
    { class: "tabs", id: "carbon-tabs" },
    TABS.map((id) =>
      h(
        "a",
        {
          href: `#/carbon${query({ tab: id, inventory: chosen.id, level })}`,
          class: id === tab ? "active" : "",
          "data-tab": id,
        },
        t(`carbon.tab.${id}`),
      ),
    ),
  );
  add(
    root,
    tabs,
    h(
      "div",
      { class: "toolbar" },
      tab === "progress"
        ? null
        : h("label", {}, t("carbon.inventory"), inventorySelect),
      h("label", {}, t("carbon.level"), levelSelect),
    ),
    chosen.synthetic
      ? h(
          "div",
          { class: "msg msg-info", id: "carbon-synthetic", role: "status" },
          t("carbon.synthetic"),
        )
      : null,
  );
  const body = h("div", { id: `carbon-${tab}`, "data-tab": tab });
  root.appendChild(body);
  if (tab === "categories")
    return renderCategories(body, chosen, shownLevel, params, go);
  if (tab === "units") return renderUnits(body, chosen, shownLevel);
  if (tab === "sinks") return renderSinks(body, chosen, shownLevel);
  return renderProgress(body, shownLevel);
}

// ---- by category: one unit's categories and totals, a bar chart
async function renderCategories(body, inv, level, params, go) {
  const data = await get(
    `/api/carbon/inventories/${inv.id}/summary${query({ level })}`,
  );
  if (!data.units.length) {
    body.appendChild(message("info", t("carbon.noUnits")));
    return null;
  }
  const unit =
    data.units.find((u) => String(u.adcode) === params.get("unit")) ||
    data.units[0];
  const unitSelect = h(
    "select",
    { id: "carbon-unit", onchange: (e) => go({ unit: e.target.value }) },
    data.units.map((u) =>
      h(
        "option",
        { value: u.adcode, selected: u.adcode === unit.adcode },
        pick(u, "name"),
      ),
    ),
  );
  const wan = tonnes(data);
  const rows = [...unit.categories].sort((a, b) => b.co2e_10k_t - a.co2e_10k_t);
  const columns = [
    {
      key: "category_code",
      label: t("carbon.code"),
      // IPCC codes (1.A.1.a …); a memo item of the catalogue has none to show
      render: (r) => (/^\d/.test(r.category_code) ? r.category_code : "—"),
    },
    {
      key: "name",
      label: t("carbon.category"),
      render: (r) => pick(r, "name"),
    },
    {
      key: "co2e_10k_t",
      label: withUnit(t("carbon.emissions"), wan),
      num: true,
      render: (r) => fmt(r.co2e_10k_t, wan),
    },
    {
      key: "u_pct",
      label: t("carbon.uncertainty"),
      num: true,
      render: (r) => (r.u_pct === null ? "—" : `±${fmt(r.u_pct, null, 1)} %`),
    },
  ];
  const totals = table(columns.slice(1), unit.totals, {
    id: "carbon-totals",
  });
  const chart = await makeChart("bars", { id: "carbon-bars" });
  add(
    body,
    h(
      "div",
      { class: "toolbar" },
      h("label", {}, t("carbon.unit"), unitSelect),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", {}, `${pick(unit, "name")} · ${inv.year}`),
      table(columns, rows, { id: "carbon-categories-table" }),
      h("h3", {}, t("carbon.totals")),
      totals,
    ),
    h("div", { class: "card" }, h("h2", {}, t("carbon.chart")), chart.el),
  );
  const c = chart.init();
  const shown = [...rows].reverse();
  c.setOption({
    animation: false,
    textStyle: { fontFamily: FONT },
    grid: { left: 260, right: 40, top: 10, bottom: 30 },
    tooltip: { trigger: "item" },
    xAxis: { type: "value", name: wan.label },
    yAxis: {
      type: "category",
      data: shown.map((r) => pick(r, "name")),
      axisLabel: { width: 240, overflow: "truncate" },
    },
    series: [
      {
        type: "bar",
        data: shown.map((r) => ({
          value: r.co2e_10k_t,
          itemStyle: {
            color:
              r.co2e_10k_t < 0 ? CARBON_COLORS.removal : CARBON_COLORS.emission,
          },
        })),
      },
    ],
  });
  return () => chart.dispose();
}

const total = (unit, key) => {
  const row = unit.totals.find((x) => x.category_code === key);
  return row ? row : { co2e_10k_t: null, u_pct: null };
};

// ---- by unit: totals per unit in a table, production-based totals on the map
async function renderUnits(body, inv, level) {
  const data = await get(
    `/api/carbon/inventories/${inv.id}/summary${query({ level })}`,
  );
  const wan = tonnes(data);
  const rows = [...data.units].sort(
    (a, b) =>
      total(b, "total_production").co2e_10k_t -
      total(a, "total_production").co2e_10k_t,
  );
  const keys = rows.length ? rows[0].totals : [];
  const columns = [
    { key: "name", label: t("carbon.unit"), render: (r) => pick(r, "name") },
    ...keys.map((k) => ({
      key: k.category_code,
      label: withUnit(pick(k, "name") || t("carbon.emissions"), wan),
      num: true,
      render: (r) => fmt(total(r, k.category_code).co2e_10k_t, wan),
    })),
    {
      key: "u_pct",
      label: t("carbon.uncertainty"),
      num: true,
      render: (r) => {
        const u = total(r, "total_production").u_pct;
        return u === null ? "—" : `±${fmt(u, null, 1)} %`;
      },
    },
  ];
  // a map where there are units to colour (not the province alone, not an empty scope)
  const mapChart =
    level === "province" || !rows.length ? null : await makeChart("map");
  add(
    body,
    mapChart
      ? h(
          "div",
          { class: "card map-card" },
          h("h2", {}, t("carbon.mapTitle")),
          mapChart.el,
        )
      : null,
    h(
      "div",
      { class: "card" },
      table(columns, rows, { id: "carbon-units-table" }),
    ),
  );
  if (!mapChart) return null;
  const fc = await get(`/api/regions/geojson${query({ level })}`);
  const values = new Map(
    rows.map((r) => [r.adcode, total(r, "total_production").co2e_10k_t]),
  );
  const names = new Map(rows.map((r) => [r.adcode, pick(r, "name")]));
  const features = fc.features.filter((f) =>
    values.has(Number(f.properties.adcode)),
  );
  const name = `ganpo-carbon-${level}`;
  mapChart.echarts.registerMap(name, {
    type: "FeatureCollection",
    features: features.map((f) => ({
      ...f,
      properties: { ...f.properties, key: String(f.properties.adcode) },
    })),
  });
  const finite = [...values.values()].filter((v) => Number.isFinite(v));
  const max = finite.length ? Math.max(...finite) : 1;
  const c = mapChart.init();
  c.setOption({
    textStyle: { fontFamily: FONT },
    tooltip: {
      trigger: "item",
      formatter: (p) =>
        `${names.get(Number(p.name)) || p.name}<br/>${fmt(p.value, wan)} ${wan.label}`,
    },
    visualMap: {
      min: 0,
      max: max > 0 ? max : 1,
      calculable: true,
      left: 10,
      bottom: 10,
      text: [t("map.high"), `${t("map.low")} · ${wan.label}`],
      inRange: { color: CARBON_COLORS.ramp },
    },
    series: [
      {
        type: "map",
        map: name,
        nameProperty: "key",
        roam: true,
        itemStyle: { borderColor: "#555", borderWidth: 0.6 },
        label: {
          show: features.length <= 24,
          fontSize: 11,
          formatter: (p) => names.get(Number(p.name)) || p.name,
        },
        data: [...values].map(([code, v]) => ({
          name: String(code),
          value: v,
        })),
      },
    ],
  });
  return () => mapChart.dispose();
}

// ---- sinks: the 3.B rows per unit (negative: removal)
async function renderSinks(body, inv, level) {
  const data = await get(
    `/api/carbon/inventories/${inv.id}/sinks${query({ level })}`,
  );
  const wan = tonnes(data);
  const cats = data.categories;
  const columns = [
    { key: "name", label: t("carbon.unit"), render: (r) => pick(r, "name") },
    ...cats.map((c) => ({
      key: c.category_code,
      label: withUnit(`${c.category_code} ${pick(c, "name")}`, wan),
      num: true,
      render: (r) => {
        const hit = r.categories.find(
          (x) => x.category_code === c.category_code,
        );
        return hit ? fmt(hit.co2e_10k_t, wan) : "—";
      },
    })),
    {
      key: "total_10k_t",
      label: withUnit(t("carbon.sinkTotal"), wan),
      num: true,
      render: (r) => fmt(r.total_10k_t, wan),
    },
  ];
  add(
    body,
    h("p", { class: "hint", id: "carbon-sinks-note" }, pick(data, "note")),
    h(
      "div",
      { class: "card" },
      table(
        columns,
        [...data.units].sort((a, b) => a.total_10k_t - b.total_10k_t),
        { id: "carbon-sinks-table" },
      ),
    ),
  );
  return null;
}
