// Map and dashboard: administrative units coloured by GEP, GEP per km², a category or one
// service; drill-down province → city → county → township (when the base dataset gives
// units below the counties); composition, trend and ranking charts.
import { ApiError, get, query } from "../api.js";
import { FONT, makeChart } from "../charts.js";
import { add, clear, h, message, number } from "../dom.js";
import { fmt, moneyUnit, perKm2, withUnit } from "../format.js";
import {
  CATEGORY_COLORS,
  HIGHLIGHT,
  indicatorColor,
  metricColor,
  metricRamp,
} from "../palette.js";
import { lang, t } from "../i18n.js";

// levels below the counties a dataset may give (ganpo.io.roles.UNIT_LEVELS)
const FINER = ["township", "village", "unit"];

const BASE_METRICS = [
  "gep_cny",
  "gep_per_km2",
  "material_cny",
  "regulating_cny",
  "cultural_cny",
];

export async function render(root, ctx) {
  const { me, params } = ctx;
  const disposers = [];

  // ---- data that does not change while the page is open
  const [accounts, regions] = await Promise.all([
    get("/api/accounts"),
    get("/api/regions"),
  ]);
  const regionByCode = new Map(regions.map((r) => [Number(r.adcode), r]));
  // the level of the units below the counties, if the platform's dataset has them
  const finer =
    (regions.find((r) => FINER.includes(r.level)) || {}).level || null;
  const hasFiner = (county) =>
    finer !== null &&
    regions.some(
      (r) => r.level === finer && Number(r.parent) === Number(county),
    );
  const regionName = (code, fallback) => {
    const r = regionByCode.get(Number(code));
    if (!r) return fallback || String(code);
    return lang() === "en" && r.name_en
      ? r.name_en
      : r.name_zh || r.name || fallback;
  };
  // the page starts with the newest current account (published before draft); withdrawn
  // and superseded ones come last, marked
  const rank = (a) => (a.current ? 1 : 0);
  const sorted = [...accounts].sort(
    (a, b) =>
      rank(b) - rank(a) ||
      b.year - a.year ||
      (b.status === "published") - (a.status === "published") ||
      b.id - a.id,
  );
  const state = {
    account:
      Number(params.get("account")) || (sorted[0] && sorted[0].id) || null,
    metric: params.get("metric") || "gep_cny",
    ...startView(regions, me),
    selected: null,
    // one money unit for the view (from the GEP of the units shown), one for the measure
    // the map shows, one per km²; picked at each drawing, written in the headers
    viewUnit: moneyUnit([]),
    metricUnit: moneyUnit([]),
    km2Unit: perKm2(moneyUnit([])),
  };
  state.selected = state.rootCode;

  // ---- layout
  const accountSelect = h(
    "select",
    { id: "map-account", "aria-label": t("map.account") },
    sorted.map((a) =>
      h(
        "option",
        { value: a.id },
        `${a.year} · #${a.id} · ${a.profile || ""}` +
          (a.current
            ? ""
            : ` · ${t(`status.${a.status}`, { id: a.superseded_by })}`),
      ),
    ),
  );
  if (state.account) accountSelect.value = String(state.account);
  const metricSelect = h("select", {
    id: "map-metric",
    "aria-label": t("map.metric"),
  });
  const allCounties = h(
    "button",
    { type: "button", class: "secondary", id: "map-all-counties" },
    t("map.allCounties"),
  );
  const crumbs = h("nav", {
    class: "crumbs",
    id: "map-crumbs",
    "aria-label": t("map.path"),
  });
  const status = h("div", { class: "map-status" });
  const synthetic = h("div", { id: "synthetic-note" });
  const noteSynthetic = () => {
    const account = accounts.find((a) => a.id === state.account);
    add(
      clear(synthetic),
      account && account.synthetic ? message("info", t("map.synthetic")) : null,
    );
  };
  const info = h("div", { class: "unit-info card", id: "unit-info" });
  // a county viewer's ranking: its place among all counties, without the others
  const peer = h("div", { class: "peer-rank", id: "peer-rank", hidden: true });
  const rankTitle = h("h2", {}, t("map.ranking"));
  const [mapC, pieC, rankC, trendC] = await Promise.all([
    makeChart("map", { id: "gep-map" }),
    makeChart("pie", { id: "composition-chart" }),
    makeChart("rank", { id: "ranking-chart" }),
    makeChart("trend", { id: "trend-chart" }),
  ]);
  const charts = [mapC, pieC, rankC, trendC];
  const onResize = () => charts.forEach((c) => c.chart && c.chart.resize());
  window.addEventListener("resize", onResize);
  disposers.push(() => charts.forEach((c) => c.dispose()));
  const cleanup = () => {
    window.removeEventListener("resize", onResize);
    disposers.forEach((d) => d());
  };
  ctx.onCleanup(cleanup); // disposes the charts as soon as the user leaves, even mid-load
  if (!ctx.alive()) return null;

  add(
    root,
    h("h1", {}, t("map.title")),
    h(
      "div",
      { class: "toolbar" },
      h("label", {}, t("map.account"), accountSelect),
      h("label", {}, t("map.metric"), metricSelect),
      state.rootLevel === "city" ? allCounties : null,
      crumbs,
    ),
    status,
    synthetic,
    accounts.length === 0 ? message("info", t("map.noAccounts")) : null,
    h(
      "div",
      { class: "dashboard" },
      h("div", { class: "card map-card" }, mapC.el),
      h(
        "div",
        { class: "side" },
        info,
        h("div", { class: "card" }, h("h2", {}, t("map.composition")), pieC.el),
      ),
      h("div", { class: "card wide" }, rankTitle, peer, rankC.el),
      h("div", { class: "card wide" }, h("h2", {}, t("map.trend")), trendC.el),
    ),
  );
  charts.forEach((c) => c.init());

  // ---- caches
  const geoCache = new Map(); // level → FeatureCollection
  const summaryCache = new Map(); // `${account}:${level}` → Map(adcode → row)
  const indicatorCache = new Map(); // `${account}:${adcode}` → rows

  const geojson = async (level) => {
    if (!geoCache.has(level))
      geoCache.set(level, await get(`/api/regions/geojson${query({ level })}`));
    return geoCache.get(level);
  };
  const summary = async (level) => {
    if (!state.account) return new Map();
    const key = `${state.account}:${level}`;
    if (!summaryCache.has(key)) {
      const rows = await get(
        `/api/accounts/${state.account}/summary${query({ level })}`,
      );
      summaryCache.set(key, new Map(rows.map((r) => [Number(r.adcode), r])));
    }
    return summaryCache.get(key);
  };
  const indicators = async (adcode) => {
    if (!state.account) return [];
    const key = `${state.account}:${adcode}`;
    if (!indicatorCache.has(key)) {
      try {
        indicatorCache.set(
          key,
          await get(
            `/api/accounts/${state.account}/indicators${query({ adcode })}`,
          ),
        );
      } catch (err) {
        if (
          err instanceof ApiError &&
          (err.status === 404 || err.status === 403)
        )
          indicatorCache.set(key, []);
        else throw err;
      }
    }
    return indicatorCache.get(key);
  };
  // one service in every unit of a level, in one request
  const byUnitCache = new Map(); // `${account}:${level}:${indicator}` → Map(adcode → CNY)
  const indicatorValues = async (level, indicator) => {
    if (!state.account) return new Map();
    const key = `${state.account}:${level}:${indicator}`;
    if (!byUnitCache.has(key)) {
      const rows = await get(
        `/api/accounts/${state.account}/indicators/by-unit${query({ level, indicator })}`,
      );
      byUnitCache.set(
        key,
        new Map(rows.map((r) => [Number(r.adcode), Number(r.value_cny)])),
      );
    }
    return byUnitCache.get(key);
  };
  const rowOf = async (adcode) => {
    const level = levelOf(adcode);
    return level ? (await summary(level)).get(Number(adcode)) : undefined;
  };
  const levelOf = (adcode) => {
    const r = regionByCode.get(Number(adcode));
    return r ? r.level : null;
  };

  // ---- metric options: fixed ones and the services of the account
  async function fillMetrics() {
    clear(metricSelect);
    add(
      metricSelect,
      ...BASE_METRICS.map((m) => h("option", { value: m }, t(`metric.${m}`))),
    );
    const rows = await indicators(state.rootCode);
    if (rows.length) {
      const group = h("optgroup", { label: t("metric.service") });
      for (const r of rows)
        add(
          group,
          h("option", { value: `ind:${r.indicator}` }, indicatorName(r)),
        );
      add(metricSelect, group);
    }
    if (![...metricSelect.options].some((o) => o.value === state.metric))
      state.metric = "gep_cny";
    metricSelect.value = state.metric;
  }

  async function unitValues(units) {
    if (!state.metric.startsWith("ind:")) {
      const level = state.level;
      const rows = await summary(level);
      return units.map((code) => {
        const row = rows.get(code);
        return row ? Number(row[state.metric]) : null;
      });
    }
    const values = await indicatorValues(state.level, state.metric.slice(4));
    return units.map((code) => (values.has(code) ? values.get(code) : null));
  }

  function formatValue(value) {
    if (value === null || value === undefined || Number.isNaN(value))
      return t("common.noData");
    return fmt(value, state.metricUnit);
  }

  // the rank of a unit among all units of its level (computed by the server: a viewer
  // learns its place, not the others' values)
  const rankCache = new Map();
  async function rankOf(code) {
    if (!state.account) return null;
    const key = `${state.account}:${code}:${state.metric}`;
    if (!rankCache.has(key)) {
      try {
        rankCache.set(
          key,
          await get(
            `/api/accounts/${state.account}/rank${query({ adcode: code, metric: state.metric })}`,
          ),
        );
      } catch (err) {
        if (!(err instanceof ApiError && [404, 422].includes(err.status)))
          throw err;
        rankCache.set(key, null);
      }
    }
    return rankCache.get(key);
  }
  const rankText = (r) =>
    r && r.rank
      ? t("rank.of", { rank: r.rank, count: r.count })
      : t("rank.none");

  // ---- drawing
  async function drawMap() {
    const fc = await geojson(state.level);
    const features = fc.features.filter(
      (f) =>
        state.parent === null ||
        Number(f.properties.parent) === Number(state.parent),
    );
    const units = features.map((f) => Number(f.properties.adcode));
    const names = new Map(
      features.map((f) => [
        Number(f.properties.adcode),
        regionName(f.properties.adcode, f.properties.name),
      ]),
    );
    // the selected unit is drawn last, so that its outline lies over its neighbours'
    const selected = Number(state.selected);
    const ordered = [
      ...features.filter((f) => Number(f.properties.adcode) !== selected),
      ...features.filter((f) => Number(f.properties.adcode) === selected),
    ];
    const keyed = {
      type: "FeatureCollection",
      features: ordered.map((f) => ({
        ...f,
        properties: { ...f.properties, key: String(f.properties.adcode) },
      })),
    };
    if (!mapC.chart) return; // the page was left while loading
    const mapName = `ganpo-${state.level}-${state.parent ?? "all"}`;
    mapC.echarts.registerMap(mapName, keyed);
    const values = await unitValues(units);
    const rows = await summary(state.level);
    if (!mapC.chart) return;
    const shown = units.map((code) => rows.get(code)).filter(Boolean);
    state.viewUnit = moneyUnit(shown.map((r) => r.gep_cny));
    state.km2Unit = perKm2(moneyUnit(shown.map((r) => r.gep_per_km2)));
    state.metricUnit =
      state.metric === "gep_per_km2" ? state.km2Unit : moneyUnit(values);
    const finite = values.filter((v) => v !== null && Number.isFinite(v));
    let min = finite.length ? Math.min(...finite) : 0;
    const max = finite.length ? Math.max(...finite) : 1;
    if (max <= min) min = Math.min(0, max); // one unit (a county viewer): scale from zero
    mapC.chart.setOption(
      {
        textStyle: { fontFamily: FONT },
        tooltip: {
          trigger: "item",
          formatter: (p) =>
            `${names.get(Number(p.name)) || p.name}<br/>${withUnit(metricLabel(), state.metricUnit)}: ${formatValue(p.value)}`,
        },
        visualMap: {
          min,
          max: max > min ? max : min + 1,
          calculable: true,
          left: 10,
          bottom: 10,
          text: [t("map.high"), `${t("map.low")} · ${state.metricUnit.label}`],
          inRange: { color: metricRamp(state.metric) },
          formatter: (v) => formatValue(v),
        },
        series: [
          {
            type: "map",
            map: mapName,
            nameProperty: "key",
            roam: true,
            selectedMode: false,
            label: {
              show: units.length <= 24,
              fontSize: 11,
              color: "#1f2a1f",
              textBorderColor: "#fff",
              textBorderWidth: 2,
              formatter: (p) => names.get(Number(p.name)) || p.name,
            },
            emphasis: {
              label: { show: true },
              itemStyle: { areaColor: "#ffd54f" },
            },
            itemStyle: {
              borderColor: "#555",
              borderWidth: 0.6,
              areaColor: "#e0e0e0",
            },
            data: units.map((code, i) => ({
              name: String(code),
              value: values[i],
              ...(code === selected
                ? {
                    itemStyle: { borderColor: HIGHLIGHT, borderWidth: 3 },
                    emphasis: {
                      itemStyle: { borderColor: HIGHLIGHT, borderWidth: 3 },
                    },
                  }
                : {}),
            })),
          },
        ],
      },
      true,
    );
    Object.assign(mapC.el.dataset, {
      level: state.level,
      parent: state.parent === null ? "" : String(state.parent),
      metric: state.metric,
      units: units.join(","),
      selected: units.includes(selected) ? String(selected) : "",
      unit: state.metricUnit.label,
      ready: "1",
    });
    await drawRanking(units, names, values);
    const hint =
      state.level === "city"
        ? "map.clickCity"
        : state.level === "county"
          ? finer
            ? "map.clickCountyFiner"
            : "map.clickCounty"
          : "map.clickUnit";
    const click =
      units.length > 1 || (state.level === "county" && finer)
        ? ` · ${t(hint)}`
        : "";
    const note = FINER.includes(state.level) ? ` · ${t("map.finerNote")}` : "";
    status.textContent = `${t(`level.${state.level}`)} · ${units.length} ${t("map.units")} · ${withUnit(metricLabel(), state.metricUnit)}${click}${note}`;
  }

  async function drawRanking(units, names, values) {
    const colour = metricColor(state.metric);
    const selected = Number(state.selected);
    const rows = units
      .map((code, i) => ({ code, name: names.get(code), value: values[i] }))
      .filter((r) => r.value !== null && Number.isFinite(r.value))
      .sort((a, b) => a.value - b.value)
      .slice(-25);
    rankTitle.textContent = withUnit(
      `${t("map.ranking")} · ${metricLabel()}`,
      state.metricUnit,
    );
    // one unit on the map (a county viewer): its place among all units of its level,
    // rank and count only, instead of a chart of one bar
    const alone = units.length <= 1;
    peer.hidden = !alone;
    rankC.el.hidden = alone;
    if (alone) {
      const code = units[0] ?? selected;
      const r = await rankOf(code);
      const level = r ? r.level : state.level;
      const share =
        r && r.rank && r.count > 1 ? (r.rank - 1) / (r.count - 1) : 0;
      rankTitle.textContent = `${t("rank.title")} · ${metricLabel()}`;
      add(
        clear(peer),
        h("p", { class: "peer-rank-text", id: "peer-rank-text" }, rankText(r)),
        h(
          "div",
          { class: "peer-gauge", "aria-hidden": "true" },
          h("span", {
            class: "peer-marker",
            style: `left: ${(100 * (1 - share)).toFixed(1)}%; background: ${HIGHLIGHT}`,
          }),
        ),
        h(
          "p",
          { class: "hint" },
          r
            ? t("rank.among", {
                count: r.count,
                level: t(`level.${level}`),
                metric: metricLabel(),
              })
            : t("common.noData"),
        ),
        h("p", { class: "hint small" }, t("rank.hidden")),
      );
      Object.assign(peer.dataset, {
        rank: r && r.rank ? String(r.rank) : "",
        count: r ? String(r.count) : "",
      });
      return;
    }
    rankC.el.style.height = `${Math.max(160, rows.length * 22 + 60)}px`;
    rankC.chart.resize();
    rankC.chart.setOption(
      {
        textStyle: { fontFamily: FONT },
        grid: { left: 110, right: 40, top: 10, bottom: 30 },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          valueFormatter: formatValue,
        },
        xAxis: {
          type: "value",
          axisLabel: { formatter: (v) => fmt(v, state.metricUnit, 0) },
        },
        yAxis: { type: "category", data: rows.map((r) => r.name) },
        series: [
          {
            type: "bar",
            data: rows.map((r) => ({
              value: r.value,
              itemStyle: { color: r.code === selected ? HIGHLIGHT : colour },
            })),
          },
        ],
      },
      true,
    );
    Object.assign(rankC.el.dataset, {
      colour,
      selected: rows.some((r) => r.code === selected) ? String(selected) : "",
    });
  }

  async function drawSelected() {
    const code = state.selected;
    const row = await rowOf(code);
    const unit = state.viewUnit;
    const rank =
      row && levelOf(code) !== "province" ? await rankOf(code) : null;
    add(
      clear(info),
      h("h2", { id: "unit-name" }, regionName(code, row && row.name)),
      row
        ? h(
            "dl",
            { class: "kv" },
            h("dt", {}, withUnit(t("metric.gep_cny"), unit)),
            h("dd", { id: "unit-gep" }, fmt(row.gep_cny, unit)),
            h("dt", {}, withUnit(t("metric.gep_per_km2"), state.km2Unit)),
            h("dd", {}, fmt(row.gep_per_km2, state.km2Unit)),
            h("dt", {}, withUnit(t("map.area"), { label: "km²" })),
            h("dd", {}, number(row.area_km2, 0)),
            ["material_cny", "regulating_cny", "cultural_cny"].map((m) => [
              h("dt", {}, withUnit(t(`metric.${m}`), unit)),
              h("dd", {}, fmt(row[m], unit)),
            ]),
            rank
              ? [
                  h("dt", {}, `${t("map.rank")} · ${metricLabel()}`),
                  h(
                    "dd",
                    {
                      id: "unit-rank",
                      "data-rank": rank.rank ?? "",
                      "data-count": rank.count,
                    },
                    rankText(rank),
                  ),
                ]
              : null,
          )
        : h(
            "p",
            { class: "hint" },
            state.account ? t("common.noData") : t("map.noAccounts"),
          ),
    );
    await drawPhysical(code, Boolean(row));
    const rows = await indicators(code);
    if (!pieC.chart) return;
    const positive = rows.filter((r) => Number(r.value_cny) > 0);
    const byCategory = new Map();
    for (const r of positive)
      byCategory.set(
        r.category,
        (byCategory.get(r.category) || 0) + Number(r.value_cny),
      );
    pieC.chart.setOption(
      {
        textStyle: { fontFamily: FONT },
        tooltip: {
          trigger: "item",
          valueFormatter: (v) => `${fmt(v, unit)} ${unit.label}`,
        },
        series: [
          {
            type: "pie",
            name: t("map.categories"),
            radius: [0, "30%"],
            label: { position: "inner", fontSize: 11 },
            data: [...byCategory].map(([category, value]) => ({
              name: t(`category.${category}`, {}, category),
              value,
              itemStyle: { color: CATEGORY_COLORS[category] || "#9e9e9e" },
            })),
          },
          {
            type: "pie",
            name: t("map.services"),
            radius: ["40%", "62%"],
            label: { fontSize: 10, formatter: "{b}" },
            data: positive.map((r) => ({
              name: indicatorName(r),
              value: Number(r.value_cny),
              itemStyle: { color: indicatorColor(r.indicator) },
            })),
          },
        ],
      },
      true,
    );
    pieC.el.dataset.slices = String(positive.length);
    pieC.el.dataset.indicators = positive.map((r) => r.indicator).join(",");
    let trend = [];
    try {
      trend = await get(`/api/trend${query({ adcode: code })}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    if (!trendC.chart) return;
    trend.sort((a, b) => a.year - b.year);
    const trendUnit = unit; // the view's unit, as in the card and the composition
    trendC.chart.setOption(
      {
        textStyle: { fontFamily: FONT },
        tooltip: {
          trigger: "axis",
          valueFormatter: (v) => `${fmt(v, trendUnit)} ${trendUnit.label}`,
        },
        legend: { bottom: 0 },
        grid: { left: 80, right: 20, top: 30, bottom: 50 },
        xAxis: { type: "category", data: trend.map((r) => String(r.year)) },
        yAxis: {
          type: "value",
          name: trendUnit.label,
          axisLabel: { formatter: (v) => fmt(v, trendUnit, 0) },
        },
        series: [
          {
            type: "line",
            name: t("trend.current"),
            data: trend.map((r) => r.gep_cny),
            itemStyle: { color: "#2e7d32" },
          },
          {
            type: "line",
            name: t("trend.constant"),
            data: trend.map((r) => r.gep_constant_cny),
            itemStyle: { color: "#1565c0" },
            lineStyle: { type: "dashed" },
          },
        ],
      },
      true,
    );
    trendC.el.dataset.points = String(trend.length);
  }

  // quantities the profile reports beside the GEP (e.g. sediment export): never valued
  async function drawPhysical(code, shown) {
    if (!state.account || !shown) return;
    let rows = [];
    try {
      rows = await get(
        `/api/accounts/${state.account}/physical${query({ adcode: code })}`,
      );
    } catch (err) {
      if (!(
        err instanceof ApiError &&
        (err.status === 404 || err.status === 403)
      ))
        throw err;
    }
    if (!rows.length || state.selected !== code) return;
    add(
      info,
      h("h3", {}, t("map.physical")),
      h(
        "dl",
        { class: "kv", id: "unit-physical" },
        rows.map((r) => [
          h("dt", {}, indicatorName(r)),
          h("dd", {}, `${number(r.quantity, 0)} ${r.unit}`),
        ]),
      ),
    );
  }

  function drawCrumbs() {
    clear(crumbs);
    const path = [];
    if (state.rootLevel === "city") {
      path.push({
        label: regionName(state.rootCode),
        view: { level: "city", parent: null },
        select: state.rootCode,
      });
    }
    if (state.level === "county" && state.parent !== null) {
      path.push({
        label: regionName(state.parent),
        view: { level: "county", parent: state.parent },
        select: state.parent,
      });
    } else if (state.level === "county" && state.rootLevel === "city") {
      path.push({
        label: t("map.allCounties"),
        view: { level: "county", parent: null },
        select: state.rootCode,
      });
    }
    if (FINER.includes(state.level) && state.parent !== null) {
      // … › city › county › township: the county links back to its county map
      const county = regionByCode.get(Number(state.parent));
      const city = county ? regionByCode.get(Number(county.parent)) : null;
      if (city && city.level === "city")
        path.push({
          label: regionName(city.adcode),
          view: { level: "county", parent: Number(city.adcode) },
          select: Number(city.adcode),
        });
      path.push({
        label: regionName(state.parent),
        view: {
          level: "county",
          parent: city && city.level === "city" ? Number(city.adcode) : null,
        },
        select: Number(state.parent),
        always: true, // the way back to the county map, even as the last crumb
      });
    }
    const selectedLevel = levelOf(state.selected);
    const drilled =
      FINER.includes(state.level) &&
      Number(state.selected) === Number(state.parent);
    if (
      (selectedLevel === "county" || FINER.includes(selectedLevel)) &&
      !drilled
    )
      path.push({ label: regionName(state.selected), view: null });
    path.forEach((p, i) => {
      if (i) add(crumbs, h("span", { class: "sep" }, "›"));
      const link = p.view && (i < path.length - 1 || p.always);
      const onclick = (e) => {
        e.preventDefault();
        go(p.view, p.select);
      };
      add(
        crumbs,
        link ? h("a", { href: "#", onclick }, p.label) : h("span", {}, p.label),
      );
    });
  }

  async function go(view, selected) {
    Object.assign(state, view);
    state.selected = selected ?? state.selected;
    await refresh();
  }

  async function refresh() {
    if (!ctx.alive()) return;
    try {
      drawCrumbs();
      await drawMap();
      await drawSelected();
    } catch (err) {
      add(
        clear(status),
        message("error", `${t("common.error")}: ${err.message}`),
      );
      console.error(err);
    }
  }

  function metricLabel() {
    if (state.metric.startsWith("ind:"))
      return metricSelect.selectedOptions[0]?.textContent || state.metric;
    return t(`metric.${state.metric}`);
  }

  // ---- events
  mapC.chart.on("click", (p) => {
    const code = Number(p.name);
    if (!code) return;
    if (state.level === "city") go({ level: "county", parent: code }, code);
    else if (state.level === "county" && hasFiner(code))
      go({ level: finer, parent: code }, code);
    else go({}, code);
  });
  accountSelect.addEventListener("change", async () => {
    state.account = Number(accountSelect.value);
    noteSynthetic();
    await fillMetrics();
    await refresh();
  });
  metricSelect.addEventListener("change", async () => {
    state.metric = metricSelect.value;
    await refresh();
  });
  allCounties.addEventListener("click", () =>
    go({ level: "county", parent: null }, state.rootCode),
  );

  noteSynthetic();
  await fillMetrics();
  await refresh();
  return null;
}

function indicatorName(row) {
  return (
    (lang() === "en" ? row.name_en : row.name_zh) ||
    row.name_zh ||
    row.indicator
  );
}

// where the principal's map starts: the province shows its cities; a city viewer its
// counties; a county viewer its county
export function startView(regions, me) {
  const byLevel = (level) => regions.filter((r) => r.level === level);
  const provinces = byLevel("province");
  const cities = byLevel("city");
  const counties = byLevel("county");
  if (provinces.length === 1 || cities.length > 1) {
    const rootCode =
      provinces.length === 1
        ? Number(provinces[0].adcode)
        : Number(me.region_adcode) || 360000;
    return { level: "city", parent: null, rootLevel: "city", rootCode };
  }
  if (cities.length === 1) {
    const city = Number(cities[0].adcode);
    return {
      level: "county",
      parent: city,
      rootLevel: "county-of-city",
      rootCode: city,
    };
  }
  const one =
    counties.length === 1
      ? Number(counties[0].adcode)
      : Number(me.region_adcode);
  return { level: "county", parent: null, rootLevel: "county", rootCode: one };
}
