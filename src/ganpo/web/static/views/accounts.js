// Accounts: the list with downloads (PDF report, Excel/CSV exports), running an account with
// visible progress (polling /api/jobs/{id}), and comparing two accounts.
import { ApiError, get, post, query, spoken } from "../api.js";
import { add, clear, dateTime, h, message, table } from "../dom.js";
import { fmt, moneyUnit, withUnit } from "../format.js";
import { lang, t } from "../i18n.js";

const POLL_MS = 700;

export async function render(root, ctx) {
  const { me, navigate } = ctx;
  let timer = null;
  let alive = true;
  const canRun = ["office", "admin"].includes(me.role);

  const listBox = h("div", { id: "account-list" });
  const runBox = h("div", { class: "card", id: "run-account" });
  const compareBox = h("div", { class: "card", id: "compare-accounts" });
  add(
    root,
    h("h1", {}, t("accounts.title")),
    canRun ? runBox : null,
    h("div", { class: "card" }, h("h2", {}, t("accounts.list")), listBox),
    compareBox,
  );

  let accounts = [];
  async function loadList() {
    accounts = await get("/api/accounts");
    accounts.sort((a, b) => b.year - a.year || b.id - a.id);
    const gepUnit = moneyUnit(accounts.map((a) => a.gep_cny));
    add(
      clear(listBox),
      table(
        [
          { key: "id", label: "#" },
          { key: "year", label: t("accounts.year") },
          {
            key: "status",
            label: t("accounts.status"),
            // a withdrawn or superseded account stays listed (records use it), marked
            render: (r) =>
              h(
                "span",
                {
                  class: r.current ? "" : "tag",
                  title: r.status_note || "",
                  "data-status": r.status,
                },
                t(`status.${r.status}`, { id: r.superseded_by }),
              ),
          },
          { key: "profile", label: t("accounts.profile") },
          { key: "parameter_set", label: t("accounts.parameters") },
          {
            key: "dataset_name",
            label: t("accounts.dataset"),
            render: (r) =>
              h(
                "span",
                {},
                r.dataset_name || "—",
                r.synthetic
                  ? h("span", { class: "tag" }, t("accounts.synthetic"))
                  : null,
              ),
          },
          {
            key: "created_at",
            label: t("accounts.created"),
            render: (r) => dateTime(r.created_at),
          },
          {
            key: "gep_cny",
            label: withUnit(t("metric.gep_cny"), gepUnit),
            num: true,
            render: (r) => fmt(r.gep_cny, gepUnit),
          },
          {
            key: "actions",
            label: t("accounts.actions"),
            render: (r) =>
              h(
                "span",
                { class: "actions" },
                h(
                  "a",
                  {
                    href: "#",
                    onclick: (e) => (
                      e.preventDefault(),
                      navigate("map", { account: r.id })
                    ),
                  },
                  t("accounts.onMap"),
                ),
                h(
                  "a",
                  {
                    href: `/api/accounts/${r.id}/report${query({ lang: "zh" })}`,
                    download: "",
                    "data-download": "report-zh",
                  },
                  t("accounts.reportZh"),
                ),
                h(
                  "a",
                  {
                    href: `/api/accounts/${r.id}/report${query({ lang: "en" })}`,
                    download: "",
                    "data-download": "report-en",
                  },
                  t("accounts.reportEn"),
                ),
                h(
                  "a",
                  {
                    href: `/api/accounts/${r.id}/export${query({ format: "xlsx" })}`,
                    download: "",
                    "data-download": "xlsx",
                  },
                  "Excel",
                ),
                h(
                  "a",
                  {
                    href: `/api/accounts/${r.id}/export${query({ format: "csv" })}`,
                    download: "",
                    "data-download": "csv",
                  },
                  "CSV",
                ),
              ),
          },
        ],
        accounts,
        { id: "accounts-table" },
      ),
    );
    fillCompare();
  }

  // ---- run an account
  if (canRun) {
    const year = h("input", {
      type: "number",
      id: "run-year",
      min: 1990,
      max: 2100,
      value:
        (ctx.platform && ctx.platform.default_year) ||
        new Date().getFullYear() - 1,
      required: true,
    });
    const profile = h("input", {
      id: "run-profile",
      placeholder: t("accounts.default"),
    });
    const params = h("input", {
      id: "run-parameters",
      placeholder: t("accounts.default"),
    });
    const button = h(
      "button",
      { type: "submit", id: "run-submit" },
      t("accounts.run"),
    );
    const progress = h("progress", {
      id: "run-progress",
      max: 1,
      value: 0,
      hidden: true,
    });
    const progressText = h("div", {
      id: "run-status",
      class: "run-status",
      "aria-live": "polite",
    });
    const form = h(
      "form",
      { class: "inline-form" },
      h("label", {}, t("accounts.year"), year),
      h("label", {}, t("accounts.profile"), profile),
      h("label", {}, t("accounts.parameters"), params),
      button,
    );
    add(
      runBox,
      h("h2", {}, t("accounts.runTitle")),
      h("p", { class: "hint" }, t("accounts.runHint")),
      form,
      progress,
      progressText,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clear(progressText);
      button.disabled = true;
      const body = { year: Number(year.value) };
      if (profile.value.trim()) body.profile = profile.value.trim();
      if (params.value.trim()) body.parameter_set = params.value.trim();
      try {
        const { job_id: jobId } = await post("/api/accounts/run", body);
        progress.hidden = false;
        progress.value = 0;
        poll(jobId);
      } catch (err) {
        button.disabled = false;
        const refused = message(
          "error",
          err.status === 409
            ? `${t("accounts.notApproved")} ${err.message}`
            : err.message,
        );
        if (err.status === 409)
          // where the forms of that year are approved, or base data adopted for them
          add(
            refused,
            " ",
            h(
              "a",
              { href: `#/review?year=${body.year}`, id: "run-to-review" },
              t("accounts.toReview"),
            ),
          );
        add(progressText, refused);
      }
    });

    async function poll(jobId) {
      if (!alive) return;
      let job;
      try {
        job = await get(`/api/jobs/${jobId}`);
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
        add(
          progressText,
          " ",
          h(
            "a",
            {
              href: "#",
              id: "run-result",
              onclick: (e) => (
                e.preventDefault(),
                navigate("map", { account: job.account_id })
              ),
            },
            t("accounts.result", { id: job.account_id }),
          ),
        );
        await loadList();
      } else if (job.state === "failed") {
        button.disabled = false;
        add(
          progressText,
          message("error", spoken(job, "message") || t("job.failed")),
        );
      } else {
        timer = setTimeout(() => poll(jobId), POLL_MS);
      }
    }
  }

  // ---- compare two accounts
  // A is the base period (基期), B the reporting period (报告期)
  const selectA = h("select", {
    id: "compare-a",
    "aria-label": t("compare.base"),
  });
  const selectB = h("select", {
    id: "compare-b",
    "aria-label": t("compare.report"),
  });
  const compareOut = h("div", { id: "compare-result" });
  const compareForm = h(
    "form",
    { class: "inline-form" },
    h("label", { for: "compare-a" }, t("compare.base"), selectA),
    h("label", { for: "compare-b" }, t("compare.report"), selectB),
    h(
      "button",
      { type: "submit", id: "compare-submit" },
      t("accounts.compare"),
    ),
  );
  add(
    compareBox,
    h("h2", {}, t("accounts.compareTitle")),
    h("p", { class: "hint" }, t("accounts.compareHint")),
    compareForm,
    compareOut,
  );
  function fillCompare() {
    for (const [select, pick] of [
      [selectA, 1],
      [selectB, 0],
    ]) {
      const before = select.value;
      add(
        clear(select),
        ...accounts.map((a) =>
          h("option", { value: a.id }, `${a.year} · #${a.id}`),
        ),
      );
      if (before) select.value = before;
      else if (accounts[pick]) select.value = String(accounts[pick].id);
    }
  }
  compareForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(compareOut);
    if (!selectA.value || !selectB.value) return;
    try {
      const [result, indicators] = await Promise.all([
        get(`/api/compare${query({ a: selectA.value, b: selectB.value })}`),
        get(`/api/accounts/${selectB.value}/indicators`).catch(() => []),
      ]);
      const key = lang() === "en" ? "name_en" : "name_zh";
      const names = new Map(
        indicators.map((r) => [r.indicator, r[key] || r.name_zh]),
      );
      const [ya, yb] = [result.a?.year, result.b?.year];
      if (ya !== undefined && yb !== undefined && ya > yb)
        add(compareOut, message("info", t("compare.order")));
      add(compareOut, renderComparison(result, names));
    } catch (err) {
      add(
        compareOut,
        message("error", err instanceof ApiError ? err.message : String(err)),
      );
    }
  });

  await loadList();
  return () => {
    alive = false;
    if (timer) clearTimeout(timer);
  };
}

// the change from A to B split into a price effect and a quantity effect (GEP row first,
// then per indicator and per county), as /api/compare returns it
function renderComparison(result, names) {
  const byIndicator = result.by_indicator || [];
  const byCounty = result.by_county || [];
  const total = byIndicator.find((r) => r.indicator === "GEP");
  const change = (r) => Number(r.value_b) - Number(r.value_a);
  // one unit per table, from the magnitude of its two periods' values
  const unitOf = (rows) =>
    moneyUnit(rows.flatMap((r) => [r.value_a, r.value_b]));
  const indicatorUnit = unitOf(byIndicator);
  const countyUnit = unitOf(byCounty);
  const base = `${t("compare.base")} ${result.a?.year ?? ""}`;
  const report = `${t("compare.report")} ${result.b?.year ?? ""}`;
  const moneyCols = (unit) => [
    {
      key: "value_a",
      label: withUnit(base, unit),
      num: true,
      render: (r) => fmt(r.value_a, unit),
    },
    {
      key: "value_b",
      label: withUnit(report, unit),
      num: true,
      render: (r) => fmt(r.value_b, unit),
    },
    {
      key: "change",
      label: withUnit(t("compare.change"), unit),
      num: true,
      render: (r) => fmt(change(r), unit),
    },
    {
      key: "price_effect",
      label: withUnit(t("compare.price"), unit),
      num: true,
      render: (r) => fmt(r.price_effect, unit),
    },
    {
      key: "quantity_effect",
      label: withUnit(t("compare.quantity"), unit),
      num: true,
      render: (r) => fmt(r.quantity_effect, unit),
    },
  ];
  const u = indicatorUnit;
  return h(
    "div",
    { class: "comparison" },
    total
      ? h(
          "dl",
          { class: "kv", id: "compare-total" },
          h("dt", {}, withUnit(base, u)),
          h("dd", { id: "compare-base" }, fmt(total.value_a, u)),
          h("dt", {}, withUnit(report, u)),
          h("dd", { id: "compare-report" }, fmt(total.value_b, u)),
          h("dt", {}, withUnit(t("compare.change"), u)),
          h("dd", {}, fmt(change(total), u)),
          h("dt", {}, withUnit(t("compare.price"), u)),
          h("dd", {}, fmt(total.price_effect, u)),
          h("dt", {}, withUnit(t("compare.quantity"), u)),
          h("dd", {}, fmt(total.quantity_effect, u)),
          h("dt", {}, t("compare.priceYear")),
          h("dd", {}, String(result.price_year ?? "—")),
        )
      : null,
    h("h3", {}, t("compare.byIndicator")),
    table(
      [
        {
          key: "indicator",
          label: t("compare.indicator"),
          render: (r) =>
            r.indicator === "GEP"
              ? t("metric.gep_cny")
              : names.get(r.indicator) || r.indicator,
        },
        ...moneyCols(indicatorUnit),
      ],
      byIndicator,
      { id: "compare-indicators" },
    ),
    h(
      "details",
      {},
      h("summary", {}, t("compare.byCounty"), ` (${byCounty.length})`),
      table(
        [{ key: "name", label: t("compare.unit") }, ...moneyCols(countyUnit)],
        byCounty.map((r) => ({
          ...r,
          name: lang() === "en" && r.name_en ? r.name_en : r.name,
        })),
      ),
    ),
  );
}
