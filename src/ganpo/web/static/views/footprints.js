// Product carbon footprints (产品碳足迹, ISO 14067 / GB/T 24067): the studies the platform
// holds (SYNTHETIC demonstrations), one study's footprint per functional unit by life-cycle
// stage and by process with the Monte Carlo 95 % interval, biogenic CO2 apart, and the
// downloads (study report PDF in Chinese or English, carbon label PDF, PACT JSON).
import { get, post, query } from "../api.js";
import { FONT, makeChart } from "../charts.js";
import { add, clear, h, message, number, table } from "../dom.js";
import { lang, t } from "../i18n.js";
import { CARBON_COLORS } from "../palette.js";

// the roles that may compute an uploaded study (the API enforces the same)
const CHECKERS = ["admin", "office", "reviewer"];

export async function render(root, ctx) {
  const role = ctx && ctx.me ? ctx.me.role : null;
  const studies = await get(`/api/footprints${query({ lang: lang() })}`);
  const wanted = ctx && ctx.params ? ctx.params.get("study") : null;
  let current = studies.some((s) => s.id === wanted)
    ? wanted
    : studies.length
      ? studies[0].id
      : null;
  const list = h("div", { id: "footprint-studies" });
  const result = h("div", { id: "footprint-result" });
  add(
    root,
    h("h1", {}, t("footprint.title")),
    h("p", { class: "muted" }, t("footprint.intro")),
    h("div", { class: "card" }, h("h2", {}, t("footprint.studies")), list),
    CHECKERS.includes(role) ? uploadCard() : null,
    result,
  );
  const charts = [];
  const disposeCharts = () => charts.splice(0).forEach((c) => c.dispose());

  function renderList() {
    add(
      clear(list),
      table(
        [
          {
            key: "title",
            label: t("footprint.study"),
            render: (s) =>
              h(
                "a",
                {
                  href: `#/footprints?study=${s.id}`,
                  class:
                    s.id === current
                      ? "active footprint-pick"
                      : "footprint-pick",
                  "data-study": s.id,
                  onclick: (e) => {
                    e.preventDefault();
                    current = s.id;
                    renderList();
                    show();
                  },
                },
                s.title,
              ),
          },
          { key: "product", label: t("footprint.product") },
          { key: "functional_unit", label: t("footprint.fu") },
          { key: "boundary", label: t("footprint.boundary") },
          {
            key: "synthetic",
            label: t("footprint.data"),
            render: (s) =>
              s.synthetic
                ? h("span", { class: "tag" }, t("footprint.synthetic"))
                : "—",
          },
        ],
        studies,
        { id: "footprint-list" },
      ),
    );
  }

  async function show() {
    disposeCharts();
    clear(result).appendChild(
      h("p", { class: "loading" }, t("footprint.computing")),
    );
    const id = current;
    const r = await get(
      `/api/footprints/${encodeURIComponent(id)}${query({ lang: lang() })}`,
    );
    if (id !== current || (ctx && ctx.alive && !ctx.alive())) return;
    await draw(r, `/api/footprints/${encodeURIComponent(id)}`);
  }

  // an uploaded study file, computed and shown (not stored: no downloads)
  function uploadCard() {
    const input = h("input", {
      type: "file",
      id: "footprint-file",
      accept: ".toml",
    });
    const note = h("div", { id: "footprint-upload-message" });
    const button = h(
      "button",
      {
        type: "button",
        id: "footprint-upload",
        onclick: async () => {
          clear(note);
          if (!input.files.length) {
            note.appendChild(message("error", t("footprint.chooseFile")));
            return;
          }
          const body = new FormData();
          body.append("file", input.files[0]);
          button.disabled = true;
          try {
            const r = await post(
              `/api/footprints/compute${query({ lang: lang() })}`,
              body,
            );
            current = null;
            renderList();
            disposeCharts();
            await draw(
              { ...r, title: `${r.title} · ${input.files[0].name}` },
              null,
            );
            note.appendChild(message("ok", t("footprint.uploaded")));
          } catch (err) {
            note.appendChild(message("error", err.message));
          } finally {
            button.disabled = false;
          }
        },
      },
      t("footprint.compute"),
    );
    return h(
      "div",
      { class: "card" },
      h("h2", {}, t("footprint.uploadTitle")),
      h("p", { class: "muted" }, t("footprint.uploadIntro")),
      h("p", { class: "toolbar" }, input, button),
      note,
    );
  }

  async function draw(r, base) {
    const mc = r.monte_carlo;
    const pct = (x) => (x === null ? "—" : `${number(x * 100, 1)} %`);
    const byStage = await makeChart("bars", { id: "footprint-stage-chart" });
    const byProcess = await makeChart("bars", {
      id: "footprint-process-chart",
    });
    charts.push(byStage, byProcess);
    add(
      clear(result),
      h(
        "div",
        { class: "card", id: "footprint-summary" },
        h("h2", {}, r.title),
        r.synthetic ? h("p", { class: "tag" }, r.synthetic_note) : null,
        h(
          "p",
          { class: "kpi", id: "footprint-total" },
          `${t("footprint.total")}: ${number(r.total_kg, 2)} ${r.unit}`,
        ),
        mc
          ? h(
              "p",
              { id: "footprint-interval" },
              t("footprint.interval", {
                lo: number(mc.p2_5_kg, 2),
                hi: number(mc.p97_5_kg, 2),
                mean: number(mc.mean_kg, 2),
                draws: mc.draws,
                seed: mc.seed,
              }),
            )
          : null,
        h(
          "p",
          { id: "footprint-biogenic" },
          `${r.biogenic_note} ${t("footprint.biogenic")}: ${number(r.biogenic_co2_kg, 2)} kg`,
        ),
        h(
          "p",
          {},
          `${t("footprint.boundary")}: ${r.boundary} · ${t("footprint.fu")}: ${r.functional_unit} ${r.product} · GWP ${r.gwp} (${r.gwp_source}) · ${t("footprint.year")}: ${r.reference_year}`,
        ),
        h("p", {}, `${t("footprint.allocation")}: ${r.allocation_text}`),
        base === null
          ? null
          : h(
              "p",
              { class: "toolbar", id: "footprint-downloads" },
              h(
                "a",
                {
                  href: `${base}/report${query({ lang: "zh" })}`,
                  download: "",
                  "data-download": "report-zh",
                },
                t("footprint.reportZh"),
              ),
              h(
                "a",
                {
                  href: `${base}/report${query({ lang: "en" })}`,
                  download: "",
                  "data-download": "report-en",
                },
                t("footprint.reportEn"),
              ),
              h(
                "a",
                {
                  href: `${base}/label`,
                  download: "",
                  "data-download": "label",
                },
                t("footprint.label"),
              ),
              h(
                "a",
                { href: `${base}/pact`, download: "", "data-download": "pact" },
                t("footprint.pact"),
              ),
            ),
      ),
      h(
        "div",
        { class: "card" },
        h("h2", {}, t("footprint.byStage")),
        table(
          [
            { key: "label", label: t("footprint.stage") },
            {
              key: "kg",
              label: r.unit,
              num: true,
              render: (x) => number(x.kg, 2),
            },
            {
              key: "share",
              label: t("footprint.share"),
              num: true,
              render: (x) => pct(x.share),
            },
          ],
          r.by_stage,
          { id: "footprint-stages" },
        ),
        byStage.el,
      ),
      h(
        "div",
        { class: "card" },
        h("h2", {}, t("footprint.byProcess")),
        table(
          [
            { key: "label", label: t("footprint.process") },
            { key: "stage_label", label: t("footprint.stage") },
            {
              key: "allocation_share",
              label: t("footprint.allocationShare"),
              num: true,
              render: (p) => number(p.allocation_share, 4),
            },
            {
              key: "direct_kg",
              label: t("footprint.direct"),
              num: true,
              render: (p) => number(p.direct_kg, 2),
            },
            {
              key: "background_kg",
              label: t("footprint.background"),
              num: true,
              render: (p) => number(p.background_kg, 2),
            },
            {
              key: "kg",
              label: r.unit,
              num: true,
              render: (p) => number(p.kg, 2),
            },
            {
              key: "share",
              label: t("footprint.share"),
              num: true,
              render: (p) => pct(p.share),
            },
          ],
          r.by_process,
          { id: "footprint-processes" },
        ),
        byProcess.el,
      ),
    );
    bars(byStage, r.by_stage, r.unit);
    bars(byProcess, r.by_process, r.unit);
  }

  renderList();
  if (current) await show();
  return disposeCharts;
}

// a horizontal bar per part (kg CO2e per functional unit); a removal is drawn in its colour
function bars(chart, parts, unit) {
  const shown = [...parts].reverse();
  chart.init().setOption({
    animation: false,
    textStyle: { fontFamily: FONT },
    grid: { left: 220, right: 40, top: 10, bottom: 40 },
    tooltip: { trigger: "item" },
    xAxis: { type: "value", name: unit, nameLocation: "middle", nameGap: 25 },
    yAxis: {
      type: "category",
      data: shown.map((p) => p.label),
      axisLabel: { width: 200, overflow: "truncate" },
    },
    series: [
      {
        type: "bar",
        data: shown.map((p) => ({
          value: p.kg,
          itemStyle: {
            color: p.kg < 0 ? CARBON_COLORS.removal : CARBON_COLORS.emission,
          },
        })),
      },
    ],
  });
}
