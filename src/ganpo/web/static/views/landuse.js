// Land-use scenarios (土地利用情景): the office or an administrator chooses the demand
// (Markov steps ahead, or plan targets in hm² by class), pastes or uploads restricted zones
// as GeoJSON polygons (longitude, latitude) and may keep the zoning's red lines, runs the
// scenario as a job (progress polled from /api/jobs/{id}), and reads the change by class,
// the validation on the held-out year and the map; every user who may see the scenarios
// compares two of them by class. Drawing zones on a map is not offered: paste or upload.
// A finished scenario carries its ΔGEP (the platform's account of the last observed year
// run on the observed and on the simulated map): totals in 亿元, tables by service and by
// county in 万元 (/api/landuse/scenarios/{id}/gep), and ΔGEP side by side in the comparison.
import { ApiError, get, post, spoken } from "../api.js";
import { add, clear, dateTime, h, message, table } from "../dom.js";
import { fmt } from "../format.js";
import { lang, t } from "../i18n.js";

const POLL_MS = 700;
const money = (v) => fmt(v, null, 2);
const hm2 = (v) =>
  v === null || v === undefined
    ? "—"
    : Number(v).toLocaleString(undefined, { maximumFractionDigits: 0 });

export async function render(root, ctx) {
  const { me } = ctx;
  const canRun = ["office", "admin"].includes(me.role);
  const zh = () => lang() !== "en";
  let alive = true;
  let timer = null;
  let scenarios = [];

  const runBox = h("div", { class: "card", id: "landuse-run" });
  const resultBox = h("div", { class: "card", id: "landuse-result" });
  const listBox = h("div", { id: "landuse-list" });
  const compareBox = h("div", { class: "card", id: "landuse-compare" });
  resultBox.hidden = true;
  add(
    root,
    h("h1", {}, t("landuse.title")),
    h("p", { class: "hint" }, t("landuse.intro")),
    canRun ? runBox : null,
    resultBox,
    h("div", { class: "card" }, h("h2", {}, t("landuse.list")), listBox),
    compareBox,
  );

  // ---- run a scenario (office, admin)
  if (canRun) {
    const name = h("input", {
      id: "landuse-name",
      value: t("landuse.defaultName"),
      size: 24,
      maxlength: 80,
    });
    const mode = h(
      "select",
      { id: "landuse-mode" },
      h("option", { value: "markov" }, t("landuse.markov")),
      h("option", { value: "plan" }, t("landuse.plan")),
    );
    const steps = h("input", {
      id: "landuse-steps",
      type: "number",
      min: 1,
      max: 10,
      value: 1,
    });
    const targets = h("textarea", {
      id: "landuse-targets",
      rows: 3,
      cols: 30,
      placeholder: "6=760000\n5=3690000",
    });
    const zones = h("textarea", {
      id: "landuse-zones",
      rows: 5,
      cols: 60,
      placeholder: '{"type": "FeatureCollection", "features": [...]}',
    });
    const upload = h("input", {
      id: "landuse-upload",
      type: "file",
      accept: ".geojson,.json,application/geo+json,application/json",
    });
    const zoning = h("input", { id: "landuse-zoning", type: "checkbox" });
    const seed = h("input", {
      id: "landuse-seed",
      type: "number",
      min: 0,
      value: 0,
    });
    const button = h(
      "button",
      { type: "submit", id: "landuse-submit" },
      t("landuse.run"),
    );
    const progress = h("progress", {
      id: "landuse-progress",
      max: 1,
      value: 0,
    });
    progress.hidden = true;
    const progressText = h("div", { id: "landuse-progress-text" });
    const stepsLabel = h("label", {}, t("landuse.steps"), steps);
    const targetsLabel = h(
      "label",
      {},
      t("landuse.targets"),
      h("span", { class: "hint" }, t("landuse.targetsHint")),
      targets,
    );
    const showMode = () => {
      stepsLabel.hidden = mode.value !== "markov";
      targetsLabel.hidden = mode.value !== "plan";
    };
    mode.addEventListener("change", showMode);
    showMode();
    upload.addEventListener("change", async () => {
      const file = upload.files && upload.files[0];
      if (file) zones.value = await file.text();
    });
    const form = h(
      "form",
      { id: "landuse-form", class: "stacked-form" },
      h("label", {}, t("landuse.name"), name),
      h("label", {}, t("landuse.demand"), mode),
      stepsLabel,
      targetsLabel,
      h(
        "label",
        {},
        t("landuse.zones"),
        h("span", { class: "hint" }, t("landuse.zonesHint")),
        zones,
      ),
      h("label", {}, t("landuse.upload"), upload),
      h("label", {}, zoning, t("landuse.useZoning")),
      h("label", {}, t("landuse.seed"), seed),
      button,
      progress,
      progressText,
    );
    add(runBox, h("h2", {}, t("landuse.runTitle")), form);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clear(progressText);
      const body = {
        name: name.value.trim(),
        seed: Number(seed.value) || 0,
        restricted: zones.value,
        use_zoning: zoning.checked,
      };
      if (mode.value === "plan") {
        const parsed = {};
        for (const line of targets.value.split(/[\n,;]+/)) {
          if (!line.trim()) continue;
          const [code, area] = line.split("=");
          if (area === undefined || !Number.isFinite(Number(area))) {
            add(
              progressText,
              message("error", t("landuse.badTarget", { line: line.trim() })),
            );
            return;
          }
          parsed[code.trim()] = Number(area);
        }
        body.targets = parsed;
      } else {
        body.steps = Number(steps.value) || 1;
      }
      button.disabled = true;
      try {
        const accepted = await post("/api/landuse/scenarios", body);
        progress.hidden = false;
        progress.value = 0;
        poll(accepted);
      } catch (err) {
        button.disabled = false;
        add(
          progressText,
          message("error", err instanceof ApiError ? err.message : String(err)),
        );
      }
    });

    async function poll(accepted) {
      if (!alive) return;
      let job;
      try {
        job = await get(`/api/jobs/${accepted.job_id}`);
      } catch (err) {
        button.disabled = false;
        add(clear(progressText), message("error", err.message));
        return;
      }
      const fraction = Math.max(0, Math.min(1, Number(job.fraction) || 0));
      progress.value = fraction;
      progressText.dataset.state = job.state;
      add(
        clear(progressText),
        h(
          "span",
          { class: `state state-${job.state}` },
          t(`job.${job.state}`, {}, job.state),
        ),
        ` ${Math.round(fraction * 100)}% `,
        job.message
          ? h("span", { class: "job-message" }, spoken(job, "message"))
          : null,
      );
      if (job.state === "done") {
        button.disabled = false;
        progress.value = 1;
        await loadList();
        await show(accepted.id);
      } else if (job.state === "failed") {
        button.disabled = false;
        add(
          progressText,
          message("error", spoken(job, "message") || t("job.failed")),
        );
        await loadList();
      } else {
        timer = setTimeout(() => poll(accepted), POLL_MS);
      }
    }
  }

  // ---- one scenario's result
  function demandText(s) {
    if (s.demand === "markov")
      return t("landuse.markovLine", {
        steps: s.steps,
        year: s.simulated_year ?? "—",
      });
    const parts = Object.entries(s.targets_hm2).map(
      ([code, area]) => `${code}=${hm2(area)}`,
    );
    return `${t("landuse.plan")}: ${parts.join(", ")} hm²`;
  }

  async function show(id) {
    let s;
    try {
      s = await get(`/api/landuse/scenarios/${id}`);
    } catch (err) {
      resultBox.hidden = false;
      add(clear(resultBox), message("error", err.message));
      return;
    }
    resultBox.hidden = false;
    const parts = [
      h("h2", {}, `${t("landuse.result")}: ${s.name}`),
      s.synthetic ? h("p", { class: "tag" }, t("landuse.synthetic")) : null,
      h("p", { id: "landuse-demand" }, demandText(s)),
      h(
        "p",
        {},
        t("landuse.restrictedLine", {
          area: hm2(s.restricted_hm2),
          zones: s.restricted_zones.join("、") || "—",
          zoning: s.use_zoning ? t("landuse.withZoning") : "",
        }),
      ),
    ];
    if (s.state !== "done") {
      parts.push(
        message(
          s.state === "failed" ? "error" : "info",
          `${t(`job.${s.state}`, {}, s.state)} ${spoken(s, "message")}`,
        ),
      );
      add(clear(resultBox), ...parts);
      return;
    }
    parts.push(
      table(
        [
          {
            key: "cls",
            label: t("landuse.class"),
            render: (r) => `${r.code} ${zh() ? r.name_zh : r.name_en}`,
          },
          {
            key: "start_hm2",
            label: t("landuse.start"),
            num: true,
            render: (r) => hm2(r.start_hm2),
          },
          {
            key: "demand_hm2",
            label: t("landuse.demandCol"),
            num: true,
            render: (r) => hm2(r.demand_hm2),
          },
          {
            key: "simulated_hm2",
            label: t("landuse.simulated"),
            num: true,
            render: (r) => hm2(r.simulated_hm2),
          },
          {
            key: "change_hm2",
            label: t("landuse.change"),
            num: true,
            render: (r) => hm2(r.change_hm2),
          },
          {
            key: "unmet_hm2",
            label: t("landuse.unmet"),
            num: true,
            render: (r) => hm2(r.unmet_hm2),
          },
        ],
        s.classes,
        { id: "landuse-classes" },
      ),
      h("p", {}, t("landuse.unmetLine", { area: hm2(s.unmet_hm2) })),
      h("img", {
        id: "landuse-map",
        class: "landuse-map",
        src: `/api/landuse/scenarios/${s.id}/map.png?lang=${lang()}`,
        alt: t("landuse.mapAlt"),
      }),
    );
    if (s.validation) {
      parts.push(
        h("h3", {}, t("landuse.validation", { year: s.held_out_year })),
        h("p", { id: "landuse-verdict" }, zh() ? s.verdict_zh : s.verdict_en),
        table(
          [
            {
              key: "name",
              label: t("landuse.indicator"),
              render: (v) => (zh() ? v.name_zh : v.name_en),
            },
            {
              key: "value",
              label: t("landuse.value"),
              num: true,
              render: (v) =>
                Number(v.value).toLocaleString(undefined, {
                  maximumFractionDigits: 2,
                }),
            },
            { key: "unit", label: t("landuse.unit") },
          ],
          s.validation,
          { id: "landuse-validation" },
        ),
      );
    } else {
      parts.push(h("p", { class: "hint" }, t("landuse.noValidation")));
    }
    parts.push(await gepSection(s));
    add(clear(resultBox), ...parts);
  }

  // ---- ΔGEP of a finished scenario: totals, by service, by county (changed ones)
  async function gepSection(s) {
    const note = h(
      "p",
      { class: "hint", id: "landuse-gep-note" },
      zh() ? s.gep_note_zh : s.gep_note_en,
    );
    const box = h(
      "div",
      { id: "landuse-gep" },
      h("h3", {}, t("landuse.gepTitle")),
    );
    if (!s.gep) {
      add(box, message("info", t("landuse.gepNone")), note);
      return box;
    }
    let g;
    try {
      g = await get(`/api/landuse/scenarios/${s.id}/gep?lang=${lang()}`);
    } catch (err) {
      add(box, message("error", err.message), note);
      return box;
    }
    const columns = (first) => [
      first,
      {
        key: "baseline",
        label: t("landuse.gepBaseline"),
        num: true,
        render: (r) => money(r.baseline_wan_yuan),
      },
      {
        key: "scenario",
        label: t("landuse.gepScenario"),
        num: true,
        render: (r) => money(r.scenario_wan_yuan),
      },
      {
        key: "delta",
        label: t("landuse.gepDelta"),
        num: true,
        render: (r) => money(r.delta_wan_yuan),
      },
    ];
    const changed = g.counties
      .filter((r) => r.delta_wan_yuan !== 0)
      .sort((a, b) => Math.abs(b.delta_wan_yuan) - Math.abs(a.delta_wan_yuan));
    add(
      box,
      h(
        "p",
        { id: "landuse-gep-total" },
        t("landuse.gepTotal", {
          baseline: money(g.baseline_yi_yuan),
          scenario: money(g.scenario_yi_yuan),
          delta: money(g.delta_yi_yuan),
          year: g.year,
        }),
      ),
      h("p", { class: "hint" }, t("landuse.gepBasis", { basis: g.basis })),
      h("h4", {}, t("landuse.gepServices")),
      table(
        columns({ key: "label", label: t("landuse.gepService") }),
        g.services,
        { id: "landuse-gep-services" },
      ),
      h("h4", {}, t("landuse.gepCounties")),
      table(columns({ key: "label", label: t("landuse.gepCounty") }), changed, {
        id: "landuse-gep-counties",
      }),
      h(
        "p",
        { class: "hint" },
        t("landuse.gepUnchanged", { n: g.counties.length - changed.length }),
      ),
      note,
    );
    return box;
  }

  // ---- the list and the comparison
  const selectA = h("select", {
    id: "landuse-compare-a",
    "aria-label": t("landuse.compareA"),
  });
  const selectB = h("select", {
    id: "landuse-compare-b",
    "aria-label": t("landuse.compareB"),
  });
  const compareOut = h("div", { id: "landuse-compare-result" });
  const compareForm = h(
    "form",
    { class: "inline-form" },
    h("label", {}, t("landuse.compareA"), selectA),
    h("label", {}, t("landuse.compareB"), selectB),
    h(
      "button",
      { type: "submit", id: "landuse-compare-submit" },
      t("landuse.compare"),
    ),
  );
  add(
    compareBox,
    h("h2", {}, t("landuse.compareTitle")),
    compareForm,
    compareOut,
  );

  compareForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(compareOut);
    if (!selectA.value || !selectB.value) {
      add(compareOut, message("info", t("landuse.compareNeedTwo")));
      return;
    }
    let a, b;
    try {
      [a, b] = await Promise.all([
        get(`/api/landuse/scenarios/${selectA.value}`),
        get(`/api/landuse/scenarios/${selectB.value}`),
      ]);
    } catch (err) {
      add(compareOut, message("error", err.message));
      return;
    }
    const byCode = new Map(b.classes.map((r) => [r.code, r]));
    const rows = a.classes.map((r) => ({
      code: r.code,
      name: zh() ? r.name_zh : r.name_en,
      a: r.simulated_hm2,
      b: byCode.get(r.code)?.simulated_hm2 ?? null,
    }));
    add(
      compareOut,
      table(
        [
          {
            key: "name",
            label: t("landuse.class"),
            render: (r) => `${r.code} ${r.name}`,
          },
          {
            key: "a",
            label: `${a.name} (hm²)`,
            num: true,
            render: (r) => hm2(r.a),
          },
          {
            key: "b",
            label: `${b.name} (hm²)`,
            num: true,
            render: (r) => hm2(r.b),
          },
          {
            key: "d",
            label: t("landuse.difference"),
            num: true,
            render: (r) => (r.b === null ? "—" : hm2(r.b - r.a)),
          },
        ],
        rows,
        { id: "landuse-compare-table" },
      ),
    );
    // ΔGEP side by side, by service (when both scenarios were valued)
    if (!a.gep || !b.gep) {
      add(compareOut, message("info", t("landuse.gepNone")));
      return;
    }
    let ga, gb;
    try {
      [ga, gb] = await Promise.all(
        [a, b].map((s) =>
          get(`/api/landuse/scenarios/${s.id}/gep?lang=${lang()}`),
        ),
      );
    } catch (err) {
      add(compareOut, message("error", err.message));
      return;
    }
    const bByLabel = new Map(gb.services.map((r) => [r.label, r]));
    const gepRows = ga.services.map((r) => ({
      label: r.label,
      a: r.delta_wan_yuan,
      b: bByLabel.get(r.label)?.delta_wan_yuan ?? null,
    }));
    add(
      compareOut,
      h("h3", {}, t("landuse.compareGep")),
      h(
        "p",
        { id: "landuse-compare-gep-total" },
        t("landuse.compareGepTotal", {
          a: a.name,
          da: money(ga.delta_yi_yuan),
          b: b.name,
          db: money(gb.delta_yi_yuan),
        }),
      ),
      table(
        [
          { key: "label", label: t("landuse.gepService") },
          {
            key: "a",
            label: t("landuse.compareGepA", { name: a.name }),
            num: true,
            render: (r) => money(r.a),
          },
          {
            key: "b",
            label: t("landuse.compareGepA", { name: b.name }),
            num: true,
            render: (r) => money(r.b),
          },
          {
            key: "d",
            label: t("landuse.compareGepDiff"),
            num: true,
            render: (r) => (r.b === null ? "—" : money(r.b - r.a)),
          },
        ],
        gepRows,
        { id: "landuse-compare-gep" },
      ),
    );
  });

  async function loadList() {
    try {
      scenarios = await get("/api/landuse/scenarios");
    } catch (err) {
      add(clear(listBox), message("error", err.message));
      return;
    }
    const link = (s) =>
      h(
        "a",
        {
          href: "#",
          class: "landuse-open",
          "data-id": s.id,
          onclick: (e) => (e.preventDefault(), show(s.id)),
        },
        s.name,
      );
    add(
      clear(listBox),
      table(
        [
          { key: "name", label: t("landuse.name"), render: link },
          { key: "demand", label: t("landuse.demand"), render: demandText },
          {
            key: "state",
            label: t("landuse.state"),
            render: (s) => t(`job.${s.state}`, {}, s.state),
          },
          { key: "created_by", label: t("landuse.by") },
          {
            key: "created_at",
            label: t("landuse.made"),
            render: (s) => dateTime(s.created_at),
          },
        ],
        scenarios,
        { id: "landuse-scenarios" },
      ),
    );
    const done = scenarios.filter((s) => s.state === "done");
    for (const [select, pick] of [
      [selectA, 1],
      [selectB, 0],
    ]) {
      const keep = select.value;
      clear(select);
      for (const s of done)
        select.appendChild(
          h("option", { value: s.id }, `${s.name} (${dateTime(s.created_at)})`),
        );
      if (keep && done.some((s) => s.id === keep)) select.value = keep;
      else if (done[pick]) select.value = done[pick].id;
    }
  }

  await loadList();
  return () => {
    alive = false;
    if (timer) clearTimeout(timer);
  };
}
