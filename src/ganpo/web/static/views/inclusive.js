// Carbon-inclusive registry (碳普惠): the methodologies, the public ledger (serials,
// quantities, retirements, no participant), and for reviewers and the office the claims
// awaiting review or issuance; the sink projects on register parcels (decision 0052) and
// their issuance, without the owner. Figures in credits (1 credit = 1 kg CO2e) and tonnes.
import { ApiError, get, post } from "../api.js";
import { add, clear, h, message, number, table } from "../dom.js";
import { lang, t } from "../i18n.js";

const REVIEWERS = ["reviewer", "office", "admin"];
const ISSUERS = ["office", "admin"];

export async function render(root, ctx) {
  const role = ctx && ctx.me ? ctx.me.role : null;
  const methods = h("div", { id: "inclusive-methodologies" });
  const ledger = h("div", { id: "inclusive-ledger" });
  const claims = h("div", { id: "inclusive-submissions" });
  const sinks = h("div", { id: "inclusive-sinks" });
  const note = h("div", { id: "inclusive-message" });
  add(
    root,
    h("h1", {}, t("inclusive.title")),
    h("p", { class: "muted" }, t("inclusive.unit")),
    note,
    h(
      "div",
      { class: "card" },
      h("h2", {}, t("inclusive.methodologies")),
      methods,
    ),
    REVIEWERS.includes(role)
      ? h("div", { class: "card" }, h("h2", {}, t("inclusive.claims")), claims)
      : null,
    h("div", { class: "card" }, h("h2", {}, t("inclusive.sinks")), sinks),
    h("div", { class: "card" }, h("h2", {}, t("inclusive.ledger")), ledger),
  );

  const list = await get("/api/inclusive/methodologies");
  add(
    methods,
    table(
      [
        {
          key: "code",
          label: t("inclusive.methodology"),
          render: (m) =>
            `${m.code} v${m.version} ${lang() === "en" ? m.title_en : m.title_zh}`,
        },
        { key: "unit", label: t("inclusive.activityUnit") },
        {
          key: "factor",
          label: t("inclusive.factor"),
          render: (m) => `${m.factor} ${m.factor_unit}`,
        },
        {
          key: "factor_status",
          label: t("inclusive.status"),
          render: (m) =>
            h(
              "span",
              { class: m.factor_status === "verified" ? null : "tag" },
              t(`inclusive.factor.${m.factor_status}`),
            ),
        },
        {
          key: "evidence",
          label: t("inclusive.evidence"),
          render: (m) =>
            m.evidence.map((e) => (lang() === "en" ? e.en : e.zh)).join("；"),
        },
      ],
      list,
    ),
  );

  async function loadLedger() {
    const data = await get("/api/inclusive/public/ledger");
    add(
      clear(ledger),
      h(
        "p",
        { id: "inclusive-totals" },
        t("inclusive.totals", {
          issued: number(data.issued, 0),
          retired: number(data.retired, 0),
          redeemed: number(data.redeemed, 0),
          tonnes: number(data.issued / 1000, 3),
        }),
      ),
      table(
        [
          { key: "serials", label: t("inclusive.serials") },
          {
            key: "kind",
            label: t("inclusive.kind"),
            render: (e) => t(`inclusive.kind.${e.kind}`),
          },
          {
            key: "quantity",
            label: t("inclusive.credits"),
            num: true,
            render: (e) => number(e.quantity, 0),
          },
          { key: "vintage", label: t("inclusive.vintage") },
          { key: "date", label: t("inclusive.date") },
          {
            key: "purpose",
            label: t("inclusive.purpose"),
            render: (e) => e.purpose || "—",
          },
        ],
        data.entries,
      ),
    );
  }

  async function loadSinks() {
    const data = await get("/api/inclusive/public/sinks");
    if (!data.projects.length) {
      add(clear(sinks), h("p", { class: "muted" }, t("inclusive.sinks.none")));
      return;
    }
    add(
      clear(sinks),
      table(
        [
          {
            key: "project",
            label: t("inclusive.sinks.project"),
            render: (p) => `${p.project} ${p.name}`,
          },
          {
            key: "kind_zh",
            label: t("inclusive.kind"),
            render: (p) => (lang() === "en" ? p.kind_en : p.kind_zh),
          },
          { key: "vintage", label: t("inclusive.vintage") },
          {
            key: "parcels",
            label: t("inclusive.sinks.parcels"),
            render: (p) => p.parcels.join(", "),
          },
          {
            key: "measured_t_co2",
            label: t("inclusive.sinks.measured"),
            num: true,
            render: (p) =>
              p.measured_t_co2 === null ? "—" : number(p.measured_t_co2, 3),
          },
          {
            key: "issued",
            label: t("inclusive.sinks.issued"),
            num: true,
            render: (p) => number(p.issued / 1000, 3),
          },
          {
            key: "serials",
            label: t("inclusive.serials"),
            render: (p) => p.serials || "—",
          },
        ],
        data.projects,
      ),
    );
  }

  async function act(path, body) {
    clear(note);
    try {
      await post(path, body);
    } catch (err) {
      add(
        note,
        message("error", err instanceof ApiError ? err.message : String(err)),
      );
    }
    await Promise.all([loadClaims(), loadLedger(), loadSinks()]);
  }

  async function loadClaims() {
    if (!REVIEWERS.includes(role)) return;
    const rows = (await get("/api/inclusive/submissions")).filter((s) =>
      ["submitted", "approved"].includes(s.status),
    );
    add(
      clear(claims),
      table(
        [
          { key: "id", label: "#" },
          {
            key: "methodology",
            label: t("inclusive.methodology"),
            render: (s) => `${s.methodology} v${s.version}`,
          },
          { key: "asset_id", label: t("inclusive.asset") },
          {
            key: "period",
            label: t("inclusive.period"),
            render: (s) => `${s.period_start} – ${s.period_end}`,
          },
          {
            key: "reduction_kg",
            label: t("inclusive.credits"),
            num: true,
            render: (s) => number(s.reduction_kg, 0),
          },
          {
            key: "evidence",
            label: t("inclusive.evidence"),
            render: (s) => String(s.evidence.length),
          },
          {
            key: "status",
            label: t("inclusive.status"),
            render: (s) => t(`inclusive.claim.${s.status}`),
          },
          { key: "actions", label: "", render: (s) => actions(s) },
        ],
        rows,
        { "data-count": String(rows.length) },
      ),
    );
  }

  function actions(s) {
    if (s.status === "approved")
      return ISSUERS.includes(role)
        ? h(
            "button",
            {
              type: "button",
              class: "inclusive-issue",
              onclick: () => act(`/api/inclusive/submissions/${s.id}/issue`),
            },
            t("inclusive.issue"),
          )
        : "—";
    const reason = h("input", {
      class: "inclusive-reason",
      placeholder: t("inclusive.reason"),
    });
    const review = (approve) => () =>
      act(`/api/inclusive/submissions/${s.id}/review`, {
        approve,
        reason: reason.value.trim() || "—",
      });
    return h(
      "span",
      {},
      reason,
      h(
        "button",
        { type: "button", class: "inclusive-approve", onclick: review(true) },
        t("inclusive.approve"),
      ),
      h(
        "button",
        {
          type: "button",
          class: "secondary inclusive-reject",
          onclick: review(false),
        },
        t("inclusive.reject"),
      ),
    );
  }

  await Promise.all([loadLedger(), loadClaims(), loadSinks()]);
}
