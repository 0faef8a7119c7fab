// Dual-control progress (碳排放双控): per unit and year, each target's time and task
// progress and its status (coloured as the page's states), then the early warnings.
import { get, query } from "../api.js";
import { add, h, message, table } from "../dom.js";
import { fmt } from "../format.js";
import { t } from "../i18n.js";
import { STATUS_COLORS, WARNING_COLORS } from "../palette.js";
import { pick } from "./carbon.js";

const pct = (v) =>
  v === null || v === undefined ? "—" : `${fmt(v, null, 1)} %`;

export async function renderProgress(body, level) {
  const data = await get(`/api/carbon/progress${query({ level })}`);
  add(
    body,
    h(
      "p",
      { class: "hint", id: "carbon-progress-note" },
      `${pick(data, "targets_title")} · ${data.years.join("–")} · GWP ${data.gwp_set}`,
    ),
    data.targets_synthetic
      ? h(
          "p",
          { class: "tag", id: "carbon-demo-targets" },
          t("carbon.demoTargets"),
        )
      : null,
    data.records.length ? h("p", { class: "hint" }, pick(data, "note")) : null,
  );
  if (!data.records.length) {
    body.appendChild(message("info", t("carbon.noTargets")));
    return null;
  }
  const columns = [
    { key: "name", label: t("carbon.unit"), render: (r) => pick(r, "name") },
    { key: "year", label: t("carbon.year") },
    {
      key: "co2_total_10k_t",
      label: t("carbon.total"),
      num: true,
      render: (r) => fmt(r.co2_total_10k_t, null, 2),
    },
    {
      key: "co2_intensity_t_per_10k_yuan",
      label: t("carbon.intensity"),
      num: true,
      render: (r) => fmt(r.co2_intensity_t_per_10k_yuan, null, 4),
    },
    {
      key: "target",
      label: t("carbon.target"),
      render: (r) =>
        h(
          "span",
          {},
          `${pick(r, "indicator")} ${r.period}: ≤ ${fmt(
            r.target_value,
            null,
            r.target_unit_zh === "万吨二氧化碳" ? 2 : 4,
          )} ${pick(r, "target_unit")}`,
        ),
    },
    {
      key: "time_elapsed_pct",
      label: t("carbon.timeProgress"),
      num: true,
      render: (r) => pct(r.time_elapsed_pct),
    },
    {
      key: "task_achieved_pct",
      label: t("carbon.taskProgress"),
      num: true,
      render: (r) => pct(r.task_achieved_pct),
    },
    {
      key: "status",
      label: t("carbon.status"),
      render: (r) =>
        h(
          "span",
          {
            class: "state",
            "data-status": r.status,
            style: `color: ${STATUS_COLORS[r.status] || "inherit"}`,
          },
          pick(r, "status"),
        ),
    },
  ];
  const warnings = data.warnings.map((w) =>
    h(
      "li",
      { "data-level": w.level, "data-unit": w.unit_code },
      h(
        "strong",
        { style: `color: ${WARNING_COLORS[w.level] || "inherit"}` },
        `${pick(w, "name")} ${w.year} · ${pick(w, "level")}: `,
      ),
      pick(w, "message"),
    ),
  );
  add(
    body,
    h(
      "div",
      { class: "card" },
      table(columns, data.records, { id: "carbon-progress-table" }),
    ),
    h(
      "div",
      { class: "card", id: "carbon-warnings" },
      h("h2", {}, t("carbon.warnings")),
      warnings.length
        ? h("ul", {}, warnings)
        : h("p", { class: "hint" }, t("carbon.noWarnings")),
    ),
  );
  return null;
}
