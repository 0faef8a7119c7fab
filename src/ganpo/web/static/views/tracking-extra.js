// The target page's alerts, map of unit statuses and yearly report (目标进展：预警、地图、
// 年度报告). Alerts come from /api/tracking/alerts (the caller's department and region
// only); the map colours each city by the status of the indicator shown in the trend
// (boundaries from /api/regions/geojson, drawn offline); the report card lists the
// issued versions and links the draft preview, and is left out when the API refuses
// the caller (the report is read by province-wide users only); the issue button is for
// the roles that may issue (admin, office), the API checking the same.
import { ApiError, get, post, query } from "../api.js";
import { FONT, makeChart } from "../charts.js";
import { dateTime, h, message, table } from "../dom.js";
import { lang, t } from "../i18n.js";
import { TRACKING_COLORS, WARNING_COLORS } from "../palette.js";
import { pick } from "./carbon.js";

const ISSUERS = ["admin", "office"];
const NO_TARGET = "#e0e0e0";

// may `me` acknowledge alert `a`: its department's reporter, or an admin (as the API)
function mayAck(me, a) {
  return (
    me.role === "admin" ||
    (me.role === "reporter" && me.department === a.department)
  );
}

export async function alertsCard(me, refresh) {
  const data = await get("/api/tracking/alerts");
  const ack = async (a, button) => {
    const note = window.prompt(t("alerts.ackNote"), "");
    if (note === null) return;
    button.disabled = true;
    try {
      await post(`/api/tracking/alerts/${encodeURIComponent(a.key)}/ack`, {
        note,
      });
      refresh();
    } catch (err) {
      button.disabled = false;
      button.after(message("error", err.message));
    }
  };
  const columns = [
    {
      key: "level",
      label: t("alerts.level"),
      render: (a) =>
        h(
          "span",
          {
            class: "state",
            "data-level": a.level,
            style: `color: ${WARNING_COLORS[a.level] || "inherit"}`,
          },
          pick(a, "level"),
        ),
    },
    {
      key: "department",
      label: t("alerts.department"),
      render: (a) => pick(a, "department"),
    },
    {
      key: "unit",
      label: t("tracking.unit"),
      render: (a) => pick(a, "unit_name"),
    },
    {
      key: "indicator",
      label: t("tracking.indicator"),
      render: (a) => pick(a, "indicator"),
    },
    { key: "year", label: t("tracking.year.col") },
    {
      key: "message",
      label: t("alerts.message"),
      render: (a) => pick(a, "message"),
    },
    {
      key: "ack",
      label: t("alerts.ack"),
      render: (a) => {
        if (a.acknowledged_by)
          return h(
            "span",
            { class: "alert-acked", title: a.ack_note || "" },
            t("alerts.acked", {
              who: a.acknowledged_by,
              when: dateTime(a.acknowledged_at),
            }),
            a.ack_note ? ` · ${a.ack_note}` : "",
          );
        if (!mayAck(me, a)) return t("alerts.notAcked");
        const button = h(
          "button",
          {
            class: "alert-ack",
            "data-key": a.key,
            onclick: () => ack(a, button),
          },
          t("alerts.ackButton"),
        );
        return button;
      },
    },
  ];
  return h(
    "div",
    { class: "card", id: "tracking-alerts", "data-count": data.alerts.length },
    h("h2", {}, t("alerts.title")),
    h(
      "p",
      { class: "hint" },
      t("alerts.intro", { year: data.as_of }),
      data.department ? ` ${t("alerts.department.only")}` : "",
    ),
    data.alerts.length
      ? table(columns, data.alerts, { class: "grid tracking-alerts" })
      : h("p", { class: "hint", id: "alerts-none" }, t("alerts.none")),
  );
}

// the map: each city coloured by the status of `indicator`'s target there; the
// province's own status said under it
export async function mapCard(data, indicator) {
  const rows = data.rows.filter((r) => r.indicator === indicator);
  const status = new Map(rows.map((r) => [r.unit_code, r]));
  const fc = await get(`/api/regions/geojson${query({ level: "city" })}`);
  const chart = await makeChart("map", { id: "tracking-map" });
  const province = rows.filter(
    (r) =>
      !fc.features.some((f) => Number(f.properties.adcode) === r.unit_code),
  );
  const name = (f) =>
    lang() === "en" && f.properties.name_en
      ? f.properties.name_en
      : f.properties.name;
  const card = h(
    "div",
    { class: "card", id: "tracking-map-card" },
    h("h2", {}, t("tracking.map")),
    chart.el,
    h(
      "p",
      { class: "hint", id: "tracking-map-legend" },
      ["achieved", "on_track", "at_risk", "off_track"].map((s) =>
        h(
          "span",
          { class: "legend-item", style: `color: ${TRACKING_COLORS[s]}` },
          `■ ${t(`tracking.state.${s}`)}  `,
        ),
      ),
      h("span", { style: `color: #999` }, `■ ${t("tracking.noTarget")}`),
    ),
    province.map((r) =>
      h(
        "p",
        { class: "hint" },
        `${pick(r, "unit_name")}: `,
        h(
          "span",
          {
            "data-status": r.status,
            style: `color: ${TRACKING_COLORS[r.status]}`,
          },
          pick(r, "status"),
        ),
      ),
    ),
  );
  const draw = () => {
    const c = chart.init();
    const keyed = {
      type: "FeatureCollection",
      features: fc.features.map((f) => ({
        ...f,
        properties: { ...f.properties, key: String(f.properties.adcode) },
      })),
    };
    chart.echarts.registerMap("ganpo-tracking-city", keyed);
    c.setOption({
      animation: false,
      textStyle: { fontFamily: FONT },
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          const f = fc.features.find(
            (x) => String(x.properties.adcode) === p.name,
          );
          const r = status.get(Number(p.name));
          return `${f ? name(f) : p.name}: ${r ? pick(r, "status") : t("tracking.noTarget")}`;
        },
      },
      series: [
        {
          type: "map",
          map: "ganpo-tracking-city",
          nameProperty: "key",
          selectedMode: false,
          label: {
            show: true,
            fontSize: 10,
            formatter: (p) => {
              const f = fc.features.find(
                (x) => String(x.properties.adcode) === p.name,
              );
              return f ? name(f) : p.name;
            },
          },
          itemStyle: {
            borderColor: "#555",
            borderWidth: 0.6,
            areaColor: NO_TARGET,
          },
          data: fc.features.map((f) => {
            const r = status.get(Number(f.properties.adcode));
            return {
              name: String(f.properties.adcode),
              itemStyle: r
                ? { areaColor: TRACKING_COLORS[r.status] }
                : undefined,
            };
          }),
        },
      ],
    });
    chart.el.dataset.statuses = fc.features
      .filter((f) => status.has(Number(f.properties.adcode)))
      .map(
        (f) =>
          `${f.properties.adcode}:${status.get(Number(f.properties.adcode)).status}`,
      )
      .join(",");
    chart.el.dataset.ready = "1";
  };
  return { card, draw, dispose: () => chart.dispose() };
}

// the yearly report: preview links, what changed since the last issue, the issued
// versions; null when the caller may not read it
export async function reportCard(me, years, refresh) {
  let issued;
  try {
    issued = await get("/api/tracking/reports");
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return null;
    throw e;
  }
  const year = years.length
    ? years[years.length - 1]
    : new Date().getFullYear() - 1;
  const body = h("div", {});
  const yearSelect = h(
    "select",
    { id: "report-year", onchange: (e) => fill(Number(e.target.value)) },
    years.map((y) =>
      h("option", { value: y, selected: y === year }, String(y)),
    ),
  );
  const card = h(
    "div",
    { class: "card", id: "tracking-report" },
    h("h2", {}, t("report.title")),
    h("p", { class: "hint" }, t("report.intro")),
    h(
      "div",
      { class: "toolbar" },
      h("label", {}, t("tracking.year"), yearSelect),
    ),
    body,
    h("h3", {}, t("report.issued")),
    table(
      [
        { key: "year", label: t("tracking.year.col") },
        { key: "version", label: t("report.version") },
        {
          key: "lang",
          label: t("report.lang"),
          render: (r) => t(`report.lang.${r.lang}`),
        },
        {
          key: "issued_at",
          label: t("report.issuedAt"),
          render: (r) => dateTime(r.issued_at),
        },
        { key: "issued_by", label: t("report.issuedBy") },
        {
          key: "changes",
          label: t("report.changes"),
          num: true,
          render: (r) => String(r.changes.length),
        },
        {
          key: "files",
          label: t("report.files"),
          render: (r) => [
            h(
              "a",
              {
                href: `/api/tracking/reports/${r.year}/${r.version}/file`,
                download: r.file_pdf,
                class: "issued-pdf",
              },
              "PDF",
            ),
            " · ",
            h(
              "a",
              {
                href: `/api/tracking/reports/${r.year}/${r.version}/file?format=docx`,
                download: r.file_docx,
                class: "issued-docx",
              },
              "Word",
            ),
          ],
        },
      ],
      issued,
      { class: "grid", id: "report-issued" },
    ),
  );

  async function fill(y) {
    const language = lang() === "en" ? "en" : "zh";
    const changes = await get(
      `/api/tracking/reports/changes${query({ year: y })}`,
    );
    const preview = (format) =>
      `/api/tracking/reports/preview${query({ year: y, lang: language, format })}`;
    const status = h("div", { id: "report-status" });
    body.replaceChildren(
      h(
        "p",
        {},
        h(
          "a",
          { href: preview("pdf"), id: "report-preview-pdf", target: "_blank" },
          t("report.previewPdf"),
        ),
        " · ",
        h(
          "a",
          { href: preview("docx"), id: "report-preview-docx" },
          t("report.previewWord"),
        ),
      ),
      changes.previous_version === null
        ? h(
            "p",
            { class: "hint", id: "report-changes" },
            t("report.notIssued", { year: y }),
          )
        : h(
            "div",
            { id: "report-changes" },
            h(
              "p",
              { class: "hint" },
              t("report.changesSince", {
                version: changes.previous_version,
                n: changes.changes.length,
              }),
            ),
            changes.changes.map((c) =>
              h(
                "p",
                { class: "hint" },
                `${pick(c, "indicator")} · ${pick(c, "unit_name")} · ${c.year}: ${c.old ?? "—"} → ${c.new ?? "—"} (${c.source})`,
              ),
            ),
          ),
      ISSUERS.includes(me.role)
        ? h(
            "button",
            {
              id: "report-issue",
              onclick: async (e) => {
                if (!window.confirm(t("report.confirm", { year: y }))) return;
                e.target.disabled = true;
                status.replaceChildren(message("info", t("report.issuing")));
                try {
                  const done = await post("/api/tracking/reports", {
                    year: y,
                    lang: language,
                  });
                  status.replaceChildren(
                    message(
                      "ok",
                      t("report.issuedOk", { version: done.version, year: y }),
                    ),
                  );
                  refresh();
                } catch (err) {
                  e.target.disabled = false;
                  status.replaceChildren(message("error", err.message));
                }
              },
            },
            t("report.issue"),
          )
        : null,
      status,
    );
  }
  if (years.length) await fill(year);
  return card;
}
